/* envflow.h — the two-phase update of a CVM's encrypted env as an explicit state machine
 * (DESIGN §6). One apply may walk several edges:
 *
 *   ENCRYPT ──▶ PHASE1 ──200──▶ APPLIED
 *                  │465
 *                  ▼
 *               NEED_TX ──tx for this hash (config, or a signer)──▶ PHASE2 ──200──▶ APPLIED
 *                  │ none                                           │466: ENCRYPT again, once
 *                  ▼                                                │467/468/other: FAILED, pending kept
 *               PENDING (state pending_onchain; the user registers the hash and supplies the tx)
 *
 * A pending update is resumed by starting at NEED_TX with the ciphertext stored in state, so a
 * registered hash always gets exactly the bytes that produced it. */
#ifndef ENVFLOW_H
#define ENVFLOW_H

#include "envinput.h"

typedef enum {
    EF_ENCRYPT, /* resolve the key, encrypt the env */
    EF_PHASE1,  /* PATCH {encrypted_env, env_keys} */
    EF_NEED_TX, /* the API wants compose_hash registered on-chain */
    EF_PHASE2,  /* PATCH again with compose_hash + transaction_hash */
    EF_APPLIED, /* terminal: the API accepted the update */
    EF_PENDING, /* terminal: waiting for a registration transaction */
    EF_FAILED,  /* terminal: error reported (see keep_pending) */
} ef_state;

/* A signer registers compose_hash on the app contract and returns the transaction hash (malloc'd),
 * or NULL after adding a diagnostic. Supplied by the on-chain code when the provider has a key. */
typedef char *(*ef_signer)(tf_ctx *c, void *arg, const char *compose_hash, const char *app_id,
                           bool has_chain_id, int64_t chain_id);

typedef struct {
    ef_state state;
    /* inputs */
    const char *cvm_id;
    const env_input *env;   /* what to encrypt (EF_ENCRYPT) */
    const char *pinned_key; /* explicit public_key, or NULL to resolve */
    const char *config_tx;  /* transaction_hash from the configuration, or NULL */
    const char *stale_tx;   /* a tx known to belong to another compose hash: never reused … */
    const char *stale_for;  /* … unless it was for this hash */
    ef_signer signer;
    void *signer_arg;
    /* working data and results (malloc'd, freed by ef_free) */
    char *public_key, *ciphertext;
    char **keys;
    size_t n_keys;
    char *compose_hash, *app_id, *kms_contract_address;
    bool has_chain_id;
    int64_t chain_id;
    char *tx; /* the transaction sent in phase 2 */
    char *correlation_id;
    bool allowed_envs_changed;
    bool restarted;     /* 466 was already answered by starting over */
    bool keep_pending;  /* EF_FAILED: state must stay pending_onchain with the ciphertext */
    char *pending_note; /* why a config tx was not used, for the warning */
} env_flow;

/* One transition; returns the next state. */
ef_state ef_step(tf_ctx *c, pk_client *client, env_flow *f);
/* Runs transitions until a terminal state. */
ef_state ef_run(tf_ctx *c, pk_client *client, env_flow *f);
/* Starts a pending update at NEED_TX with what the state recorded. */
void ef_resume(env_flow *f, const char *ciphertext, const tf_value *keys, const char *compose_hash,
               const char *app_id, const char *kms_contract_address, bool has_chain_id,
               int64_t chain_id, const char *public_key);
/* The warning that tells the user exactly what to register and how to finish. */
void ef_warn_pending(tf_ctx *c, const env_flow *f, const char *resource);
void ef_free(env_flow *f);

#endif
