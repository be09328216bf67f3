/* json.c — JSON (DynamicValue.json, RawState.json) → tf_value against a schema type, following
 * cty's json.Unmarshal (missing attributes are null, dynamic is {"value","type"}), and the JSON
 * writer used for logs and tests. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    tf_arena *a; /* output arena; the token tree lives in a temporary one */
    bool ignore_unknown;
    tfv_path path;
    char *err;
    size_t errlen;
} jdecoder;

#define FAIL(d, ...) (tfv_errorf((d)->err, (d)->errlen, &(d)->path, __VA_ARGS__), -1)

static const char *const tj_names[] = {"null",   "true",  "false", "number",
                                       "string", "array", "object"};

static int decode(jdecoder *d, const tf_type *t, const tj_node *n, tf_value *out, int depth);

static int wrong(jdecoder *d, const tf_type *t, const tj_node *n)
{
    return FAIL(d, "expected %s, got JSON %s", tfv_kind_name(t->kind), tj_names[n->kind]);
}

/* cty accepts a number or bool where a string is expected (schema changed type). */
static int decode_string(jdecoder *d, const tf_type *t, const tj_node *n, tf_value *out)
{
    if (n->kind == TJ_STR || n->kind == TJ_NUM)
        *out = tf_string_n(d->a, n->s, n->len);
    else if (n->kind == TJ_TRUE || n->kind == TJ_FALSE)
        *out = tf_string(d->a, n->kind == TJ_TRUE ? "true" : "false");
    else
        return wrong(d, t, n);
    return 0;
}

static int decode_number(jdecoder *d, const tf_type *t, const tj_node *n, tf_value *out)
{
    char msg[128];
    if (n->kind != TJ_NUM && n->kind != TJ_STR) return wrong(d, t, n);
    *out = tf_int(0);
    if (tfv_number_from_json(d->a, n->s, n->len, n->kind == TJ_NUM, &out->u.num, msg, sizeof msg) <
        0)
        return FAIL(d, "%s", msg);
    return 0;
}

static int decode_bool(jdecoder *d, const tf_type *t, const tj_node *n, tf_value *out)
{
    if (n->kind == TJ_TRUE || n->kind == TJ_FALSE)
        *out = tf_bool(n->kind == TJ_TRUE);
    else if (n->kind == TJ_STR && strcmp(n->s, "true") == 0)
        *out = tf_bool(true);
    else if (n->kind == TJ_STR && strcmp(n->s, "false") == 0)
        *out = tf_bool(false);
    else
        return wrong(d, t, n);
    return 0;
}

static int decode_items(jdecoder *d, const tf_type *t, const tj_node *n, tf_value *out, int depth)
{
    if (n->kind != TJ_ARR) return wrong(d, t, n);
    if (t->kind == TF_TUPLE && n->count != t->n)
        return FAIL(d, "tuple needs %zu elements (%zu given)", t->n, n->count);
    *out = tf_collection(d->a, t, n->count);
    size_t i = 0;
    for (const tj_node *c = n->first; c; c = c->next, i++) {
        const tf_type *et = t->kind == TF_TUPLE ? t->elems[i] : t->elem;
        size_t mark = tfv_path_push_index(&d->path, i);
        if (decode(d, et, c, &out->u.coll.items[i], depth + 1) < 0) return -1;
        tfv_path_pop(&d->path, mark);
    }
    return 0;
}

static int check_key(jdecoder *d, const tj_node *c)
{
    if (strlen(c->key) != c->keylen) return FAIL(d, "object key contains a NUL character");
    return 0;
}

static int cmp_node_key(const void *x, const void *y)
{
    return strcmp((*(const tj_node *const *)x)->key, (*(const tj_node *const *)y)->key);
}

