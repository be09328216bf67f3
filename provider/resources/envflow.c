/* envflow.c — the transition function of the two-phase env update (see envflow.h). Every edge
 * reports through diagnostics; no edge loses the ciphertext of an update the API may later accept. */
#include "envflow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envkey.h"
#include "tflog.h"

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void set_keys_from_env(env_flow *f)
{
    f->n_keys = f->env->vars.count;
    f->keys = calloc(f->n_keys ? f->n_keys : 1, sizeof *f->keys);
    for (size_t i = 0; i < f->n_keys; i++) f->keys[i] = strdup(f->env->vars.items[i].key);
}

static ef_state do_encrypt(tf_ctx *c, pk_client *client, env_flow *f)
{
    free(f->public_key);
    f->public_key = NULL;
    if (f->pinned_key) {
        f->public_key = strdup(f->pinned_key);
    } else {
        env_key k;
        if (env_key_resolve(c, client, f->cvm_id, &k) != 0) return EF_FAILED;
        f->public_key = k.public_key;
        k.public_key = NULL;
        env_key_free(&k);
    }
    char err[256];
    free(f->ciphertext);
    f->ciphertext = NULL;
    if (pk_encrypt_env(f->env->vars.items, f->env->vars.count, f->public_key, &f->ciphertext, err,
                       sizeof err) != 0) {
        tf_error(c, f->pinned_key ? "public_key" : NULL, "Cannot encrypt the environment", "%s",
                 err);
        return EF_FAILED;
    }
    if (!f->keys) set_keys_from_env(f);
    return EF_PHASE1;
}

static void take_precondition(env_flow *f, pk_envs_update_result *r)
{
    free(f->compose_hash);
    free(f->app_id);
    free(f->kms_contract_address);
    f->compose_hash = dup_or_null(r->precondition.compose_hash);
    f->app_id = dup_or_null(r->precondition.app_id);
    f->kms_contract_address = r->precondition.has_kms_info
                                  ? dup_or_null(r->precondition.kms_info.kms_contract_address)
                                  : NULL;
    f->has_chain_id = r->precondition.has_kms_info && r->precondition.kms_info.has_chain_id;
    f->chain_id = r->precondition.kms_info.chain_id;
}

static void take_accepted(env_flow *f, pk_envs_update_result *r)
{
    free(f->correlation_id);
    f->correlation_id = dup_or_null(r->in_progress.correlation_id);
    f->allowed_envs_changed = r->in_progress.allowed_envs_changed;
}

static ef_state do_patch(tf_ctx *c, pk_client *client, env_flow *f, bool phase2)
{
    pk_envs_update_result r = {0};
    pk_error err = {0};
    tf_log(TF_LOG_INFO, phase2 ? "PATCH envs, phase 2" : "PATCH envs", "cvm_id", f->cvm_id, NULL);
    int rc = pk_cvm_envs_update(client, f->cvm_id, f->ciphertext, (const char *const *)f->keys,
                                f->n_keys, phase2 ? f->compose_hash : NULL, phase2 ? f->tx : NULL,
                                &r, &err);
    ef_state next = EF_FAILED;
    if (rc == 0 && r.status == PK_ENVS_IN_PROGRESS) {
        take_accepted(f, &r);
        next = EF_APPLIED;
    } else if (rc == 0 && r.status == PK_ENVS_PRECONDITION_REQUIRED && !phase2) {
        take_precondition(f, &r);
        next = EF_NEED_TX;
    } else if (rc == 0) {
        tf_error(c, "transaction_hash", "Compose hash still not registered",
                 "The API asked again for compose hash registration after transaction %s. "
                 "Check that it registered %s on app contract %s.",
                 f->tx, f->compose_hash, f->app_id ? f->app_id : "?");
        f->keep_pending = true;
    } else if (phase2 && err.kind == PK_ERR_HASH_EXPIRED && !f->restarted) {
        /* The pending hash expired (7 days) or the API forgot it: encrypt afresh and ask again. */
        tf_log(TF_LOG_INFO, "compose hash expired: starting over", "cvm_id", f->cvm_id, NULL);
        f->restarted = true;
        next = EF_ENCRYPT;
    } else if (phase2 &&
               (err.kind == PK_ERR_TX_VERIFY_FAILED || err.kind == PK_ERR_HASH_NOT_ALLOWED)) {
        tf_error(c, "transaction_hash",
                 err.kind == PK_ERR_TX_VERIFY_FAILED
                     ? "Transaction does not register the compose hash"
                     : "Compose hash not allowed by the app contract",
                 "The API rejected transaction %s for compose hash %s: %s. The update stays "
                 "pending_onchain; register the hash on app contract %s and set transaction_hash "
                 "to the registering transaction.",
                 f->tx, f->compose_hash, pk_error_message(&err), f->app_id ? f->app_id : "?");
        f->keep_pending = true;
    } else {
        phala_api_error(c, NULL,
                        phase2 ? "Cannot complete the env update" : "Cannot update the env", &err);
        f->keep_pending = phase2;
    }
    pk_error_clear(&err);
    pk_envs_update_result_free(&r);
    return next;
}

