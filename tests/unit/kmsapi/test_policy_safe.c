/* The policy calls as bytes and text, and the Safe transaction around them (phalakms/policy.h), offline:
 * selectors and words, malformed input refused with an error naming it, the MultiSend list's layout,
 * and safeTxHash against values @safe-global/protocol-kit computed for the same transactions (the Node
 * tests eth_safe_encoder / eth_safe_exec recompute them on every run). */
#include "crypto_test_util.h"
#include "eth/eth_priv.h"
#include "phalakms/policy.h"

#include <cjson/cJSON.h>

#define SAFE    "0xd5f8b30d626fa9b33889da4ab71f36317f8bb193"
#define APP     "0xdb56f2e9369e0d7bd191099125a3f6c370f8ed15"
#define MULTI   "0x67b5656d60a809915323bf2c40a8bef15a152e3e"
#define HASH_AB "0xabababababababababababababababababababababababababababababababab"
#define HASH_CD "0xcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"

static pk_policy_call mk(pk_policy_op op, const char *value, bool flag)
{
    pk_policy_call c = {.op = op, .flag = flag};
    if (value) snprintf(c.value, sizeof c.value, "%s", value);
    return c;
}

static char *hex_of(const uint8_t *b, size_t n)
{
    char *s = malloc(2 * n + 1);
    pk_hex_encode(b, n, s, 2 * n + 1);
    return s;
}

static void expect_calldata(pk_policy_call c, const char *want)
{
    uint8_t cd[PK_ETH_CALLDATA_BYTES];
    cr_assert_eq(pk_policy_calldata(&c, cd), 0, "%s", want);
    char *got = hex_of(cd, sizeof cd);
    cr_expect_str_eq(got, want);
    free(got);
}

Test(policy_calls, calldata_of_every_call)
{
    const char *ab = &HASH_AB[2];
    char want[80];
    snprintf(want, sizeof want, "dfc77223%s", ab);
    expect_calldata(mk(PK_POLICY_ADD_COMPOSE_HASH, HASH_AB, false), want);
    snprintf(want, sizeof want, "67b3f22c%s", ab);
    expect_calldata(mk(PK_POLICY_REMOVE_COMPOSE_HASH, HASH_AB, false), want);
    snprintf(want, sizeof want, "2a819728%s", ab);
    expect_calldata(mk(PK_POLICY_ADD_DEVICE, ab, false), want); /* without 0x */
    snprintf(want, sizeof want, "1d266200%s", ab);
    expect_calldata(mk(PK_POLICY_REMOVE_DEVICE,
                       "0xABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB", false),
                    want);
    expect_calldata(mk(PK_POLICY_SET_ALLOW_ANY_DEVICE, NULL, true),
                    "7c4beeb80000000000000000000000000000000000000000000000000000000000000001");
    /* the value is unused for setAllowAnyDevice, whatever it holds */
    expect_calldata(mk(PK_POLICY_SET_ALLOW_ANY_DEVICE, "junk", false),
                    "7c4beeb80000000000000000000000000000000000000000000000000000000000000000");
}

Test(policy_calls, malformed_values_are_refused)
{
    uint8_t cd[PK_ETH_CALLDATA_BYTES];
    const char *bad[] = {"", "0x", "0xabab",
                         "ab" /* 33 bytes without 0x */ "ababababababababababababababababababababab"
                         "ababababababababababab",
                         "0xzzababababababababababababababababababababababababababababababab"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pk_policy_call c = mk(PK_POLICY_ADD_COMPOSE_HASH, bad[i], false);
        cr_expect_eq(pk_policy_calldata(&c, cd), -1, "\"%s\"", bad[i]);
    }
    pk_policy_call full = {.op = PK_POLICY_ADD_DEVICE};
    memset(full.value, 'a', sizeof full.value); /* no NUL anywhere: never read past the field */
    cr_expect_eq(pk_policy_calldata(&full, cd), -1);
    pk_policy_call unknown = mk((pk_policy_op)99, HASH_AB, false);
    cr_expect_eq(pk_policy_calldata(&unknown, cd), -1);
    cr_expect_eq(pk_policy_calldata(NULL, cd), -1);
}

