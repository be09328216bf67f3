/* safe_tx.c — the Safe transaction that makes a list of policy calls: the calls themselves (one call,
 * or MultiSendCallOnly.multiSend's packed list) and the EIP-712 safeTxHash the owners sign, as Safe
 * 1.3.0+ (Safe.sol getTransactionHash / encodeTransactionData) computes it. No network. */
#include "eth/eth_priv.h"
#include "phalakms/policy.h"

#include <stdlib.h>
#include <string.h>

#define SEL_MULTI_SEND 0x8d80ff0au /* multiSend(bytes) */
/* One packed MultiSend entry: operation(1) to(20) value(32) dataLength(32) data(36). */
#define ENTRY_BYTES (1 + 20 + 32 + 32 + PK_ETH_CALLDATA_BYTES)
/* More calls than any plan makes; keeps every size far from overflow. */
#define MAX_CALLS 4096

/* Safe.sol's typehashes are the keccak of these strings (its comments name them); computing them
 * here keeps the text and the constant from drifting apart. */
static const char DOMAIN_TYPE[] = "EIP712Domain(uint256 chainId,address verifyingContract)";
static const char SAFE_TX_TYPE[] =
    "SafeTx(address to,uint256 value,bytes data,uint8 operation,uint256 safeTxGas,uint256 baseGas,"
    "uint256 gasPrice,address gasToken,address refundReceiver,uint256 nonce)";

static void put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (24 - 8 * i));
}

/* An ABI word holding an address (left-padded) or a small integer. */
static void word_address(uint8_t w[32], const uint8_t a[20])
{
    memset(w, 0, 12);
    memcpy(w + 12, a, 20);
}

static void domain_separator(uint64_t chain_id, const uint8_t safe[20], uint8_t out[32])
{
    uint8_t buf[96];
    pk_keccak256(DOMAIN_TYPE, sizeof DOMAIN_TYPE - 1, buf);
    pkx_u256_from_u64(chain_id, buf + 32);
    word_address(buf + 64, safe);
    pk_keccak256(buf, sizeof buf, out);
}

/* keccak256(0x19 0x01 domainSeparator keccak256(abi.encode(SAFE_TX_TYPEHASH, to, value=0,
 * keccak256(data), operation, safeTxGas=0, baseGas=0, gasPrice=0, gasToken=0, refundReceiver=0,
 * nonce))). */
static void safe_tx_hash(uint64_t chain_id, const uint8_t safe[20], const uint8_t to[20],
                         const uint8_t *data, size_t data_len, uint8_t operation, uint64_t nonce,
                         uint8_t out[32])
{
    uint8_t s[11 * 32] = {0}; /* the zero fields stay zero */
    pk_keccak256(SAFE_TX_TYPE, sizeof SAFE_TX_TYPE - 1, s);
    word_address(s + 32, to);
    pk_keccak256(data, data_len, s + 3 * 32);
    s[4 * 32 + 31] = operation;
    pkx_u256_from_u64(nonce, s + 10 * 32);
    uint8_t msg[2 + 32 + 32] = {0x19, 0x01};
    domain_separator(chain_id, safe, msg + 2);
    pk_keccak256(s, sizeof s, msg + 34);
    pk_keccak256(msg, sizeof msg, out);
}

/* multiSend(bytes transactions): selector, offset 0x20, length, the packed entries padded to a
 * whole word. Every entry is operation 0 (CALL): MultiSendCallOnly reverts on anything else. */
static uint8_t *multisend_data(const uint8_t app[20], const uint8_t (*calls)[PK_ETH_CALLDATA_BYTES],
                               size_t n, size_t *len)
{
    size_t packed = n * ENTRY_BYTES, padded = (packed + 31) / 32 * 32;
    *len = 4 + 32 + 32 + padded;
    uint8_t *d = calloc(1, *len);
    if (!d) return NULL;
    put_u32(d, SEL_MULTI_SEND);
    d[4 + 31] = 0x20;
    pkx_u256_from_u64(packed, d + 36);
    uint8_t *e = d + 68;
    for (size_t i = 0; i < n; i++, e += ENTRY_BYTES) {
        /* operation 0 = CALL and value 0 are the zero bytes calloc left */
        memcpy(e + 1, app, 20);
        e[1 + 20 + 32 + 31] = PK_ETH_CALLDATA_BYTES; /* dataLength */
        memcpy(e + 1 + 20 + 32 + 32, calls[i], PK_ETH_CALLDATA_BYTES);
    }
    return d;
}

