/* envcheck.h — is a pending update's registration there yet (the hash allowed, the device allowed)?
 * Asked of the app contract directly when an rpc_url is configured, else of the API (POST
 * /cvms/{id}/is-allowed, which asks the chain server-side). The plan of a pending resource uses it to
 * say what the apply will do; the state machine uses it before it would sign anything, so that a
 * registration made elsewhere (a multisig wallet) completes without a transaction_hash. */
#ifndef ENVCHECK_H
#define ENVCHECK_H

#include "phala_common.h"

typedef struct {
    pk_tristate hash_allowed;   /* PK_UNSET: nobody could be asked (see why) */
    pk_tristate device_allowed; /* PK_UNSET: not known */
    const char *source;         /* who answered, for messages */
    char *why;                  /* malloc'd: why nobody could be asked, or NULL */
} env_check;

/* Never adds a diagnostic: a failed check is a fact for the caller to report. app_id is the CVM's
 * app (the contract); device_id may be NULL. */
void env_check_registration(pk_client *client, const phala_config *pc, const char *cvm_id,
                            const char *app_id, const char *hash, const char *device_id,
                            bool has_chain, int64_t chain_id, env_check *out);
void env_check_free(env_check *k);

#endif