static int decode_map(jdecoder *d, const tf_type *t, const tj_node *n, tf_value *out, int depth)
{
    if (n->kind != TJ_OBJ) return wrong(d, t, n);
    const tj_node **members = tf_arena_alloc(d->a, (n->count ? n->count : 1) * sizeof *members);
    size_t k = 0;
    for (const tj_node *c = n->first; c; c = c->next) {
        if (check_key(d, c) < 0) return -1;
        members[k++] = c;
    }
    qsort(members, k, sizeof *members, cmp_node_key);
    *out = tf_collection(d->a, t, k);
    for (size_t i = 0; i < k; i++) {
        if (i && strcmp(members[i - 1]->key, members[i]->key) == 0)
            return FAIL(d, "duplicate map key \"%s\"", members[i]->key);
        out->u.coll.keys[i] = tf_arena_strndup(d->a, members[i]->key, members[i]->keylen);
        size_t mark = tfv_path_push_key(&d->path, members[i]->key);
        if (decode(d, t->elem, members[i], &out->u.coll.items[i], depth + 1) < 0) return -1;
        tfv_path_pop(&d->path, mark);
    }
    return 0;
}

static int decode_object(jdecoder *d, const tf_type *t, const tj_node *n, tf_value *out, int depth)
{
    if (n->kind != TJ_OBJ) return wrong(d, t, n);
    *out = tf_collection(d->a, t, t->n); /* every attribute starts null */
    bool *seen = tf_arena_alloc(d->a, t->n ? t->n : 1);
    for (const tj_node *c = n->first; c; c = c->next) {
        if (check_key(d, c) < 0) return -1;
        int idx = tf_type_attr_index(t, c->key);
        if (idx < 0) {
            if (d->ignore_unknown) continue;
            return FAIL(d, "unsupported attribute \"%s\"", c->key);
        }
        if (seen[idx]) return FAIL(d, "duplicate attribute \"%s\"", c->key);
        seen[idx] = true;
        size_t mark = tfv_path_push_attr(&d->path, c->key);
        if (decode(d, t->elems[idx], c, &out->u.coll.items[idx], depth + 1) < 0) return -1;
        tfv_path_pop(&d->path, mark);
    }
    return 0;
}

static const tj_node *member(const tj_node *obj, const char *name, int *count)
{
    const tj_node *hit = NULL;
    *count = 0;
    for (const tj_node *c = obj->first; c; c = c->next)
        if (strcmp(c->key, name) == 0 && strlen(name) == c->keylen) hit = c, ++*count;
    return hit;
}

/* {"value": v, "type": T} — both keys required, nothing else. */
static int decode_dynamic(jdecoder *d, const tj_node *n, tf_value *out, int depth)
{
    int nt, nv;
    if (n->kind != TJ_OBJ) return FAIL(d, "dynamic value must be a {\"value\",\"type\"} object");
    const tj_node *ty = member(n, "type", &nt), *val = member(n, "value", &nv);
    if (nt != 1 || nv != 1 || n->count != 2)
        return FAIL(d, "dynamic value must have exactly the keys \"value\" and \"type\"");
    char msg[160];
    const tf_type *ct = tfv_type_from_node(d->a, ty, 0, msg, sizeof msg);
    if (!ct) return FAIL(d, "%s", msg);
    if (ct->kind == TF_DYNAMIC) return FAIL(d, "dynamic value cannot carry type dynamic");
    if (decode(d, ct, val, out, depth + 1) < 0) return -1;
    out->dynamic = true;
    return 0;
}

static int decode(jdecoder *d, const tf_type *t, const tj_node *n, tf_value *out, int depth)
{
    if (depth > TFV_MAX_DEPTH) return FAIL(d, "value nested too deeply");
    if (n->kind == TJ_NULL) {
        *out = tf_null(t);
        return 0;
    }
    switch (t->kind) {
    case TF_STRING:
        return decode_string(d, t, n, out);
    case TF_NUMBER:
        return decode_number(d, t, n, out);
    case TF_BOOL:
        return decode_bool(d, t, n, out);
    case TF_LIST:
    case TF_SET:
    case TF_TUPLE:
        return decode_items(d, t, n, out, depth);
    case TF_MAP:
        return decode_map(d, t, n, out, depth);
    case TF_OBJECT:
        return decode_object(d, t, n, out, depth);
    case TF_DYNAMIC:
        return decode_dynamic(d, n, out, depth);
    }
    return FAIL(d, "invalid type");
}

