/* Keccak-256 as Ethereum uses it (the original submission's 0x01 padding, not NIST SHA3's 0x06):
 * signs KMS public keys, names contract functions/events and hashes transactions. A plain
 * byte-oriented sponge over Keccak-f[1600]; lanes are read little-endian so it is endian-safe. */
#include "phalakms/crypto.h"

#include <string.h>

#define KECCAK_RATE 136 /* 1600 - 2*256 bits, in bytes */

static const uint64_t round_constants[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
    0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

/* Rotation offsets and lane permutation of the rho and pi steps, walked along pi's single cycle. */
static const unsigned rho_offsets[24] = {1,  3,  6,  10, 15, 21, 28, 36, 45, 55, 2,  14,
                                         27, 41, 56, 8,  25, 43, 62, 18, 39, 61, 20, 44};
static const unsigned pi_lanes[24] = {10, 7,  11, 17, 18, 3, 5,  16, 8,  21, 24, 4,
                                      15, 23, 19, 13, 12, 2, 20, 14, 22, 9,  6,  1};

static inline uint64_t rotl64(uint64_t x, unsigned n)
{
    return (x << n) | (x >> (64 - n));
}

static void keccak_f1600(uint64_t a[25])
{
    for (int round = 0; round < 24; round++) {
        uint64_t c[5];
        for (int x = 0; x < 5; x++) c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
        for (int x = 0; x < 5; x++) {
            uint64_t d = c[(x + 4) % 5] ^ rotl64(c[(x + 1) % 5], 1);
            for (int y = 0; y < 25; y += 5) a[y + x] ^= d;
        }
        uint64_t carry = a[1];
        for (int i = 0; i < 24; i++) {
            unsigned j = pi_lanes[i];
            uint64_t t = a[j];
            a[j] = rotl64(carry, rho_offsets[i]);
            carry = t;
        }
        for (int y = 0; y < 25; y += 5) {
            uint64_t row[5];
            for (int x = 0; x < 5; x++) row[x] = a[y + x];
            for (int x = 0; x < 5; x++) a[y + x] = row[x] ^ (~row[(x + 1) % 5] & row[(x + 2) % 5]);
        }
        a[0] ^= round_constants[round];
    }
}

static void absorb_block(uint64_t state[25], const uint8_t *block)
{
    for (int i = 0; i < KECCAK_RATE / 8; i++) {
        uint64_t lane = 0;
        for (int b = 7; b >= 0; b--) lane = (lane << 8) | block[i * 8 + b];
        state[i] ^= lane;
    }
    keccak_f1600(state);
}

void pk_keccak256_init(pk_keccak256_ctx *ctx)
{
    memset(ctx, 0, sizeof *ctx);
}

void pk_keccak256_update(pk_keccak256_ctx *ctx, const void *data, size_t len)
{
    const uint8_t *p = data;
    if (len == 0) return; /* data may be NULL then */
    if (ctx->buf_len) {
        size_t take = KECCAK_RATE - ctx->buf_len;
        if (take > len) take = len;
        memcpy(ctx->buf + ctx->buf_len, p, take);
        ctx->buf_len += take;
        p += take;
        len -= take;
        if (ctx->buf_len < KECCAK_RATE) return;
        absorb_block(ctx->state, ctx->buf);
        ctx->buf_len = 0;
    }
    for (; len >= KECCAK_RATE; p += KECCAK_RATE, len -= KECCAK_RATE) absorb_block(ctx->state, p);
    if (len) memcpy(ctx->buf, p, len);
    ctx->buf_len = len;
}

void pk_keccak256_final(pk_keccak256_ctx *ctx, uint8_t out[PK_KECCAK256_BYTES])
{
    memset(ctx->buf + ctx->buf_len, 0, KECCAK_RATE - ctx->buf_len);
    ctx->buf[ctx->buf_len] ^= 0x01; /* Keccak padding; SHA3 would use 0x06 */
    ctx->buf[KECCAK_RATE - 1] ^= 0x80;
    absorb_block(ctx->state, ctx->buf);
    for (int i = 0; i < PK_KECCAK256_BYTES; i++)
        out[i] = (uint8_t)(ctx->state[i / 8] >> (8 * (i % 8)));
    memset(ctx, 0, sizeof *ctx);
}

void pk_keccak256(const void *data, size_t len, uint8_t out[PK_KECCAK256_BYTES])
{
    pk_keccak256_ctx ctx;
    pk_keccak256_init(&ctx);
    pk_keccak256_update(&ctx, data, len);
    pk_keccak256_final(&ctx, out);
}
