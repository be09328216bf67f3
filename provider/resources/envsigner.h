/* envsigner.h — the on-chain edge of the env update state machine: when the provider has an
 * `onchain` key, it registers the compose hash on the app contract itself (or finds the transaction
 * that already did: never twice) instead of leaving the update pending_onchain. */
#ifndef ENVSIGNER_H
#define ENVSIGNER_H

#include "envflow.h"

/* The signer for env_flow.signer when the provider configuration has rpc_url and private_key;
 * NULL otherwise. arg must be the phala_config. */
ef_signer phala_onchain_signer_for(const phala_config *pc);

#endif
