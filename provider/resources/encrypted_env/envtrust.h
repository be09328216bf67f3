/* envtrust.h — what phala_encrypted_env refuses to take from the API alone (DESIGN §12, issue 17):
 * a CVM's identity (its app, KMS contract and chain), pinned by the state, the configuration's
 * app_id or the import id, and compared with every read of the CVM before anything is encrypted,
 * signed or sent; and which KMS key must vouch for an on-chain app key (the anchor): the chain's
 * (onchain.rpc_url), a configured expected_signer, the one recorded in state, or — only on first
 * use — the API's. */
#ifndef ENVTRUST_H
#define ENVTRUST_H

#include "phala_common.h"

/* What the CVM must still be. Every member is optional (NULL / false: not pinned). Strings are
 * borrowed from the state or configuration they were taken from. */
typedef struct {
    const char *state_app;  /* app_id recorded in state (create, apply, or the import id) */
    const char *config_app; /* app_id set in the configuration */
    const char *kms;        /* kms_contract_address recorded in state */
    bool has_chain;         /* chain_id recorded in state */
    int64_t chain_id;
    const char *config_signer; /* expected_signer of the resource, else of the provider */
    const char *state_signer;  /* public_key_signer recorded in state */
    bool soft_anchor;          /* refresh: an anchor that changed is a warning (apply decides) */
} env_pin;

/* The pin of a resource: state (prior state, or the state being refreshed; may be NULL), the
 * configuration (NULL at refresh, which cannot see it) and the provider's (c->provider_data). */
env_pin env_pin_of(const tf_ctx *c, const tf_value *state, const tf_value *config);

/* public_key_signer_source: which source vouches for an on-chain app key under this configuration,
 * decided before anything is read so that the plan can show it. */
#define ENV_ANCHOR_CHAIN  "chain"
#define ENV_ANCHOR_CONFIG "configuration"
#define ENV_ANCHOR_STATE  "state"
#define ENV_ANCHOR_API    "api (first use)"
const char *env_anchor_source(const phala_config *pc, const env_pin *pin);

/* Compares a read of the CVM with the pin. 0 when it matches, else -1 after an error on cvm_id
 * naming the pinned value, the API's value and where the pin came from. */
int env_pin_check(tf_ctx *c, const env_pin *pin, const char *cvm_id, const pk_cvm *cvm);

/* Reads the CVM into *out (pk_cvm_free it, whatever the result) and checks it against the pin, for
 * paths that read nothing else. 0 / -1 after a diagnostic (the API failed, or the CVM is not the
 * pinned one). */
int env_pin_read_check(tf_ctx *c, pk_client *client, const env_pin *pin, const char *cvm_id,
                       pk_cvm *out);

/* "e7c1…" from "0xE7C1…" or "app_e7c1…" when s is an app id in one of those forms, else NULL
 * (arena-allocated, lowercase, without 0x). The import id forms that carry the app. */
const char *env_app_of_id(tf_ctx *c, const char *s);

#endif
