/* envkey.h — which X25519 key a CVM's env must be encrypted with: an explicit public_key; for an
 * on-chain KMS the app key from GET /kms/{kms}/pubkey/{app_id} (the replica-safe path: {kms} names
 * the CVM's KMS contract, on the client's API version) whose signature must recover to the
 * contract's k256_pubkey; for Phala's KMS the CVM's kms_info.encrypted_env_pubkey (legacy top-level
 * field as fallback). Also tells what the on-chain registration would need. */
#ifndef ENVKEY_H
#define ENVKEY_H

#include "phala_common.h"

typedef struct {
    char *public_key; /* hex, as the API gives it */
    bool onchain;     /* the CVM's KMS is on-chain: key changes need a registered compose hash */
    char *app_id;     /* the app (= DstackApp contract) id */
    char *kms_contract_address;
    bool has_chain_id;
    int64_t chain_id;
} env_key;

/* Resolves the key for cvm_id. attr names the attribute to blame for API errors about the CVM.
 * Returns 0, or -1 after adding a diagnostic. */
int env_key_resolve(tf_ctx *c, pk_client *client, const char *cvm_id, env_key *out);
void env_key_free(env_key *k);

#endif