Test(policy_calls, call_text)
{
    char t[160];
    pk_policy_call c =
        mk(PK_POLICY_REMOVE_COMPOSE_HASH,
           "ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB", false);
    pk_policy_call_text(&c, t, sizeof t);
    cr_expect_str_eq(t, "removeComposeHash(" HASH_AB ")"); /* as the chain sees it: 0x, lowercase */
    c = mk(PK_POLICY_ADD_DEVICE, HASH_CD, false);
    pk_policy_call_text(&c, t, sizeof t);
    cr_expect_str_eq(t, "addDevice(" HASH_CD ")");
    c = mk(PK_POLICY_SET_ALLOW_ANY_DEVICE, NULL, false);
    pk_policy_call_text(&c, t, sizeof t);
    cr_expect_str_eq(t, "setAllowAnyDevice(false)");
    c.flag = true;
    pk_policy_call_text(&c, t, sizeof t);
    cr_expect_str_eq(t, "setAllowAnyDevice(true)");
    c = mk(PK_POLICY_ADD_COMPOSE_HASH, "0x12", false);
    pk_policy_call_text(&c, t, sizeof t);
    cr_expect_str_eq(t, "addComposeHash(invalid value)");
    c = mk((pk_policy_op)42, HASH_AB, false);
    pk_policy_call_text(&c, t, sizeof t);
    cr_expect_str_eq(t, "(unknown call)");
    char small[10];
    c = mk(PK_POLICY_ADD_COMPOSE_HASH, HASH_AB, false);
    pk_policy_call_text(&c, small, sizeof small);
    cr_expect_str_eq(small, "addCompos");
}

/* The three calls of eth_safe_exec's batch; protocol-kit computed this hash for them (chain 8453, the
 * chain's Safe and MultiSendCallOnly, nonce 0). */
Test(safe_tx, several_calls_go_through_multisend)
{
    pk_policy_call calls[] = {mk(PK_POLICY_ADD_COMPOSE_HASH, HASH_AB, false),
                              mk(PK_POLICY_ADD_DEVICE, HASH_CD, false),
                              mk(PK_POLICY_SET_ALLOW_ANY_DEVICE, NULL, false)};
    pk_safe_tx t;
    pk_error err = {0};
    cr_assert_eq(pk_safe_tx_build(8453, SAFE, 0, MULTI, APP, calls, 3, &t, &err), 0, "%s",
                 pk_error_message(&err));
    cr_expect_str_eq(t.safe_tx_hash,
                     "0x78b5b4fa993f789a4129ffaaa7c09948a479c14103271357edcdec5f9765b889");
    cr_expect_str_eq(t.to, MULTI);
    cr_expect_str_eq(t.safe, SAFE);
    cr_expect_eq(t.operation, 1);
    cr_expect_eq(t.chain_id, 8453);
    /* multiSend(bytes): selector, offset 32, length 3 * 121, then the entries padded to a word */
    cr_assert_eq(t.data_len, 4 + 32 + 32 + (3 * 121 + 31) / 32 * 32);
    char *sel = hex_of(t.data, 4);
    cr_expect_str_eq(sel, "8d80ff0a");
    free(sel);
    cr_expect_eq(t.data[4 + 31], 0x20);
    cr_expect_eq(t.data[36 + 30] * 256 + t.data[36 + 31], 3 * 121);
    uint8_t app[20];
    pk_eth_address_parse(APP, app);
    for (int i = 0; i < 3; i++) {
        const uint8_t *e = t.data + 68 + 121 * i;
        uint8_t cd[PK_ETH_CALLDATA_BYTES];
        cr_expect_eq(e[0], 0, "entry %d is a CALL (MultiSendCallOnly refuses anything else)", i);
        cr_expect_eq(memcmp(e + 1, app, 20), 0);
        for (int k = 21; k < 21 + 32 + 31; k++)
            cr_expect_eq(e[k], 0, "value and length high bytes");
        cr_expect_eq(e[21 + 32 + 31], 36);
        pk_policy_calldata(&calls[i], cd);
        cr_expect_eq(memcmp(e + 85, cd, 36), 0);
    }
    for (size_t k = 68 + 3 * 121; k < t.data_len; k++) cr_expect_eq(t.data[k], 0, "padding");
    /* another nonce, chain or Safe is another hash */
    pk_safe_tx u;
    cr_assert_eq(pk_safe_tx_build(8453, SAFE, 1, MULTI, APP, calls, 3, &u, &err), 0);
    cr_expect_str_neq(u.safe_tx_hash, t.safe_tx_hash);
    pk_safe_tx_free(&u);
    cr_assert_eq(pk_safe_tx_build(1, SAFE, 0, MULTI, APP, calls, 3, &u, &err), 0);
    cr_expect_str_neq(u.safe_tx_hash, t.safe_tx_hash);
    pk_safe_tx_free(&u);
    /* no MultiSendCallOnly named: the canonical 1.4.1 one */
    cr_assert_eq(pk_safe_tx_build(8453, SAFE, 0, NULL, APP, calls, 3, &u, &err), 0);
    cr_expect_str_eq(u.to, PK_SAFE_MULTISEND_CALL_ONLY_141);
    cr_expect_str_eq(u.to, "0x9641d764fc13c8b624c04430c7356c1c7c8102e2");
    pk_safe_tx_free(&u);
    pk_safe_tx_free(&t);
    cr_expect_null(t.data);
    pk_error_clear(&err);
}

