/* values.c — tf_value constructors, lookups, deep copy, Terraform equality (numbers by value,
 * sets without order) and the wholly-known test. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static bool is_dynamic_type(const tf_type *t)
{
    return t && t->kind == TF_DYNAMIC;
}

tf_value tf_null(const tf_type *t)
{
    tf_value v = {.type = t, .dynamic = is_dynamic_type(t), .presence = TF_NULL};
    return v;
}

tf_value tf_unknown(const tf_type *t)
{
    tf_value v = {.type = t, .dynamic = is_dynamic_type(t), .presence = TF_UNKNOWN};
    return v;
}

tf_value tf_string_n(tf_arena *a, const char *s, size_t n)
{
    tf_value v = {.type = &tf_type_string, .presence = TF_KNOWN};
    v.u.str.ptr = tf_arena_strndup(a, s, n);
    v.u.str.len = n;
    return v;
}

tf_value tf_string(tf_arena *a, const char *s)
{
    return tf_string_n(a, s, strlen(s));
}

tf_value tf_bool(bool b)
{
    tf_value v = {.type = &tf_type_bool, .presence = TF_KNOWN};
    v.u.b = b;
    return v;
}

tf_value tf_int(int64_t i)
{
    tf_value v = {.type = &tf_type_number, .presence = TF_KNOWN};
    v.u.num.form = TF_NUM_INT;
    v.u.num.i = i;
    v.u.num.f = (double)i;
    return v;
}

const tf_type *tfv_item_type(const tf_type *t, size_t i)
{
    if (t->kind == TF_OBJECT || t->kind == TF_TUPLE) return t->elems[i];
    return t->elem;
}

bool tfv_wrap_dynamic(const tf_value *v, const tf_type *declared)
{
    bool dyn = v->dynamic || (declared && declared->kind == TF_DYNAMIC);
    return dyn && v->type && v->type->kind != TF_DYNAMIC;
}

tf_value tf_collection(tf_arena *a, const tf_type *t, size_t n)
{
    tf_value v = {.type = t, .presence = TF_KNOWN};
    if (t->kind == TF_OBJECT || t->kind == TF_TUPLE) n = t->n;
    v.u.coll.n = n;
    v.u.coll.items = tf_arena_alloc(a, (n ? n : 1) * sizeof(tf_value));
    for (size_t i = 0; i < n; i++) v.u.coll.items[i] = tf_null(tfv_item_type(t, i));
    if (t->kind == TF_MAP) v.u.coll.keys = tf_arena_alloc(a, (n ? n : 1) * sizeof(char *));
    return v;
}

tf_value *tf_attr(const tf_value *obj, const char *name)
{
    if (!tf_is_known(obj) || obj->type->kind != TF_OBJECT) return NULL;
    int i = tf_type_attr_index(obj->type, name);
    return i < 0 ? NULL : &obj->u.coll.items[i];
}

tf_value *tf_map_get(const tf_value *map, const char *key)
{
    if (!tf_is_known(map) || map->type->kind != TF_MAP || !key) return NULL;
    for (size_t i = 0; i < map->u.coll.n; i++)
        if (map->u.coll.keys[i] && strcmp(map->u.coll.keys[i], key) == 0)
            return &map->u.coll.items[i];
    return NULL;
}

static int cmp_key_ref(const void *x, const void *y)
{
    return strcmp(((const tfv_key_ref *)x)->key, ((const tfv_key_ref *)y)->key);
}

tfv_key_ref *tfv_sorted_map_keys(const tf_value *map)
{
    size_t n = map->u.coll.n;
    tfv_key_ref *refs = malloc((n ? n : 1) * sizeof *refs);
    if (!refs) abort();
    for (size_t i = 0; i < n; i++) {
        refs[i].key = (map->u.coll.keys && map->u.coll.keys[i]) ? map->u.coll.keys[i] : "";
        refs[i].idx = i;
    }
    qsort(refs, n, sizeof *refs, cmp_key_ref);
    return refs;
}

/* ---- copy --------------------------------------------------------------------------------- */

static const tf_type *copy_type(tf_arena *a, const tf_type *t)
{
    if (!t || t == &tf_type_string || t == &tf_type_number || t == &tf_type_bool ||
        t == &tf_type_dynamic)
        return t;
    tf_type *c = tf_arena_alloc(a, sizeof *c);
    *c = *t;
    if (t->kind == TF_LIST || t->kind == TF_SET || t->kind == TF_MAP) {
        c->elem = copy_type(a, t->elem);
        return c;
    }
    if (t->kind != TF_OBJECT && t->kind != TF_TUPLE) return c;
    const tf_type **el = tf_arena_alloc(a, (t->n ? t->n : 1) * sizeof *el);
    for (size_t i = 0; i < t->n; i++) el[i] = copy_type(a, t->elems[i]);
    c->elems = el;
    if (t->kind == TF_OBJECT) {
        const char **nm = tf_arena_alloc(a, (t->n ? t->n : 1) * sizeof *nm);
        for (size_t i = 0; i < t->n; i++) nm[i] = tf_arena_strdup(a, t->names[i]);
        c->names = nm;
    }
    return c;
}

