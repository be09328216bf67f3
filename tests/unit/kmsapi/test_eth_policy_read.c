/* Offline checks of pk_app_policy_read through a fake node (a tiny chain in this file): one
 * eth_getLogs filter for the five policy events, windows newest first with a refused window halved,
 * candidates from legacy logs, PolicyChanged and extras each confirmed by a view call at the head
 * block (a forged log never adds an entry: counted as rejected), the search cut short by its deadline,
 * and pk_app_policy_allows. */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <unistd.h>

#include "crypto_test_util.h"
#include "eth/eth_priv.h"

#define APP       "0xe78a0f7e598cc8b0bb87894b0f60dd2a88d6a8ab"
#define OWNER     "90f8bf6a479f320ead074411a4b0e7944ea8c9c1"
#define HA        "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"
#define HP        "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3"
#define HF        "f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4"
#define HX        "e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5"
#define D1        "d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1"
#define HEAD      1000u
#define MAX_RANGE 100u /* the fake node refuses wider eth_getLogs windows */

static unsigned g_log_calls, g_refused;
static uint64_t g_lowest_asked = UINT64_MAX;
static bool g_bad_block_tag;
static bool g_slow;      /* each eth_getLogs takes 2 ms */
static int g_owner_kind; /* 0 an account, 1 a Safe, 2 a contract that is no Safe (reverts) */

/* getOwners() = [other, poor]; VERSION() = "1.4.1" (ABI-encoded). */
#define SAFE_OWNERS                                                                                \
    "0x000000000000000000000000000000000000000000000000000000000000002000000000000000"             \
    "00000000000000000000000000000000000000000000000002000000000000000000000000ffcf8f"             \
    "dee72ac11b5c542428b35eef5769c409f000000000000000000000000022d491bde2303f2f43325b"             \
    "2108d26f1eaba1e32b"
#define SAFE_VERSION                                                                               \
    "0x000000000000000000000000000000000000000000000000000000000000002000000000000000"             \
    "00000000000000000000000000000000000000000000000005312e342e3100000000000000000000"             \
    "0000000000000000000000000000000000"

#define W2 "0000000000000000000000000000000000000000000000000000000000000002"
#define W7 "0000000000000000000000000000000000000000000000000000000000000007"

static const char *allowed_words[] = {HA, HP, D1, HX}; /* the contract's true entries */

static char *result(const char *json_value)
{
    char *b = malloc(strlen(json_value) + 64);
    sprintf(b, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":%s}", json_value);
    return b;
}

static char *word_bool(bool v)
{
    return result(v ? "\"0x0000000000000000000000000000000000000000000000000000000000000001\""
                    : "\"0x0000000000000000000000000000000000000000000000000000000000000000\"");
}

/* Logs of the fake chain: ComposeHashAdded(HA) @120, ComposeHashAdded(HF) @500 (forged: the view
 * says false), DeviceAdded(D1) @700, PolicyChanged(compose-hash, HP, true) @900. */
static void add_log(cJSON *arr, uint64_t block, const char *topic0, const char *data,
                    const char *t2, const char *t3)
{
    cJSON *l = cJSON_CreateObject();
    char bn[32], tx[67];
    snprintf(bn, sizeof bn, "0x%" PRIx64, block);
    snprintf(tx, sizeof tx, "0x%064" PRIx64, block);
    cJSON_AddStringToObject(l, "address", APP);
    cJSON *t = cJSON_AddArrayToObject(l, "topics");
    cJSON_AddItemToArray(t, cJSON_CreateString(topic0));
    if (t2) {
        cJSON_AddItemToArray(t, cJSON_CreateString("0x000000000000000000000000" OWNER));
        cJSON_AddItemToArray(t, cJSON_CreateString(t2));
        cJSON_AddItemToArray(t, cJSON_CreateString(t3));
    }
    cJSON_AddStringToObject(l, "data", data);
    cJSON_AddStringToObject(l, "blockNumber", bn);
    cJSON_AddStringToObject(l, "transactionHash", tx);
    cJSON_AddItemToArray(arr, l);
}

