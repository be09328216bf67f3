/* msgpack_encode.c — tf_value → msgpack exactly as cty's encoder writes it (compact integers,
 * sorted object and map keys, [bin type, value] for dynamic), re-emitting every number in the
 * form it was received so Terraform's 512-bit comparison sees the same value. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static void put_be(tf_buf *o, uint8_t code, uint64_t v, size_t n)
{
    uint8_t b[9];
    b[0] = code;
    for (size_t i = 0; i < n; i++) b[1 + i] = (uint8_t)(v >> (8 * (n - 1 - i)));
    tf_buf_put(o, b, n + 1);
}

/* Go's compact ints: non-negative values always use the unsigned encodings. */
static void put_uint(tf_buf *o, uint64_t u)
{
    if (u <= 0x7f)
        tf_buf_putc(o, (uint8_t)u);
    else if (u <= 0xff)
        put_be(o, 0xcc, u, 1);
    else if (u <= 0xffff)
        put_be(o, 0xcd, u, 2);
    else if (u <= 0xffffffff)
        put_be(o, 0xce, u, 4);
    else
        put_be(o, 0xcf, u, 8);
}

static void put_int(tf_buf *o, int64_t i)
{
    if (i >= 0)
        put_uint(o, (uint64_t)i);
    else if (i >= -32)
        tf_buf_putc(o, (uint8_t)(i & 0xff));
    else if (i >= INT8_MIN)
        put_be(o, 0xd0, (uint64_t)i, 1);
    else if (i >= INT16_MIN)
        put_be(o, 0xd1, (uint64_t)i, 2);
    else if (i >= INT32_MIN)
        put_be(o, 0xd2, (uint64_t)i, 4);
    else
        put_be(o, 0xd3, (uint64_t)i, 8);
}

static void put_len(tf_buf *o, size_t n, uint8_t fix, size_t fixmax, uint8_t c8, uint8_t c16,
                    uint8_t c32)
{
    if (n <= fixmax)
        tf_buf_putc(o, (uint8_t)(fix | n));
    else if (c8 && n <= 0xff)
        put_be(o, c8, n, 1);
    else if (n <= 0xffff)
        put_be(o, c16, n, 2);
    else
        put_be(o, c32, n, 4);
}

static void put_str(tf_buf *o, const char *s, size_t n)
{
    put_len(o, n, 0xa0, 31, 0xd9, 0xda, 0xdb);
    tf_buf_put(o, s, n);
}

static void put_bin(tf_buf *o, const void *p, size_t n)
{
    if (n <= 0xff)
        put_be(o, 0xc4, n, 1);
    else if (n <= 0xffff)
        put_be(o, 0xc5, n, 2);
    else
        put_be(o, 0xc6, n, 4);
    tf_buf_put(o, p, n);
}

static void put_unknown(tf_buf *o, const tf_value *v)
{
    static const uint8_t fixext[17] = {[1] = 0xd4, [2] = 0xd5, [4] = 0xd6, [8] = 0xd7, [16] = 0xd8};
    size_t n = v->u.refine.len;
    if (n <= 1 || !v->u.refine.bytes) {
        static const uint8_t plain[3] = {0xd4, 0x00, 0x00};
        tf_buf_put(o, plain, 3);
        return;
    }
    if (n <= 16 && fixext[n])
        tf_buf_putc(o, fixext[n]);
    else if (n <= 0xff)
        put_be(o, 0xc7, n, 1);
    else if (n <= 0xffff)
        put_be(o, 0xc8, n, 2);
    else
        put_be(o, 0xc9, n, 4);
    tf_buf_putc(o, 12);
    tf_buf_put(o, v->u.refine.bytes, n);
}

static void put_number(tf_buf *o, const tf_number *n)
{
    uint64_t bits;
    switch (n->form) {
    case TF_NUM_INT:
        put_int(o, n->i);
        return;
    case TF_NUM_UINT:
        put_be(o, 0xcf, n->u, 8);
        return;
    case TF_NUM_FLOAT:
        memcpy(&bits, &n->f, sizeof bits);
        put_be(o, 0xcb, bits, 8);
        return;
    case TF_NUM_TEXT: {
        const char *t = n->text ? n->text : "0";
        put_str(o, t, strlen(t));
        return;
    }
    }
}

static void encode(const tf_value *v, const tf_type *declared, tf_buf *o);

static void put_object(const tf_value *v, tf_buf *o)
{
    const tf_type *t = v->type;
    size_t *idx = tfv_sorted_attrs(t);
    put_len(o, t->n, 0x80, 15, 0, 0xde, 0xdf);
    for (size_t i = 0; i < t->n; i++) {
        put_str(o, t->names[idx[i]], strlen(t->names[idx[i]]));
        encode(&v->u.coll.items[idx[i]], t->elems[idx[i]], o);
    }
    free(idx);
}

/* Map keys go out sorted even if a caller filled the map out of order. */
static void put_map(const tf_value *v, tf_buf *o)
{
    size_t n = v->u.coll.n;
    tfv_key_ref *refs = tfv_sorted_map_keys(v);
    put_len(o, n, 0x80, 15, 0, 0xde, 0xdf);
    for (size_t i = 0; i < n; i++) {
        put_str(o, refs[i].key, strlen(refs[i].key));
        encode(&v->u.coll.items[refs[i].idx], v->type->elem, o);
    }
    free(refs);
}

static void encode_known(const tf_value *v, tf_buf *o)
{
    switch (v->type->kind) {
    case TF_STRING:
        put_str(o, v->u.str.ptr ? v->u.str.ptr : "", v->u.str.len);
        return;
    case TF_NUMBER:
        put_number(o, &v->u.num);
        return;
    case TF_BOOL:
        tf_buf_putc(o, v->u.b ? 0xc3 : 0xc2);
        return;
    case TF_OBJECT:
        put_object(v, o);
        return;
    case TF_MAP:
        put_map(v, o);
        return;
    case TF_DYNAMIC:
        tf_buf_putc(o, 0xc0);
        return; /* no concrete type: nothing to say */
    default:
        break;
    }
    put_len(o, v->u.coll.n, 0x90, 15, 0, 0xdc, 0xdd);
    for (size_t i = 0; i < v->u.coll.n; i++)
        encode(&v->u.coll.items[i], tfv_item_type(v->type, i), o);
}

static void encode_plain(const tf_value *v, tf_buf *o)
{
    if (v->presence == TF_NULL || !v->type)
        tf_buf_putc(o, 0xc0);
    else if (v->presence == TF_UNKNOWN)
        put_unknown(o, v);
    else
        encode_known(v, o);
}

/* A value that is dynamic (decoded as such, or placed where the schema says dynamic) and has a
 * concrete type carries its type JSON in front — even if null or unknown: cty writes [type, nil]
 * for a typed null. */
static void encode(const tf_value *v, const tf_type *declared, tf_buf *o)
{
    if (!tfv_wrap_dynamic(v, declared)) {
        encode_plain(v, o);
        return;
    }
    tf_buf tj = {0};
    tf_type_json(v->type, &tj);
    tf_buf_putc(o, 0x92);
    put_bin(o, tj.data, tj.len);
    tf_buf_free(&tj);
    encode_plain(v, o);
}

void tf_msgpack_encode(const tf_value *v, tf_buf *out)
{
    encode(v, NULL, out);
}
