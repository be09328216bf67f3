/* envflow_core.h — the record of one env update as it walks the states of envflow.h: the states,
 * why an update waits, the flow's inputs and working data; how a record is resumed from state and
 * freed; and the small helpers every edge (envflow.c, envflow_onchain.c, envlag.c) fills it with. */
#ifndef ENVFLOW_CORE_H
#define ENVFLOW_CORE_H

#include <cjson/cJSON.h>

#include "envinput.h"
#include "envtrust.h"

typedef enum {
    EF_ENCRYPT,  /* resolve the key, encrypt the env */
    EF_PHASE1,   /* PATCH {encrypted_env, allowed_envs} (or, on an older API, PATCH envs) */
    EF_NEED_TX,  /* the API wants the compose hash registered on-chain: how can that happen? */
    EF_VERIFY,   /* prove the hash before signing it (envverify.h) */
    EF_REGISTER, /* addComposeHash with the key (or the transaction that already did it) */
    EF_DEVICE,   /* the CVM's device must be allowed before the update is committed */
    EF_VISIBLE,  /* wait until the KMS (is-allowed) sees the registration: it lags the chain head */
    EF_PHASE2,   /* commit the prepared update */
    EF_WAIT,     /* the API accepted: wait until the CVM runs the new env */
    EF_APPLIED,  /* terminal: accepted (and, when waiting, running) */
    EF_PENDING,  /* terminal: waiting for an on-chain registration */
    EF_FAILED,   /* terminal: error reported (see keep_pending, accepted, ambiguous) */
} ef_state;

/* Why an update is pending: what the warning asks for. */
typedef enum {
    EF_WAIT_HASH,     /* the compose hash must be registered (no key, or the user's choice) */
    EF_WAIT_MISMATCH, /* a key is configured but the hash is not proved: not signed */
    EF_WAIT_DEVICE,   /* the hash is registered, the CVM's device is not allowed */
    EF_WAIT_TX,       /* allowed, but the older API needs the registering transaction */
} ef_wait_for;

typedef struct {
    ef_state state;
    /* inputs */
    const char *cvm_id;
    env_pin pin;              /* what the CVM must still be: every read of it is checked */
    const env_input *env;     /* what to encrypt (EF_ENCRYPT) */
    const char *pinned_key;   /* explicit public_key, or NULL to resolve */
    const char *expect_key;   /* the resolved key the plan showed: another one is an error */
    bool expect_offchain;     /* the plan showed a Phala-KMS CVM (no registration can follow) */
    const char *config_tx;    /* transaction_hash from the configuration, or NULL */
    const char *stale_tx;     /* a tx known to belong to another compose hash: never reused … */
    const char *stale_for;    /* … unless it was for this hash */
    const phala_config *pc;   /* rpc_url, key, verify_compose, add_device, credential */
    const cJSON *approved_in; /* digests of the compose last proved approved, or NULL */
    bool wait;                /* wait for the CVM after an accepted update */
    long long deadline_ms;    /* of the whole operation (env_now_ms clock) */
    long long timeout_ms;     /* the operation's timeout, for messages */
    /* working data and results (malloc'd, freed by ef_free) */
    char *public_key, *ciphertext;
    char **keys;
    size_t n_keys;
    bool onchain; /* the CVM's KMS is on-chain (or unknown): phase 1 asks prepare-only */
    bool legacy;  /* the API lacks the unified PATCH: PATCH /cvms/{id}/envs, phase 2 by tx */
    char *compose_hash, *app_id, *kms_contract_address, *device_id;
    bool has_chain_id;
    int64_t chain_id;
    char *token; /* the one-time commit token (a secret: wiped, never logged) */
    bool has_status;
    pk_onchain_status status;   /* the API's onchain_status, or what the last check said */
    char *tx;                   /* the registering transaction for phase 2, or NULL … */
    bool already_registered;    /* … when the contract allows the hash: "already-registered" */
    const char *allowed_source; /* who said it is allowed */
    bool seen_on_chain;         /* the contract itself (a read at the head, or this provider's
                             transaction) allows the hash: the KMS may lag it (VISIBLE) … */
    bool device_on_chain;       /* … or the CVM's device */
    char *correlation_id;
    bool allowed_envs_changed;
    bool restarted;    /* 466 was already answered by starting over */
    bool keep_pending; /* EF_FAILED: state must stay pending_onchain with the ciphertext */
    bool accepted;     /* EF_FAILED after the API accepted the update (the wait failed) */
    bool ambiguous;    /* EF_FAILED: the write may have been applied (no definite answer) */
    char *ambiguous_why;
    ef_wait_for waiting_for;
    char *pending_note;    /* why a config tx was not used, or what the log search covered */
    char *verify_note;     /* what did not match (EF_WAIT_MISMATCH, or a manual warning) */
    char *local_hash;      /* the hash this provider computed for the update (0x…), or NULL */
    bool verified_onchain; /* local_hash was proved against the app contract */
    bool local_approved;   /* local_hash comes from a compose proved approved */
    cJSON *approved_out;   /* digests of the compose that a registration makes approved */
    /* The CVM's identity as read (and checked against pin) at ENCRYPT, which the state records as
     * app_id, kms_contract_address and chain_id — never the 465's words. */
    bool id_known;
    char *id_app, *id_kms;
    bool id_has_chain;
    int64_t id_chain;
    /* The KMS key that vouched for public_key and its source (public_key_signer[_source]); NULL
     * when the key was not verified (Phala's KMS, or a configured public_key). */
    char *signer;
    const char *signer_source;
} env_flow;

/* Starts a pending update at NEED_TX with what state and private state recorded (token may be NULL;
 * ef_free wipes it). */
void ef_resume(env_flow *f, const tf_value *state, const char *token, bool legacy);
void ef_free(env_flow *f);

const char *ef_state_name(ef_state s);
char *ef_dup(const char *s);             /* strdup that keeps NULL */
void ef_set(char **slot, const char *s); /* frees *slot, stores a copy of s */
void ef_drop_token(env_flow *f);         /* wipes and frees the commit token (a secret) */

#endif
