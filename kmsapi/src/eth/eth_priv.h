/* eth_priv.h — private pieces of the on-chain code shared by the files of eth/ and the unit tests:
 * the RLP encoder (rlp.c), the JSON-RPC codec (rpc_codec.c), transport (rpc_transport.c), calls and
 * logs (rpc_calls.c, rpc_logs.c), and small uint256 helpers (tx.c). Every name carries the pkx_ prefix; nothing here is public API. */
#ifndef PKX_ETH_PRIV_H
#define PKX_ETH_PRIV_H

#include "phalakms/crypto.h"
#include "phalakms/eth.h"
#include "phalakms/policy.h"

#include <cjson/cJSON.h>

/* ---- RLP (rlp.c) ---- */

/* A growable output buffer; the first allocation failure sets `failed` and later calls no-op. */
typedef struct pkx_rlp {
    uint8_t *p;
    size_t len, cap;
    bool failed;
} pkx_rlp;

/* A byte string: a single byte < 0x80 is itself, else a length prefix. */
int pkx_rlp_bytes(pkx_rlp *b, const uint8_t *data, size_t len);
/* An integer: big-endian without leading zeros (0 is the empty string). */
int pkx_rlp_uint(pkx_rlp *b, uint64_t v);
int pkx_rlp_u256(pkx_rlp *b, const uint8_t be[32]);
/* Lists: remember pkx_rlp_list_begin's offset, append the items, then pkx_rlp_list_end prefixes
 * them with the list header (nesting works because each level is closed innermost first). */
size_t pkx_rlp_list_begin(const pkx_rlp *b);
int pkx_rlp_list_end(pkx_rlp *b, size_t start);
/* Appends raw bytes (the 0x02 type prefix). */
int pkx_rlp_raw(pkx_rlp *b, const uint8_t *data, size_t len);
void pkx_rlp_free(pkx_rlp *b);

/* ---- JSON-RPC values and answers (rpc_codec.c) ---- */

/* Quantities: "0x" then 1+ hex digits (leading zeros tolerated on input); -1 on anything else or
 * overflow. */
int pkx_eth_quantity(const char *s, uint64_t *out);
int pkx_eth_quantity256(const char *s, uint8_t out[32]);
/* Data: "0x" then an even number of hex digits; *out malloc'd (non-NULL even when empty). */
int pkx_eth_data(const char *s, uint8_t **out, size_t *len);

/* Decodes one JSON-RPC answer to `method`. 0 with *root owning the document and *result pointing at
 * its "result" (may be JSON null); -1 with err filled: an error object becomes PK_ERR_RPC with a
 * message for a person (revert reasons decoded, hints for nonce/funds errors), anything else
 * PK_ERR_DECODE. */
int pkx_eth_rpc_result(const char *body, size_t len, const char *method, cJSON **root,
                       const cJSON **result, pk_error *err);

/* The reason in revert data: Error(string), Panic(uint256), OwnableUnauthorizedAccount(address);
 * malloc'd printable text, or NULL when the data is none of those. */
char *pkx_eth_revert_reason(const uint8_t *data, size_t len);
/* Case-insensitive substring test over node messages; false for a NULL haystack. */
bool pkx_eth_contains_ci(const char *hay, const char *needle);

/* ---- transport (rpc_transport.c) ---- */

/* Calls method with params (a JSON array text): 0 with *root owning the answer and *result in it;
 * -1 with err filled. Reads (idempotent) are retried after network errors, timeouts, 429 and 5xx;
 * sends are not. */
int pkx_eth_rpc(pk_eth *eth, const char *method, const char *params, bool idempotent, cJSON **root,
                const cJSON **result, pk_error *err);
/* Sets kind + a printf-style message and, for transport kinds, a human line naming the RPC host.
 * Always returns -1. eth may be NULL. */
