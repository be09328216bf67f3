/* envflow_warn.h — the warning of a pending env update (envflow.h's PENDING): what exactly is needed
 * and how to finish, with a key or a multisig wallet. */
#ifndef ENVFLOW_WARN_H
#define ENVFLOW_WARN_H

#include "envflow_core.h"

/* The warning that tells the user exactly what is needed and how to finish; resource is how it
 * names the resource ("this resource", or its address in the configuration). */
void ef_warn_pending(tf_ctx *c, const env_flow *f, const char *resource);

#endif
