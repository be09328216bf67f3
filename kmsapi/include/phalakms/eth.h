/* phalakms/eth.h — the on-chain side of libphalakms: Ethereum transaction signing (legacy EIP-155 and
 * EIP-1559), a small JSON-RPC client, and pk_register_compose_hash, which registers a compose hash on
 * a DstackApp contract (addComposeHash) at most once per hash — the chain itself is the journal. */
#ifndef PHALAKMS_ETH_H
#define PHALAKMS_ETH_H

#include "phalakms/client.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PK_ETH_ADDRESS_BYTES      20
#define PK_ETH_ADDRESS_STRLEN     43                  /* "0x" + 40 hex + NUL */
#define PK_ETH_HASH_STRLEN        67                  /* "0x" + 64 hex + NUL */
#define PK_ETH_CALLDATA_BYTES     36                  /* selector(4) || bytes32 */
#define PK_ETH_MIN_BALANCE_WEI    1000000000000000ULL /* 0.001 ETH, as Phala's SDK requires */
#define PK_ETH_RECEIPT_TIMEOUT_MS 120000L
#define PK_ETH_DEFAULT_TIMEOUT_MS 30000L

/* Selectors and the event the DstackApp contract emits (research/phala-api.md §6.3). */
#define PK_ETH_SEL_ADD_COMPOSE_HASH     0xdfc77223u /* addComposeHash(bytes32) */
#define PK_ETH_SEL_ALLOWED_COMPOSE_HASH 0x2f6622e5u /* allowedComposeHashes(bytes32) */
#define PK_ETH_SEL_OWNER                0x8da5cb5bu /* owner() */
#define PK_ETH_TOPIC_COMPOSE_HASH_ADDED                                                            \
    "0xfecb34306dd9d8b785b54d65489d06afc8822a0893ddacedff40c50a4942d0af"
/* DstackApp's device allowlist (research/phala-api-2026-06.md §4.6): a CVM boots only when
 * allowAnyDevice() || allowedDeviceIds(device_id). DeviceAdded(bytes32) is non-indexed as well. */
#define PK_ETH_SEL_ADD_DEVICE        0x2a819728u /* addDevice(bytes32) */
#define PK_ETH_SEL_ALLOWED_DEVICE_ID 0xbf8b211bu /* allowedDeviceIds(bytes32) */
#define PK_ETH_SEL_ALLOW_ANY_DEVICE  0x3440a16au /* allowAnyDevice() */
#define PK_ETH_TOPIC_DEVICE_ADDED                                                                  \
    "0x67fc71ab96fe3fa3c6f78e9a00e635d591b7333ce611c0380bc577aac702243b"

/* DstackKms (research/phala-api-2026-06.md §5.4, phala-api.md §6.4). */
#define PK_ETH_SEL_KMS_INFO        0x09177063u /* kmsInfo() → (bytes k256Pubkey, bytes, bytes, bytes) */
#define PK_ETH_SEL_REGISTERED_APPS 0xa6c4cce9u /* registeredApps(address) → bool */
#define PK_ETH_K256_STRLEN         69          /* "0x" + 66 hex + NUL */

/* ---- transactions ------------------------------------------------------------------------------ */

typedef enum pk_eth_tx_type {
    PK_ETH_TX_LEGACY = 0,  /* EIP-155: v = recid + 35 + 2 * chain_id */
    PK_ETH_TX_EIP1559 = 2, /* 0x02 || rlp([...]) with an empty access list */
} pk_eth_tx_type;

/* A transaction to sign. Gas quantities are uint64 — far above any real gas price or limit in wei —
 * while value is a full uint256 in big-endian bytes (zero for addComposeHash). `to` is always set:
 * contract creation is not needed here. */
typedef struct pk_eth_tx {
    pk_eth_tx_type type;
    uint64_t chain_id;
    uint64_t nonce;
    uint64_t gas_limit;
    uint64_t gas_price;                /* legacy only */
    uint64_t max_fee_per_gas;          /* EIP-1559 only */
    uint64_t max_priority_fee_per_gas; /* EIP-1559 only */
    uint8_t to[PK_ETH_ADDRESS_BYTES];
    uint8_t value[32];
    const uint8_t *data;
    size_t data_len;
} pk_eth_tx;

