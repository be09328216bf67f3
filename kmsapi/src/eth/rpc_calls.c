/* rpc_calls.c — the JSON-RPC methods registration needs: chain id, block number, nonce, balance,
 * eth_call, gas estimate, fees (EIP-1559 or legacy), eth_sendRawTransaction (an "already known"
 * answer counts as sent), and the DstackApp reads allowedComposeHashes(bytes32), owner() and the device
 * allowlist (allowAnyDevice(), allowedDeviceIds(bytes32)). */
#include "common/pkx_error.h"
#include "eth/eth_priv.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- reads -------------------------------------------------------------------------------------- */

int pkx_eth_quantity_result(pk_eth *eth, const char *method, const char *params, uint64_t *out,
                            pk_error *err)
{
    cJSON *root;
    const cJSON *r;
    if (pkx_eth_rpc(eth, method, params, true, &root, &r, err) != 0) return -1;
    int rc = 0;
    if (!cJSON_IsString(r) || pkx_eth_quantity(r->valuestring, out) != 0)
        rc = pkx_eth_failf(err, eth, PK_ERR_DECODE, "%s: result is not a hex quantity", method);
    cJSON_Delete(root);
    return rc;
}

int pkx_eth_check_address(pk_eth *eth, const char *addr, char norm[PK_ETH_ADDRESS_STRLEN],
                          pk_error *err)
{
    uint8_t a[20];
    if (pk_eth_address_parse(addr, a) != 0)
        return pkx_eth_failf(err, eth, PK_ERR_INVALID_ARG,
                             "\"%.60s\" is not an Ethereum address (40 hex digits, optional 0x)",
                             addr ? addr : "");
    pkx_eth_hex0x(a, 20, norm);
    return 0;
}

int pk_eth_chain_id(pk_eth *eth, uint64_t *out, pk_error *err)
{
    return pkx_eth_quantity_result(eth, "eth_chainId", "[]", out, err);
}

int pk_eth_block_number(pk_eth *eth, uint64_t *out, pk_error *err)
{
    return pkx_eth_quantity_result(eth, "eth_blockNumber", "[]", out, err);
}

int pk_eth_nonce(pk_eth *eth, const char *address, bool pending, uint64_t *out, pk_error *err)
{
    char a[PK_ETH_ADDRESS_STRLEN], params[96];
    if (pkx_eth_check_address(eth, address, a, err) != 0) return -1;
    snprintf(params, sizeof params, "[\"%s\",\"%s\"]", a, pending ? "pending" : "latest");
    return pkx_eth_quantity_result(eth, "eth_getTransactionCount", params, out, err);
}

int pk_eth_balance(pk_eth *eth, const char *address, uint8_t wei[32], pk_error *err)
{
    char a[PK_ETH_ADDRESS_STRLEN], params[96];
    if (pkx_eth_check_address(eth, address, a, err) != 0) return -1;
    snprintf(params, sizeof params, "[\"%s\",\"latest\"]", a);
    cJSON *root;
    const cJSON *r;
    if (pkx_eth_rpc(eth, "eth_getBalance", params, true, &root, &r, err) != 0) return -1;
    int rc = 0;
    if (!cJSON_IsString(r) || pkx_eth_quantity256(r->valuestring, wei) != 0)
        rc = pkx_eth_failf(err, eth, PK_ERR_DECODE, "eth_getBalance: result is not a hex quantity");
    cJSON_Delete(root);
    return rc;
}

/* {"from"?, "to", "data"} as JSON text; malloc'd. */
static char *call_object(const char *from, const char *to, const uint8_t *data, size_t len)
{
    size_t n = 2 * len + 200;
    char *s = malloc(n);
    if (!s) return NULL;
    int k = snprintf(s, n, "{%s%s%s\"to\":\"%s\",\"data\":\"0x", from ? "\"from\":\"" : "",
                     from ? from : "", from ? "\"," : "", to);
    pk_hex_encode(data, len, s + k, n - (size_t)k);
    strcat(s, "\"}");
    return s;
}

