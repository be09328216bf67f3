/* envsigner.c — see envsigner.h. The private key stays in the provider configuration's memory; it
 * is handed to libphalakms for signing and never appears in state, diagnostics or logs. */
#include "envsigner.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tflog.h"

static void log_rpc(void *user, const char *line)
{
    (void)user;
    tf_log(TF_LOG_DEBUG, line, NULL);
}

bool env_chain_can_read(const phala_config *pc)
{
    return pc && pc->onchain.rpc_url;
}

bool env_chain_can_sign(const phala_config *pc)
{
    return env_chain_can_read(pc) && pc->onchain.private_key;
}

static pk_eth *eth_new(const phala_config *pc, pk_error *err)
{
    pk_eth_config ecfg = {
        .rpc_url = pc->onchain.rpc_url, .cancel = phala_cancel_token(), .log_fn = log_rpc};
    pk_eth *eth = NULL;
    return pk_eth_new(&ecfg, &eth, err) == 0 ? eth : NULL;
}

/* A read is only meaningful on the KMS's chain. */
static int check_chain(pk_eth *eth, bool has_chain, int64_t chain_id, pk_error *err)
{
    uint64_t got;
    if (pk_eth_chain_id(eth, &got, err) != 0) return -1;
    if (has_chain && got != (uint64_t)chain_id) {
        pk_error_clear(err);
        err->kind = PK_ERR_CHAIN_MISMATCH;
        size_t n = 200;
        err->human = malloc(n);
        if (err->human)
            snprintf(err->human, n,
                     "the RPC endpoint serves chain %" PRIu64
                     " but the app's KMS is on chain %" PRId64
                     " — point the rpc url at a chain %" PRId64 " node",
                     got, chain_id, chain_id);
        return -1;
    }
    return 0;
}

static void chain_error(tf_ctx *c, const char *summary, pk_error *err, const char *hint)
{
    if (err->kind == PK_ERR_CANCELLED) {
        tf_log(TF_LOG_WARN, pk_error_message(err), NULL);
        tf_error_cancelled(c);
        return;
    }
    tf_error(c, NULL, summary, "%s%s%s", pk_error_message(err), hint ? "\n\n" : "",
             hint ? hint : "");
}

static int read_bool(tf_ctx *c, const phala_config *pc, const char *app, const char *word,
                     bool device, bool has_chain, int64_t chain_id, bool *out)
{
    pk_error err = {0};
    pk_eth *eth = eth_new(pc, &err);
    int rc = -1;
    if (eth && check_chain(eth, has_chain, chain_id, &err) == 0)
        rc = device ? pk_eth_device_allowed(eth, app, word, out, NULL, &err)
                    : pk_eth_allowed_compose_hash(eth, app, word, out, &err);
    if (rc != 0)
        chain_error(c,
                    device ? "Cannot read the app's device allowlist"
                           : "Cannot read the app's allowed compose hashes",
                    &err,
                    "The update stays pending_onchain; fix the onchain rpc_url and apply again.");
    pk_error_clear(&err);
    pk_eth_free(eth);
    return rc;
}

int env_chain_check(const phala_config *pc, const char *app, const char *hash, const char *device,
                    bool has_chain, int64_t chain_id, bool *hash_ok, bool *device_ok, char **why)
{
    pk_error err = {0};
    *why = NULL;
    *hash_ok = false;
    *device_ok = true;
    pk_eth *eth = eth_new(pc, &err);
    int rc = -1;
    if (eth && check_chain(eth, has_chain, chain_id, &err) == 0 &&
        pk_eth_allowed_compose_hash(eth, app, hash, hash_ok, &err) == 0 &&
        (!device || pk_eth_device_allowed(eth, app, device, device_ok, NULL, &err) == 0))
        rc = 0;
    if (rc != 0) *why = strdup(pk_error_message(&err));
    pk_error_clear(&err);
    pk_eth_free(eth);
    return rc;
}

int env_chain_hash_allowed(tf_ctx *c, const phala_config *pc, const char *app, const char *hash,
                           bool has_chain, int64_t chain_id, bool *allowed)
{
    return read_bool(c, pc, app, hash, false, has_chain, chain_id, allowed);
}

int env_chain_device_allowed(tf_ctx *c, const phala_config *pc, const char *app, const char *device,
                             bool has_chain, int64_t chain_id, bool *allowed)
{
    return read_bool(c, pc, app, device, true, has_chain, chain_id, allowed);
}

static pk_register_req register_req(const phala_config *pc, const char *app, bool has_chain,
                                    int64_t chain_id)
{
    pk_register_req req = {.private_key_hex = pc->onchain.private_key,
                           .app_contract = app,
                           .has_expected_chain_id = has_chain,
                           .expected_chain_id = (uint64_t)chain_id,
                           .confirmations = (unsigned)pc->onchain.confirmations,
                           .receipt_timeout_ms = (long)pc->onchain.receipt_timeout_seconds * 1000L};
    return req;
}