/* Signs tx with sk (RFC 6979, low-s). *raw receives the malloc'd serialized signed transaction (what
 * eth_sendRawTransaction takes; free() it) and tx_hash its keccak256 — the transaction hash. 0 / -1
 * (bad key or allocation failure). */
int pk_eth_sign_tx(const pk_eth_tx *tx, const uint8_t sk[32], uint8_t **raw, size_t *raw_len,
                   uint8_t tx_hash[32]);

/* The address of a secret key: "0x" + 40 lowercase hex. -1 for an invalid key. */
int pk_eth_address(const uint8_t sk[32], char out[PK_ETH_ADDRESS_STRLEN]);
/* EIP-55 mixed-case form of an address given as 40 hex digits (optional 0x, any case). -1 if not an
 * address. */
int pk_eth_address_checksum(const char *addr, char out[PK_ETH_ADDRESS_STRLEN]);
/* Parses an address: 40 hex digits, optional 0x, any case (the checksum is not enforced). */
int pk_eth_address_parse(const char *addr, uint8_t out[PK_ETH_ADDRESS_BYTES]);

/* Call data: selector || bytes32(hash). hash_hex is 64 hex digits with optional 0x; -1 otherwise. */
int pk_eth_calldata_add_compose_hash(const char *hash_hex, uint8_t out[PK_ETH_CALLDATA_BYTES]);
int pk_eth_calldata_allowed_compose_hash(const char *hash_hex, uint8_t out[PK_ETH_CALLDATA_BYTES]);
void pk_eth_calldata_owner(uint8_t out[4]);
/* selector || one bytes32 word (64 hex digits, optional 0x), e.g. addDevice(device_id). */
int pk_eth_calldata_word(uint32_t selector, const char *word_hex,
                         uint8_t out[PK_ETH_CALLDATA_BYTES]);

/* ---- JSON-RPC client ----------------------------------------------------------------------------- */

/* Zero fields take defaults. rpc_url must be https:// (http:// only to a loopback host); it may hold
 * a provider key in its path, so only its host ever appears in logs and errors. */
typedef struct pk_eth_config {
    const char *rpc_url;
    long timeout_ms;       /* one HTTP exchange; default 30 s */
    long poll_interval_ms; /* receipt / nonce polling; default 1000 ms */
    pk_cancel *cancel; /* borrowed; every call and wait fails with PK_ERR_CANCELLED within ~50 ms */
    pk_log_fn log_fn;  /* one line per RPC ("eth_chainId -> ok (2 ms)"); never secrets */
    void *log_user;
} pk_eth_config;

typedef struct pk_eth pk_eth;

/* Thread-safe: one pk_eth may be used from several threads at once. */
int pk_eth_new(const pk_eth_config *cfg, pk_eth **out, pk_error *err);
void pk_eth_free(pk_eth *eth);

int pk_eth_chain_id(pk_eth *eth, uint64_t *out, pk_error *err);
int pk_eth_block_number(pk_eth *eth, uint64_t *out, pk_error *err);
/* Balance in wei as a big-endian uint256. */
int pk_eth_balance(pk_eth *eth, const char *address, uint8_t wei[32], pk_error *err);
/* eth_getTransactionCount at "latest" or "pending". */
int pk_eth_nonce(pk_eth *eth, const char *address, bool pending, uint64_t *out, pk_error *err);
/* eth_call at "latest"; *out is malloc'd (free()). A revert becomes PK_ERR_RPC with the reason. */
int pk_eth_call(pk_eth *eth, const char *to, const uint8_t *data, size_t len, uint8_t **out,
                size_t *out_len, pk_error *err);
int pk_eth_estimate_gas(pk_eth *eth, const char *from, const char *to, const uint8_t *data,
                        size_t len, uint64_t *out, pk_error *err);

/* What the chain says about fees: EIP-1559 when the latest block has baseFeePerGas (then
 * max_priority_fee_per_gas from eth_maxPriorityFeePerGas, or eth_gasPrice - base fee when the node
 * lacks it), else only gas_price (eth_gasPrice) for a legacy transaction. */
typedef struct pk_eth_fees {
    bool eip1559;
    uint64_t base_fee_per_gas;
    uint64_t max_priority_fee_per_gas;
    uint64_t max_fee_per_gas; /* 2 * base fee + priority: survives six full blocks of fee growth */
    uint64_t gas_price;
} pk_eth_fees;
int pk_eth_fees_fetch(pk_eth *eth, pk_eth_fees *out, pk_error *err);