int pkx_eth_call_at(pk_eth *eth, const char *to, const uint8_t *data, size_t len, bool at_block,
                    uint64_t block, uint8_t **out, size_t *out_len, pk_error *err)
{
    char t[PK_ETH_ADDRESS_STRLEN], tag[32];
    *out = NULL;
    *out_len = 0;
    if (pkx_eth_check_address(eth, to, t, err) != 0) return -1;
    if (at_block)
        snprintf(tag, sizeof tag, "0x%" PRIx64, block);
    else
        snprintf(tag, sizeof tag, "latest");
    char *obj = call_object(NULL, t, data, len);
    char *params = obj ? malloc(strlen(obj) + 40) : NULL;
    if (!params) {
        free(obj);
        return pkx_eth_failf(err, eth, PK_ERR_NOMEM, "out of memory");
    }
    sprintf(params, "[%s,\"%s\"]", obj, tag);
    free(obj);
    cJSON *root;
    const cJSON *r;
    int rc = pkx_eth_rpc(eth, "eth_call", params, true, &root, &r, err);
    free(params);
    if (rc != 0) return -1;
    if (!cJSON_IsString(r) || pkx_eth_data(r->valuestring, out, out_len) != 0)
        rc = pkx_eth_failf(err, eth, PK_ERR_DECODE, "eth_call: result is not hex data");
    cJSON_Delete(root);
    return rc;
}

int pk_eth_call(pk_eth *eth, const char *to, const uint8_t *data, size_t len, uint8_t **out,
                size_t *out_len, pk_error *err)
{
    return pkx_eth_call_at(eth, to, data, len, false, 0, out, out_len, err);
}

int pkx_eth_code_size(pk_eth *eth, const char *addr, uint64_t block, size_t *len, pk_error *err)
{
    char a[PK_ETH_ADDRESS_STRLEN], params[120];
    *len = 0;
    if (pkx_eth_check_address(eth, addr, a, err) != 0) return -1;
    snprintf(params, sizeof params, "[\"%s\",\"0x%" PRIx64 "\"]", a, block);
    cJSON *root;
    const cJSON *r;
    if (pkx_eth_rpc(eth, "eth_getCode", params, true, &root, &r, err) != 0) return -1;
    uint8_t *code = NULL;
    int rc = 0;
    if (!cJSON_IsString(r) || pkx_eth_data(r->valuestring, &code, len) != 0)
        rc = pkx_eth_failf(err, eth, PK_ERR_DECODE, "eth_getCode: result is not hex data");
    free(code);
    cJSON_Delete(root);
    return rc;
}

int pk_eth_estimate_gas(pk_eth *eth, const char *from, const char *to, const uint8_t *data,
                        size_t len, uint64_t *out, pk_error *err)
{
    char f[PK_ETH_ADDRESS_STRLEN], t[PK_ETH_ADDRESS_STRLEN];
    if (pkx_eth_check_address(eth, from, f, err) != 0 ||
        pkx_eth_check_address(eth, to, t, err) != 0)
        return -1;
    char *obj = call_object(f, t, data, len);
    char *params = obj ? malloc(strlen(obj) + 8) : NULL;
    if (!params) {
        free(obj);
        return pkx_eth_failf(err, eth, PK_ERR_NOMEM, "out of memory");
    }
    sprintf(params, "[%s]", obj);
    free(obj);
    int rc = pkx_eth_quantity_result(eth, "eth_estimateGas", params, out, err);
    free(params);
    return rc;
}