static char *get_logs(const cJSON *filter)
{
    uint64_t from, to;
    pkx_eth_quantity(cJSON_GetObjectItem(filter, "fromBlock")->valuestring, &from);
    pkx_eth_quantity(cJSON_GetObjectItem(filter, "toBlock")->valuestring, &to);
    const cJSON *topics = cJSON_GetObjectItem(filter, "topics");
    /* one OR-set of the five topic0s */
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetArrayItem(topics, 0)), 5);
    g_log_calls++;
    if (g_slow) usleep(2000);
    if (to - from + 1 > MAX_RANGE) {
        g_refused++;
        return strdup("{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32005,\"message\":"
                      "\"query exceeds max block range 100\"}}");
    }
    if (from < g_lowest_asked) g_lowest_asked = from;
    cJSON *arr = cJSON_CreateArray();
    const uint64_t at[] = {120, 500, 700, 900};
    for (int i = 0; i < 4; i++) {
        if (at[i] < from || at[i] > to) continue;
        if (i == 0) add_log(arr, at[i], PK_ETH_TOPIC_COMPOSE_HASH_ADDED, "0x" HA, NULL, NULL);
        if (i == 1) add_log(arr, at[i], PK_ETH_TOPIC_COMPOSE_HASH_ADDED, "0x" HF, NULL, NULL);
        if (i == 2) add_log(arr, at[i], PK_ETH_TOPIC_DEVICE_ADDED, "0x" D1, NULL, NULL);
        if (i == 3)
            add_log(arr, at[i], PK_ETH_TOPIC_POLICY_CHANGED,
                    "0x0000000000000000000000000000000000000000000000000000000000000001",
                    PK_ETH_POLICY_COMPOSE_HASH, "0x" HP);
    }
    char *s = cJSON_PrintUnformatted(arr);
    cJSON_Delete(arr);
    char *r = result(s);
    free(s);
    return r;
}

static char *fake_chain(const char *request, size_t *len)
{
    cJSON *q = cJSON_Parse(request);
    const char *m = cJSON_GetObjectItem(q, "method")->valuestring;
    const cJSON *params = cJSON_GetObjectItem(q, "params");
    char *out;
    if (strcmp(m, "eth_blockNumber") == 0) {
        out = result("\"0x3e8\"");
    } else if (strcmp(m, "eth_getCode") == 0) {
        const char *addr = cJSON_GetArrayItem(params, 0)->valuestring;
        if (strcmp(cJSON_GetArrayItem(params, 1)->valuestring, "0x3e8") != 0)
            g_bad_block_tag = true;
        bool code = strcmp(addr, APP) == 0 || (g_owner_kind && strcmp(addr, "0x" OWNER) == 0);
        out = result(code ? "\"0x6080\"" : "\"0x\"");
    } else if (strcmp(m, "eth_call") == 0) {
        if (strcmp(cJSON_GetArrayItem(params, 1)->valuestring, "0x3e8") != 0)
            g_bad_block_tag = true;
        const cJSON *call = cJSON_GetArrayItem(params, 0);
        const char *data = cJSON_GetObjectItem(call, "data")->valuestring;
        bool to_owner = strcmp(cJSON_GetObjectItem(call, "to")->valuestring, "0x" OWNER) == 0;
        if (to_owner && g_owner_kind == 2) {
            out = strdup("{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":3,\"message\":"
                         "\"execution reverted\"}}");
        } else if (to_owner) {
            out = result(strcmp(data, "0xa0e67e2b") == 0   ? "\"" SAFE_OWNERS "\""
                         : strcmp(data, "0xe75235b8") == 0 ? "\"0x" W2 "\""
                         : strcmp(data, "0xaffed0e0") == 0 ? "\"0x" W7 "\""
                                                           : "\"" SAFE_VERSION "\"");
        } else if (strncmp(data, "0x8da5cb5b", 10) == 0) {
            out = result("\"0x000000000000000000000000" OWNER "\"");
        } else if (strncmp(data, "0x3440a16a", 10) == 0) {
            out = word_bool(false);
        } else {
            bool yes = false;
            for (size_t i = 0; i < sizeof allowed_words / sizeof *allowed_words; i++)
                yes |= strlen(data) == 74 && strcmp(data + 10, allowed_words[i]) == 0;
            out = word_bool(yes);
        }
    } else if (strcmp(m, "eth_getLogs") == 0) {
        out = get_logs(cJSON_GetArrayItem(params, 0));
    } else {
        out = strdup("{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32601,\"message\":"
                     "\"method not found\"}}");
    }
    cJSON_Delete(q);
    *len = strlen(out);
    return out;
}

