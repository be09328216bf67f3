/* envplan.h — the plan of a pending phala_encrypted_env: is the registration there now (the app
 * contract through rpc_url, else the API's is-allowed), and what will the apply do — commit a
 * registration made elsewhere (the plan then shows status → "applied" and says so), register with
 * the configured key, send a configured transaction_hash, or keep waiting. */
#ifndef ENVPLAN_H
#define ENVPLAN_H

#include "envprivate.h"
#include "envtrust.h"

/* What a plan learns from reading the CVM (GET /cvms/{id}) before anything is sent. */
typedef enum {
    ENV_CVM_UNKNOWN,  /* not read: cvm_id unknown, no client, or the read failed (apply will say) */
    ENV_CVM_ONCHAIN,  /* an on-chain KMS: the registration results stay unknown */
    ENV_CVM_OFFCHAIN, /* Phala's KMS: nothing on-chain will happen; *key is the key apply uses */
    ENV_CVM_MISSING,  /* 404: an error on cvm_id was added (the provider cannot create a CVM) */
    ENV_CVM_CHANGED,  /* not the pinned CVM (envtrust.h): an error on cvm_id was added */
} env_cvm_kind;

/* Reads cvm_id's KMS kind with the same rule as the apply (envkey.h), after checking the read
 * against pin. For ENV_CVM_OFFCHAIN, *key (arena-allocated, may be NULL when the API shows none) is
 * the CVM's env encryption key. */
env_cvm_kind env_plan_cvm(tf_ctx *c, const char *cvm_id, const env_pin *pin, const char **key);

/* Whether two spellings of a CVM id (cvm_…, UUID with or without dashes, app id, app_…) name the
 * same CVM: equal once normalised, else both read and the API's ids compared. A read that fails
 * says no (the caller then plans the change as it is). */
bool env_plan_same_cvm(tf_ctx *c, const char *a, const char *b);

/* Adds the plan's warning and returns true when the apply will commit a registration made
 * elsewhere (the caller then plans status = "applied"). Never fails the plan: a check that cannot
 * be made is mentioned and the status stays unknown. */
bool env_plan_pending(tf_ctx *c, const tf_value *prior, const tf_value *config,
                      const env_private *p);

#endif