int pk_eth_fees_fetch(pk_eth *eth, pk_eth_fees *out, pk_error *err)
{
    memset(out, 0, sizeof *out);
    cJSON *root;
    const cJSON *blk;
    if (pkx_eth_rpc(eth, "eth_getBlockByNumber", "[\"latest\",false]", true, &root, &blk, err) != 0)
        return -1;
    const cJSON *bf =
        cJSON_IsObject(blk) ? cJSON_GetObjectItemCaseSensitive(blk, "baseFeePerGas") : NULL;
    int rc = 0;
    if (!cJSON_IsObject(blk)) {
        rc = pkx_eth_failf(err, eth, PK_ERR_DECODE, "eth_getBlockByNumber: no latest block");
    } else if (cJSON_IsString(bf)) {
        if (pkx_eth_quantity(bf->valuestring, &out->base_fee_per_gas) != 0)
            rc = pkx_eth_failf(err, eth, PK_ERR_DECODE,
                               "eth_getBlockByNumber: baseFeePerGas is not a hex quantity");
        out->eip1559 = true;
    }
    cJSON_Delete(root);
    if (rc != 0) return -1;
    pk_error tmp = {0};
    if (out->eip1559) {
        /* Not every node has eth_maxPriorityFeePerGas; then the tip is what eth_gasPrice adds to
         * the base fee (viem does the same). */
        if (pkx_eth_quantity_result(eth, "eth_maxPriorityFeePerGas", "[]",
                                    &out->max_priority_fee_per_gas, &tmp) != 0) {
            if (tmp.kind == PK_ERR_CANCELLED) {
                pk_error_clear(&tmp);
                return pkx_eth_failf(err, eth, PK_ERR_CANCELLED, "cancelled");
            }
            pk_error_clear(&tmp);
            uint64_t gp;
            if (pkx_eth_quantity_result(eth, "eth_gasPrice", "[]", &gp, err) != 0) return -1;
            out->max_priority_fee_per_gas =
                gp > out->base_fee_per_gas ? gp - out->base_fee_per_gas : 0;
        }
        uint64_t b = out->base_fee_per_gas;
        uint64_t two_b = b > UINT64_MAX / 2 ? UINT64_MAX : 2 * b;
        out->max_fee_per_gas = two_b > UINT64_MAX - out->max_priority_fee_per_gas
                                   ? UINT64_MAX
                                   : two_b + out->max_priority_fee_per_gas;
        return 0;
    }
    return pkx_eth_quantity_result(eth, "eth_gasPrice", "[]", &out->gas_price, err);
}

int pk_eth_send_raw(pk_eth *eth, const uint8_t *raw, size_t len, char tx_hash[PK_ETH_HASH_STRLEN],
                    pk_error *err)
{
    char *params = malloc(2 * len + 16);
    if (!params) return pkx_eth_failf(err, eth, PK_ERR_NOMEM, "out of memory");
    strcpy(params, "[\"0x");
    pk_hex_encode(raw, len, params + 4, 2 * len + 1);
    strcat(params, "\"]");
    uint8_t h[32];
    pk_keccak256(raw, len, h);
    pkx_eth_hex0x(h, 32, tx_hash);
    cJSON *root;
    const cJSON *r;
    int rc = pkx_eth_rpc(eth, "eth_sendRawTransaction", params, false, &root, &r, err);
    free(params);
    if (rc != 0) {
        /* The node has this very transaction already (e.g. an earlier attempt whose answer was
         * lost): that is what we wanted. */
        if (err && err->kind == PK_ERR_RPC &&
            (pkx_eth_contains_ci(err->message, "already known") ||
             pkx_eth_contains_ci(err->message, "known transaction") ||
             pkx_eth_contains_ci(err->message, "already imported"))) {
            pk_error_clear(err);
            return 0;
        }
        return -1;
    }
    uint8_t got[32];
    if (!cJSON_IsString(r) || pkx_eth_hash_parse(r->valuestring, got) != 0)
        rc = pkx_eth_failf(err, eth, PK_ERR_DECODE, "eth_sendRawTransaction: result is not a hash");
    else if (memcmp(got, h, 32) != 0)
        rc = pkx_eth_failf(err, eth, PK_ERR_DECODE,
                           "eth_sendRawTransaction: the node returned %s, not the hash of the "
                           "transaction sent (%s)",
                           r->valuestring, tx_hash);
    cJSON_Delete(root);
    return rc;
}

/* ---- DstackApp reads ---------------------------------------------------------------------------- */

/* An ABI bool answer of `what` on app: exactly one word, 0 or 1. */
static int bool_word(pk_eth *eth, const char *app, const char *what, const uint8_t *res, size_t rl,
                     bool *out, pk_error *err)
{
    if (rl != 32) /* an address without code answers "0x": not a DstackApp on this chain */
        return pkx_eth_failf(err, eth, PK_ERR_DECODE,
                             "%s on %s returned %zu bytes instead of 32 — is it a DstackApp "
                             "contract on this chain?",
                             what, app, rl);
    if (pkx_abi_bool(res, rl, out) != 0)
        return pkx_eth_failf(err, eth, PK_ERR_DECODE, "%s on %s did not return a bool", what, app);
    return 0;
}

