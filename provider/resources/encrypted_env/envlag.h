/* envlag.h — the VISIBLE edge of the env update (envflow.h): after a registration the KMS reads the
 * contract some blocks behind the head, so the commit may have to wait until the API allows it. */
#ifndef ENVLAG_H
#define ENVLAG_H

#include "envflow_core.h"

/* VISIBLE: asks the API's is-allowed until it allows the hash and the device (PHASE2), or fails. */
ef_state ef_do_visible(tf_ctx *c, pk_client *client, env_flow *f);
/* What follows an allowed registration: VISIBLE when the KMS may lag it, else PHASE2. */
ef_state ef_before_commit(const env_flow *f);

#endif
