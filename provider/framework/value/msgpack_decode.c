/* msgpack_decode.c — DynamicValue.msgpack → tf_value, checked against the schema type the way
 * cty's msgpack.Unmarshal checks it. A small bounds-checked reader (no recursion without a depth
 * check, no allocation sized by a length the input has not backed with bytes). */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

typedef enum {
    MT_NIL,
    MT_BOOL,
    MT_INT,
    MT_UINT,
    MT_F32,
    MT_F64,
    MT_STR,
    MT_BIN,
    MT_ARR,
    MT_MAP,
    MT_EXT
} mkind;

typedef struct {
    mkind kind;
    bool b;
    int64_t i;
    uint64_t u;
    double f;
    const uint8_t *data; /* STR/BIN/EXT payload */
    size_t len;          /* payload length, or ARR/MAP element count */
    int ext_type;
} mtok;

typedef struct {
    tf_arena *a;
    const uint8_t *p, *end;
    tfv_path path;
    char *err;
    size_t errlen;
} mreader;

static const char *const mkind_names[] = {"nil",   "bool",  "integer",  "integer",
                                          "float", "float", "string",   "binary",
                                          "array", "map",   "extension"};

#define FAIL(r, ...) (tfv_errorf((r)->err, (r)->errlen, &(r)->path, __VA_ARGS__), -1)

static size_t remaining(const mreader *r)
{
    return (size_t)(r->end - r->p);
}

static int take(mreader *r, size_t n, const uint8_t **out)
{
    if (remaining(r) < n) return FAIL(r, "unexpected end of msgpack data");
    *out = r->p;
    r->p += n;
    return 0;
}

static int take_be(mreader *r, size_t n, uint64_t *v)
{
    const uint8_t *p;
    if (take(r, n, &p) < 0) return -1;
    *v = 0;
    for (size_t i = 0; i < n; i++) *v = (*v << 8) | p[i];
    return 0;
}

/* Payload of a str/bin/ext: the declared length must be present in the input. */
static int take_payload(mreader *r, mtok *t, mkind kind, size_t lenbytes)
{
    uint64_t n;
    if (take_be(r, lenbytes, &n) < 0) return -1;
    if (n > remaining(r))
        return FAIL(r, "declared length %llu exceeds input", (unsigned long long)n);
    t->kind = kind;
    t->len = (size_t)n;
    return take(r, t->len, &t->data);
}

/* Array/map header: every element takes at least one byte, so counts beyond the input are
 * rejected before anything is allocated. */
static int take_count(mreader *r, mtok *t, mkind kind, size_t lenbytes, uint64_t fixed)
{
    uint64_t n = fixed;
    if (lenbytes && take_be(r, lenbytes, &n) < 0) return -1;
    uint64_t per = kind == MT_MAP ? 2 : 1;
    if (n > remaining(r) / per)
        return FAIL(r, "declared length %llu exceeds input", (unsigned long long)n);
    t->kind = kind;
    t->len = (size_t)n;
    return 0;
}

static int take_ext(mreader *r, mtok *t, size_t lenbytes, size_t fixed)
{
    const uint8_t *type;
    uint64_t n = fixed;
    if (lenbytes && take_be(r, lenbytes, &n) < 0) return -1;
    if (take(r, 1, &type) < 0) return -1;
    if (n > remaining(r))
        return FAIL(r, "declared length %llu exceeds input", (unsigned long long)n);
    t->kind = MT_EXT;
    t->ext_type = (int8_t)type[0];
    t->len = (size_t)n;
    return take(r, t->len, &t->data);
}

static int take_signed(mreader *r, mtok *t, size_t n)
{
    uint64_t v;
    if (take_be(r, n, &v) < 0) return -1;
    unsigned shift = (unsigned)(64 - 8 * n);
    /* Sign-extend through the unsigned value (no implementation-defined shifts). */
    if (shift && (v >> (8 * n - 1)) & 1) v |= ~(uint64_t)0 << (8 * n);
    t->kind = MT_INT;
    t->i = v <= (uint64_t)INT64_MAX ? (int64_t)v : -(int64_t)(~v) - 1;
    return 0;
}

