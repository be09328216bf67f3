/* tx.c — offline Ethereum pieces: signing legacy (EIP-155) and EIP-1559 transactions, addresses
 * (derivation and EIP-55), DstackApp call data, and the hex/uint256 helpers the RPC code shares.
 * Byte-compatible with viem's serializeTransaction (checked by tests/node/eth_sign.test.mjs). */
#include "crypto/crypto_priv.h"
#include "eth/eth_priv.h"

#include <secp256k1.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- small helpers ------------------------------------------------------------------------------ */

void pkx_eth_hex0x(const uint8_t *in, size_t n, char *out)
{
    out[0] = '0';
    out[1] = 'x';
    pk_hex_encode(in, n, out + 2, 2 * n + 1);
}

int pkx_eth_hash_parse(const char *hex, uint8_t out[32])
{
    return hex ? pk_hex_decode_exact(hex, out, 32) : -1;
}

void pkx_u256_from_u64(uint64_t v, uint8_t out[32])
{
    memset(out, 0, 32);
    for (int i = 0; i < 8; i++) out[31 - i] = (uint8_t)(v >> (8 * i));
}

int pkx_u256_cmp_u64(const uint8_t a[32], uint64_t b)
{
    uint8_t bb[32];
    pkx_u256_from_u64(b, bb);
    int c = memcmp(a, bb, 32);
    return (c > 0) - (c < 0);
}

void pkx_u256_dec(const uint8_t a[32], char out[80])
{
    /* Schoolbook division by 10 over the 32 bytes, collecting remainders. */
    uint8_t n[32];
    char rev[80];
    size_t k = 0;
    memcpy(n, a, 32);
    for (;;) {
        unsigned rem = 0;
        bool zero = true;
        for (int i = 0; i < 32; i++) {
            unsigned cur = (rem << 8) | n[i];
            n[i] = (uint8_t)(cur / 10);
            rem = cur % 10;
            if (n[i]) zero = false;
        }
        rev[k++] = (char)('0' + rem);
        if (zero) break;
    }
    for (size_t i = 0; i < k; i++) out[i] = rev[k - 1 - i];
    out[k] = '\0';
}

void pkx_u256_eth(const uint8_t a[32], char out[100])
{
    char dec[80];
    pkx_u256_dec(a, dec);
    size_t n = strlen(dec);
    char whole[80], frac[20];
    if (n > 18) {
        memcpy(whole, dec, n - 18);
        whole[n - 18] = '\0';
        memcpy(frac, dec + n - 18, 18);
    } else {
        strcpy(whole, "0");
        memset(frac, '0', 18 - n);
        memcpy(frac + 18 - n, dec, n);
    }
    frac[18] = '\0';
    size_t fl = 18;
    while (fl && frac[fl - 1] == '0') frac[--fl] = '\0';
    snprintf(out, 100, "%.61s%s%.18s ETH", whole, fl ? "." : "", frac);
}

/* ---- addresses ---------------------------------------------------------------------------------- */

static int address_bytes(const uint8_t sk[32], uint8_t addr[20])
{
    const secp256k1_context *ctx = pkx_secp256k1_ctx();
    secp256k1_pubkey pk;
    uint8_t ser[65], h[32];
    size_t len = sizeof ser;
    if (!ctx || !sk || !secp256k1_ec_pubkey_create(ctx, &pk, sk)) return -1;
    secp256k1_ec_pubkey_serialize(ctx, ser, &len, &pk, SECP256K1_EC_UNCOMPRESSED);
    /* The address is the last 20 bytes of keccak256(X || Y), without the 0x04 tag. */
    pk_keccak256(ser + 1, 64, h);
    memcpy(addr, h + 12, 20);
    return 0;
}

int pk_eth_address(const uint8_t sk[32], char out[PK_ETH_ADDRESS_STRLEN])
{
    uint8_t a[20];
    if (address_bytes(sk, a) != 0) return -1;
    pkx_eth_hex0x(a, 20, out);
    return 0;
}

int pk_eth_address_parse(const char *addr, uint8_t out[PK_ETH_ADDRESS_BYTES])
{
    return addr ? pk_hex_decode_exact(addr, out, 20) : -1;
}

int pk_eth_address_checksum(const char *addr, char out[PK_ETH_ADDRESS_STRLEN])
{
    uint8_t a[20], h[32];
    if (pk_eth_address_parse(addr, a) != 0) return -1;
    pkx_eth_hex0x(a, 20, out);
    /* EIP-55: uppercase a letter when the matching nibble of keccak(lowercase hex) is >= 8. */
    pk_keccak256(out + 2, 40, h);
    for (int i = 0; i < 40; i++) {
        uint8_t nib = (i & 1) ? (h[i / 2] & 15) : (h[i / 2] >> 4);
        char *c = &out[2 + i];
        if (*c >= 'a' && *c <= 'f' && nib >= 8) *c = (char)(*c - 'a' + 'A');
    }
    return 0;
}

/* ---- call data ---------------------------------------------------------------------------------- */