/* One call: the app itself, operation CALL; protocol-kit's hash for removeComposeHash(0xab…) at nonce 1. */
Test(safe_tx, one_call_is_direct)
{
    pk_policy_call c = mk(PK_POLICY_REMOVE_COMPOSE_HASH, HASH_AB, false);
    pk_safe_tx t;
    pk_error err = {0};
    cr_assert_eq(pk_safe_tx_build(8453, SAFE, 1, MULTI, APP, &c, 1, &t, &err), 0);
    cr_expect_str_eq(t.safe_tx_hash,
                     "0xaf17c095d49c2bea3e21123019a2dfb54a5606c4d9a988c92fa265c05a788ebc");
    cr_expect_str_eq(t.to, APP);
    cr_expect_eq(t.operation, 0);
    cr_assert_eq(t.data_len, 36);
    uint8_t cd[36];
    pk_policy_calldata(&c, cd);
    cr_expect_eq(memcmp(t.data, cd, 36), 0);
    pk_safe_tx_free(&t);
    pk_error_clear(&err);
}

static void expect_build_error(uint64_t chain, const char *safe, const char *ms, const char *app,
                               const pk_policy_call *calls, size_t n, const char *needle)
{
    pk_safe_tx t;
    pk_error err = {0};
    cr_expect_eq(pk_safe_tx_build(chain, safe, 0, ms, app, calls, n, &t, &err), -1, "%s", needle);
    cr_expect_eq(err.kind, PK_ERR_INVALID_ARG);
    cr_expect_not_null(strstr(pk_error_message(&err), needle), "\"%s\" in \"%s\"", needle,
                       pk_error_message(&err));
    cr_expect_null(t.data);
    pk_error_clear(&err);
}

Test(safe_tx, malformed_input_names_what)
{
    pk_policy_call ok[2] = {mk(PK_POLICY_ADD_COMPOSE_HASH, HASH_AB, false),
                            mk(PK_POLICY_ADD_DEVICE, HASH_CD, false)};
    pk_policy_call bad[2] = {mk(PK_POLICY_ADD_COMPOSE_HASH, HASH_AB, false),
                             mk(PK_POLICY_ADD_DEVICE, "0xcdcd", false)};
    expect_build_error(8453, "0x1234", MULTI, APP, ok, 2,
                       "Safe \"0x1234\" is not an Ethereum address");
    expect_build_error(8453, NULL, MULTI, APP, ok, 2, "Safe \"\" is not");
    expect_build_error(8453, SAFE, MULTI, "0xdb56f2e9369e0d7bd191099125a3f6c370f8ed1g", ok, 2,
                       "app \"0xdb56f2e9369e0d7bd191099125a3f6c370f8ed1g\" is not");
    expect_build_error(8453, SAFE, "nope", APP, ok, 2, "MultiSendCallOnly \"nope\" is not");
    expect_build_error(8453, SAFE, MULTI, APP, ok, 0, "needs calls");
    expect_build_error(8453, SAFE, MULTI, APP, NULL, 2, "needs calls");
    expect_build_error(0, SAFE, MULTI, APP, ok, 2, "chain id 0");
    expect_build_error(8453, SAFE, MULTI, APP, bad, 2, "call 2: the value is not 32 bytes of hex");
}