int pk_eth_allowed_compose_hash(pk_eth *eth, const char *app, const char *hash_hex, bool *allowed,
                                pk_error *err)
{
    uint8_t cd[PK_ETH_CALLDATA_BYTES];
    if (pk_eth_calldata_allowed_compose_hash(hash_hex, cd) != 0)
        return pkx_eth_failf(err, eth, PK_ERR_INVALID_ARG,
                             "compose hash must be 64 hex digits (optional 0x)");
    return pkx_eth_read_bool(eth, app, "allowedComposeHashes(bytes32)", cd, sizeof cd, allowed,
                             err);
}

int pkx_eth_read_bool_at(pk_eth *eth, const char *app, const char *what, const uint8_t *cd,
                         size_t len, bool at_block, uint64_t block, bool revert_false, bool *out,
                         pk_error *err)
{
    uint8_t *res;
    size_t rl;
    *out = false;
    if (pkx_eth_call_at(eth, app, cd, len, at_block, block, &res, &rl, err) != 0) {
        if (revert_false && err && err->kind == PK_ERR_RPC) {
            pkx_error_reset(err);
            return 0;
        }
        return -1;
    }
    int rc = bool_word(eth, app, what, res, rl, out, err);
    free(res);
    return rc;
}

int pkx_eth_read_bool(pk_eth *eth, const char *app, const char *what, const uint8_t *cd, size_t len,
                      bool *out, pk_error *err)
{
    return pkx_eth_read_bool_at(eth, app, what, cd, len, false, 0, false, out, err);
}

/* A bool read at "latest" where a revert means false (a contract without the function). */
static int bool_or_revert(pk_eth *eth, const char *app, const char *what, const uint8_t *cd,
                          size_t len, bool *out, pk_error *err)
{
    return pkx_eth_read_bool_at(eth, app, what, cd, len, false, 0, true, out, err);
}

int pk_eth_device_allowed(pk_eth *eth, const char *app, const char *device_hex, bool *allowed,
                          bool *any, pk_error *err)
{
    uint8_t cd[PK_ETH_CALLDATA_BYTES];
    bool any_device = false, listed = false;
    *allowed = false;
    if (any) *any = false;
    if (pk_eth_calldata_word(PK_ETH_SEL_ALLOWED_DEVICE_ID, device_hex, cd) != 0)
        return pkx_eth_failf(err, eth, PK_ERR_INVALID_ARG,
                             "device id must be 64 hex digits (optional 0x)");
    uint8_t sel[4] = {
        (uint8_t)(PK_ETH_SEL_ALLOW_ANY_DEVICE >> 24), (uint8_t)(PK_ETH_SEL_ALLOW_ANY_DEVICE >> 16),
        (uint8_t)(PK_ETH_SEL_ALLOW_ANY_DEVICE >> 8), (uint8_t)PK_ETH_SEL_ALLOW_ANY_DEVICE};
    if (bool_or_revert(eth, app, "allowAnyDevice()", sel, 4, &any_device, err) != 0) return -1;
    if (!any_device &&
        bool_or_revert(eth, app, "allowedDeviceIds(bytes32)", cd, sizeof cd, &listed, err) != 0)
        return -1;
    *allowed = any_device || listed;
    if (any) *any = any_device;
    return 0;
}

int pk_eth_owner(pk_eth *eth, const char *app, char owner[PK_ETH_ADDRESS_STRLEN], pk_error *err)
{
    uint8_t cd[4], *res;
    size_t rl;
    pk_eth_calldata_owner(cd);
    if (pk_eth_call(eth, app, cd, sizeof cd, &res, &rl, err) != 0) return -1;
    int rc = 0;
    bool clean = rl == 32;
    for (size_t i = 0; clean && i < 12; i++) clean = res[i] == 0;
    if (!clean)
        rc = pkx_eth_failf(
            err, eth, PK_ERR_DECODE,
            "owner() on %s returned %zu bytes instead of an address — is it a DstackApp "
            "contract on this chain?",
            app, rl);
    else
        pkx_eth_hex0x(res + 12, 20, owner);
    free(res);
    return rc;
}
