/* envflow.c — the transition function of the env update (see envflow.h): one function per state,
 * each reporting through diagnostics, none losing the ciphertext of an update the API may later
 * accept. The on-chain edges live in envflow_onchain.c, VISIBLE in envlag.c, the record they all
 * fill in envflow_core.c, the warnings in envflow_warn.c. */
#include "envflow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envflow_onchain.h"
#include "envkey.h"
#include "envlag.h"
#include "envwait.h"
#include "tflog.h"

static void set_keys_from_env(env_flow *f)
{
    f->n_keys = f->env->vars.count;
    f->keys = calloc(f->n_keys ? f->n_keys : 1, sizeof *f->keys);
    for (size_t i = 0; i < f->n_keys; i++) f->keys[i] = strdup(f->env->vars.items[i].key);
}

/* What the state records about the CVM: its own app, KMS and chain (none for Phala's KMS). */
static void set_identity(env_flow *f, bool onchain, const char *app, const char *kms, int64_t chain)
{
    f->id_known = true;
    ef_set(&f->id_app, onchain ? app : NULL);
    ef_set(&f->id_kms, onchain ? kms : NULL);
    f->id_has_chain = onchain;
    f->id_chain = onchain ? chain : 0;
}

static ef_state do_encrypt(tf_ctx *c, pk_client *client, env_flow *f)
{
    free(f->public_key);
    f->public_key = NULL;
    if (f->pinned_key) {
        /* the key is the user's, the CVM still must be the pinned one */
        pk_cvm cvm;
        int rc = env_pin_read_check(c, client, &f->pin, f->cvm_id, &cvm);
        if (rc == 0)
            set_identity(f, cvm.has_kms_info && cvm.kms_info.has_chain_id, cvm.app_id,
                         cvm.kms_info.dstack_kms_address, cvm.kms_info.chain_id);
        pk_cvm_free(&cvm);
        if (rc != 0) return EF_FAILED;
        f->public_key = strdup(f->pinned_key);
        f->onchain = true; /* prepare-only is harmless on a Phala-KMS CVM (applied) */
        free(f->signer);
        f->signer = NULL; /* the user's key: no KMS vouched for it */
        f->signer_source = NULL;
    } else {
        env_key k;
        if (env_key_resolve(c, client, f->cvm_id, &f->pin, &k) != 0) return EF_FAILED;
        /* The plan showed what this apply does; a CVM that changed since must not get an env
         * encrypted for something else than what the user approved. */
        const char *changed = NULL;
        if (f->expect_offchain && k.onchain)
            changed = "its KMS is on-chain now, while the plan was made for Phala's KMS";
        else if (f->expect_key && !phala_hex_same(f->expect_key, k.public_key))
            changed =
                tf_arena_printf(c->arena, "its encryption key is %s now, while the plan showed %s",
                                k.public_key, f->expect_key);
        if (changed) {
            tf_error(c, "cvm_id", "The CVM changed since the plan",
                     "CVM %s changed after this plan was made: %s. Nothing was sent; run "
                     "terraform plan again.",
                     f->cvm_id, changed);
            env_key_free(&k);
            return EF_FAILED;
        }
        set_identity(f, k.onchain, k.app_id, k.kms_contract_address, k.chain_id);
        free(f->signer);
        f->signer = k.signer;
        k.signer = NULL;
        f->signer_source = k.signer_source;
        f->public_key = k.public_key;
        f->onchain = k.onchain;
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
    ef_set(&f->compose_hash, r->precondition.compose_hash);
    ef_set(&f->app_id, r->precondition.app_id);
    ef_set(&f->device_id, r->precondition.device_id);
    ef_set(&f->kms_contract_address,
           r->precondition.has_kms_info ? r->precondition.kms_info.kms_contract_address : NULL);
    f->has_chain_id = r->precondition.has_kms_info && r->precondition.kms_info.has_chain_id;
    f->chain_id = r->precondition.kms_info.chain_id;
    ef_drop_token(f);
    f->token = ef_dup(r->precondition.commit_token);
    f->has_status = r->precondition.has_onchain_status;
    f->status = r->precondition.onchain_status;
    f->already_registered = false;
}

static void take_accepted(env_flow *f, pk_envs_update_result *r)
{
    ef_set(&f->correlation_id, r->in_progress.correlation_id);
    /* the unified PATCH does not say; a commit always changes the keys */
    f->allowed_envs_changed = r->in_progress.allowed_envs_changed || f->compose_hash != NULL;
}

/* A failed write: definite (reported) or of unknown outcome (reported, and remembered so the next
 * plan sends the configured env again whatever it is). */
static void write_failed(tf_ctx *c, env_flow *f, const char *summary, const pk_error *err)
{
    if (pk_error_outcome_unknown(err)) {
        f->ambiguous = true;
        free(f->ambiguous_why);
        char why[700];
        snprintf(why, sizeof why, "%s: %s", summary, pk_error_message(err));
        f->ambiguous_why = strdup(why);
        tf_error(c, NULL, summary,
                 "%s\n\nThe request reached the API but no definite answer came back, so it may "
                 "have been applied. The next plan sends the configured env again, whatever it "
                 "is, so that the CVM ends up with it.",
                 pk_error_message(err));
        return;
    }
    phala_api_error(c, NULL, summary, err);
}

static ef_state do_phase1(tf_ctx *c, pk_client *client, env_flow *f)
{
    pk_envs_update_result r = {0};
    pk_error err = {0};
    const char *const *keys = (const char *const *)f->keys;
    int rc;
    if (!f->legacy) {
        tf_log(TF_LOG_INFO, f->onchain ? "PATCH /cvms/{id}, prepare-only" : "PATCH /cvms/{id}",
               "cvm_id", f->cvm_id, NULL);
        rc = pk_cvm_patch_env(client, f->cvm_id, f->ciphertext, keys, f->n_keys, f->onchain, &r,
                              &err);
        if (rc != 0 && (err.http_status == 404 || err.http_status == 405)) {
            /* An API without the unified update: the older endpoint does the same job. A 404
             * for a missing CVM comes back from it as well. */
            tf_log(TF_LOG_INFO, "the API has no unified PATCH: using PATCH /cvms/{id}/envs",
                   "cvm_id", f->cvm_id, NULL);
            f->legacy = true;
            pk_error_clear(&err);
            return EF_PHASE1;
        }
    } else {
        tf_log(TF_LOG_INFO, "PATCH /cvms/{id}/envs", "cvm_id", f->cvm_id, NULL);
        rc = pk_cvm_envs_update(client, f->cvm_id, f->ciphertext, keys, f->n_keys, NULL, NULL, &r,
                                &err);
    }
    ef_state next = EF_FAILED;
    if (rc == 0 && r.status == PK_ENVS_IN_PROGRESS) {
        take_accepted(f, &r);
        next = EF_WAIT;
    } else if (rc == 0 && f->expect_offchain) {
        /* Phala's KMS has no on-chain registration: a 465 for it is the API contradicting the
         * CVM it showed, not something to sign or to keep pending. */
        tf_error(c, "cvm_id", "The API asks for an on-chain registration",
                 "CVM %s uses Phala's KMS (off-chain), as the plan read, yet the API answered the "
                 "update with a compose-hash precondition (HTTP 465). Nothing was signed or "
                 "committed; the env was not changed. Run terraform plan again, and report this "
                 "to Phala if it persists.",
                 f->cvm_id);
    } else if (rc == 0) {
        take_precondition(f, &r);
        next = EF_NEED_TX;
    } else {
        write_failed(c, f, "Cannot update the env", &err);
    }
    pk_error_clear(&err);
    pk_envs_update_result_free(&r);
    return next;
}

static ef_state do_phase2(tf_ctx *c, pk_client *client, env_flow *f)
{
    pk_envs_update_result r = {0};
    pk_error err = {0};
    const char *tx = f->tx ? f->tx : PK_TX_ALREADY_REGISTERED;
    int rc;
    if (f->legacy) {
        tf_log(TF_LOG_INFO, "PATCH /cvms/{id}/envs, phase 2", "cvm_id", f->cvm_id,
               "transaction_hash", tx, NULL);
        rc = pk_cvm_envs_update(client, f->cvm_id, f->ciphertext, (const char *const *)f->keys,
                                f->n_keys, f->compose_hash, tx, &r, &err);
    } else if (f->token) {
        tf_log(TF_LOG_INFO, "POST /cvms/{id}/commit-update", "cvm_id", f->cvm_id,
               "transaction_hash", tx, NULL);
        /* the hash exactly as the 465 named it (prefix and case), as Phala's CLI echoes it */
        rc = pk_cvm_commit_update(client, f->cvm_id, f->token, f->compose_hash, tx, &r, &err);
    } else {
        tf_log(TF_LOG_INFO, "PATCH /cvms/{id} confirm (X-Compose-Hash)", "cvm_id", f->cvm_id,
               "transaction_hash", tx, NULL);
        rc = pk_cvm_confirm_patch(client, f->cvm_id, f->compose_hash, tx, &r, &err);
    }
    ef_state next = EF_FAILED;
    if (rc == 0 && r.status == PK_ENVS_IN_PROGRESS) {
        take_accepted(f, &r);
        next = EF_WAIT;
    } else if (rc == 0) {
        tf_error(c, "transaction_hash", "Compose hash still not registered",
                 "The API asked again for compose hash registration after transaction %s. "
                 "Check that it registered %s on app contract %s.",
                 tx, f->compose_hash, f->app_id ? f->app_id : "?");
        f->keep_pending = true;
    } else if (err.kind == PK_ERR_HASH_EXPIRED && !f->restarted) {
        /* The pending hash expired (7 days), the API forgot it, or the one-time commit token is
         * spent: encrypt afresh and ask again. */
        tf_log(TF_LOG_INFO, "compose hash or commit token expired: starting over", "cvm_id",
               f->cvm_id, NULL);
        f->restarted = true;
        ef_drop_token(f);
        next = EF_ENCRYPT;
    } else if (err.kind == PK_ERR_TX_VERIFY_FAILED || err.kind == PK_ERR_HASH_NOT_ALLOWED) {
        tf_error(c, f->tx ? "transaction_hash" : NULL,
                 err.kind == PK_ERR_TX_VERIFY_FAILED
                     ? "Transaction does not register the compose hash"
                     : "Compose hash not allowed by the app contract",
                 "The API refused to commit compose hash %s with %s: %s. The update stays "
                 "pending_onchain; register the hash on app contract %s (and allow the CVM's "
                 "device), then apply again.",
                 f->compose_hash, f->tx ? f->tx : "the contract's current state",
                 pk_error_message(&err), f->app_id ? f->app_id : "?");
        f->keep_pending = true;
    } else {
        write_failed(c, f, "Cannot complete the env update", &err);
        f->keep_pending = true;
    }
    pk_error_clear(&err);
    pk_envs_update_result_free(&r);
    return next;
}

static ef_state do_wait(tf_ctx *c, pk_client *client, env_flow *f)
{
    f->accepted = true;
    if (!f->wait) return EF_APPLIED;
    return env_wait_running(c, client, f->cvm_id, f->deadline_ms, f->timeout_ms,
                            f->correlation_id) >= 0
               ? EF_APPLIED
               : EF_FAILED;
}

ef_state ef_step(tf_ctx *c, pk_client *client, env_flow *f)
{
    if (tf_cancelled() && f->state != EF_WAIT) {
        tf_error_cancelled(c);
        f->keep_pending = f->state >= EF_NEED_TX && f->state <= EF_PHASE2;
        return EF_FAILED;
    }
    switch (f->state) {
    case EF_ENCRYPT:
        return do_encrypt(c, client, f);
    case EF_PHASE1:
        return do_phase1(c, client, f);
    case EF_NEED_TX:
        return ef_do_need_tx(c, client, f);
    case EF_VERIFY:
        return ef_do_verify(c, client, f);
    case EF_REGISTER:
        return ef_do_register(c, f);
    case EF_DEVICE:
        return ef_do_device(c, client, f);
    case EF_VISIBLE:
        return ef_do_visible(c, client, f);
    case EF_PHASE2:
        return do_phase2(c, client, f);
    case EF_WAIT:
        return do_wait(c, client, f);
    default:
        return f->state;
    }
}

ef_state ef_run(tf_ctx *c, pk_client *client, env_flow *f)
{
    while (f->state != EF_APPLIED && f->state != EF_PENDING && f->state != EF_FAILED) {
        ef_state from = f->state;
        f->state = ef_step(c, client, f);
        tf_log(TF_LOG_DEBUG, "env update", "cvm_id", f->cvm_id, "from", ef_state_name(from), "to",
               ef_state_name(f->state), NULL);
    }
    return f->state;
}