int pkx_eth_failf(pk_error *err, const pk_eth *eth, pk_error_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
long pkx_eth_poll_ms(const pk_eth *eth);
/* Fuzzing and unit tests only (the provider never sets it): every JSON-RPC request (its JSON) is
 * answered with the malloc'd body this returns, as an HTTP 200, instead of going to the network.
 * NULL restores the network. */
typedef char *(*pkx_eth_fake_fn)(const char *request_json, size_t *len);
void pkx_eth_set_fake(pkx_eth_fake_fn answer);
const pk_cancel *pkx_eth_cancel(const pk_eth *eth);

/* ---- calls (rpc_calls.c) and logs (rpc_logs.c) ---- */

/* A method whose result is one hex quantity. */
int pkx_eth_quantity_result(pk_eth *eth, const char *method, const char *params, uint64_t *out,
                            pk_error *err);
/* addr as "0x" + 40 lowercase hex into norm, or an INVALID_ARG error that quotes (a bounded part
 * of) what was given. */
int pkx_eth_check_address(pk_eth *eth, const char *addr, char norm[PK_ETH_ADDRESS_STRLEN],
                          pk_error *err);

/* eth_call at block `block` when at_block, else at "latest" (pk_eth_call). */
int pkx_eth_call_at(pk_eth *eth, const char *to, const uint8_t *data, size_t len, bool at_block,
                    uint64_t block, uint8_t **out, size_t *out_len, pk_error *err);
/* The size of addr's code at block (eth_getCode): 0 for an account without code. */
int pkx_eth_code_size(pk_eth *eth, const char *addr, uint64_t block, size_t *len, pk_error *err);
/* One progress line through the pk_eth's log_fn (never secrets). */
void pkx_eth_logf(const pk_eth *eth, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The windowed log collector both pk_eth_find_log and the policy reader use: every log of `address`
 * whose topic0 is one of topic0s, over blocks [lowest, head], in windows newest first (`span` wide,
 * a refused window halved down to one block), until `deadline_ms` passes or on_window asks to stop.
 * on_window sees each window's parsed logs (oldest first, address and topic0 already checked) and
 * returns 0 to go on, 1 to stop (the search counts as complete), -1 to fail (err set). progress
 * (searched_from/to, complete, requests, last_span) is filled as in pk_eth_find_log. */
typedef int (*pkx_eth_window_fn)(void *user, const pk_eth_log *logs, size_t n, pk_error *err);
typedef struct pkx_eth_log_scan {
    const char *address; /* "0x" + 40 lowercase hex */
    const uint8_t (*topic0s)[32];
    size_t n_topic0s; /* 1..8 */
    uint64_t lowest, head;
    uint64_t span;    /* 0 = PK_ETH_LOG_SPAN_DEFAULT */
    long deadline_ms; /* 0 = PK_ETH_LOG_DEADLINE_DEFAULT */
    pkx_eth_window_fn on_window;
    void *user;
} pkx_eth_log_scan;
int pkx_eth_scan_logs(pk_eth *eth, const pkx_eth_log_scan *s, pk_eth_log_result *progress,
                      pk_error *err);
/* Parses one JSON-RPC log object / a JSON array of them (strict; fuzzed). */
int pkx_eth_parse_logs(const cJSON *arr, pk_eth_log **out, size_t *n);
void pkx_eth_logs_free(pk_eth_log *logs, size_t n);

/* ---- strict ABI and policy-log decoders (abi_decode.c; fuzzed) ---- */

/* One word that fits in 64 bits / is 0 or 1 / is an address (12 zero bytes first). n must be 32. */
int pkx_abi_u64(const uint8_t *d, size_t n, uint64_t *out);
int pkx_abi_bool(const uint8_t *d, size_t n, bool *out);
int pkx_abi_address(const uint8_t *d, size_t n, char out[PK_ETH_ADDRESS_STRLEN]);
/* A returned address[] (offset 32, length <= max, exactly that many words): *out malloc'd. */
int pkx_abi_address_array(const uint8_t *d, size_t n, size_t max,
                          char (**out)[PK_ETH_ADDRESS_STRLEN], size_t *count);
/* A returned string of printable ASCII shorter than cap, zero-padded. */
int pkx_abi_string(const uint8_t *d, size_t n, char *out, size_t cap);

/* Which policy entry a log names: ComposeHashAdded/Removed and DeviceAdded/Removed (one data word)
 * or PolicyChanged for "compose-hash" / "device" (topic2 = policy, topic3 = value). -1 for any other
 * or a malformed log (allow-any-device's PolicyChanged included: the flag is read directly). */
typedef enum pkx_policy_kind { PKX_POLICY_HASH, PKX_POLICY_DEVICE } pkx_policy_kind;
int pkx_policy_log_entry(const pk_eth_log *l, pkx_policy_kind *kind, uint8_t value[32]);

/* pk_safe_read at a fixed block (at_block) or "latest". */
int pkx_safe_read_at(pk_eth *eth, const char *safe, bool at_block, uint64_t block,
                     pk_safe_info *out, pk_error *err);

/* True when the receipt holds ComposeHashAdded(hash) emitted by app. */
bool pkx_eth_receipt_has_compose_log(const pk_eth_receipt *rc, const uint8_t app[20],
                                     const uint8_t hash[32]);

/* ---- owner-only calls, each sent at most once (owner_call.c) ---- */

/* One call in flight: the app, its argument word and the signer, filled by pkx_eth_owner_call. */
typedef struct pkx_owner_call pkx_owner_call;

/* What a caller (register.c, policy_call.c) says about its call. */
typedef struct pkx_owner_op {
    const char *what; /* what the call changes, for messages: "compose hash", "device" */
    const char *fn;   /* the contract function, for messages: "addComposeHash" */
    uint32_t selector;
    const char *topic; /* the event whose log (data = the argument word) proves the effect */
    /* 1 = the chain shows the call's effect already (nothing is sent), 0 = not, -1 = error. */
    int (*done)(const pkx_owner_call *c, pk_error *err);
    /* Optional: fills out when the effect is there already (reused is set before). */
    int (*already)(const pkx_owner_call *c, pk_register_result *out, pk_error *err);
    /* Optional: a last refusal before anything is signed (e.g. a device removed by someone). */
    int (*before_send)(const pkx_owner_call *c, pk_error *err);
    const void *data; /* the caller's own description, for its callbacks */
} pkx_owner_op;

struct pkx_owner_call {
    pk_eth *eth;
    const pkx_owner_op *op;
    char app[PK_ETH_ADDRESS_STRLEN]; /* lowercase */
    char arg[PK_ETH_HASH_STRLEN];    /* the argument word, 0x + 64 lowercase hex */
    char signer[PK_ETH_ADDRESS_STRLEN];
    uint8_t signer_bytes[20];
    uint64_t chain_id;
    long timeout_ms;
    long log_ms;
};

/* Sends op(arg_hex) on req->app_contract with req->private_key_hex under the rules of
 * pk_register_compose_hash (eth.h); req's compose_hash and device_id are ignored. */
int pkx_eth_owner_call(pk_eth *eth, const pkx_owner_op *op, const pk_register_req *req,
                       const char *arg_hex, pk_register_result *out, pk_error *err);
/* Sets kind + message (always -1); prefixes the current error's human line with what was being
 * done (always -1). */
int pkx_owner_fail(pk_error *err, const pk_eth *eth, pk_error_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int pkx_owner_context(pk_error *err, const char *what);
/* An ABI bool answer of a view call (exactly one word, 0 or 1); anything else, a revert included,
 * is an error naming `what`. */
int pkx_eth_read_bool(pk_eth *eth, const char *app, const char *what, const uint8_t *cd, size_t len,
                      bool *out, pk_error *err);
/* The same at `block` when at_block (else "latest"); with revert_false a revert reads as false (a
 * contract without the function) instead of an error. */
int pkx_eth_read_bool_at(pk_eth *eth, const char *app, const char *what, const uint8_t *cd,
                         size_t len, bool at_block, uint64_t block, bool revert_false, bool *out,
                         pk_error *err);

/* ---- uint256 helpers ---- */
int pkx_u256_cmp_u64(const uint8_t a[32], uint64_t b);
/* Decimal text of a (at most 78 digits + NUL). */
void pkx_u256_dec(const uint8_t a[32], char out[80]);
/* "0.0001 ETH" style text of a wei amount (up to 18 decimals, trailing zeros dropped). */
void pkx_u256_eth(const uint8_t a[32], char out[100]);
void pkx_u256_from_u64(uint64_t v, uint8_t out[32]);

/* Parses a 32-byte hash (64 hex, optional 0x). */
int pkx_eth_hash_parse(const char *hex, uint8_t out[32]);
/* "0x" + lowercase hex of n bytes into out (capacity 2n + 3). */
void pkx_eth_hex0x(const uint8_t *in, size_t n, char *out);

#endif /* PKX_ETH_PRIV_H */