static int take_unsigned(mreader *r, mtok *t, size_t n)
{
    uint64_t v;
    if (take_be(r, n, &v) < 0) return -1;
    t->kind = v <= (uint64_t)INT64_MAX ? MT_INT : MT_UINT;
    t->i = (int64_t)(v & (uint64_t)INT64_MAX);
    t->u = v;
    return 0;
}

static int take_float(mreader *r, mtok *t, size_t n)
{
    uint64_t v;
    if (take_be(r, n, &v) < 0) return -1;
    if (n == 4) {
        uint32_t bits = (uint32_t)v;
        float f;
        memcpy(&f, &bits, sizeof f);
        t->f = f;
        t->kind = MT_F32;
    } else {
        memcpy(&t->f, &v, sizeof t->f);
        t->kind = MT_F64;
    }
    return 0;
}

static int next_token(mreader *r, mtok *t)
{
    const uint8_t *bp;
    if (take(r, 1, &bp) < 0) return -1;
    uint8_t b = *bp;
    memset(t, 0, sizeof *t);
    if (b <= 0x7f || b >= 0xe0) { /* positive / negative fixint */
        t->kind = MT_INT;
        t->i = b <= 0x7f ? (int64_t)b : (int64_t)b - 256;
        return 0;
    }
    if (b >= 0xa0 && b <= 0xbf) {
        t->kind = MT_STR;
        t->len = b & 0x1f;
        return take(r, t->len, &t->data);
    }
    if (b >= 0x90 && b <= 0x9f) return take_count(r, t, MT_ARR, 0, b & 0x0f);
    if (b >= 0x80 && b <= 0x8f) return take_count(r, t, MT_MAP, 0, b & 0x0f);
    switch (b) {
    case 0xc0:
        t->kind = MT_NIL;
        return 0;
    case 0xc2:
    case 0xc3:
        t->kind = MT_BOOL;
        t->b = b == 0xc3;
        return 0;
    case 0xc4:
        return take_payload(r, t, MT_BIN, 1);
    case 0xc5:
        return take_payload(r, t, MT_BIN, 2);
    case 0xc6:
        return take_payload(r, t, MT_BIN, 4);
    case 0xc7:
        return take_ext(r, t, 1, 0);
    case 0xc8:
        return take_ext(r, t, 2, 0);
    case 0xc9:
        return take_ext(r, t, 4, 0);
    case 0xca:
        return take_float(r, t, 4);
    case 0xcb:
        return take_float(r, t, 8);
    case 0xcc:
        return take_unsigned(r, t, 1);
    case 0xcd:
        return take_unsigned(r, t, 2);
    case 0xce:
        return take_unsigned(r, t, 4);
    case 0xcf:
        return take_unsigned(r, t, 8);
    case 0xd0:
        return take_signed(r, t, 1);
    case 0xd1:
        return take_signed(r, t, 2);
    case 0xd2:
        return take_signed(r, t, 4);
    case 0xd3:
        return take_signed(r, t, 8);
    case 0xd4:
        return take_ext(r, t, 0, 1);
    case 0xd5:
        return take_ext(r, t, 0, 2);
    case 0xd6:
        return take_ext(r, t, 0, 4);
    case 0xd7:
        return take_ext(r, t, 0, 8);
    case 0xd8:
        return take_ext(r, t, 0, 16);
    case 0xd9:
        return take_payload(r, t, MT_STR, 1);
    case 0xda:
        return take_payload(r, t, MT_STR, 2);
    case 0xdb:
        return take_payload(r, t, MT_STR, 4);
    case 0xdc:
        return take_count(r, t, MT_ARR, 2, 0);
    case 0xdd:
        return take_count(r, t, MT_ARR, 4, 0);
    case 0xde:
        return take_count(r, t, MT_MAP, 2, 0);
    case 0xdf:
        return take_count(r, t, MT_MAP, 4, 0);
    default:
        return FAIL(r, "invalid msgpack byte 0x%02x", b);
    }
}

static int decode(mreader *r, const tf_type *t, tf_value *out, int depth);

static int wrong(mreader *r, const tf_type *t, const mtok *tok)
{
    return FAIL(r, "expected %s, got msgpack %s", tfv_kind_name(t->kind), mkind_names[tok->kind]);
}