char *env_chain_register_hash(tf_ctx *c, const phala_config *pc, const char *app, const char *hash,
                              bool has_chain, int64_t chain_id)
{
    pk_error err = {0};
    pk_register_req req = register_req(pc, app, has_chain, chain_id);
    req.compose_hash = hash;
    pk_register_result res = {0};
    char *tx = NULL;
    tf_log(TF_LOG_INFO, "registering compose hash on-chain", "compose_hash", hash, "app_contract",
           app, NULL);
    pk_eth *eth = eth_new(pc, &err);
    if (!eth || pk_register_compose_hash(eth, &req, &res, &err) != 0) {
        char hint[400];
        snprintf(hint, sizeof hint,
                 "The update stays pending_onchain. Fix the onchain settings of the provider, or "
                 "register compose hash %s on app contract %s yourself and set transaction_hash.",
                 hash, app);
        chain_error(c, "Cannot register the compose hash on-chain", &err, hint);
    } else {
        tx = res.tx_hash;
        res.tx_hash = NULL;
        tf_log(TF_LOG_INFO,
               res.reused ? "compose hash already registered; reusing its transaction"
                          : "compose hash registered",
               "transaction_hash", tx, NULL);
    }
    pk_register_result_free(&res);
    pk_error_clear(&err);
    pk_eth_free(eth);
    return tx;
}

int env_chain_register_device(tf_ctx *c, const phala_config *pc, const char *app,
                              const char *device, bool has_chain, int64_t chain_id)
{
    pk_error err = {0};
    pk_register_req req = register_req(pc, app, has_chain, chain_id);
    req.device_id = device;
    pk_register_result res = {0};
    int rc = -1;
    tf_log(TF_LOG_INFO, "adding the CVM's device to the app's allowlist", "device_id", device,
           "app_contract", app, NULL);
    pk_eth *eth = eth_new(pc, &err);
    if (!eth || pk_register_device(eth, &req, &res, &err) != 0) {
        char hint[400];
        snprintf(hint, sizeof hint,
                 "The update stays pending_onchain. Call addDevice(%s) on app contract %s "
                 "yourself (or fix the onchain settings) and apply again.",
                 device, app);
        chain_error(c, "Cannot add the CVM's device on-chain", &err, hint);
    } else {
        tf_log(TF_LOG_INFO, res.reused ? "device already allowed" : "device added",
               "transaction_hash", res.tx_hash ? res.tx_hash : "(none)", NULL);
        rc = 0;
    }
    pk_register_result_free(&res);
    pk_error_clear(&err);
    pk_eth_free(eth);
    return rc;
}

char *env_chain_find_hash_tx(const phala_config *pc, const char *app, const char *hash, char **why)
{
    *why = NULL;
    pk_error err = {0};
    pk_eth *eth = eth_new(pc, &err);
    pk_eth_log_query q = {
        .address = app, .topic0 = PK_ETH_TOPIC_COMPOSE_HASH_ADDED, .data_hex = hash};
    pk_eth_log_result r;
    char *tx = NULL, range[200], msg[1200];
    if (!eth || pk_eth_find_log(eth, &q, &r, &err) != 0) {
        snprintf(msg, sizeof msg, "the log search failed: %s", pk_error_message(&err));
        *why = strdup(msg);
    } else if (!r.found) {
        pk_eth_log_range_text(&r, range, sizeof range);
        snprintf(msg, sizeof msg, "no ComposeHashAdded(%s) log from %s in %s", hash, app, range);
        *why = strdup(msg);
    } else {
        tx = strdup(r.tx_hash);
        tf_log(TF_LOG_INFO, "found the transaction that registered the compose hash",
               "transaction_hash", tx, NULL);
    }
    pk_error_clear(&err);
    pk_eth_free(eth);
    return tx;
}

char *env_chain_kms_k256(const phala_config *pc, const char *kms, bool has_chain, int64_t chain_id,
                         char **why)
{
    pk_error err = {0};
    char k[PK_ETH_K256_STRLEN], *out = NULL;
    *why = NULL;
    pk_eth *eth = eth_new(pc, &err);
    if (eth && check_chain(eth, has_chain, chain_id, &err) == 0 &&
        pk_eth_kms_k256(eth, kms, k, &err) == 0)
        out = strdup(k);
    else
        *why = strdup(pk_error_message(&err));
    pk_error_clear(&err);
    pk_eth_free(eth);
    return out;
}

int env_chain_check_app_registered(tf_ctx *c, const phala_config *pc, const char *kms,
                                   const char *app, bool has_chain, int64_t chain_id)
{
    if (!kms || !phala_is_hex(kms, 40, false)) {
        tf_log(TF_LOG_INFO, "no KMS contract known: the app's registration is not checked",
               "app_contract", app, NULL);
        return 0;
    }
    pk_error err = {0};
    pk_tristate reg = PK_UNSET;
    pk_eth *eth = eth_new(pc, &err);
    int rc = -1;
    if (eth && check_chain(eth, has_chain, chain_id, &err) == 0 &&
        pk_eth_kms_app_registered(eth, kms, app, &reg, &err) == 0)
        rc = 0;
    if (rc != 0) {
        chain_error(c, "Cannot check the app's registration on its KMS contract", &err,
                    "Nothing was signed; the update stays pending_onchain. Fix the onchain "
                    "rpc_url and apply again.");
    } else if (reg == PK_FALSE) {
        tf_error(c, "cvm_id", "The app is not registered on the CVM's KMS contract",
                 "KMS contract %s does not list app contract %s in registeredApps, so that KMS "
                 "would never release keys for it: the API named an app that does not belong to "
                 "this CVM's KMS. Nothing was signed.",
                 kms, app);
        rc = -1;
    } else if (reg == PK_UNSET) {
        /* Contracts without the read (or not a DstackKms at all) cannot answer: the other checks
         * (the pinned app, the proof of the compose) still hold, so the signer goes on. */
        tf_log(TF_LOG_WARN,
               "the KMS contract cannot say whether the app is registered (no registeredApps): "
               "signing on the strength of the other checks",
               "kms_contract", kms, "app_contract", app, NULL);
    }
    pk_error_clear(&err);
    pk_eth_free(eth);
    return rc;
}