static pk_eth *fake_eth(void)
{
    pk_eth *eth;
    pk_eth_config cfg = {.rpc_url = "http://127.0.0.1:9", .timeout_ms = 200};
    pk_error e = {0};
    cr_assert_eq(pk_eth_new(&cfg, &eth, &e), 0);
    pkx_eth_set_fake(fake_chain);
    return eth;
}

static bool has(const pk_policy_entry *v, size_t n, const char *hex)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].value + 2, hex) == 0) return true;
    return false;
}

Test(eth_policy_read, candidates_confirmed_at_the_head_block)
{
    pk_eth *eth = fake_eth();
    const char *extra[] = {HX, HF};
    pk_policy_query q = {.app = APP, .span = 400, .extra_hashes = extra, .n_extra_hashes = 2};
    pk_app_policy p;
    pk_error err = {0};
    cr_assert_eq(pk_app_policy_read(eth, &q, &p, &err), 0, "%s", pk_error_message(&err));
    cr_assert_not(g_bad_block_tag, "every view call reads the head block");
    cr_assert_eq(p.block, HEAD);
    cr_assert_str_eq(p.owner, "0x" OWNER);
    cr_assert_not(p.owner_is_contract);
    cr_assert_not(p.allow_any_device);
    /* HA (legacy log), HP (PolicyChanged only), HX (extra, no log); HF's log is forged. */
    cr_assert_eq(p.n_compose_hashes, 3);
    cr_assert(has(p.compose_hashes, 3, HA) && has(p.compose_hashes, 3, HP) &&
              has(p.compose_hashes, 3, HX));
    cr_assert_not(has(p.compose_hashes, 3, HF));
    cr_assert_eq(p.n_rejected, 1, "HF (log and extra) rejected once");
    cr_assert_eq(p.n_devices, 1);
    cr_assert_str_eq(p.devices[0].value, "0x" D1);
    cr_assert_eq(p.devices[0].block_number, 700);
    for (size_t i = 0; i < p.n_compose_hashes; i++)
        if (strcmp(p.compose_hashes[i].value + 2, HP) == 0)
            cr_assert_eq(p.compose_hashes[i].block_number, 900);
    cr_assert(strcmp(p.compose_hashes[0].value, p.compose_hashes[1].value) < 0, "sorted");
    /* windows newest first: 400 refused, halved to 200, then to 100, then 100-wide to block 0 */
    cr_assert(p.complete);
    cr_assert_eq(p.searched_from, 0);
    cr_assert_eq(p.searched_to, HEAD);
    cr_assert_eq(g_lowest_asked, 0);
    cr_assert_geq(g_refused, 2);
    cr_assert_eq(p.log_requests, g_log_calls);
    cr_assert(pk_app_policy_allows(&p, HA, D1));
    cr_assert(
        pk_app_policy_allows(&p, "0x" HP,
                             "0X"
                             "D1D1D1D1D1D1D1D1D1D1D1D1D1D1D1D1D1D1D1D1D1D1D1D1D1D1D1D1D1D1D1D1"));
    cr_assert_not(pk_app_policy_allows(&p, HF, D1), "forged hash");
    cr_assert_not(pk_app_policy_allows(&p, HA, HX), "device not listed, any-device off");
    cr_assert_not(pk_app_policy_allows(&p, "nonsense", D1));
    pk_app_policy_free(&p);
    pk_eth_free(eth);
}

