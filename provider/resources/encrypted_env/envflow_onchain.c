/* envflow_onchain.c — the on-chain edges of the env update (envflow.h): how a pending compose hash
 * gets registered (a configured transaction, a registration made elsewhere, or the provider's key
 * after VERIFY proved the hash), and the device allowlist before the commit. Nothing is signed that
 * was not proved, and nothing is sent twice: the chain is asked first every time. */
#include "envflow_onchain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envcheck.h"
#include "envlag.h"
#include "envsigner.h"
#include "envverify.h"
#include "tflog.h"

/* A transaction hash is used for compose hash H unless it is known to belong to another hash. */
static bool tx_usable(env_flow *f, const char *tx)
{
    if (!tx) return false;
    if (f->stale_tx && strcmp(f->stale_tx, tx) == 0 && f->stale_for && f->compose_hash &&
        !phala_hex_same(f->stale_for, f->compose_hash)) {
        char note[400];
        snprintf(note, sizeof note,
                 "The configured transaction_hash %s registered compose hash %s, not this one, so "
                 "it was not reused.",
                 tx, f->stale_for);
        ef_set(&f->pending_note, note);
        return false;
    }
    return true;
}

static bool can_sign(const env_flow *f)
{
    return env_chain_can_sign(f->pc);
}

/* Is the hash allowed already? The contract when an rpc_url is configured; else the 465's own
 * onchain_status when it just came, else POST /cvms/{id}/is-allowed. */
static void check_allowed(pk_client *client, env_flow *f, bool fresh_465)
{
    if (fresh_465 && f->has_status && !env_chain_can_read(f->pc)) {
        f->allowed_source = "the API's onchain_status";
        return;
    }
    env_check k;
    env_check_registration(client, f->pc, f->cvm_id, f->app_id, f->compose_hash, f->device_id,
                           f->has_chain_id, f->chain_id, &k);
    if (k.hash_allowed != PK_UNSET) {
        f->has_status = true;
        f->status.compose_hash_allowed = k.hash_allowed;
        f->status.device_id_allowed = k.device_allowed;
        f->status.is_allowed =
            k.hash_allowed == PK_TRUE && k.device_allowed != PK_FALSE ? PK_TRUE : PK_FALSE;
        f->allowed_source = k.source;
        /* read from the contract at the head (rpc_url), not from the API's lagging view */
        f->seen_on_chain = k.hash_allowed == PK_TRUE && env_chain_can_read(f->pc) && f->app_id;
    } else if (k.why) {
        tf_log(TF_LOG_INFO, "cannot tell whether the compose hash is registered", "reason", k.why,
               NULL);
    }
    env_check_free(&k);
}

/* The hash is allowed (someone registered it): commit. The older API needs the transaction itself,
 * found by its ComposeHashAdded log when an rpc_url is configured. */
static ef_state registered_elsewhere(env_flow *f)
{
    tf_log(TF_LOG_INFO, "compose hash already allowed: committing without a new transaction",
           "compose_hash", f->compose_hash, "source", f->allowed_source, NULL);
    if (!f->legacy) {
        f->already_registered = true;
        return EF_DEVICE;
    }
    char *why = NULL;
    char *tx = env_chain_can_read(f->pc)
                   ? env_chain_find_hash_tx(f->pc, f->app_id, f->compose_hash, &why)
                   : NULL;
    if (tx) {
        free(f->tx);
        f->tx = tx;
        return EF_DEVICE;
    }
    char note[1400];
    snprintf(note, sizeof note,
             "The app contract allows the hash already, but this API needs the transaction that "
             "registered it%s%s.",
             why ? " and "
                 : " (configure onchain.rpc_url to let the provider find it, or set "
                   "transaction_hash)",
             why ? why : "");
    free(why);
    ef_set(&f->pending_note, note);
    f->waiting_for = EF_WAIT_TX;
    return EF_PENDING;
}

/* What the proof of the 465's hash starts from: the update as this flow knows it. */
static env_verify_in verify_in(const env_flow *f)
{
    return (env_verify_in){.cvm_id = f->cvm_id,
                           .keys = (const char *const *)f->keys,
                           .n_keys = f->n_keys,
                           .hash = f->compose_hash,
                           .app_id = f->app_id,
                           .has_chain_id = f->has_chain_id,
                           .chain_id = f->chain_id,
                           .device_id = f->device_id,
                           .approved = f->approved_in,
                           .pc = f->pc,
                           .pin = &f->pin};
}

/* What this provider computes for the update, for a warning a person reads before approving. */
static void compute_locally(tf_ctx *c, pk_client *client, env_flow *f)
{
    env_verify_in in = verify_in(f);
    env_verdict v;
    /* a failure to compute is no reason to fail the apply: the warning then says less */
    tf_diags saved = c->diags;
    if (env_verify(c, client, &in, &v) == 0) {
        ef_set(&f->local_hash, v.local_hash);
        ef_set(&f->verify_note, v.ok ? NULL : v.why);
        f->verified_onchain = v.ok && v.onchain;
    }
    c->diags = saved;
    if (c->diags.tail) c->diags.tail->next = NULL; /* drop what the computation reported */
    env_verdict_free(&v);
}

