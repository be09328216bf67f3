/* policy_rail.h — the lockout rail of phala_app_policy: a change that would stop a CVM of the app
 * that may boot now from booting again (its compose hash or device removed, any-device turned off
 * while it relies on it) is an error naming the CVM, unless allow_lockout accepts it. */
#ifndef POLICY_RAIL_H
#define POLICY_RAIL_H

#include "policy_source.h"
#include "policy_want.h"

/* Checks every CVM the API lists for the app (its compose hash and device) with the chain's boot
 * rule before (s->policy) and after (w over s->policy). Each CVM locked out is an error — a warning
 * when allow_lockout. At plan time (at_plan), a CVM whose hash is replaced by one the chain does
 * not allow yet is a warning only: that is an env update in flight (phala_encrypted_env applies
 * first and the CVM then runs the new hash), and the apply checks again before sending anything.
 * Returns how many CVMs are locked out (errors and warnings). */
size_t ap_rail_check(tf_ctx *c, const policy_source *s, const ap_want *w, bool allow_lockout,
                     bool at_plan);

#endif
