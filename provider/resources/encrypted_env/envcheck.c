/* envcheck.c — see envcheck.h. */
#include "envcheck.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envsigner.h"
#include "tflog.h"

void env_check_free(env_check *k)
{
    free(k->why);
    memset(k, 0, sizeof *k);
}

static char *with_0x(const char *hex)
{
    size_t n = strlen(phala_strip0x(hex)) + 3;
    char *s = malloc(n);
    if (s) snprintf(s, n, "0x%s", phala_strip0x(hex));
    return s;
}

void env_check_registration(pk_client *client, const phala_config *pc, const char *cvm_id,
                            const char *app_id, const char *hash, const char *device_id,
                            bool has_chain, int64_t chain_id, env_check *out)
{
    memset(out, 0, sizeof *out);
    if (!hash) {
        out->why = strdup("no compose hash is pending");
        return;
    }
    char *h = with_0x(hash);
    char *d = device_id ? with_0x(device_id) : NULL;
    if (env_chain_can_read(pc) && app_id) {
        bool hash_ok = false, dev_ok = true;
        out->source = "the app contract (onchain rpc_url)";
        if (env_chain_check(pc, app_id, h, d, has_chain, chain_id, &hash_ok, &dev_ok, &out->why) ==
            0) {
            out->hash_allowed = hash_ok ? PK_TRUE : PK_FALSE;
            out->device_allowed = d ? (dev_ok ? PK_TRUE : PK_FALSE) : PK_UNSET;
        }
    } else if (client) {
        pk_is_allowed a;
        pk_error err = {0};
        out->source = "POST /cvms/{id}/is-allowed";
        if (pk_cvm_is_allowed(client, cvm_id, phala_strip0x(h), d ? phala_strip0x(d) : NULL, &a,
                              &err) == 0) {
            if (a.error) {
                out->why = strdup(a.error); /* the server could not ask the chain itself */
            } else {
                out->hash_allowed = a.compose_hash_allowed ? PK_TRUE : PK_FALSE;
                out->device_allowed = a.device_id_allowed != PK_UNSET ? a.device_id_allowed
                                      : a.allow_any_device            ? PK_TRUE
                                                                      : PK_UNSET;
            }
            pk_is_allowed_free(&a);
        } else {
            out->why = strdup(err.http_status == 404 || err.http_status == 405
                                  ? "the API does not offer POST /cvms/{id}/is-allowed (and no "
                                    "onchain rpc_url is configured)"
                                  : pk_error_message(&err));
        }
        pk_error_clear(&err);
    } else {
        out->why = strdup("no API client");
    }
    tf_log(TF_LOG_INFO, "checked the pending registration", "compose_hash", h, "source",
           out->source ? out->source : "(none)", "hash_allowed",
           out->hash_allowed == PK_TRUE    ? "true"
           : out->hash_allowed == PK_FALSE ? "false"
                                           : "unknown",
           NULL);
    free(h);
    free(d);
}
