/* fuzz_kmsapi_inputs.c — libFuzzer target: the outside inputs of libphalakms that are not API
 * bodies (fuzz_api_json has those). The first byte picks the input:
 *   0  a JSON-RPC node's answer, served for every request of one eth call (the second byte picks
 *      it: chain id, block number, nonce, balance, call, gas estimate, fees, send, receipt wait,
 *      compose-hash read, owner, log search, tx check): results, errors, revert reasons,
 *      quantities, logs, receipts, fee and call results
 *  1  a Retry-After header value
 *  2  an error answer with this X-Request-ID (and a status from the second byte)
 *  3  an api_prefix / RPC URL
 *  4  a CVM id or import id: normalisation and the request path it makes
 *  5  pk_verify_pubkey_sig inputs, separated by newlines (key, signature, app id, signer)
 *  6  a contract's raw ABI answer for the policy reader's strict decoders (the second byte picks
 *     it: Safe getOwners address[], VERSION string, a uint64 word, an address, a bool)
 *  7  an eth_getLogs result (JSON): parsed, then each log classified as a policy entry
 * (case 0 also drives pk_safe_read and pk_app_policy_read.)
 * Nothing may crash, leak or reach undefined behaviour. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/pkx_endpoint.h"
#include "api/pkx_http.h"
#include "eth/eth_priv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *g_answer;
static size_t g_answer_len;

static char *fake_node(const char *request, size_t *len)
{
    (void)request;
    char *b = malloc(g_answer_len + 1);
    memcpy(b, g_answer, g_answer_len);
    b[g_answer_len] = 0;
    *len = g_answer_len;
    return b;
}

#define APP  "0xe78a0f7e598cc8b0bb87894b0f60dd2a88d6a8ab"
#define HASH "4b188ac5129265d1660f016f5477ea3d29c7a46b594dc66c709ffa16ecd2aed6"
#define TX   "0x5c7e0e3b1f0f4b7a9d2c8e6a4b3f1d0c9e8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c"

static void eth_call(uint8_t which, const uint8_t *answer, size_t len)
{
    static pk_eth *eth;
    if (!eth) {
        pk_eth_config cfg = {
            .rpc_url = "http://127.0.0.1:9", .timeout_ms = 50, .poll_interval_ms = 1};
        pk_error e = {0};
        if (pk_eth_new(&cfg, &eth, &e) != 0) abort();
        pkx_eth_set_fake(fake_node);
    }
    g_answer = answer;
    g_answer_len = len;
    pk_error err = {0};
    uint64_t u;
    uint8_t w[32];
    bool b;
    char s[PK_ETH_HASH_STRLEN], a[PK_ETH_ADDRESS_STRLEN];
    switch (which % 15) {
    case 0:
        pk_eth_chain_id(eth, &u, &err);
        break;
    case 1:
        pk_eth_block_number(eth, &u, &err);
        break;
    case 2:
        pk_eth_nonce(eth, APP, which & 0x80, &u, &err);
        break;
    case 3:
        pk_eth_balance(eth, APP, w, &err);
        break;
    case 4: {
        uint8_t *out = NULL;
        size_t n = 0;
        if (pk_eth_call(eth, APP, (const uint8_t *)"\x8d\xa5\xcb\x5b", 4, &out, &n, &err) == 0)
            free(out);
        break;
    }
    case 5:
        pk_eth_estimate_gas(eth, APP, APP, NULL, 0, &u, &err);
        break;
    case 6: {
        pk_eth_fees f;
        pk_eth_fees_fetch(eth, &f, &err);
        break;
    }
    case 7:
        pk_eth_send_raw(eth, (const uint8_t *)"\x02\xc0", 2, s, &err);
        break;
    case 8: {
        pk_eth_receipt r = {0};
        if (pk_eth_wait_receipt(eth, TX, which & 0x80 ? 2 : 1, 5, &r, &err) == 0)
            pk_eth_receipt_free(&r);
        break;
    }
    case 9:
        pk_eth_allowed_compose_hash(eth, APP, HASH, &b, &err);
        break;
    case 10:
        pk_eth_owner(eth, APP, a, &err);
        break;
    case 11:
        pk_eth_find_compose_hash_tx(eth, APP, HASH, &b, s, &u, &err);
        break;
    case 12: {
        pk_safe_info si;
        if (pk_safe_read(eth, APP, &si, &err) == 0) pk_safe_info_free(&si);
        break;
    }
    case 13: {
        const char *extra[] = {HASH};
        pk_policy_query q = {.app = APP,
                             .span = 100,
                             .deadline_ms = 50,
                             .extra_hashes = extra,
                             .n_extra_hashes = 1,
                             .extra_devices = extra,
                             .n_extra_devices = 1};
        pk_app_policy p;
        if (pk_app_policy_read(eth, &q, &p, &err) == 0) {
            (void)pk_app_policy_allows(&p, HASH, HASH);
            pk_app_policy_free(&p);
        }
        break;
    }
    default:
        pk_eth_tx_registers(eth, TX, APP, HASH, &b, &u, &err);
        break;
    }
    (void)pk_error_message(&err);
    pk_error_clear(&err);
}

static char *cstr(const uint8_t *d, size_t n)
{
    char *s = malloc(n + 1);
    memcpy(s, d, n);
    s[n] = 0;
    return s;
}

static void abi_answer(uint8_t which, const uint8_t *d, size_t n)
{
    char(*owners)[PK_ETH_ADDRESS_STRLEN] = NULL;
    size_t cnt = 0;
    char v[16], a[PK_ETH_ADDRESS_STRLEN];
    uint64_t u;
    bool b;
    switch (which % 5) {
    case 0:
        if (pkx_abi_address_array(d, n, 256, &owners, &cnt) == 0) {
            if (cnt > 256 || (cnt && !owners) || n != 64 + 32 * cnt) abort();
            for (size_t i = 0; i < cnt; i++)
                if (strlen(owners[i]) != 42) abort();
            free(owners);
        }
        break;
    case 1:
        if (pkx_abi_string(d, n, v, sizeof v) == 0 && strlen(v) >= sizeof v) abort();
        break;
    case 2:
        pkx_abi_u64(d, n, &u);
        break;
    case 3:
        if (pkx_abi_address(d, n, a) == 0 && strlen(a) != 42) abort();
        break;
    default:
        pkx_abi_bool(d, n, &b);
        break;
    }
}

static void policy_logs(const char *json, size_t n)
{
    cJSON *arr = cJSON_ParseWithLength(json, n);
    pk_eth_log *logs = NULL;
    size_t cnt = 0;
    if (arr && pkx_eth_parse_logs(arr, &logs, &cnt) == 0) {
        for (size_t i = 0; i < cnt; i++) {
            pkx_policy_kind kind;
            uint8_t value[32];
            if (pkx_policy_log_entry(&logs[i], &kind, value) == 0 && kind != PKX_POLICY_HASH &&
                kind != PKX_POLICY_DEVICE)
                abort();
        }
        pkx_eth_logs_free(logs, cnt);
    }
    cJSON_Delete(arr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    uint8_t kind = data[0], arg = data[1];
    const uint8_t *d = data + 2;
    size_t n = size - 2;
    char *s = cstr(d, n);
    pk_error err = {0};
    switch (kind % 8) {
    case 0:
        eth_call(arg, d, n);
        break;
    case 1: {
        long ms = -1;
        if (pkx_retry_after_parse(s, (time_t)1700000000, &ms) == 0 && ms < 0) abort();
        break;
    }
    case 2:
        pkx_error_from_response(&err, 400 + arg % 200, "{\"detail\":\"x\"}", 14, s, "GET", "/f");
        (void)pk_error_message(&err);
        break;
    case 3: {
        char *host = NULL;
        pkx_prefix_check(s, &host, &err);
        free(host);
        break;
    }
    case 4: {
        char norm[256];
        if (pk_cvm_id_normalize(s, norm, sizeof norm) == 0) {
            char *p = pkx_build_path("/cvms/", norm, "/envs", NULL, &err);
            if (p && (strstr(p, "/./") || strstr(p, "/../"))) abort(); /* a dot segment got out */
            free(p);
        }
        break;
    }
    case 6:
        abi_answer(arg, d, n);
        break;
    case 7:
        policy_logs(s, n);
        break;
    default: {
        char *f[4] = {"", "", "", ""}, *p = s;
        for (int i = 0; i < 4 && p; i++) {
            f[i] = p;
            p = strchr(p, '\n');
            if (p) *p++ = 0;
        }
        uint8_t signer[PK_SECP256K1_PUBKEY_BYTES];
        char e[256];
        uint64_t ts = 1700000000;
        pk_verify_pubkey_sig(f[0], f[1], f[2], arg & 1 ? &ts : NULL, 1700000100,
                             f[3][0] ? f[3] : NULL, signer, e, sizeof e);
        break;
    }
    }
    pk_error_clear(&err);
    free(s);
    return 0;
}
