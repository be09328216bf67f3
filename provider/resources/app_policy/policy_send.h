/* policy_send.h — phala_app_policy's calls made with the provider's own key (onchain.private_key)
 * when it owns the app: each through pk_policy_send_call (at most once, the chain is the journal),
 * and the warning that tells a person which calls wait for the owners instead. */
#ifndef POLICY_SEND_H
#define POLICY_SEND_H

#include "policy_source.h"

/* Whether onchain.private_key is configured and its address is the app's owner(). */
bool ap_owner_signs(tf_ctx *c, const policy_source *s);

/* Makes the calls in order; stops at the first failure (an error naming the call). 0 / -1. */
int ap_send_calls(tf_ctx *c, const policy_source *s, const pk_policy_call *calls, size_t n);

/* The warning for calls left to the owners: the calls, the batch file and the safeTxHash. */
void ap_warn_pending(tf_ctx *c, const policy_source *s, const pk_policy_call *calls, size_t n,
                     const char *file, const char *safe_tx_hash);

#endif
