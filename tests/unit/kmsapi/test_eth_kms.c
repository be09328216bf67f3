/* Offline checks of the DstackKms reads (kms_contract.c) through canned JSON-RPC answers: the k256
 * key kmsInfo() holds, and registeredApps(app) — every malformed answer a contract or a node can give
 * is an error (or "cannot tell"), never a key taken from the wrong bytes. */
#include "crypto_test_util.h"
#include "eth/eth_priv.h"

#define KMS   "0x2f83172a49584c017f2b256f0fb2dca14126ba9c"
#define APP   "0xe78a0f7e598cc8b0bb87894b0f60dd2a88d6a8ab"
#define KEY_X "1b84c5567b126440995d3ed5aaba0565d71e1834604819ff9c17f5e9d5dd078f"
#define KEY   "03" KEY_X
#define W0    "0000000000000000000000000000000000000000000000000000000000000000"

static const char *g_body;
static char g_last_request[2048];

static char *fake(const char *request, size_t *len)
{
    snprintf(g_last_request, sizeof g_last_request, "%s", request);
    *len = strlen(g_body);
    return strdup(g_body);
}

static pk_eth *fake_eth(const char *body)
{
    static pk_eth *eth;
    if (!eth) {
        pk_eth_config cfg = {.rpc_url = "http://127.0.0.1:9", .timeout_ms = 200};
        pk_error e = {0};
        cr_assert_eq(pk_eth_new(&cfg, &eth, &e), 0);
        pkx_eth_set_fake(fake);
    }
    g_body = body;
    return eth;
}

/* {"result": "0x<hex>"} */
static char *answer(const char *hex)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"0x%s\"}", hex);
    return buf;
}

/* kmsInfo()'s (bytes, bytes, bytes, bytes) with the first member `first` (hex) and empty others. */
static char *kms_info(const char *first, size_t first_len)
{
    static char hex[3000];
    char padded[400] = "";
    size_t n = strlen(first);
    snprintf(padded, sizeof padded, "%s", first);
    while (n % 64) padded[n++] = '0';
    padded[n] = 0;
    size_t words = n / 64;
    snprintf(hex, sizeof hex, "%064x%064zx%064zx%064zx%064zx%s%s%s%s", 0x80, 0xa0 + 32 * words,
             0xc0 + 32 * words, 0xe0 + 32 * words, first_len, padded, W0, W0, W0);
    return answer(hex);
}

Test(eth_kms, k256_from_kms_info)
{
    char k[PK_ETH_K256_STRLEN];
    pk_error err = {0};
    cr_assert_eq(pk_eth_kms_k256(fake_eth(kms_info(KEY, 33)), KMS, k, &err), 0, "%s",
                 pk_error_message(&err));
    cr_expect_str_eq(k, "0x" KEY);
    cr_expect(strstr(g_last_request, "\"data\":\"0x09177063\"") != NULL, "%s", g_last_request);
    cr_expect(strstr(g_last_request, KMS) != NULL, "asks the KMS contract: %s", g_last_request);
}

static void k256_refused(const char *body, const char *needle)
{
    char k[PK_ETH_K256_STRLEN] = "x";
    pk_error err = {0};
    cr_expect_eq(pk_eth_kms_k256(fake_eth(body), KMS, k, &err), -1, "%s", body);
    cr_expect_eq(k[0], 0, "no key on failure");
    cr_expect(strstr(pk_error_message(&err), needle) != NULL, "'%s' lacks '%s'",
              pk_error_message(&err), needle);
    pk_error_clear(&err);
}

Test(eth_kms, k256_malformed_answers)
{
    k256_refused(answer(""), "returned nothing");                 /* no code */
    k256_refused(kms_info("", 0), "holds no k256 key");           /* not set yet */
    k256_refused(kms_info("04" KEY, 34), "not a compressed");     /* wrong length */
    k256_refused(kms_info("05" KEY_X, 33), "not a compressed");   /* bad prefix */
    k256_refused(answer(W0), "not (bytes, bytes, bytes, bytes)"); /* offset 0 → no length */
    k256_refused(answer("00000000000000000000000000000000000000000000000000000000000000ff"),
                 "not (bytes, bytes, bytes, bytes)");                     /* offset past the end */
    k256_refused(kms_info(KEY, 200), "not (bytes, bytes, bytes, bytes)"); /* length past the end */
    k256_refused("{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":3,\"message\":\"execution "
                 "reverted\"}}",
                 "execution reverted");
}

Test(eth_kms, registered_apps)
{
    pk_error err = {0};
    pk_tristate t;
    cr_expect_eq(pk_eth_kms_app_registered(fake_eth(answer(W0 "")), KMS, APP, &t, &err), 0);
    cr_expect_eq(t, PK_FALSE);
    cr_expect(strstr(g_last_request, "0xa6c4cce9000000000000000000000000e78a0f7e") != NULL, "%s",
              g_last_request);
    cr_expect_eq(
        pk_eth_kms_app_registered(
            fake_eth(answer("0000000000000000000000000000000000000000000000000000000000000001")),
            KMS, APP, &t, &err),
        0);
    cr_expect_eq(t, PK_TRUE);
    /* cannot tell: no code, not a bool, a revert */
    cr_expect_eq(pk_eth_kms_app_registered(fake_eth(answer("")), KMS, APP, &t, &err), 0);
    cr_expect_eq(t, PK_UNSET);
    cr_expect_eq(
        pk_eth_kms_app_registered(
            fake_eth(answer("0000000000000000000000000000000000000000000000000000000000000002")),
            KMS, APP, &t, &err),
        0);
    cr_expect_eq(t, PK_UNSET);
    cr_expect_eq(pk_eth_kms_app_registered(
                     fake_eth("{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":3,\"message\":"
                              "\"execution reverted\"}}"),
                     KMS, APP, &t, &err),
                 0);
    cr_expect_eq(t, PK_UNSET);
    cr_expect_eq(pk_eth_kms_app_registered(fake_eth(answer("")), KMS, "not-an-app", &t, &err), -1);
    cr_expect_eq(err.kind, PK_ERR_INVALID_ARG);
    pk_error_clear(&err);
}
