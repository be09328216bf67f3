/* envkey.h — which X25519 key a CVM's env must be encrypted with: an explicit public_key; for an
 * on-chain KMS the app key from GET /kms/{kms}/pubkey/{app_id} (the replica-safe path: {kms} names
 * the CVM's KMS contract, on the client's API version) whose signature must recover to the
 * contract's k256_pubkey; for Phala's KMS the CVM's kms_info.encrypted_env_pubkey (legacy top-level
 * field as fallback). Also tells what the on-chain registration would need. */
#ifndef ENVKEY_H
#define ENVKEY_H

#include "envtrust.h"
#include "phala_common.h"

typedef struct {
    char *public_key; /* hex, as the API gives it */
    bool onchain;     /* the CVM's KMS is on-chain: key changes need a registered compose hash */
    char *app_id;     /* the app (= DstackApp contract) id */
    char *kms_contract_address;
    bool has_chain_id;
    int64_t chain_id;
    char *signer;              /* on-chain: the KMS key that vouched for public_key (the anchor) */
    const char *signer_source; /* … and where it came from (ENV_ANCHOR_*); NULL off-chain */
} env_key;

/* Resolves the key for cvm_id. The CVM read must match pin (NULL: nothing pinned; envtrust.h), and
 * an on-chain app key must be signed by the anchor env_anchor_source names (the chain's key, which
 * the API's must equal; the configured or recorded one, which the API's must equal too; or, on first
 * use, the API's). Returns 0, or -1 after adding a diagnostic. */
int env_key_resolve(tf_ctx *c, pk_client *client, const char *cvm_id, const env_pin *pin,
                    env_key *out);
void env_key_free(env_key *k);

#endif
