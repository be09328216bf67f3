/* rpc.h — phase-2 verification of a compose-hash registration against a real Ethereum JSON-RPC
 * endpoint (--rpc-url), as the Phala Cloud API does it: the transaction receipt must carry
 * ComposeHashAdded(hash) from the app contract (else 467) and the contract must allow it (else 468). */
#ifndef PHALA_SIM_RPC_H
#define PHALA_SIM_RPC_H

#include <stdbool.h>
#include <stddef.h>

#define SIM_TOPIC_COMPOSE_HASH_ADDED                                                               \
    "0xfecb34306dd9d8b785b54d65489d06afc8822a0893ddacedff40c50a4942d0af"
#define SIM_SEL_ALLOWED_COMPOSE_HASHES "0x2f6622e5"
#define SIM_SEL_ALLOW_ANY_DEVICE       "0x3440a16a"
#define SIM_SEL_ALLOWED_DEVICE_IDS     "0xbf8b211b"

/* Verifies that transaction tx ("0x" + 64 hex) registered compose hash hash (64 hex, no 0x) on the
 * app contract 0x<app_id> (40 hex) of chain chain_id (has_chain false: the chain id is not
 * checked). Returns 0 (verified), 467 or 468, and then writes a reason into msg. An unreachable
 * or misbehaving endpoint gives 467 (the registration could not be confirmed). Blocks for at most
 * a few seconds; thread-safe. */
int sim_rpc_verify(const char *rpc_url, bool has_chain, long long chain_id, const char *app_id,
                   const char *hash, const char *tx, long lag, char *msg, size_t msglen);

/* eth_call of a bool getter (calldata "0x…") on 0x<app_id> at latest, or lag blocks behind it (a
 * KMS reading a few blocks behind the head; a chain younger than the lag answers false): 0 with
 * *out (a revert or an address without code counts as false, as the SDK's multicall does), -1 when
 * the endpoint cannot be reached or answers garbage (reason in msg). sim_rpc_verify reads the
 * allowlist with the same lag. */
int sim_rpc_call_bool(const char *rpc_url, const char *app_id, const char *calldata, long lag,
                      bool *out, char *msg, size_t msglen);

#endif
