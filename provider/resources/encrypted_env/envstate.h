/* envstate.h — what an env update leaves behind: the flow's outcome written into the resource's new
 * state (status, ciphertext, keys, the registration's attributes, onchain_status) and its private
 * state (key, transaction, sealed commit token, the approved compose's digests), or — after a write
 * whose outcome is unknown — only the private mark that makes the next plan send the env again. */
#ifndef ENVSTATE_H
#define ENVSTATE_H

#include "envflow_core.h"
#include "envprivate.h"

#define STATUS_APPLIED "applied"
#define STATUS_PENDING "pending_onchain"

/* object({compose_hash_allowed, device_id_allowed, is_allowed}) of bools */
extern const tf_type env_onchain_status_type;

tf_value env_str_list(tf_ctx *c, char **items, size_t n);
/* Writes the flow's outcome into the new state s and the private state p (then written out). */
void env_store_outcome(tf_ctx *c, const env_flow *f, const tf_value *config, bool applied,
                       tf_value *s, env_private *p);
/* A write whose outcome is unknown: state keeps what Terraform had, private state remembers why the
 * next plan must send the configured env again. */
void env_store_ambiguous(tf_ctx *c, const env_flow *f, env_private *p);

#endif
