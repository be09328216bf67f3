/* envstate.c — see envstate.h. */
#include "envstate.h"

#include <stdlib.h>
#include <string.h>

static const char *const status_names[] = {"compose_hash_allowed", "device_id_allowed",
                                           "is_allowed"};
static const tf_type *const status_types[] = {&tf_type_bool, &tf_type_bool, &tf_type_bool};
const tf_type env_onchain_status_type = {
    .kind = TF_OBJECT, .n = 3, .names = status_names, .elems = status_types};

tf_value env_str_list(tf_ctx *c, char **items, size_t n)
{
    tf_value v = tf_collection(c->arena, &phala_list_of_string, n);
    for (size_t i = 0; i < n; i++) v.u.coll.items[i] = tf_string(c->arena, items[i]);
    return v;
}

static tf_value tristate_value(pk_tristate t)
{
    return t == PK_UNSET ? tf_null(&tf_type_bool) : tf_bool(t == PK_TRUE);
}

static tf_value onchain_status_value(tf_ctx *c, const env_flow *f)
{
    if (!f->has_status) return tf_null(&env_onchain_status_type);
    tf_value v = tf_collection(c->arena, &env_onchain_status_type, 3);
    v.u.coll.items[0] = tristate_value(f->status.compose_hash_allowed);
    v.u.coll.items[1] = tristate_value(f->status.device_id_allowed);
    v.u.coll.items[2] = tristate_value(f->status.is_allowed);
    return v;
}

void env_store_outcome(tf_ctx *c, const env_flow *f, const tf_value *config, bool applied,
                       tf_value *s, env_private *p)
{
    tf_arena *a = c->arena;
    tf_set(s, "status", tf_string(a, applied ? STATUS_APPLIED : STATUS_PENDING));
    tf_set(s, "encrypted_env", phala_str_or_null(a, f->ciphertext));
    tf_set(s, "env_keys", env_str_list(c, f->keys, f->n_keys));
    tf_set(s, "public_key", phala_str_or_null(a, f->public_key));
    tf_set(s, "compose_hash", phala_str_or_null(a, f->compose_hash));
    /* the CVM's identity as read and checked (envtrust.h), not the 465's words; a configured
     * app_id is kept as written (it was compared normalised) */
    const char *cfg_app = tf_get_string(config, "app_id");
    const char *app = f->id_known ? f->id_app : f->app_id;
    tf_set(s, "app_id", phala_str_or_null(a, cfg_app ? cfg_app : app));
    tf_set(s, "kms_contract_address",
           phala_str_or_null(a, f->id_known ? f->id_kms : f->kms_contract_address));
    tf_set(s, "chain_id",
           f->id_known ? phala_int_or_null(f->id_has_chain, f->id_chain)
                       : phala_int_or_null(f->has_chain_id, f->chain_id));
    tf_set(s, "device_id", phala_str_or_null(a, f->device_id));
    tf_set(s, "public_key_signer", phala_str_or_null(a, f->signer));
    tf_set(s, "public_key_signer_source", phala_str_or_null(a, f->signer_source));
    tf_set(s, "onchain_status", onchain_status_value(c, f));
    tf_set(s, "correlation_id",
           applied ? phala_str_or_null(a, f->correlation_id) : tf_null(&tf_type_string));
    tf_set(s, "allowed_envs_changed",
           applied ? tf_bool(f->allowed_envs_changed) : tf_null(&tf_type_bool));
    const char *cfg_tx = tf_get_string(config, "transaction_hash");
    tf_set(s, "transaction_hash", phala_str_or_null(a, cfg_tx ? cfg_tx : (applied ? f->tx : NULL)));
    free(p->key);
    p->key = f->public_key ? strdup(f->public_key) : NULL;
    p->pinned = tf_get_string(config, "public_key") != NULL;
    if (applied && f->tx) {
        free(p->tx);
        free(p->tx_for);
        p->tx = strdup(f->tx);
        p->tx_for = f->compose_hash ? strdup(f->compose_hash) : NULL;
    }
    /* the configured env was sent: whatever an earlier ambiguous write did is superseded */
    free(p->resend);
    p->resend = NULL;
    p->mismatch = !applied && f->waiting_for == EF_WAIT_MISMATCH;
    if (applied) {
        env_private_clear_token(p);
        p->legacy = false;
        if (f->approved_out) env_private_set_approved(p, cJSON_Duplicate(f->approved_out, true));
    } else {
        env_private_set_token(p, c->provider_data, f->token, f->compose_hash);
        p->legacy = f->legacy;
    }
    env_private_write(c, p);
}

void env_store_ambiguous(tf_ctx *c, const env_flow *f, env_private *p)
{
    free(p->resend);
    p->resend = strdup(f->ambiguous_why ? f->ambiguous_why : "the answer was lost");
    env_private_write(c, p);
}
