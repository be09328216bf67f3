/* pk_secret_seal / pk_secret_open and the client-keyed pk_client_seal / pk_client_open: what a
 * sealed commit token in private state allows and refuses. */
#include "crypto_test_util.h"

/* A sealed secret opens with the same material and purpose only, and never shows in the text. */
Test(secret_seal, round_trip_and_refusals)
{
    char *sealed = NULL, *open = NULL;
    const char *token = "one-time-commit-token-0123456789";
    cr_assert_eq(pk_secret_seal(token, "phak_key", "commit-token", &sealed), 0);
    cr_assert_null(strstr(sealed, "one-time"));
    cr_assert_eq(pk_secret_open(sealed, "phak_key", "commit-token", &open), 0);
    cr_assert_str_eq(open, token);
    free(open);
    cr_assert_eq(pk_secret_open(sealed, "phak_other", "commit-token", &open), -1);
    cr_assert_eq(pk_secret_open(sealed, "phak_key", "other-purpose", &open), -1);
    sealed[strlen(sealed) - 1] ^= 1; /* one flipped bit */
    cr_assert_eq(pk_secret_open(sealed, "phak_key", "commit-token", &open), -1);
    cr_assert_null(open);
    cr_assert_eq(pk_secret_open("zz", "phak_key", "commit-token", &open), -1);
    cr_assert_eq(pk_secret_seal(token, "", "commit-token", &sealed), -1, "no key material");
    free(sealed);
}

static pk_client *client_with(const char *key, const char *token)
{
    pk_config cfg;
    pk_config_init(&cfg);
    cfg.api_key = key;
    cfg.bearer_token = token;
    cfg.api_prefix = "http://127.0.0.1:1/api/v1";
    pk_client *c = NULL;
    cr_assert_eq(pk_client_new(&cfg, &c, NULL), 0);
    return c;
}

/* Sealing keyed by the client's credential: another credential, or none, opens nothing. */
Test(secret_seal, keyed_by_the_clients_credential)
{
    pk_client *a = client_with("phak_a", NULL), *a2 = client_with("phak_a", NULL);
    pk_client *b = client_with("phak_b", NULL), *oidc = client_with(NULL, "eyJ.token");
    char *sealed = NULL, *open = NULL;
    cr_assert_eq(pk_client_seal(a, "tok", "p", &sealed), 0);
    cr_assert_eq(pk_client_open(a2, sealed, "p", &open), 0, "same credential, another process");
    cr_assert_str_eq(open, "tok");
    free(open);
    cr_assert_eq(pk_client_open(b, sealed, "p", &open), -1);
    cr_assert_eq(pk_client_open(oidc, sealed, "p", &open), -1);
    cr_assert_eq(pk_client_open(NULL, sealed, "p", &open), -1);
    free(sealed);
    cr_assert_eq(pk_client_seal(oidc, "tok", "p", &sealed), 0, "an OIDC token seals too");
    free(sealed);
    pk_client_free(a);
    pk_client_free(a2);
    pk_client_free(b);
    pk_client_free(oidc);
}
