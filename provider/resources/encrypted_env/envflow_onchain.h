/* envflow_onchain.h — the on-chain edges of the env update (envflow.h): NEED_TX (how can the hash
 * get registered?), VERIFY (prove it before signing), REGISTER (addComposeHash, or the transaction
 * that already did it) and DEVICE (the CVM's device allowlist before the commit). */
#ifndef ENVFLOW_ONCHAIN_H
#define ENVFLOW_ONCHAIN_H

#include "envflow_core.h"

ef_state ef_do_need_tx(tf_ctx *c, pk_client *client, env_flow *f);
ef_state ef_do_verify(tf_ctx *c, pk_client *client, env_flow *f);
ef_state ef_do_register(tf_ctx *c, env_flow *f);
ef_state ef_do_device(tf_ctx *c, pk_client *client, env_flow *f);

#endif