/* eth_sendRawTransaction; tx_hash is what the node returned. A node answering "already known" for a
 * transaction it has is success (the hash is then the keccak of raw). */
int pk_eth_send_raw(pk_eth *eth, const uint8_t *raw, size_t len, char tx_hash[PK_ETH_HASH_STRLEN],
                    pk_error *err);

typedef struct pk_eth_log {
    uint8_t address[PK_ETH_ADDRESS_BYTES];
    uint8_t topics[4][32];
    size_t n_topics;
    uint8_t *data;
    size_t data_len;
    char tx_hash[PK_ETH_HASH_STRLEN];
    uint64_t block_number;
} pk_eth_log;

typedef struct pk_eth_receipt {
    char tx_hash[PK_ETH_HASH_STRLEN];
    bool status_ok; /* status 0x1 */
    uint64_t block_number;
    uint64_t gas_used;
    pk_eth_log *logs;
    size_t n_logs;
} pk_eth_receipt;
void pk_eth_receipt_free(pk_eth_receipt *r);

/* Polls eth_getTransactionReceipt until the transaction is included and `confirmations` blocks exist
 * counting its own (viem's meaning: 1 = included), or timeout_ms passes (PK_ERR_TIMEOUT). */
int pk_eth_wait_receipt(pk_eth *eth, const char *tx_hash, unsigned confirmations, long timeout_ms,
                        pk_eth_receipt *out, pk_error *err);

/* DstackApp reads. */
int pk_eth_allowed_compose_hash(pk_eth *eth, const char *app, const char *hash_hex, bool *allowed,
                                pk_error *err);
int pk_eth_owner(pk_eth *eth, const char *app, char owner[PK_ETH_ADDRESS_STRLEN], pk_error *err);
/* Whether a device may run the app: *any = allowAnyDevice(), *allowed = *any ||
 * allowedDeviceIds(device). A call that reverts counts as false (older contracts lack the functions),
 * as Phala's checkOnChainPrerequisites does; transport errors are errors. */
int pk_eth_device_allowed(pk_eth *eth, const char *app, const char *device_hex, bool *allowed,
                          bool *any, pk_error *err);

/* DstackKms reads. The KMS's own k256 key from kmsInfo() as "0x" + 66 lowercase hex (a compressed
 * point); a contract without the function, an empty key or another format is PK_ERR_DECODE. */
int pk_eth_kms_k256(pk_eth *eth, const char *kms, char out[PK_ETH_K256_STRLEN], pk_error *err);
/* Whether app is registered on the KMS contract: PK_TRUE / PK_FALSE, or PK_UNSET when the contract
 * cannot tell (the call reverts, or no bool comes back: no such function, or no code). Transport
 * errors are errors. */
int pk_eth_kms_app_registered(pk_eth *eth, const char *kms, const char *app, pk_tristate *out,
                              pk_error *err);

/* ---- log search ---------------------------------------------------------------------------------- */

/* Public nodes refuse eth_getLogs over wide ranges (or with many results), so logs are searched in
 * windows from the newest block down, each `span` blocks wide; a refused window (a JSON-RPC error, an
 * oversized answer, a timeout) is halved and retried, down to one block. The search stops at the
 * deadline; the result says which blocks it covered. */
#define PK_ETH_LOG_SPAN_DEFAULT     5000u
#define PK_ETH_LOG_DEADLINE_DEFAULT 30000L

typedef struct pk_eth_log_query {
    const char *address;   /* the emitting contract */
    const char *topic0;    /* the event's signature hash, 0x + 64 hex */
    const char *data_hex;  /* the log's data must be exactly this 32-byte word (optional 0x) */
    uint64_t lowest_block; /* never search below it (0 = genesis) */
    uint64_t span;         /* first window, in blocks (0 = PK_ETH_LOG_SPAN_DEFAULT) */
    long deadline_ms;      /* 0 = PK_ETH_LOG_DEADLINE_DEFAULT */
} pk_eth_log_query;