/* Any extension is an unknown; a payload longer than one byte must be a refinement (ext 12). */
static int decode_unknown(mreader *r, const tf_type *t, const mtok *tok, tf_value *out)
{
    *out = tf_unknown(t);
    if (tok->len <= 1) return 0;
    if (tok->ext_type != 12) return FAIL(r, "unsupported msgpack extension type %d", tok->ext_type);
    if (tok->len > TFV_MAX_REFINE) return FAIL(r, "unknown value refinements too long");
    uint8_t *copy = tf_arena_alloc(r->a, tok->len);
    memcpy(copy, tok->data, tok->len);
    out->u.refine.bytes = copy;
    out->u.refine.len = tok->len;
    return 0;
}

static int decode_number(mreader *r, const mtok *tok, tf_value *out)
{
    tf_number *n = &out->u.num;
    tf_number zero = {0};
    *n = zero;
    switch (tok->kind) {
    case MT_INT:
        n->form = TF_NUM_INT;
        n->i = tok->i;
        n->f = (double)tok->i;
        return 0;
    case MT_UINT:
        n->form = TF_NUM_UINT;
        n->u = tok->u;
        n->f = (double)tok->u;
        return 0;
    case MT_F32:
    case MT_F64:
        if (tok->f != tok->f) return FAIL(r, "NaN is not a valid number");
        n->form = TF_NUM_FLOAT;
        n->f = tok->f;
        return 0;
    case MT_STR:
        if (tfv_number_from_text(r->a, (const char *)tok->data, tok->len, n) < 0)
            return FAIL(r, "invalid number string \"%.*s\"", (int)(tok->len > 40 ? 40 : tok->len),
                        (const char *)tok->data);
        return 0;
    default:
        return FAIL(r, "expected number, got msgpack %s", mkind_names[tok->kind]);
    }
}

static int decode_items(mreader *r, const tf_type *t, size_t n, tf_value *out, int depth)
{
    *out = tf_collection(r->a, t, n);
    for (size_t i = 0; i < n; i++) {
        const tf_type *et = t->kind == TF_TUPLE ? t->elems[i] : t->elem;
        size_t mark = tfv_path_push_index(&r->path, i);
        if (decode(r, et, &out->u.coll.items[i], depth + 1) < 0) return -1;
        tfv_path_pop(&r->path, mark);
    }
    return 0;
}

/* Keys are NUL-terminated C strings in the model, so a NUL inside a key is refused. */
static int read_key(mreader *r, const char **key)
{
    mtok k;
    if (next_token(r, &k) < 0) return -1;
    if (k.kind != MT_STR)
        return FAIL(r, "map key must be a string, got msgpack %s", mkind_names[k.kind]);
    if (memchr(k.data, 0, k.len)) return FAIL(r, "map key contains a NUL byte");
    *key = tf_arena_strndup(r->a, (const char *)k.data, k.len);
    return 0;
}

typedef struct {
    const char *key;
    tf_value val;
} map_pair;

static int cmp_pair(const void *x, const void *y)
{
    return strcmp(((const map_pair *)x)->key, ((const map_pair *)y)->key);
}

static int decode_map(mreader *r, const tf_type *t, size_t n, tf_value *out, int depth)
{
    map_pair *pairs = tf_arena_alloc(r->a, (n ? n : 1) * sizeof *pairs);
    for (size_t i = 0; i < n; i++) {
        if (read_key(r, &pairs[i].key) < 0) return -1;
        size_t mark = tfv_path_push_key(&r->path, pairs[i].key);
        if (decode(r, t->elem, &pairs[i].val, depth + 1) < 0) return -1;
        tfv_path_pop(&r->path, mark);
    }
    qsort(pairs, n, sizeof *pairs, cmp_pair);
    *out = tf_collection(r->a, t, n);
    for (size_t i = 0; i < n; i++) {
        if (i && strcmp(pairs[i - 1].key, pairs[i].key) == 0)
            return FAIL(r, "duplicate map key \"%s\"", pairs[i].key);
        out->u.coll.keys[i] = pairs[i].key;
        out->u.coll.items[i] = pairs[i].val;
    }
    return 0;
}

