/* policy_batch.h — the calls for owners the provider cannot sign for (a Safe, another account, or
 * no key configured): the Safe transaction for the Safe's current nonce with its safeTxHash, or the
 * plain transactions for an account, as a JSON file written atomically (temp file + rename). */
#ifndef POLICY_BATCH_H
#define POLICY_BATCH_H

#include "policy_source.h"

/* For a Safe owner: reads its nonce and builds the Safe transaction (several calls through
 * `multisend`, a MultiSendCallOnly), filling safe_tx_hash ("" for another owner). With a path, the
 * batch file is written there (pk_safe_batch_json for a Safe; the same Transaction Builder JSON
 * without "safeTransaction" for an account). 0, or -1 after an error on `batch_file`. */
int ap_batch_write(tf_ctx *c, const policy_source *s, const char *path, const char *multisend,
                   const pk_policy_call *calls, size_t n, char safe_tx_hash[PK_ETH_HASH_STRLEN]);

/* Parses a call text ("removeComposeHash(0x…)", "setAllowAnyDevice(true)") back into a call. */
bool ap_call_parse(const char *text, pk_policy_call *out);

#endif