/* Copies v giving it type t; a dynamic value's concrete type is copied too, because it lives
 * in the arena of the request that decoded it. */
static tf_value copy_as(tf_arena *a, const tf_value *v, const tf_type *t)
{
    tf_value c = *v;
    c.type = v->dynamic ? copy_type(a, v->type) : t;
    if (v->presence == TF_UNKNOWN && v->u.refine.len) {
        uint8_t *r = tf_arena_alloc(a, v->u.refine.len);
        memcpy(r, v->u.refine.bytes, v->u.refine.len);
        c.u.refine.bytes = r;
    }
    if (v->presence != TF_KNOWN || !c.type) return c;
    switch (c.type->kind) {
    case TF_STRING:
        c.u.str.ptr = tf_arena_strndup(a, v->u.str.ptr, v->u.str.len);
        break;
    case TF_NUMBER:
        if (v->u.num.form == TF_NUM_TEXT && v->u.num.text)
            c.u.num.text = tf_arena_strdup(a, v->u.num.text);
        break;
    case TF_BOOL:
    case TF_DYNAMIC:
        break;
    default: {
        size_t n = v->u.coll.n;
        c.u.coll.items = tf_arena_alloc(a, (n ? n : 1) * sizeof(tf_value));
        for (size_t i = 0; i < n; i++)
            c.u.coll.items[i] = copy_as(a, &v->u.coll.items[i], tfv_item_type(c.type, i));
        if (v->u.coll.keys) {
            c.u.coll.keys = tf_arena_alloc(a, (n ? n : 1) * sizeof(char *));
            for (size_t i = 0; i < n; i++)
                c.u.coll.keys[i] = v->u.coll.keys[i] ? tf_arena_strdup(a, v->u.coll.keys[i]) : NULL;
        }
    }
    }
    return c;
}

tf_value tf_value_copy(tf_arena *a, const tf_value *v)
{
    return copy_as(a, v, v->type);
}

/* ---- equality ----------------------------------------------------------------------------- */

static bool set_equal(const tf_value *a, const tf_value *b)
{
    size_t n = a->u.coll.n;
    bool *used = calloc(n ? n : 1, 1), eq = true;
    if (!used) abort();
    for (size_t i = 0; i < n && eq; i++) {
        eq = false;
        for (size_t j = 0; j < n && !eq; j++) {
            if (used[j] || !tf_value_equal(&a->u.coll.items[i], &b->u.coll.items[j])) continue;
            used[j] = eq = true;
        }
    }
    free(used);
    return eq;
}

static bool object_equal(const tf_value *a, const tf_value *b)
{
    for (size_t i = 0; i < a->type->n; i++) {
        int j = tf_type_attr_index(b->type, a->type->names[i]);
        if (j < 0 || !tf_value_equal(&a->u.coll.items[i], &b->u.coll.items[j])) return false;
    }
    return true;
}

static bool map_equal(const tf_value *a, const tf_value *b)
{
    for (size_t i = 0; i < a->u.coll.n; i++) {
        const tf_value *bv = tf_map_get(b, a->u.coll.keys[i]);
        if (!bv || !tf_value_equal(&a->u.coll.items[i], bv)) return false;
    }
    return true;
}

static bool known_equal(const tf_value *a, const tf_value *b)
{
    switch (a->type->kind) {
    case TF_STRING:
        return a->u.str.len == b->u.str.len &&
               memcmp(a->u.str.ptr, b->u.str.ptr, a->u.str.len) == 0;
    case TF_NUMBER:
        return tf_number_equal(&a->u.num, &b->u.num);
    case TF_BOOL:
        return a->u.b == b->u.b;
    case TF_DYNAMIC:
        return true;
    case TF_OBJECT:
        return a->type->n == b->type->n && object_equal(a, b);
    default:
        break;
    }
    if (a->u.coll.n != b->u.coll.n) return false;
    if (a->type->kind == TF_SET) return set_equal(a, b);
    if (a->type->kind == TF_MAP) return map_equal(a, b);
    for (size_t i = 0; i < a->u.coll.n; i++)
        if (!tf_value_equal(&a->u.coll.items[i], &b->u.coll.items[i])) return false;
    return true;
}

bool tf_value_equal(const tf_value *a, const tf_value *b)
{
    if (!a || !b) return a == b;
    if (a->presence != b->presence) return false;
    if (a->presence != TF_KNOWN) return true;
    if (!a->type || !b->type || a->type->kind != b->type->kind) return false;
    if ((a->dynamic || b->dynamic) && !tf_type_equal(a->type, b->type)) return false;
    return known_equal(a, b);
}

bool tf_value_wholly_known(const tf_value *v)
{
    if (!v || v->presence == TF_UNKNOWN) return false;
    if (v->presence == TF_NULL) return true;
    switch (v->type->kind) {
    case TF_STRING:
    case TF_NUMBER:
    case TF_BOOL:
    case TF_DYNAMIC:
        return true;
    default:
        break;
    }
    for (size_t i = 0; i < v->u.coll.n; i++)
        if (!tf_value_wholly_known(&v->u.coll.items[i])) return false;
    return true;
}