static int decode_object(mreader *r, const tf_type *t, size_t n, tf_value *out, int depth)
{
    if (n != t->n) return FAIL(r, "an object with %zu attributes is required (%zu given)", t->n, n);
    *out = tf_collection(r->a, t, n);
    bool *seen = tf_arena_alloc(r->a, n ? n : 1);
    for (size_t i = 0; i < n; i++) {
        const char *key;
        if (read_key(r, &key) < 0) return -1;
        int idx = tf_type_attr_index(t, key);
        if (idx < 0) return FAIL(r, "unsupported attribute \"%s\"", key);
        if (seen[idx]) return FAIL(r, "duplicate attribute \"%s\"", key);
        seen[idx] = true;
        size_t mark = tfv_path_push_attr(&r->path, key);
        if (decode(r, t->elems[idx], &out->u.coll.items[idx], depth + 1) < 0) return -1;
        tfv_path_pop(&r->path, mark);
    }
    return 0;
}

/* [bin(type JSON), value]: the value is decoded with the type it carries. */
static int decode_dynamic(mreader *r, const mtok *tok, tf_value *out, int depth)
{
    if (tok->kind != MT_ARR || tok->len != 2)
        return FAIL(r, "dynamic value must be a 2-element array");
    mtok ty;
    if (next_token(r, &ty) < 0) return -1;
    if (ty.kind != MT_BIN && ty.kind != MT_STR) return FAIL(r, "dynamic value type must be bytes");
    char msg[160];
    const tf_type *ct = tf_type_from_json(r->a, (const char *)ty.data, ty.len, msg, sizeof msg);
    if (!ct) return FAIL(r, "%s", msg);
    if (ct->kind == TF_DYNAMIC) return FAIL(r, "dynamic value cannot carry type dynamic");
    if (decode(r, ct, out, depth + 1) < 0) return -1;
    out->dynamic = true;
    return 0;
}

static int decode_known(mreader *r, const tf_type *t, const mtok *tok, tf_value *out, int depth)
{
    switch (t->kind) {
    case TF_STRING:
        if (tok->kind != MT_STR) return wrong(r, t, tok);
        *out = tf_string_n(r->a, (const char *)tok->data, tok->len);
        return 0;
    case TF_NUMBER:
        *out = tf_int(0);
        return decode_number(r, tok, out);
    case TF_BOOL:
        if (tok->kind != MT_BOOL) return wrong(r, t, tok);
        *out = tf_bool(tok->b);
        return 0;
    case TF_DYNAMIC:
        return decode_dynamic(r, tok, out, depth);
    case TF_LIST:
    case TF_SET:
        if (tok->kind != MT_ARR) return wrong(r, t, tok);
        return decode_items(r, t, tok->len, out, depth);
    case TF_TUPLE:
        if (tok->kind != MT_ARR) return wrong(r, t, tok);
        if (tok->len != t->n)
            return FAIL(r, "tuple needs %zu elements (%zu given)", t->n, tok->len);
        return decode_items(r, t, tok->len, out, depth);
    case TF_MAP:
        if (tok->kind != MT_MAP) return wrong(r, t, tok);
        return decode_map(r, t, tok->len, out, depth);
    case TF_OBJECT:
        if (tok->kind != MT_MAP) return wrong(r, t, tok);
        return decode_object(r, t, tok->len, out, depth);
    }
    return FAIL(r, "invalid type");
}

static int decode(mreader *r, const tf_type *t, tf_value *out, int depth)
{
    if (depth > TFV_MAX_DEPTH) return FAIL(r, "value nested too deeply");
    mtok tok;
    if (next_token(r, &tok) < 0) return -1;
    if (tok.kind == MT_NIL) {
        *out = tf_null(t);
        return 0;
    }
    if (tok.kind == MT_EXT) return decode_unknown(r, t, &tok, out);
    return decode_known(r, t, &tok, out, depth);
}

int tf_msgpack_decode(tf_arena *a, const tf_type *t, const uint8_t *data, size_t len, tf_value *out,
                      char *err, size_t errlen)
{
    if (err && errlen) err[0] = '\0';
    if (len == 0 || !data) {
        *out = tf_null(t);
        return 0;
    }
    mreader r = {.a = a, .p = data, .end = data + len, .err = err, .errlen = errlen};
    tf_value v;
    if (decode(&r, t, &v, 0) < 0) return -1;
    if (r.p != r.end) return FAIL(&r, "%zu trailing bytes after msgpack value", remaining(&r));
    *out = v;
    return 0;
}
