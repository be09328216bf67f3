/* envsigner.h — the on-chain side of the env update as the state machine sees it: reads of the app
 * contract through the configured rpc_url (compose hash and device allowlists), and — with an
 * `onchain` key — addComposeHash / addDevice (never twice: the chain is the journal) and the search
 * for the transaction that registered a hash. Every function names what it did in the logs and, on
 * failure, adds a diagnostic; the private key never appears in either. */
#ifndef ENVSIGNER_H
#define ENVSIGNER_H

#include "phala_common.h"

/* The configuration can read the chain (rpc_url) / sign (rpc_url and private_key). */
bool env_chain_can_read(const phala_config *pc);
bool env_chain_can_sign(const phala_config *pc);

/* The app contract at `app` (40 hex, optional 0x) on a node that must serve chain_id (when
 * has_chain). 0 with the answer, -1 after adding a diagnostic (summary says what was asked). */
int env_chain_hash_allowed(tf_ctx *c, const phala_config *pc, const char *app, const char *hash,
                           bool has_chain, int64_t chain_id, bool *allowed);
int env_chain_device_allowed(tf_ctx *c, const phala_config *pc, const char *app, const char *device,
                             bool has_chain, int64_t chain_id, bool *allowed);

/* Both allowlists at once without diagnostics (plan time): 0 with *hash_ok / *device_ok (device
 * NULL: not asked, *device_ok true), -1 with *why (malloc'd). */
int env_chain_check(const phala_config *pc, const char *app, const char *hash, const char *device,
                    bool has_chain, int64_t chain_id, bool *hash_ok, bool *device_ok, char **why);

/* addComposeHash(hash) with the key, or the transaction that already did it; malloc'd tx hash, or
 * NULL after a diagnostic (cancelled: the message says whether a transaction is in flight). */
char *env_chain_register_hash(tf_ctx *c, const phala_config *pc, const char *app, const char *hash,
                              bool has_chain, int64_t chain_id);
/* addDevice(device) with the key unless the device is allowed already. 0 / -1 (diagnostic). */
int env_chain_register_device(tf_ctx *c, const phala_config *pc, const char *app,
                              const char *device, bool has_chain, int64_t chain_id);
/* The transaction whose ComposeHashAdded(hash) log the app emitted (bounded, newest-first log
 * search): malloc'd, or NULL with *why (malloc'd) saying what was searched, or why it failed. */
char *env_chain_find_hash_tx(const phala_config *pc, const char *app, const char *hash, char **why);

/* DstackKms reads (issue 17). The KMS contract's own k256 key (kmsInfo) on a node that must serve
 * chain_id: malloc'd "0x…" (66 hex), or NULL with *why (malloc'd: what failed, the RPC host only). */
char *env_chain_kms_k256(const phala_config *pc, const char *kms, bool has_chain, int64_t chain_id,
                         char **why);
/* Before signing for app: is it registered on the KMS contract kms? 0 when the provider may go on
 * (registered, or the contract cannot tell — logged), -1 after an error diagnostic (not registered,
 * or the chain could not be asked). */
int env_chain_check_app_registered(tf_ctx *c, const phala_config *pc, const char *kms,
                                   const char *app, bool has_chain, int64_t chain_id);

#endif
