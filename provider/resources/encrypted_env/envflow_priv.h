/* envflow_priv.h — the parts of the env state machine split across files: the on-chain edges
 * (envflow_onchain.c: NEED_TX, VERIFY, REGISTER, DEVICE) and small helpers shared with envflow.c. */
#ifndef ENVFLOW_PRIV_H
#define ENVFLOW_PRIV_H

#include "envflow.h"

ef_state ef_do_need_tx(tf_ctx *c, pk_client *client, env_flow *f);
ef_state ef_do_verify(tf_ctx *c, pk_client *client, env_flow *f);
ef_state ef_do_register(tf_ctx *c, env_flow *f);
ef_state ef_do_device(tf_ctx *c, pk_client *client, env_flow *f);
/* envlag.c: VISIBLE, and whether the commit must wait for it (EF_VISIBLE) or not (EF_PHASE2). */
ef_state ef_do_visible(tf_ctx *c, pk_client *client, env_flow *f);
ef_state ef_before_commit(const env_flow *f);

const char *ef_state_name(ef_state s);
char *ef_dup(const char *s);             /* strdup that keeps NULL */
void ef_set(char **slot, const char *s); /* frees *slot, stores a copy of s */

#endif
