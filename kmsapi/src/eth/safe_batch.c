/* safe_batch.c — the batch file a Safe's owners execute: the Safe{Wallet} Transaction Builder's JSON
 * (so it loads in the Safe app) plus the exact Safe transaction and its safeTxHash (so a script, or a
 * reviewer, can check that what they sign is what the provider planned). */
#include "common/pkx_str.h"
#include "eth/eth_priv.h"
#include "phalakms/policy.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ZERO_ADDRESS "0x0000000000000000000000000000000000000000"

static int oom(pk_error *err)
{
    return pkx_eth_failf(err, NULL, PK_ERR_NOMEM, "out of memory");
}

/* "0x" + lowercase hex of data; NULL when out of memory. */
static char *hex_data(const uint8_t *data, size_t len)
{
    char *s = malloc(2 * len + 3);
    if (s) pkx_eth_hex0x(data, len, s);
    return s;
}

static bool add_string(cJSON *o, const char *k, const char *v)
{
    return cJSON_AddStringToObject(o, k, v) != NULL;
}

/* Integers as JSON numbers written exactly (cJSON's doubles round above 2^53). */
static bool add_u64(cJSON *o, const char *k, uint64_t v)
{
    char buf[24];
    snprintf(buf, sizeof buf, "%" PRIu64, v);
    return cJSON_AddRawToObject(o, k, buf) != NULL;
}

/* The Transaction Builder's part: version "1.0", chainId as a string, createdAt in ms, meta, and one
 * {to, value, data} per call (the app, checksummed as the builder shows addresses). */
static bool builder_part(cJSON *root, const pk_safe_tx *t, const char *app_cs, const char *safe_cs,
                         const uint8_t (*cd)[PK_ETH_CALLDATA_BYTES], size_t n, const char *desc)
{
    char chain[24];
    snprintf(chain, sizeof chain, "%" PRIu64, t->chain_id);
    if (!add_string(root, "version", "1.0") || !add_string(root, "chainId", chain) ||
        !add_u64(root, "createdAt", (uint64_t)time(NULL) * 1000u))
        return false;
    cJSON *meta = cJSON_AddObjectToObject(root, "meta");
    if (!meta || !add_string(meta, "name", "phala_app_policy") ||
        !add_string(meta, "description", desc) ||
        !add_string(meta, "createdFromSafeAddress", safe_cs) ||
        !add_string(meta, "createdFromOwnerAddress", ""))
        return false;
    cJSON *txs = cJSON_AddArrayToObject(root, "transactions");
    if (!txs) return false;
    for (size_t i = 0; i < n; i++) {
        cJSON *tx = cJSON_CreateObject();
        char data[2 * PK_ETH_CALLDATA_BYTES + 3];
        pkx_eth_hex0x(cd[i], PK_ETH_CALLDATA_BYTES, data);
        if (!tx || !cJSON_AddItemToArray(txs, tx)) {
            cJSON_Delete(tx);
            return false;
        }
        if (!add_string(tx, "to", app_cs) || !add_string(tx, "value", "0") ||
            !add_string(tx, "data", data))
            return false;
    }
    return true;
}

/* "safeTransaction": every field of the SafeTx the owners sign, and its hash. */
static bool safe_part(cJSON *root, const pk_safe_tx *t)
{
    cJSON *s = cJSON_AddObjectToObject(root, "safeTransaction");
    char *data = hex_data(t->data, t->data_len);
    bool ok = s && data && add_string(s, "safe", t->safe) && add_string(s, "to", t->to) &&
              add_string(s, "value", "0") && add_string(s, "data", data) &&
              add_u64(s, "operation", t->operation) && add_string(s, "safeTxGas", "0") &&
              add_string(s, "baseGas", "0") && add_string(s, "gasPrice", "0") &&
              add_string(s, "gasToken", ZERO_ADDRESS) &&
              add_string(s, "refundReceiver", ZERO_ADDRESS) && add_u64(s, "nonce", t->nonce) &&
              add_string(s, "safeTxHash", t->safe_tx_hash);
    free(data);
    return ok;
}

int pk_safe_batch_json(const pk_safe_tx *t, const char *app, const pk_policy_call *calls,
                       size_t n_calls, char **out_json, pk_error *err)
{
    if (!out_json)
        return pkx_eth_failf(err, NULL, PK_ERR_INVALID_ARG, "no output for the batch file");
    *out_json = NULL;
    if (!t || !t->data || t->data_len == 0 || t->operation > 1 || !calls || n_calls == 0)
        return pkx_eth_failf(err, NULL, PK_ERR_INVALID_ARG,
                             "the batch file needs a built Safe transaction and its calls");
    /* Rebuild the transaction from the calls: a file whose calls and safeTransaction disagree would
     * show the reviewer one thing and have the owners sign another. */
    pk_safe_tx check;
    const char *multisend = n_calls > 1 ? t->to : NULL;
    if (pk_safe_tx_build(t->chain_id, t->safe, t->nonce, multisend, app, calls, n_calls, &check,
                         err) != 0)
        return -1;
    bool same = check.data_len == t->data_len && memcmp(check.data, t->data, t->data_len) == 0 &&
                strcmp(check.to, t->to) == 0 && check.operation == t->operation &&
                strcmp(check.safe_tx_hash, t->safe_tx_hash) == 0;
    pk_safe_tx_free(&check);
    if (!same)
        return pkx_eth_failf(err, NULL, PK_ERR_INVALID_ARG,
                             "the Safe transaction does not make these calls on app %.60s", app);

    char app_cs[PK_ETH_ADDRESS_STRLEN], safe_cs[PK_ETH_ADDRESS_STRLEN];
    pk_eth_address_checksum(app, app_cs); /* both parsed by pk_safe_tx_build above */
    pk_eth_address_checksum(t->safe, safe_cs);
    uint8_t(*cd)[PK_ETH_CALLDATA_BYTES] = malloc(n_calls * sizeof *cd);
    /* the calls' texts, also the builder's description: "a; b; c" */
    pkx_sb desc = {0};
    cJSON *root = cJSON_CreateObject();
    cJSON *texts = NULL;
    bool ok = cd && root;
    for (size_t i = 0; ok && i < n_calls; i++) {
        char text[128];
        ok = pk_policy_calldata(&calls[i], cd[i]) == 0;
        pk_policy_call_text(&calls[i], text, sizeof text);
        if (i) pkx_sb_puts(&desc, "; ");
        pkx_sb_puts(&desc, text);
    }
    char *desc_s = pkx_sb_take(&desc);
    ok = ok && desc_s &&
         builder_part(root, t, app_cs, safe_cs, (const uint8_t(*)[PK_ETH_CALLDATA_BYTES])cd,
                      n_calls, desc_s) &&
         safe_part(root, t) && (texts = cJSON_AddArrayToObject(root, "calls")) != NULL;
    for (size_t i = 0; ok && i < n_calls; i++) {
        char text[128];
        pk_policy_call_text(&calls[i], text, sizeof text);
        cJSON *s = cJSON_CreateString(text);
        ok = s && cJSON_AddItemToArray(texts, s);
        if (!ok) cJSON_Delete(s);
    }
    if (ok) *out_json = cJSON_Print(root);
    cJSON_Delete(root);
    free(desc_s);
    free(cd);
    return *out_json ? 0 : oom(err);
}