/* A transaction hash is used for compose hash H unless it is known to belong to another hash. */
static bool tx_usable(env_flow *f, const char *tx)
{
    if (!tx) return false;
    if (f->stale_tx && strcmp(f->stale_tx, tx) == 0 && f->stale_for && f->compose_hash &&
        !phala_hex_same(f->stale_for, f->compose_hash)) {
        free(f->pending_note);
        size_t n = strlen(tx) + strlen(f->stale_for) + 160;
        f->pending_note = malloc(n);
        snprintf(f->pending_note, n,
                 "The configured transaction_hash %s registered compose hash %s, not this one, so "
                 "it was not reused.",
                 tx, f->stale_for);
        return false;
    }
    return true;
}

static ef_state do_need_tx(tf_ctx *c, env_flow *f)
{
    if (tx_usable(f, f->config_tx)) {
        free(f->tx);
        f->tx = strdup(f->config_tx);
        return EF_PHASE2;
    }
    if (f->signer) {
        char *tx =
            f->signer(c, f->signer_arg, f->compose_hash, f->app_id, f->has_chain_id, f->chain_id);
        if (!tx) {
            f->keep_pending = true;
            return EF_FAILED;
        }
        free(f->tx);
        f->tx = tx;
        return EF_PHASE2;
    }
    return EF_PENDING;
}

ef_state ef_step(tf_ctx *c, pk_client *client, env_flow *f)
{
    if (tf_cancelled()) {
        tf_error_cancelled(c);
        f->keep_pending = f->state == EF_NEED_TX || f->state == EF_PHASE2;
        return EF_FAILED;
    }
    switch (f->state) {
    case EF_ENCRYPT:
        return do_encrypt(c, client, f);
    case EF_PHASE1:
        return do_patch(c, client, f, false);
    case EF_NEED_TX:
        return do_need_tx(c, f);
    case EF_PHASE2:
        return do_patch(c, client, f, true);
    default:
        return f->state;
    }
}

ef_state ef_run(tf_ctx *c, pk_client *client, env_flow *f)
{
    while (f->state != EF_APPLIED && f->state != EF_PENDING && f->state != EF_FAILED)
        f->state = ef_step(c, client, f);
    return f->state;
}

void ef_resume(env_flow *f, const char *ciphertext, const tf_value *keys, const char *compose_hash,
               const char *app_id, const char *kms_contract_address, bool has_chain_id,
               int64_t chain_id, const char *public_key)
{
    f->state = EF_NEED_TX;
    f->ciphertext = dup_or_null(ciphertext);
    f->n_keys = tf_is_known(keys) ? keys->u.coll.n : 0;
    f->keys = calloc(f->n_keys ? f->n_keys : 1, sizeof *f->keys);
    for (size_t i = 0; i < f->n_keys; i++) f->keys[i] = strdup(keys->u.coll.items[i].u.str.ptr);
    f->compose_hash = dup_or_null(compose_hash);
    f->app_id = dup_or_null(app_id);
    f->kms_contract_address = dup_or_null(kms_contract_address);
    f->has_chain_id = has_chain_id;
    f->chain_id = chain_id;
    f->public_key = dup_or_null(public_key);
}

void ef_warn_pending(tf_ctx *c, const env_flow *f, const char *resource)
{
    char chain[64] = "its chain";
    if (f->has_chain_id) snprintf(chain, sizeof chain, "chain id %lld", (long long)f->chain_id);
    const char *h = f->compose_hash ? f->compose_hash : "?";
    tf_warning(
        c, "transaction_hash", "On-chain registration required",
        "The new set of env keys changes the CVM's compose hash, which its on-chain KMS only "
        "accepts once the app contract allows it. The update is saved as "
        "status = \"pending_onchain\".\n\n"
        "To finish: call addComposeHash(0x%s) on the app contract 0x%s (%s%s%s), owner key "
        "required; e.g. `cast send 0x%s \"addComposeHash(bytes32)\" 0x%s`. Then set\n"
        "  transaction_hash = \"<the transaction hash>\"\n"
        "on %s and run terraform apply again: the provider re-sends the same encrypted env "
        "with the hash and the transaction. %s",
        phala_strip0x(h), f->app_id ? phala_strip0x(f->app_id) : "?", chain,
        f->kms_contract_address ? ", KMS contract " : "",
        f->kms_contract_address ? f->kms_contract_address : "",
        f->app_id ? phala_strip0x(f->app_id) : "?", phala_strip0x(h), resource,
        f->pending_note ? f->pending_note : "");
}

void ef_free(env_flow *f)
{
    free(f->public_key);
    if (f->ciphertext) free(f->ciphertext);
    for (size_t i = 0; i < f->n_keys; i++) free(f->keys[i]);
    free(f->keys);
    free(f->compose_hash);
    free(f->app_id);
    free(f->kms_contract_address);
    free(f->tx);
    free(f->correlation_id);
    free(f->pending_note);
    memset(f, 0, sizeof *f);
}
