/* ca_probe.c — one API call through libphalakms, linked like the release provider (static), for
 * the CA lookup tests: `ca_probe API_PREFIX` lists the KMS instances of the API at API_PREFIX
 * (PHALA_CLOUD_API_KEY gives the key) and prints "ok N", or the error a user of the provider would
 * see and exits 1. No retries: a TLS failure is reported at once. */
#include <phalakms.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fputs("usage: ca_probe API_PREFIX\n", stderr);
        return 2;
    }
    pk_config cfg;
    pk_config_init(&cfg);
    cfg.api_prefix = argv[1];
    cfg.max_retries = 0;
    cfg.timeout_ms = 20000;
    pk_client *c = NULL;
    pk_error err = {0};
    pk_kms_list list = {0};
    int rc = 1;
    if (pk_client_new(&cfg, &c, &err) == 0 &&
        pk_kms_list_fetch(c, PK_UNSET, 0, 0, &list, &err) == 0) {
        printf("ok %zu\n", list.n_items);
        rc = 0;
    } else {
        printf("error: %s\n", pk_error_message(&err));
    }
    pk_kms_list_free(&list);
    pk_error_clear(&err);
    pk_client_free(c);
    return rc;
}
