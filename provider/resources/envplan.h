/* envplan.h — the plan of a pending phala_encrypted_env: is the registration there now (the app
 * contract through rpc_url, else the API's is-allowed), and what will the apply do — commit a
 * registration made elsewhere (the plan then shows status → "applied" and says so), register with
 * the configured key, send a configured transaction_hash, or keep waiting. */
#ifndef ENVPLAN_H
#define ENVPLAN_H

#include "envprivate.h"

/* Adds the plan's warning and returns true when the apply will commit a registration made
 * elsewhere (the caller then plans status = "applied"). Never fails the plan: a check that cannot
 * be made is mentioned and the status stays unknown. */
bool env_plan_pending(tf_ctx *c, const tf_value *prior, const tf_value *config,
                      const env_private *p);

#endif