Test(eth_policy_read, from_block_bounds_the_search)
{
    pk_eth *eth = fake_eth();
    pk_policy_query q = {.app = APP, .lowest_block = 600, .span = 100};
    pk_app_policy p;
    pk_error err = {0};
    cr_assert_eq(pk_app_policy_read(eth, &q, &p, &err), 0, "%s", pk_error_message(&err));
    cr_assert(p.complete);
    cr_assert_eq(p.searched_from, 600);
    cr_assert_eq(g_lowest_asked, 600);
    cr_assert_eq(p.n_compose_hashes, 1, "only HP's log is above block 600");
    cr_assert_eq(p.n_devices, 1);
    pk_app_policy_free(&p);
    pk_eth_free(eth);
}

Test(eth_policy_read, deadline_cuts_the_search_short)
{
    pk_eth *eth = fake_eth();
    g_slow = true; /* 1000 one-block windows take 2 s: far beyond the 30 ms deadline */
    pk_policy_query q = {.app = APP, .span = 1, .deadline_ms = 30};
    pk_app_policy p;
    pk_error err = {0};
    cr_assert_eq(pk_app_policy_read(eth, &q, &p, &err), 0, "%s", pk_error_message(&err));
    cr_assert_not(p.complete);
    cr_assert_gt(p.searched_from, 0);
    cr_assert_eq(p.searched_to, HEAD);
    pk_app_policy_free(&p);
    pk_eth_free(eth);
}

Test(eth_policy_read, no_code_at_the_app_is_an_error)
{
    pk_eth *eth = fake_eth();
    pk_policy_query q = {.app = "0x" OWNER};
    pk_app_policy p;
    pk_error err = {0};
    cr_assert_eq(pk_app_policy_read(eth, &q, &p, &err), -1);
    cr_assert_eq(err.kind, PK_ERR_DECODE);
    cr_assert(strstr(pk_error_message(&err), "no contract at 0x" OWNER));
    pk_error_clear(&err);
    pk_eth_free(eth);
}

Test(eth_policy_read, owner_safe_or_other_contract)
{
    pk_eth *eth = fake_eth();
    pk_policy_query q = {.app = APP, .lowest_block = 990};
    pk_app_policy p;
    pk_error err = {0};
    g_owner_kind = 1;
    cr_assert_eq(pk_app_policy_read(eth, &q, &p, &err), 0, "%s", pk_error_message(&err));
    cr_assert(p.owner_is_contract && p.owner_is_safe);
    cr_assert_eq(p.safe.n_owners, 2);
    cr_assert_str_eq(p.safe.owners[0], "0xffcf8fdee72ac11b5c542428b35eef5769c409f0");
    cr_assert_str_eq(p.safe.owners[1], "0x22d491bde2303f2f43325b2108d26f1eaba1e32b");
    cr_assert_eq(p.safe.threshold, 2);
    cr_assert_eq(p.safe.nonce, 7);
    cr_assert_str_eq(p.safe.version, "1.4.1");
    pk_app_policy_free(&p);
    pk_safe_info si;
    cr_assert_eq(pk_safe_read(eth, "0x" OWNER, &si, &err), 0, "%s", pk_error_message(&err));
    cr_assert_eq(si.threshold, 2);
    pk_safe_info_free(&si);
    g_owner_kind = 2; /* a contract owner that is no Safe: not an error of the read */
    cr_assert_eq(pk_app_policy_read(eth, &q, &p, &err), 0, "%s", pk_error_message(&err));
    cr_assert(p.owner_is_contract);
    cr_assert_not(p.owner_is_safe);
    cr_assert_eq(p.safe.n_owners, 0);
    pk_app_policy_free(&p);
    cr_assert_eq(pk_safe_read(eth, "0x" OWNER, &si, &err), -1);
    cr_assert_eq(err.kind, PK_ERR_DECODE);
    pk_error_clear(&err);
    pk_eth_free(eth);
}