typedef struct pk_eth_log_result {
    bool found; /* then tx_hash and block_number name the newest matching log */
    char tx_hash[PK_ETH_HASH_STRLEN];
    uint64_t block_number;
    /* blocks [searched_from, searched_to] were searched (searched_from > searched_to when none) */
    uint64_t searched_from, searched_to;
    bool complete;      /* every block down to lowest_block (or the match) was searched */
    uint64_t last_span; /* the window size in use when the search ended */
    unsigned requests;  /* eth_getLogs calls made */
} pk_eth_log_result;

/* 0 with *out filled (found or not, complete or cut by the deadline); -1 when the node refuses even
 * one-block windows or cannot be reached (the message names the blocks searched so far). */
int pk_eth_find_log(pk_eth *eth, const pk_eth_log_query *q, pk_eth_log_result *out, pk_error *err);
/* "blocks 1200..9000 (newest first, complete)" for messages. */
void pk_eth_log_range_text(const pk_eth_log_result *r, char *out, size_t len);

/* The ComposeHashAdded(hash) log of app through pk_eth_find_log (default span and deadline):
 * *found false when none was found in what could be searched. */
int pk_eth_find_compose_hash_tx(pk_eth *eth, const char *app, const char *hash_hex, bool *found,
                                char tx_hash[PK_ETH_HASH_STRLEN], uint64_t *block_number,
                                pk_error *err);

/* Checks a transaction someone else sent (e.g. a configured transaction_hash): *registers is true
 * when it is mined with status 1 and holds ComposeHashAdded(hash) from app — so a transaction that
 * registered an older compose hash is never taken for a new one. Not mined yet = false. */
int pk_eth_tx_registers(pk_eth *eth, const char *tx_hash, const char *app, const char *hash_hex,
                        bool *registers, uint64_t *block_number, pk_error *err);

/* ---- registration ------------------------------------------------------------------------------ */

typedef struct pk_register_req {
    const char *private_key_hex; /* 32 bytes, optional 0x; never copied into errors or logs */
    const char *app_contract;    /* the app id = DstackApp address, 40 hex with or without 0x */
    const char *compose_hash;    /* 64 hex, optional 0x (pk_register_compose_hash) */
    bool has_expected_chain_id;
    uint64_t expected_chain_id;
    uint64_t min_balance_wei; /* 0 = PK_ETH_MIN_BALANCE_WEI */
    unsigned confirmations;   /* 0 = 1 */
    long receipt_timeout_ms;  /* 0 = PK_ETH_RECEIPT_TIMEOUT_MS; also bounds waits for pending txs */
    const char *device_id;    /* 64 hex, optional 0x (pk_register_device) */
    long log_search_ms;       /* deadline of a log search (0 = PK_ETH_LOG_DEADLINE_DEFAULT) */
} pk_register_req;

typedef struct pk_register_result {
    char *tx_hash; /* "0x" + 64 lowercase hex, malloc'd; NULL for a device allowed already */
    bool reused;   /* true: nothing was sent (already registered / allowed) */
    uint64_t block_number;
} pk_register_result;
void pk_register_result_free(pk_register_result *r);

/* Registers compose_hash on app_contract with addComposeHash, unless the contract already allows it
 * (then the registering transaction is found and returned with reused = true — no second
 * transaction is ever sent for one hash). In order: chain id, owner() == signer, allowed already?,
 * balance >= minimum, wait for the signer's pending transactions, estimate gas (+20%), fees, sign,
 * send, wait for the receipt (status 1) and check it holds ComposeHashAdded(hash) from the app
 * (or that allowedComposeHashes(hash) is now true). Registrations from one signer are serialised
 * process-wide, so parallel resources never race for a nonce. */
int pk_register_compose_hash(pk_eth *eth, const pk_register_req *req, pk_register_result *out,
                             pk_error *err);

/* addDevice(req->device_id) on app_contract under the same rules: chain id, owner, then nothing is
 * sent when allowAnyDevice() || allowedDeviceIds(device) already (reused, no tx_hash). Before sending,
 * the DeviceAdded(device) logs are searched (newest first, within log_search_ms): a device that was
 * added once and is no longer allowed was removed by someone, and is not added again
 * (PK_ERR_TX_FAILED naming that transaction). */
int pk_register_device(pk_eth *eth, const pk_register_req *req, pk_register_result *out,
                       pk_error *err);

#ifdef __cplusplus
}
#endif

#endif /* PHALAKMS_ETH_H */
