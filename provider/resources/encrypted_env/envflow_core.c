/* envflow_core.c — the record of one env update (envflow_core.h): resumed from a pending state,
 * freed with its secrets wiped, and the small helpers every edge of the flow fills it with. */
#include "envflow_core.h"

#include <stdlib.h>
#include <string.h>

char *ef_dup(const char *s)
{
    return s ? strdup(s) : NULL;
}

void ef_set(char **slot, const char *s)
{
    free(*slot);
    *slot = ef_dup(s);
}

void ef_drop_token(env_flow *f)
{
    if (f->token) memset(f->token, 0, strlen(f->token));
    free(f->token);
    f->token = NULL;
}

const char *ef_state_name(ef_state s)
{
    static const char *const names[] = {"encrypt",  "phase1",  "need_tx", "verify",
                                        "register", "device",  "visible", "phase2",
                                        "wait",     "applied", "pending", "failed"};
    return (unsigned)s < TF_COUNT(names) ? names[s] : "?";
}

void ef_resume(env_flow *f, const tf_value *state, const char *token, bool legacy)
{
    f->state = EF_NEED_TX;
    f->ciphertext = ef_dup(tf_get_string(state, "encrypted_env"));
    const tf_value *keys = tf_attr(state, "env_keys");
    f->n_keys = tf_is_known(keys) ? keys->u.coll.n : 0;
    f->keys = calloc(f->n_keys ? f->n_keys : 1, sizeof *f->keys);
    for (size_t i = 0; i < f->n_keys; i++) f->keys[i] = strdup(keys->u.coll.items[i].u.str.ptr);
    f->compose_hash = ef_dup(tf_get_string(state, "compose_hash"));
    f->app_id = ef_dup(tf_get_string(state, "app_id"));
    f->kms_contract_address = ef_dup(tf_get_string(state, "kms_contract_address"));
    f->device_id = ef_dup(tf_get_string(state, "device_id"));
    f->has_chain_id = tf_get_int(state, "chain_id", &f->chain_id);
    f->public_key = ef_dup(tf_get_string(state, "public_key"));
    f->token = ef_dup(token);
    f->signer = ef_dup(tf_get_string(state, "public_key_signer"));
    f->signer_source = tf_get_string(state, "public_key_signer_source");
    f->legacy = legacy;
    f->onchain = true;
}

void ef_free(env_flow *f)
{
    free(f->public_key);
    free(f->ciphertext);
    for (size_t i = 0; i < f->n_keys; i++) free(f->keys[i]);
    free(f->keys);
    free(f->compose_hash);
    free(f->app_id);
    free(f->kms_contract_address);
    free(f->device_id);
    ef_drop_token(f);
    free(f->tx);
    free(f->correlation_id);
    free(f->ambiguous_why);
    free(f->pending_note);
    free(f->verify_note);
    free(f->local_hash);
    cJSON_Delete(f->approved_out);
    free(f->id_app);
    free(f->id_kms);
    free(f->signer);
    memset(f, 0, sizeof *f);
}
