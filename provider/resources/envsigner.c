/* envsigner.c — see envsigner.h. The private key stays in the provider configuration's memory; it
 * is handed to libphalakms for signing and never appears in state, diagnostics or logs. */
#include "envsigner.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "tflog.h"

static void log_rpc(void *user, const char *line)
{
    (void)user;
    tf_log(TF_LOG_DEBUG, line, NULL);
}

static char *sign_and_register(tf_ctx *c, void *arg, const char *compose_hash, const char *app_id,
                               bool has_chain_id, int64_t chain_id)
{
    const phala_config *pc = arg;
    pk_eth_config ecfg = {
        .rpc_url = pc->onchain.rpc_url, .cancel = phala_cancel_token(), .log_fn = log_rpc};
    pk_eth *eth = NULL;
    pk_error err = {0};
    char *tx = NULL;
    pk_register_req req = {.private_key_hex = pc->onchain.private_key,
                           .app_contract = app_id,
                           .compose_hash = compose_hash,
                           .has_expected_chain_id = has_chain_id,
                           .expected_chain_id = (uint64_t)chain_id,
                           .confirmations = (unsigned)pc->onchain.confirmations,
                           .receipt_timeout_ms = (long)pc->onchain.receipt_timeout_seconds * 1000L};
    pk_register_result res = {0};
    tf_log(TF_LOG_INFO, "registering compose hash on-chain", "compose_hash", compose_hash,
           "app_contract", app_id, NULL);
    if (pk_eth_new(&ecfg, &eth, &err) != 0 ||
        pk_register_compose_hash(eth, &req, &res, &err) != 0) {
        if (err.kind == PK_ERR_CANCELLED) {
            /* the message may say a transaction was already sent: the next apply finds it */
            tf_log(TF_LOG_WARN, pk_error_message(&err), NULL);
            tf_error_cancelled(c);
        } else {
            tf_error(c, NULL, "Cannot register the compose hash on-chain",
                     "%s\n\nThe update stays pending_onchain. Fix the onchain settings of the "
                     "provider, or register compose hash %s on app contract %s yourself and set "
                     "transaction_hash.",
                     pk_error_message(&err), compose_hash, app_id);
        }
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

ef_signer phala_onchain_signer_for(const phala_config *pc)
{
    return pc && pc->onchain.private_key && pc->onchain.rpc_url ? sign_and_register : NULL;
}
