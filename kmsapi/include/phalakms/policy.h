/* phalakms/policy.h — an app's key-release policy, which lives on its DstackApp contract: the KMS
 * gives the app's keys to a CVM only when allowedComposeHashes[h] && (allowAnyDevice ||
 * allowedDeviceIds[d]). Read it (candidates from the contract's events, each confirmed by a view
 * call), ask the API what it thinks of the app's CVMs, change it with owner-only calls sent at most
 * once (the chain is the journal), and build the Safe transaction a multisig owner executes. */
#ifndef PHALAKMS_POLICY_H
#define PHALAKMS_POLICY_H

#include "phalakms/client.h"
#include "phalakms/eth.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The policy's events and calls beyond those in eth.h (research/phala-api.md §6.3,
 * phala-api-2026-06.md §4.6, issue 19). */
#define PK_ETH_SEL_REMOVE_COMPOSE_HASH  0x67b3f22cu /* removeComposeHash(bytes32) */
#define PK_ETH_SEL_REMOVE_DEVICE        0x1d266200u /* removeDevice(bytes32) */
#define PK_ETH_SEL_SET_ALLOW_ANY_DEVICE 0x7c4beeb8u /* setAllowAnyDevice(bool) */
#define PK_ETH_TOPIC_COMPOSE_HASH_REMOVED                                                          \
    "0x755b79bd4b0eeab344d032284a99003b2ddc018b646752ac72d681593a6e8947"
#define PK_ETH_TOPIC_DEVICE_REMOVED                                                                \
    "0xe0862975ac517b0478d308012afabc4bc37c23874a18144d7f2dfb852ff95c2c"
#define PK_ETH_TOPIC_ALLOW_ANY_DEVICE_SET                                                          \
    "0xbb2cdb6c7b362202d40373f87bc4788301cca658f91711ac1662e1ad2cba4a20"
/* PolicyChanged(address indexed actor, bytes32 indexed policy, bytes32 indexed value, bool enabled) */
#define PK_ETH_TOPIC_POLICY_CHANGED                                                                \
    "0x341d3bc64e32172fc5bcf27b0f7f69dc5adc19af64b7aa1dee361e5883c32375"
#define PK_ETH_POLICY_COMPOSE_HASH /* keccak256("compose-hash") */                                 \
    "0x56bdf4352a9ceb1ba8f5c68066725c095e69c1d3f8a437290f0ac1da8fb4e19c"
#define PK_ETH_POLICY_DEVICE /* keccak256("device") */                                             \
    "0x8e7eff7e4a57bd436b18f220111863326b17773a8b4460f9fabd87a334233046"
#define PK_ETH_POLICY_ALLOW_ANY_DEVICE /* keccak256("allow-any-device") */                         \
    "0x560720bbc77afadfad8faeab0a79cf66b13e5433c09dd9182d5d36413084a84e"

/* ---- reading the policy from the chain ---------------------------------------------------------- */

typedef struct pk_policy_entry {
    char value[PK_ETH_HASH_STRLEN];   /* "0x" + 64 lowercase hex: a compose hash or a device id */
    uint64_t block_number;            /* the newest log that named it; 0 when no log was seen */
    char tx_hash[PK_ETH_HASH_STRLEN]; /* that log's transaction, "" when none */
} pk_policy_entry;

typedef struct pk_safe_info {
    char (*owners)[PK_ETH_ADDRESS_STRLEN]; /* getOwners(), lowercase, in the Safe's order */
    size_t n_owners;
    uint64_t threshold; /* getThreshold() */
    uint64_t nonce;     /* nonce(): the nonce the next Safe transaction must carry */
    char version[16];   /* VERSION(), e.g. "1.4.1"; "" when the Safe does not say */
} pk_safe_info;

typedef struct pk_app_policy {
    char app[PK_ETH_ADDRESS_STRLEN];   /* lowercase */
    char owner[PK_ETH_ADDRESS_STRLEN]; /* owner(), lowercase */
    bool owner_is_contract;            /* the owner has code (eth_getCode) */
    bool owner_is_safe; /* ...and answers getOwners/getThreshold/nonce: *safe is set */
    pk_safe_info safe;
    pk_policy_entry *compose_hashes; /* allowed now (each confirmed by a view call), sorted */
    size_t n_compose_hashes;
    pk_policy_entry *devices; /* allowed now (each confirmed by a view call), sorted */
    size_t n_devices;
    bool allow_any_device;
    uint64_t block; /* the block every view call read (the head when the read began) */
    /* The log search: blocks [searched_from, searched_to]; complete = down to lowest_block. An
     * incomplete search may miss entries that no other candidate source names: say so. */
    uint64_t searched_from, searched_to;
    bool complete;
    unsigned log_requests;
    size_t
        n_rejected; /* candidates (logs or extras) whose view call said false: removed or forged */
} pk_app_policy;