ef_state ef_do_need_tx(tf_ctx *c, pk_client *client, env_flow *f)
{
    bool fresh = f->token || f->has_status; /* a 465 of this apply */
    if (tx_usable(f, f->config_tx)) {
        ef_set(&f->tx, f->config_tx);
        return EF_DEVICE;
    }
    check_allowed(client, f, fresh);
    if (f->has_status && f->status.compose_hash_allowed == PK_TRUE) return registered_elsewhere(f);
    if (can_sign(f)) {
        if (f->pc->onchain.verify_compose) return EF_VERIFY;
        tf_warning(c, NULL, "Compose hash signed without verification",
                   "onchain.verify_compose = false: the provider registers compose hash %s as the "
                   "API named it, without proving it is the approved compose with only the env "
                   "keys changed.",
                   f->compose_hash ? f->compose_hash : "?");
        return EF_REGISTER;
    }
    compute_locally(c, client, f);
    f->waiting_for = EF_WAIT_HASH;
    return EF_PENDING;
}

ef_state ef_do_verify(tf_ctx *c, pk_client *client, env_flow *f)
{
    env_verify_in in = verify_in(f);
    env_verdict v;
    if (env_verify(c, client, &in, &v) != 0) {
        env_verdict_free(&v);
        f->keep_pending = true;
        return EF_FAILED;
    }
    ef_set(&f->local_hash, v.local_hash);
    f->local_approved = v.local_approved;
    if (!v.ok) {
        tf_log(TF_LOG_WARN, "compose hash not verified: nothing signed", "compose_hash",
               f->compose_hash, "reason", v.why, NULL);
        ef_set(&f->verify_note, v.why);
        f->waiting_for = EF_WAIT_MISMATCH;
        env_verdict_free(&v);
        return EF_PENDING;
    }
    /* Sign on what was proved, not on what the API said: the CVM's own app, the KMS's chain. */
    ef_set(&f->app_id, v.app_id);
    if (v.device_id) ef_set(&f->device_id, v.device_id);
    f->has_chain_id = v.has_chain_id;
    f->chain_id = v.chain_id;
    f->verified_onchain = v.onchain;
    cJSON_Delete(f->approved_out);
    f->approved_out = v.approved;
    v.approved = NULL;
    env_verdict_free(&v);
    return EF_REGISTER;
}

/* The KMS contract the CVM belongs to: what the state pinned, else what was read at ENCRYPT, else
 * the 465's. */
static const char *kms_of(const env_flow *f)
{
    return f->pin.kms ? f->pin.kms : f->id_kms ? f->id_kms : f->kms_contract_address;
}

ef_state ef_do_register(tf_ctx *c, env_flow *f)
{
    if (env_chain_check_app_registered(c, f->pc, kms_of(f), f->app_id, f->has_chain_id,
                                       f->chain_id) != 0) {
        f->keep_pending = true;
        return EF_FAILED;
    }
    char *tx =
        env_chain_register_hash(c, f->pc, f->app_id, f->compose_hash, f->has_chain_id, f->chain_id);
    if (!tx) {
        f->keep_pending = true;
        return EF_FAILED;
    }
    free(f->tx);
    f->tx = tx;
    f->seen_on_chain = true; /* the receipt (or the contract) confirmed it */
    return EF_DEVICE;
}

/* The CVM's device id from the CVM itself (node_info), never only from a 465. The read is also the
 * last check of the CVM's identity before the commit (*changed, after an error). */
static char *cvm_device(tf_ctx *c, pk_client *client, const env_flow *f, bool *changed)
{
    pk_cvm cvm = {0};
    pk_error err = {0};
    char *d = NULL;
    *changed = false;
    if (pk_cvm_fetch(client, f->cvm_id, &cvm, &err) == 0) {
        *changed = env_pin_check(c, &f->pin, f->cvm_id, &cvm) != 0;
        d = ef_dup(cvm.device_id);
    }
    pk_cvm_free(&cvm);
    pk_error_clear(&err);
    return d;
}

ef_state ef_do_device(tf_ctx *c, pk_client *client, env_flow *f)
{
    bool changed;
    char *dev = cvm_device(c, client, f, &changed);
    if (changed) { /* an error; the state stays what it was (no keep_pending) */
        free(dev);
        return EF_FAILED;
    }
    if (dev && f->device_id && !phala_hex_same(dev, f->device_id)) {
        char note[400];
        snprintf(note, sizeof note, "the API names device 0x%s, but the CVM runs on device 0x%s",
                 phala_strip0x(f->device_id), phala_strip0x(dev));
        ef_set(&f->verify_note, note);
        free(dev);
        f->waiting_for = EF_WAIT_MISMATCH;
        return EF_PENDING;
    }
    if (dev) ef_set(&f->device_id, dev);
    free(dev);
    if (!f->device_id)
        return ef_before_commit(f); /* nothing names a device: the API checks at commit */
    pk_tristate ok = f->has_status ? f->status.device_id_allowed : PK_UNSET;
    if (env_chain_can_read(f->pc)) {
        bool allowed = false;
        if (env_chain_device_allowed(c, f->pc, f->app_id, f->device_id, f->has_chain_id,
                                     f->chain_id, &allowed) != 0) {
            f->keep_pending = true;
            return EF_FAILED;
        }
        ok = allowed ? PK_TRUE : PK_FALSE;
        f->device_on_chain = allowed;
    }
    if (ok != PK_FALSE) return ef_before_commit(f);
    if (can_sign(f) && f->pc->onchain.add_device) {
        if (env_chain_check_app_registered(c, f->pc, kms_of(f), f->app_id, f->has_chain_id,
                                           f->chain_id) != 0 ||
            env_chain_register_device(c, f->pc, f->app_id, f->device_id, f->has_chain_id,
                                      f->chain_id) != 0) {
            f->keep_pending = true;
            return EF_FAILED;
        }
        f->device_on_chain = true;
        return ef_before_commit(f);
    }
    f->waiting_for = EF_WAIT_DEVICE;
    return EF_PENDING;
}