static int bad_address(pk_error *err, const char *what, const char *given)
{
    return pkx_eth_failf(err, NULL, PK_ERR_INVALID_ARG,
                         "%s \"%.60s\" is not an Ethereum address (40 hex digits, optional 0x)",
                         what, given ? given : "");
}

int pk_safe_tx_build(uint64_t chain_id, const char *safe, uint64_t nonce, const char *multisend,
                     const char *app, const pk_policy_call *calls, size_t n_calls, pk_safe_tx *out,
                     pk_error *err)
{
    if (!out)
        return pkx_eth_failf(err, NULL, PK_ERR_INVALID_ARG, "no output for the Safe transaction");
    memset(out, 0, sizeof *out);
    uint8_t safe_a[20], app_a[20], ms_a[20];
    if (chain_id == 0) return pkx_eth_failf(err, NULL, PK_ERR_INVALID_ARG, "chain id 0");
    if (pk_eth_address_parse(safe, safe_a) != 0) return bad_address(err, "Safe", safe);
    if (pk_eth_address_parse(app, app_a) != 0) return bad_address(err, "app", app);
    if (!multisend) multisend = PK_SAFE_MULTISEND_CALL_ONLY_141;
    if (pk_eth_address_parse(multisend, ms_a) != 0)
        return bad_address(err, "MultiSendCallOnly", multisend);
    if (n_calls == 0 || !calls)
        return pkx_eth_failf(err, NULL, PK_ERR_INVALID_ARG, "a Safe transaction needs calls");
    if (n_calls > MAX_CALLS)
        return pkx_eth_failf(err, NULL, PK_ERR_INVALID_ARG,
                             "%zu calls in one Safe transaction (at most %d)", n_calls, MAX_CALLS);
    uint8_t(*cd)[PK_ETH_CALLDATA_BYTES] = malloc(n_calls * sizeof *cd);
    if (!cd) return pkx_eth_failf(err, NULL, PK_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n_calls; i++) {
        if (pk_policy_calldata(&calls[i], cd[i]) != 0) {
            free(cd);
            return pkx_eth_failf(
                err, NULL, PK_ERR_INVALID_ARG, "call %zu: %s", i + 1,
                memchr(calls[i].value, '\0', sizeof calls[i].value)
                    ? "the value is not 32 bytes of hex (64 digits, optional 0x) or the "
                      "call is unknown"
                    : "the value is not NUL-terminated");
        }
    }
    const uint8_t *to = app_a;
    if (n_calls == 1) {
        out->data = malloc(PK_ETH_CALLDATA_BYTES);
        if (out->data) memcpy(out->data, cd[0], PK_ETH_CALLDATA_BYTES);
        out->data_len = PK_ETH_CALLDATA_BYTES;
        out->operation = 0; /* CALL the app itself */
    } else {
        out->data = multisend_data(app_a, (const uint8_t(*)[PK_ETH_CALLDATA_BYTES])cd, n_calls,
                                   &out->data_len);
        out->operation = 1; /* DELEGATECALL: MultiSendCallOnly runs in the Safe's context */
        to = ms_a;
    }
    free(cd);
    if (!out->data) {
        out->data_len = 0;
        return pkx_eth_failf(err, NULL, PK_ERR_NOMEM, "out of memory");
    }
    pkx_eth_hex0x(safe_a, 20, out->safe);
    pkx_eth_hex0x(to, 20, out->to);
    out->chain_id = chain_id;
    out->nonce = nonce;
    uint8_t h[32];
    safe_tx_hash(chain_id, safe_a, to, out->data, out->data_len, out->operation, nonce, h);
    pkx_eth_hex0x(h, 32, out->safe_tx_hash);
    return 0;
}

void pk_safe_tx_free(pk_safe_tx *t)
{
    if (!t) return;
    free(t->data);
    t->data = NULL;
    t->data_len = 0;
}