int tf_json_decode(tf_arena *a, const tf_type *t, const char *json, size_t len,
                   bool ignore_unknown_attrs, tf_value *out, char *err, size_t errlen)
{
    if (err && errlen) err[0] = '\0';
    if (len == 0 || !json) {
        *out = tf_null(t);
        return 0;
    }
    tf_arena *tmp = tf_arena_new();
    tj_node *root;
    jdecoder d = {.a = a, .ignore_unknown = ignore_unknown_attrs, .err = err, .errlen = errlen};
    int rc = tj_parse(tmp, json, len, &root, err, errlen);
    tf_value v;
    if (rc == 0) rc = decode(&d, t, root, &v, 0);
    if (rc == 0) *out = v;
    tf_arena_free(tmp);
    return rc;
}

/* ---- JSON out ----------------------------------------------------------------------------- */

static void encode(const tf_value *v, const tf_type *declared, tf_buf *o);

static void put_object(const tf_value *v, tf_buf *o)
{
    size_t *idx = tfv_sorted_attrs(v->type);
    tf_buf_putc(o, '{');
    for (size_t i = 0; i < v->type->n; i++) {
        const char *name = v->type->names[idx[i]];
        if (i) tf_buf_putc(o, ',');
        tj_write_string(o, name, strlen(name));
        tf_buf_putc(o, ':');
        encode(&v->u.coll.items[idx[i]], v->type->elems[idx[i]], o);
    }
    tf_buf_putc(o, '}');
    free(idx);
}

/* Keys sorted, as cty writes them (and whatever order a caller filled the map in). */
static void put_map(const tf_value *v, tf_buf *o)
{
    tfv_key_ref *refs = tfv_sorted_map_keys(v);
    tf_buf_putc(o, '{');
    for (size_t i = 0; i < v->u.coll.n; i++) {
        if (i) tf_buf_putc(o, ',');
        tj_write_string(o, refs[i].key, strlen(refs[i].key));
        tf_buf_putc(o, ':');
        encode(&v->u.coll.items[refs[i].idx], v->type->elem, o);
    }
    tf_buf_putc(o, '}');
    free(refs);
}

static void encode_plain(const tf_value *v, tf_buf *o)
{
    if (v->presence != TF_KNOWN || !v->type) {
        tf_buf_puts(o, "null");
        return;
    }
    switch (v->type->kind) {
    case TF_STRING:
        tj_write_string(o, v->u.str.ptr ? v->u.str.ptr : "", v->u.str.len);
        return;
    case TF_NUMBER:
        tfv_number_text(&v->u.num, o);
        return;
    case TF_BOOL:
        tf_buf_puts(o, v->u.b ? "true" : "false");
        return;
    case TF_OBJECT:
        put_object(v, o);
        return;
    case TF_MAP:
        put_map(v, o);
        return;
    case TF_DYNAMIC:
        tf_buf_puts(o, "null");
        return;
    default:
        break;
    }
    tf_buf_putc(o, '[');
    for (size_t i = 0; i < v->u.coll.n; i++) {
        if (i) tf_buf_putc(o, ',');
        encode(&v->u.coll.items[i], tfv_item_type(v->type, i), o);
    }
    tf_buf_putc(o, ']');
}

static void encode(const tf_value *v, const tf_type *declared, tf_buf *o)
{
    if (!tfv_wrap_dynamic(v, declared)) {
        encode_plain(v, o);
        return;
    }
    tf_buf_puts(o, "{\"value\":");
    encode_plain(v, o);
    tf_buf_puts(o, ",\"type\":");
    tf_type_json(v->type, o);
    tf_buf_putc(o, '}');
}

void tf_json_encode(const tf_value *v, tf_buf *out)
{
    encode(v, NULL, out);
}
