/* test_policy_decode.c — the policy reader's strict decoders: the API's device allowlist and
 * app-wide is-allowed answers (CVM ids as strings or integers), a Safe's ABI answers (offsets,
 * lengths, padding, bounded owner count) and the policy's event logs (legacy and PolicyChanged). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "api/pkx_api_parse.h"
#include "eth/eth_priv.h"

#define DEC(fn, json, out, err) fn(json, strlen(json), out, err)
#define H64                     "4b188ac5129265d1660f016f5477ea3d29c7a46b594dc66c709ffa16ecd2aed6"

Test(policy_decode, device_allowlist)
{
    const char *j = "{\"is_onchain_kms\":true,\"allow_any_device\":false,\"chain_id\":8453,"
                    "\"app_contract_address\":\"0xab\",\"devices\":[{\"device_id\":\"d1\","
                    "\"node_name\":\"n1\",\"allowed_onchain\":true,\"status\":\"active\","
                    "\"cvm_ids\":[\"cvm_a\",12]},{\"device_id\":\"d2\",\"node_name\":null,"
                    "\"allowed_onchain\":false,\"status\":\"x\",\"cvm_ids\":[]}]}";
    pk_device_allowlist d;
    pk_error e = {0};
    cr_assert_eq(DEC(pkx_decode_device_allowlist, j, &d, &e), 0, "%s", pk_error_message(&e));
    cr_assert(d.is_onchain_kms);
    cr_assert_eq(d.allow_any_device, PK_FALSE);
    cr_assert(d.has_chain_id);
    cr_assert_eq(d.chain_id, 8453);
    cr_assert_eq(d.n_devices, 2);
    cr_assert_str_eq(d.devices[0].node_name, "n1");
    cr_assert_eq(d.devices[0].n_cvm_ids, 2);
    cr_assert_str_eq(d.devices[0].cvm_ids[1], "12");
    cr_assert_null(d.devices[1].node_name);
    cr_assert_not(d.devices[1].allowed_onchain);
    pk_device_allowlist_free(&d);
    /* off-chain: only is_onchain_kms */
    cr_assert_eq(DEC(pkx_decode_device_allowlist, "{\"is_onchain_kms\":false}", &d, &e), 0);
    cr_assert_not(d.has_chain_id);
    cr_assert_eq(d.n_devices, 0);
    pk_device_allowlist_free(&d);
    const char *bad[][2] = {
        {"{\"devices\":[]}", "device_allowlist.is_onchain_kms: required field is missing"},
        {"{\"is_onchain_kms\":true,\"devices\":[{\"device_id\":\"d\",\"allowed_onchain\":true,"
         "\"cvm_ids\":[1.5]}]}",
         "device_allowlist.devices[0].cvm_ids[0]: expected string or integer"},
        {"{\"is_onchain_kms\":true,\"devices\":[{\"device_id\":\"d\",\"allowed_onchain\":\"y\"}]}",
         "device_allowlist.devices[0].allowed_onchain: expected boolean"},
        {"{\"is_onchain_kms\":true,\"chain_id\":-1}",
         "device_allowlist.chain_id: expected a non-negative integer"},
        {"{\"is_onchain_kms\":true,\"devices\":[7]}",
         "device_allowlist.devices[0]: expected object"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        cr_assert_eq(DEC(pkx_decode_device_allowlist, bad[i][0], &d, &e), -1, "%s", bad[i][0]);
        cr_assert_str_eq(e.message, bad[i][1]);
        cr_assert_eq(d.n_devices, 0);
        pk_error_clear(&e);
    }
}

Test(policy_decode, app_cvms_is_allowed)
{
    const char *j =
        "{\"is_onchain\":true,\"total\":2,\"allowed_count\":1,\"denied_count\":1,"
        "\"error_count\":0,\"results\":[{\"cvm_id\":\"cvm_a\",\"app_contract_address\":"
        "\"0xab\",\"compose_hash\":\"h\",\"device_id\":\"d\",\"compose_hash_allowed\":"
        "true,\"allow_any_device\":false,\"device_id_allowed\":true,\"is_allowed\":true,"
        "\"error\":null},{\"cvm_id\":7,\"compose_hash_allowed\":false,\"is_allowed\":"
        "false}],\"skipped_cvm_ids\":[3,\"x\"]}";
    pk_app_cvms_allowed a;
    pk_error e = {0};
    cr_assert_eq(DEC(pkx_decode_app_cvms_allowed, j, &a, &e), 0, "%s", pk_error_message(&e));
    cr_assert(a.is_onchain);
    cr_assert_eq(a.total, 2);
    cr_assert_eq(a.n_results, 2);
    cr_assert_str_eq(a.results[0].cvm_id, "cvm_a");
    cr_assert(a.results[0].info.is_allowed);
    cr_assert_str_eq(a.results[1].cvm_id, "7");
    cr_assert_not(a.results[1].info.is_allowed);
    cr_assert_eq(a.n_skipped, 2);
    cr_assert_str_eq(a.skipped_cvm_ids[0], "3");
    pk_app_cvms_allowed_free(&a);
    const char *bad[][2] = {
        {"{\"is_onchain\":true,\"results\":[{\"compose_hash_allowed\":true,\"is_allowed\":true}]}",
         "app_cvms_is_allowed.results[0].cvm_id: required field is missing"},
        {"{\"is_onchain\":true,\"results\":[{\"cvm_id\":true,\"is_allowed\":true}]}",
         "app_cvms_is_allowed.results[0].cvm_id: expected string or integer"},
        {"{\"is_onchain\":true,\"results\":[{\"cvm_id\":1,\"compose_hash_allowed\":1,"
         "\"is_allowed\":true}]}",
         "app_cvms_is_allowed.results[0].compose_hash_allowed: expected boolean"},
        {"{\"is_onchain\":true,\"total\":-2}",
         "app_cvms_is_allowed.total: expected a non-negative count"},
        {"{\"is_onchain\":\"true\"}", "app_cvms_is_allowed.is_onchain: expected boolean"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        cr_assert_eq(DEC(pkx_decode_app_cvms_allowed, bad[i][0], &a, &e), -1, "%s", bad[i][0]);
        cr_assert(strncmp(e.message, bad[i][1], strlen(bad[i][1])) == 0, "%s: %s", bad[i][0],
                  e.message);
        cr_assert_eq(a.n_results, 0);
        pk_error_clear(&e);
    }
}

static size_t words(uint8_t *out, const char *const *hex, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        memset(out + 32 * i, 0, 32);
        size_t l = strlen(hex[i]);
        for (size_t k = 0; k < l / 2; k++) {
            unsigned v;
            sscanf(hex[i] + 2 * k, "%2x", &v);
            out[32 * i + 32 - l / 2 + k] = (uint8_t)v;
        }
    }
    return 32 * n;
}