static void put_selector(uint32_t sel, uint8_t out[4])
{
    out[0] = (uint8_t)(sel >> 24);
    out[1] = (uint8_t)(sel >> 16);
    out[2] = (uint8_t)(sel >> 8);
    out[3] = (uint8_t)sel;
}

static int calldata_bytes32(uint32_t sel, const char *hash_hex, uint8_t out[36])
{
    uint8_t h[32];
    if (pkx_eth_hash_parse(hash_hex, h) != 0) return -1;
    put_selector(sel, out);
    memcpy(out + 4, h, 32);
    return 0;
}

int pk_eth_calldata_add_compose_hash(const char *hash_hex, uint8_t out[PK_ETH_CALLDATA_BYTES])
{
    return calldata_bytes32(PK_ETH_SEL_ADD_COMPOSE_HASH, hash_hex, out);
}

int pk_eth_calldata_allowed_compose_hash(const char *hash_hex, uint8_t out[PK_ETH_CALLDATA_BYTES])
{
    return calldata_bytes32(PK_ETH_SEL_ALLOWED_COMPOSE_HASH, hash_hex, out);
}

int pk_eth_calldata_word(uint32_t selector, const char *word_hex,
                         uint8_t out[PK_ETH_CALLDATA_BYTES])
{
    return calldata_bytes32(selector, word_hex, out);
}

void pk_eth_calldata_owner(uint8_t out[4])
{
    put_selector(PK_ETH_SEL_OWNER, out);
}

/* ---- transactions ------------------------------------------------------------------------------- */

/* The fields both forms share after the fee fields: gasLimit, to, value, data. */
static void common_tail(pkx_rlp *b, const pk_eth_tx *tx)
{
    pkx_rlp_uint(b, tx->gas_limit);
    pkx_rlp_bytes(b, tx->to, 20);
    pkx_rlp_u256(b, tx->value);
    pkx_rlp_bytes(b, tx->data ? tx->data : (const uint8_t *)"", tx->data ? tx->data_len : 0);
}

/* Serializes tx; sig NULL = the unsigned form that is hashed for signing. */
static int serialize(const pk_eth_tx *tx, const uint8_t *sig, pkx_rlp *b)
{
    if (tx->type == PK_ETH_TX_EIP1559) {
        static const uint8_t type2 = 0x02;
        pkx_rlp_raw(b, &type2, 1);
        size_t l = pkx_rlp_list_begin(b);
        pkx_rlp_uint(b, tx->chain_id);
        pkx_rlp_uint(b, tx->nonce);
        pkx_rlp_uint(b, tx->max_priority_fee_per_gas);
        pkx_rlp_uint(b, tx->max_fee_per_gas);
        common_tail(b, tx);
        size_t al = pkx_rlp_list_begin(b); /* empty access list */
        pkx_rlp_list_end(b, al);
        if (sig) {
            pkx_rlp_uint(b, sig[64]); /* yParity */
            pkx_rlp_u256(b, sig);     /* r and s are integers: leading zeros dropped */
            pkx_rlp_u256(b, sig + 32);
        }
        pkx_rlp_list_end(b, l);
    } else if (tx->type == PK_ETH_TX_LEGACY) {
        size_t l = pkx_rlp_list_begin(b);
        pkx_rlp_uint(b, tx->nonce);
        pkx_rlp_uint(b, tx->gas_price);
        common_tail(b, tx);
        if (sig) {
            pkx_rlp_uint(b, sig[64] + 35 + 2 * tx->chain_id); /* EIP-155 v */
            pkx_rlp_u256(b, sig);
            pkx_rlp_u256(b, sig + 32);
        } else {
            /* EIP-155 signing payload: chainId, 0, 0 in place of v, r, s. */
            pkx_rlp_uint(b, tx->chain_id);
            pkx_rlp_uint(b, 0);
            pkx_rlp_uint(b, 0);
        }
        pkx_rlp_list_end(b, l);
    } else {
        return -1;
    }
    return b->failed ? -1 : 0;
}

int pk_eth_sign_tx(const pk_eth_tx *tx, const uint8_t sk[32], uint8_t **raw, size_t *raw_len,
                   uint8_t tx_hash[32])
{
    if (!tx || !sk || !raw || !raw_len) return -1;
    *raw = NULL;
    *raw_len = 0;
    /* v must fit a uint64 for legacy transactions; no real chain id comes close. */
    if (tx->type == PK_ETH_TX_LEGACY && tx->chain_id > (UINT64_MAX - 36) / 2) return -1;
    pkx_rlp u = {0}, s = {0};
    uint8_t digest[32], sig[PK_SECP256K1_SIG_BYTES];
    int rc = -1;
    if (serialize(tx, NULL, &u) != 0) goto out;
    pk_keccak256(u.p, u.len, digest);
    if (pk_secp256k1_sign_recoverable(sk, digest, sig) != 0) goto out;
    if (serialize(tx, sig, &s) != 0) goto out;
    if (tx_hash) pk_keccak256(s.p, s.len, tx_hash);
    *raw = s.p;
    *raw_len = s.len;
    s.p = NULL;
    rc = 0;
out:
    sodium_memzero(sig, sizeof sig);
    pkx_rlp_free(&u);
    pkx_rlp_free(&s);
    return rc;
}
