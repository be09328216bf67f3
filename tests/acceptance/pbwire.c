/* pbwire.c — the hand-written protobuf and msgpack codec of pbwire.h: independent of protobuf-c
 * and of the provider's own value codecs, so a conformance check cannot share their mistakes. */
#include "pbwire.h"

#include <stdlib.h>
#include <string.h>

void pb_free(pbuf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

void pb_raw(pbuf *b, const void *data, size_t len)
{
    if (b->n + len > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->n + len) cap *= 2;
        uint8_t *p = realloc(b->p, cap);
        if (!p) abort();
        b->p = p;
        b->cap = cap;
    }
    if (len) memcpy(b->p + b->n, data, len);
    b->n += len;
}

static void varint(pbuf *b, uint64_t v)
{
    uint8_t tmp[10];
    size_t n = 0;
    do {
        tmp[n] = (uint8_t)(v & 0x7f);
        v >>= 7;
        if (v) tmp[n] |= 0x80;
        n++;
    } while (v);
    pb_raw(b, tmp, n);
}

void pb_varint_field(pbuf *b, int field, uint64_t v)
{
    varint(b, (uint64_t)field << 3);
    varint(b, v);
}

void pb_bytes_field(pbuf *b, int field, const void *d, size_t n)
{
    varint(b, ((uint64_t)field << 3) | 2);
    varint(b, n);
    pb_raw(b, d, n);
}

void pb_str_field(pbuf *b, int field, const char *s)
{
    pb_bytes_field(b, field, s, strlen(s));
}

void pb_msg_field(pbuf *b, int field, const pbuf *sub)
{
    pb_bytes_field(b, field, sub->p, sub->n);
}

void mp_nil(pbuf *b)
{
    pb_raw(b, "\xc0", 1);
}

void mp_bool(pbuf *b, int v)
{
    pb_raw(b, v ? "\xc3" : "\xc2", 1);
}

void mp_str(pbuf *b, const char *s)
{
    size_t n = strlen(s);
    uint8_t h[3];
    if (n < 32) {
        h[0] = (uint8_t)(0xa0 | n);
        pb_raw(b, h, 1);
    } else if (n < 256) {
        h[0] = 0xd9;
        h[1] = (uint8_t)n;
        pb_raw(b, h, 2);
    } else {
        h[0] = 0xda;
        h[1] = (uint8_t)(n >> 8);
        h[2] = (uint8_t)n;
        pb_raw(b, h, 3);
    }
    pb_raw(b, s, n);
}

static void mp_container(pbuf *b, uint32_t n, uint8_t fix, uint8_t c16)
{
    uint8_t h[3];
    if (n < 16) {
        h[0] = (uint8_t)(fix | n);
        pb_raw(b, h, 1);
    } else {
        h[0] = c16;
        h[1] = (uint8_t)(n >> 8);
        h[2] = (uint8_t)n;
        pb_raw(b, h, 3);
    }
}

void mp_map(pbuf *b, uint32_t n)
{
    mp_container(b, n, 0x80, 0xde);
}

void mp_array(pbuf *b, uint32_t n)
{
    mp_container(b, n, 0x90, 0xdc);
}

static int read_varint(pbslice *s, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (!s->n) return -1;
        uint8_t c = *s->p++;
        s->n--;
        *v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) return 0;
    }
    return -1;
}

int pb_next(pbslice *s, int *field, int *wire, uint64_t *v, pbslice *sub)
{
    if (!s->n) return 0;
    uint64_t key, len;
    if (read_varint(s, &key)) return -1;
    *field = (int)(key >> 3);
    *wire = (int)(key & 7);
    *v = 0;
    sub->p = NULL;
    sub->n = 0;
    switch (*wire) {
    case 0:
        return read_varint(s, v) ? -1 : 1;
    case 1:
    case 5: {
        size_t k = *wire == 1 ? 8 : 4;
        if (s->n < k) return -1;
        s->p += k;
        s->n -= k;
        return 1;
    }
    case 2:
        if (read_varint(s, &len) || len > s->n) return -1;
        sub->p = s->p;
        sub->n = (size_t)len;
        s->p += len;
        s->n -= len;
        return 1;
    default:
        return -1;
    }
}

int pb_get(pbslice msg, int field, pbslice *out)
{
    int f, w;
    uint64_t v;
    pbslice sub;
    while (pb_next(&msg, &f, &w, &v, &sub) == 1)
        if (f == field && w == 2) {
            *out = sub;
            return 1;
        }
    return 0;
}

uint64_t pb_get_varint(pbslice msg, int field)
{
    int f, w;
    uint64_t v;
    pbslice sub;
    while (pb_next(&msg, &f, &w, &v, &sub) == 1)
        if (f == field && w == 0) return v;
    return 0;
}

int pb_eq_str(pbslice s, const char *str)
{
    size_t n = strlen(str);
    return s.n == n && (n == 0 || memcmp(s.p, str, n) == 0);
}