typedef struct pk_policy_query {
    const char *app;       /* the DstackApp address = app id, 40 hex with or without 0x */
    uint64_t lowest_block; /* never search logs below it (0 = genesis) */
    uint64_t span;         /* first log window (0 = PK_ETH_LOG_SPAN_DEFAULT) */
    long deadline_ms;      /* the whole log search (0 = PK_ETH_LOG_DEADLINE_DEFAULT) */
    /* Candidates known from elsewhere (state, configuration, the API): confirmed like the logs'
     * ones, so an entry whose log lies beyond the searched range is still found. */
    const char *const *extra_hashes;
    size_t n_extra_hashes;
    const char *const *extra_devices;
    size_t n_extra_devices;
} pk_policy_query;

/* Reads the policy: owner (and its Safe), allowAnyDevice, and every compose hash and device that a
 * ComposeHashAdded/Removed, DeviceAdded/Removed or PolicyChanged log of the app (or an extra
 * candidate) names and whose view call (allowedComposeHashes / allowedDeviceIds, at p->block) says
 * true. A log never adds an entry by itself. 0, or -1 with err set (transport, no code at app). */
int pk_app_policy_read(pk_eth *eth, const pk_policy_query *q, pk_app_policy *out, pk_error *err);
void pk_app_policy_free(pk_app_policy *p);
/* Whether the policy lets a CVM with this compose hash on this device boot (the boot rule). */
bool pk_app_policy_allows(const pk_app_policy *p, const char *compose_hash, const char *device_id);

/* ---- what the API says about the app's CVMs and devices -------------------------------------------- */

typedef struct pk_allowlist_device {
    char *device_id;
    char *node_name; /* NULL when the API does not know it */
    bool allowed_onchain;
    char *status;
    char **cvm_ids;
    size_t n_cvm_ids;
} pk_allowlist_device;

typedef struct pk_device_allowlist {
    bool is_onchain_kms;
    pk_tristate allow_any_device;
    bool has_chain_id;
    uint64_t chain_id;
    char *app_contract_address; /* NULL when absent */
    pk_allowlist_device *devices;
    size_t n_devices;
} pk_device_allowlist;

/* GET /apps/{app_id}/device-allowlist. */
int pk_app_device_allowlist_fetch(pk_client *c, const char *app_id, pk_device_allowlist *out,
                                  pk_error *err);
void pk_device_allowlist_free(pk_device_allowlist *d);

typedef struct pk_app_cvm_allowed {
    char *cvm_id;       /* always a string (2026-01-21's integers are printed) */
    pk_is_allowed info; /* compose_hash, device_id, ..., is_allowed */
} pk_app_cvm_allowed;

typedef struct pk_app_cvms_allowed {
    bool is_onchain;
    long total, allowed_count, denied_count, error_count;
    pk_app_cvm_allowed *results;
    size_t n_results;
    char **skipped_cvm_ids;
    size_t n_skipped;
} pk_app_cvms_allowed;

/* POST /apps/{app_id}/cvms/is-allowed {}: for every CVM of the app, the compose hash and device it
 * runs with and whether the API's reading of the contract allows it. Input, not truth: callers
 * recompute the boot rule from pk_app_policy_read. */
int pk_app_cvms_is_allowed(pk_client *c, const char *app_id, pk_app_cvms_allowed *out,
                           pk_error *err);
void pk_app_cvms_allowed_free(pk_app_cvms_allowed *a);

/* ---- changing the policy ----------------------------------------------------------------------------- */

typedef enum pk_policy_op {
    PK_POLICY_ADD_COMPOSE_HASH,
    PK_POLICY_REMOVE_COMPOSE_HASH,
    PK_POLICY_ADD_DEVICE,
    PK_POLICY_REMOVE_DEVICE,
    PK_POLICY_SET_ALLOW_ANY_DEVICE,
} pk_policy_op;

typedef struct pk_policy_call {
    pk_policy_op op;
    char
        value[PK_ETH_HASH_STRLEN]; /* "0x" + 64 hex: the hash or device; unused for SET_ALLOW_ANY */
    bool flag;                     /* SET_ALLOW_ANY_DEVICE's argument */
} pk_policy_call;