Test(policy_decode, safe_abi_answers)
{
    uint8_t b[32 * 6];
    char(*owners)[PK_ETH_ADDRESS_STRLEN];
    size_t n;
    const char *ok[] = {"20", "02", "90f8bf6a479f320ead074411a4b0e7944ea8c9c1",
                        "ffcf8fdee72ac11b5c542428b35eef5769c409f0"};
    size_t len = words(b, ok, 4);
    cr_assert_eq(pkx_abi_address_array(b, len, 256, &owners, &n), 0);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(owners[1], "0xffcf8fdee72ac11b5c542428b35eef5769c409f0");
    free(owners);
    cr_assert_eq(pkx_abi_address_array(b, len - 1, 256, &owners, &n), -1); /* short */
    cr_assert_eq(pkx_abi_address_array(b, len, 1, &owners, &n), -1);       /* over the bound */
    const char *off[] = {"40", "02", "90f8bf6a479f320ead074411a4b0e7944ea8c9c1",
                         "ffcf8fdee72ac11b5c542428b35eef5769c409f0"};
    cr_assert_eq(pkx_abi_address_array(b, words(b, off, 4), 256, &owners, &n), -1);
    const char *dirty[] = {"20", "01",
                           "01"
                           "0000000000000000000000"
                           "90f8bf6a479f320ead074411a4b0e7944ea8c9c1"};
    cr_assert_eq(pkx_abi_address_array(b, words(b, dirty, 3), 256, &owners, &n), -1);
    const char *huge[] = {"20", "ffffffffffffffffffff"};
    cr_assert_eq(pkx_abi_address_array(b, words(b, huge, 2), 256, &owners, &n), -1);

    uint64_t u;
    const char *big[] = {"010000000000000000"};
    cr_assert_eq(pkx_abi_u64(b, words(b, big, 1), &u), -1);
    const char *three[] = {"03"};
    cr_assert_eq(pkx_abi_u64(b, words(b, three, 1), &u), 0);
    cr_assert_eq(u, 3);
    bool yes;
    cr_assert_eq(pkx_abi_bool(b, 32, &yes), -1); /* 3 is no bool */

    char v[16];
    uint8_t s[96] = {0};
    s[31] = 0x20;
    s[63] = 5;
    memcpy(s + 64, "1.4.1", 5);
    cr_assert_eq(pkx_abi_string(s, 96, v, sizeof v), 0);
    cr_assert_str_eq(v, "1.4.1");
    s[70] = 1; /* dirty padding */
    cr_assert_eq(pkx_abi_string(s, 96, v, sizeof v), -1);
}

static void set_topic(uint8_t t[32], const char *hex)
{
    cr_assert_eq(pkx_eth_hash_parse(hex, t), 0);
}

Test(policy_decode, policy_logs)
{
    pk_eth_log l = {0};
    uint8_t data[32], v[32];
    pkx_policy_kind k;
    cr_assert_eq(pkx_eth_hash_parse(H64, data), 0);
    set_topic(l.topics[0], PK_ETH_TOPIC_DEVICE_REMOVED);
    l.n_topics = 1;
    l.data = data;
    l.data_len = 32;
    cr_assert_eq(pkx_policy_log_entry(&l, &k, v), 0);
    cr_assert_eq(k, PKX_POLICY_DEVICE);
    cr_assert(memcmp(v, data, 32) == 0);
    l.data_len = 31;
    cr_assert_eq(pkx_policy_log_entry(&l, &k, v), -1);

    uint8_t en[32] = {0};
    en[31] = 1;
    set_topic(l.topics[0], PK_ETH_TOPIC_POLICY_CHANGED);
    memset(l.topics[1], 0, 32);
    set_topic(l.topics[2], PK_ETH_POLICY_COMPOSE_HASH);
    set_topic(l.topics[3], "0x" H64);
    l.n_topics = 4;
    l.data = en;
    l.data_len = 32;
    cr_assert_eq(pkx_policy_log_entry(&l, &k, v), 0);
    cr_assert_eq(k, PKX_POLICY_HASH);
    cr_assert(memcmp(v, data, 32) == 0);
    set_topic(l.topics[2], PK_ETH_POLICY_ALLOW_ANY_DEVICE);
    cr_assert_eq(pkx_policy_log_entry(&l, &k, v), -1); /* read directly, not a candidate */
    set_topic(l.topics[2], PK_ETH_POLICY_DEVICE);
    l.n_topics = 3;
    cr_assert_eq(pkx_policy_log_entry(&l, &k, v), -1);
    l.n_topics = 4;
    en[31] = 2;
    cr_assert_eq(pkx_policy_log_entry(&l, &k, v), -1); /* enabled is no bool */
}