Test(safe_batch, json_shape_and_consistency)
{
    pk_policy_call calls[] = {mk(PK_POLICY_ADD_COMPOSE_HASH, HASH_AB, false),
                              mk(PK_POLICY_SET_ALLOW_ANY_DEVICE, NULL, true)};
    pk_safe_tx t;
    pk_error err = {0};
    cr_assert_eq(pk_safe_tx_build(8453, SAFE, 12, MULTI, APP, calls, 2, &t, &err), 0);
    char *json = NULL;
    cr_assert_eq(pk_safe_batch_json(&t, APP, calls, 2, &json, &err), 0, "%s",
                 pk_error_message(&err));
    cJSON *j = cJSON_Parse(json);
    cr_assert_not_null(j);
    cr_expect_str_eq(cJSON_GetObjectItem(j, "version")->valuestring, "1.0");
    cr_expect_str_eq(cJSON_GetObjectItem(j, "chainId")->valuestring, "8453");
    cr_expect_gt(cJSON_GetObjectItem(j, "createdAt")->valuedouble, 1.7e12); /* ms, not s */
    cJSON *meta = cJSON_GetObjectItem(j, "meta");
    cr_expect_str_eq(cJSON_GetObjectItem(meta, "createdFromSafeAddress")->valuestring,
                     "0xd5F8b30D626FA9b33889DA4Ab71f36317F8BB193"); /* EIP-55 */
    cr_expect_str_eq(cJSON_GetObjectItem(meta, "description")->valuestring,
                     "addComposeHash(" HASH_AB "); setAllowAnyDevice(true)");
    cJSON *txs = cJSON_GetObjectItem(j, "transactions");
    cr_assert_eq(cJSON_GetArraySize(txs), 2);
    cJSON *tx1 = cJSON_GetArrayItem(txs, 1);
    cr_expect_str_eq(cJSON_GetObjectItem(tx1, "to")->valuestring,
                     "0xDb56f2e9369E0D7bD191099125a3f6C370F8ed15");
    cr_expect_str_eq(cJSON_GetObjectItem(tx1, "value")->valuestring, "0");
    cr_expect_str_eq(cJSON_GetObjectItem(tx1, "data")->valuestring,
                     "0x7c4beeb80000000000000000000000000000000000000000000000000000000000000001");
    cJSON *st = cJSON_GetObjectItem(j, "safeTransaction");
    cr_expect_str_eq(cJSON_GetObjectItem(st, "safe")->valuestring, SAFE);
    cr_expect_str_eq(cJSON_GetObjectItem(st, "to")->valuestring, MULTI);
    cr_expect_eq(cJSON_GetObjectItem(st, "operation")->valueint, 1);
    cr_expect_eq(cJSON_GetObjectItem(st, "nonce")->valueint, 12);
    cr_expect_str_eq(cJSON_GetObjectItem(st, "safeTxHash")->valuestring, t.safe_tx_hash);
    char *data = hex_of(t.data, t.data_len);
    cr_expect_str_eq(cJSON_GetObjectItem(st, "data")->valuestring + 2, data);
    free(data);
    cJSON *texts = cJSON_GetObjectItem(j, "calls");
    cr_expect_str_eq(cJSON_GetArrayItem(texts, 0)->valuestring, "addComposeHash(" HASH_AB ")");
    cr_expect_str_eq(cJSON_GetArrayItem(texts, 1)->valuestring, "setAllowAnyDevice(true)");
    cJSON_Delete(j);
    free(json);

    /* A transaction that does not make these calls is refused: changed data, other calls, other app. */
    t.data[t.data_len - 40] ^= 1;
    cr_expect_eq(pk_safe_batch_json(&t, APP, calls, 2, &json, &err), -1);
    cr_expect_null(json);
    cr_expect_not_null(strstr(pk_error_message(&err), "does not make these calls"));
    t.data[t.data_len - 40] ^= 1;
    calls[1].flag = false;
    cr_expect_eq(pk_safe_batch_json(&t, APP, calls, 2, &json, &err), -1);
    calls[1].flag = true;
    cr_expect_eq(pk_safe_batch_json(&t, SAFE, calls, 2, &json, &err), -1);
    t.safe_tx_hash[5] = t.safe_tx_hash[5] == 'a' ? 'b' : 'a';
    cr_expect_eq(pk_safe_batch_json(&t, APP, calls, 2, &json, &err), -1);
    cr_expect_eq(pk_safe_batch_json(NULL, APP, calls, 2, &json, &err), -1);
    cr_expect_eq(pk_safe_batch_json(&t, APP, calls, 0, &json, &err), -1);
    cr_expect_eq(err.kind, PK_ERR_INVALID_ARG);
    pk_safe_tx_free(&t);
    pk_error_clear(&err);
}
