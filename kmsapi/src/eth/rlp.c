/* rlp.c — Recursive Length Prefix encoding (Ethereum yellow paper, appendix B), just what a
 * transaction needs: byte strings, unsigned integers as minimal big-endian strings, and nested lists
 * built in place (items first, header inserted in front when the list is closed). */
#include "eth/eth_priv.h"

#include <stdlib.h>
#include <string.h>

static int reserve(pkx_rlp *b, size_t extra)
{
    if (b->failed) return -1;
    if (extra <= b->cap - b->len) return 0;
    size_t cap = b->cap ? b->cap : 128;
    while (cap - b->len < extra) {
        if (cap > SIZE_MAX / 2) {
            b->failed = true;
            return -1;
        }
        cap *= 2;
    }
    uint8_t *p = realloc(b->p, cap);
    if (!p) {
        b->failed = true;
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

int pkx_rlp_raw(pkx_rlp *b, const uint8_t *data, size_t len)
{
    if (reserve(b, len) != 0) return -1;
    if (len) memcpy(b->p + b->len, data, len);
    b->len += len;
    return 0;
}

/* Big-endian bytes of n without leading zeros; returns how many (0 for n == 0). */
static size_t be_len(uint64_t n, uint8_t out[8])
{
    size_t k = 0;
    for (int shift = 56; shift >= 0; shift -= 8) {
        uint8_t byte = (uint8_t)(n >> shift);
        if (k == 0 && byte == 0) continue;
        out[k++] = byte;
    }
    return k;
}

/* The header of a string (base 0x80) or list (base 0xc0) whose payload is len bytes. */
static size_t header(uint8_t base, size_t len, uint8_t out[9])
{
    if (len < 56) {
        out[0] = (uint8_t)(base + len);
        return 1;
    }
    uint8_t lb[8];
    size_t k = be_len((uint64_t)len, lb);
    out[0] = (uint8_t)(base + 55 + k);
    memcpy(out + 1, lb, k);
    return 1 + k;
}

int pkx_rlp_bytes(pkx_rlp *b, const uint8_t *data, size_t len)
{
    if (len == 1 && data[0] < 0x80) return pkx_rlp_raw(b, data, 1);
    uint8_t h[9];
    size_t hl = header(0x80, len, h);
    if (pkx_rlp_raw(b, h, hl) != 0) return -1;
    return pkx_rlp_raw(b, data, len);
}

int pkx_rlp_uint(pkx_rlp *b, uint64_t v)
{
    uint8_t be[8];
    size_t k = be_len(v, be);
    return pkx_rlp_bytes(b, be, k);
}

int pkx_rlp_u256(pkx_rlp *b, const uint8_t be[32])
{
    size_t i = 0;
    while (i < 32 && be[i] == 0) i++;
    return pkx_rlp_bytes(b, be + i, 32 - i);
}

size_t pkx_rlp_list_begin(const pkx_rlp *b)
{
    return b->len;
}

int pkx_rlp_list_end(pkx_rlp *b, size_t start)
{
    if (b->failed || start > b->len) return -1;
    size_t payload = b->len - start;
    uint8_t h[9];
    size_t hl = header(0xc0, payload, h);
    if (reserve(b, hl) != 0) return -1;
    memmove(b->p + start + hl, b->p + start, payload);
    memcpy(b->p + start, h, hl);
    b->len += hl;
    return 0;
}

void pkx_rlp_free(pkx_rlp *b)
{
    if (!b) return;
    free(b->p);
    memset(b, 0, sizeof *b);
}
