/* envprivate.h — what phala_encrypted_env keeps in Terraform's private state (opaque to users, saved
 * in the state file): the key the stored ciphertext was made with and whether the user pinned it,
 * which compose hash a transaction registered, the pending update's commit token (sealed: only the
 * provider's API credential opens it) and endpoint, why the next plan must send the env again after a
 * write whose outcome is unknown, and the digests of the compose last proved approved (to name what
 * a later compose changed). */
#ifndef ENVPRIVATE_H
#define ENVPRIVATE_H

#include <cjson/cJSON.h>

#include "phala_common.h"

typedef struct {
    char *key;          /* the public key the stored ciphertext was made with */
    bool pinned;        /* the user set public_key */
    char *tx;           /* the last transaction used in phase 2 … */
    char *tx_for;       /* … and the compose hash it registered */
    char *token_sealed; /* the pending update's commit token, sealed (pk_secret_seal) … */
    char *token_for;    /* … and its compose hash */
    bool legacy;        /* the pending update went through PATCH /cvms/{id}/envs */
    bool mismatch;      /* the pending hash was not proved: the next apply prepares it again */
    char *resend;       /* why the next plan sends the env again (an ambiguous write), or NULL */
    cJSON *approved;    /* {field: digest} of the compose last proved approved on-chain, or NULL */
} env_private;

void env_private_read(const tf_ctx *c, env_private *p);
void env_private_write(tf_ctx *c, const env_private *p);
void env_private_free(env_private *p);

/* Seals token for compose hash `hash` with the provider's API credential (none: nothing kept). */
void env_private_set_token(env_private *p, const phala_config *pc, const char *token,
                           const char *hash);
void env_private_clear_token(env_private *p);
/* The commit token for hash (malloc'd; wipe and free), or NULL when none opens. */
char *env_private_token(const env_private *p, const phala_config *pc, const char *hash);
/* The same, with a warning on cvm_id naming the CVM when a sealed token for hash is there but does
 * not open (tampered with, or sealed with another credential): the commit then goes through the
 * confirm PATCH, which must not happen silently. */
char *env_private_token_or_warn(tf_ctx *c, const env_private *p, const char *hash,
                                const char *cvm_id);
/* Replaces the approved-compose digests (takes d). */
void env_private_set_approved(env_private *p, cJSON *d);

#endif