/* The call's data: selector || one 32-byte word. -1 for a malformed value. */
int pk_policy_calldata(const pk_policy_call *c, uint8_t out[PK_ETH_CALLDATA_BYTES]);
/* "removeComposeHash(0x…)" for plans, logs and batch files. */
void pk_policy_call_text(const pk_policy_call *c, char *out, size_t len);
/* Whether the chain shows the call's effect already (one view call): the journal. */
int pk_policy_call_done(pk_eth *eth, const char *app, const pk_policy_call *c, bool *done,
                        pk_error *err);

/* Makes one call with req->private_key_hex under pk_register_compose_hash's rules — chain id,
 * owner() == signer, nothing sent when pk_policy_call_done, balance, the signer's pending
 * transactions waited for (so a transaction sent by a killed provider is never repeated), estimate,
 * fees, sign, send, receipt with status 1, and the effect confirmed by the view call afterwards.
 * req->app_contract names the app; compose_hash/device_id in req are ignored. */
int pk_policy_send_call(pk_eth *eth, const pk_register_req *req, const pk_policy_call *c,
                        pk_register_result *out, pk_error *err);

/* ---- Safe owners ------------------------------------------------------------------------------------ */

/* Safe 1.4.1's canonical MultiSendCallOnly (safe-deployments); chains without it name their own. */
#define PK_SAFE_MULTISEND_CALL_ONLY_141 "0x9641d764fc13c8b624c04430c7356c1c7c8102e2"

/* Reads getOwners(), getThreshold(), nonce() and VERSION(): -1 with PK_ERR_DECODE when safe does not
 * answer them as a Safe does. */
int pk_safe_read(pk_eth *eth, const char *safe, pk_safe_info *out, pk_error *err);
void pk_safe_info_free(pk_safe_info *s);

/* The Safe transaction that makes `calls` on `app` (value 0) in order: one call directly (operation
 * 0 = CALL); several as MultiSendCallOnly.multiSend(bytes) (operation 1 = DELEGATECALL to
 * `multisend`). safe_tx_gas, base_gas, gas_price are 0, gas_token and refund_receiver the zero
 * address. safe_tx_hash is the EIP-712 hash of SafeTx for the Safe's domain (chainId,
 * verifyingContract), as Safe >= 1.3.0 and @safe-global/protocol-kit compute it. */
typedef struct pk_safe_tx {
    char safe[PK_ETH_ADDRESS_STRLEN];
    uint64_t chain_id;
    char to[PK_ETH_ADDRESS_STRLEN];
    uint8_t *data; /* malloc'd */
    size_t data_len;
    uint8_t operation;
    uint64_t nonce;
    char safe_tx_hash[PK_ETH_HASH_STRLEN];
} pk_safe_tx;

/* multisend NULL = PK_SAFE_MULTISEND_CALL_ONLY_141 (checked always, used for several calls). -1 with
 * PK_ERR_INVALID_ARG naming what is wrong: a malformed Safe, app or MultiSendCallOnly address, a call
 * whose value is not 32 bytes of hex ("call 2: …"), no calls or more than 4096, chain id 0. */
int pk_safe_tx_build(uint64_t chain_id, const char *safe, uint64_t nonce, const char *multisend,
                     const char *app, const pk_policy_call *calls, size_t n_calls, pk_safe_tx *out,
                     pk_error *err);
void pk_safe_tx_free(pk_safe_tx *t);

/* The batch file for the Safe's owners (malloc'd JSON, free()): the Safe{Wallet} Transaction
 * Builder's format ({version, chainId, createdAt, meta, transactions[{to, value, data}]}) so the
 * owners can load it in the Safe app, plus "safeTransaction" {safe, to, value, data, operation,
 * safeTxGas, baseGas, gasPrice, gasToken, refundReceiver, nonce, safeTxHash} and "calls" (the
 * pk_policy_call_text of each) for review and for scripts (tests/eth/safe_exec.mjs). Builder part:
 * chainId a decimal string, createdAt ms, meta {name "phala_app_policy", description (the calls'
 * texts joined by "; "), createdFromSafeAddress (EIP-55), createdFromOwnerAddress ""}, no checksum
 * (optional there), each transaction {to: app (EIP-55), value "0", data}. safeTransaction: addresses
 * lowercase, value/safeTxGas/baseGas/gasPrice the strings "0", operation and nonce JSON integers.
 * -1 (PK_ERR_INVALID_ARG) when t is not the transaction pk_safe_tx_build makes for these calls. */
int pk_safe_batch_json(const pk_safe_tx *t, const char *app, const pk_policy_call *calls,
                       size_t n_calls, char **out_json, pk_error *err);

#ifdef __cplusplus
}
#endif

#endif /* PHALAKMS_POLICY_H */
