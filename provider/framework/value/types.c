/* types.c — tf_type: the static primitive types, builders, attribute lookup, structural
 * equality, and cty's type JSON ("string", ["list","string"], ["object",{...}]) both ways. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const tf_type tf_type_string = {.kind = TF_STRING};
const tf_type tf_type_number = {.kind = TF_NUMBER};
const tf_type tf_type_bool = {.kind = TF_BOOL};
const tf_type tf_type_dynamic = {.kind = TF_DYNAMIC};

const char *tfv_kind_name(tf_kind k)
{
    static const char *const names[] = {"string", "number", "bool",  "list",   "set",
                                        "map",    "object", "tuple", "dynamic"};
    return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "invalid";
}

const tf_type *tf_type_collection(tf_arena *a, tf_kind kind, const tf_type *elem)
{
    tf_type *t = tf_arena_alloc(a, sizeof *t);
    t->kind = kind;
    t->elem = elem;
    return t;
}

const tf_type *tf_type_object(tf_arena *a, size_t n, const char *const *names,
                              const tf_type *const *types)
{
    tf_type *t = tf_arena_alloc(a, sizeof *t);
    const char **nm = tf_arena_alloc(a, (n ? n : 1) * sizeof *nm);
    const tf_type **ty = tf_arena_alloc(a, (n ? n : 1) * sizeof *ty);
    for (size_t i = 0; i < n; i++) {
        nm[i] = tf_arena_strdup(a, names[i]);
        ty[i] = types[i];
    }
    t->kind = TF_OBJECT;
    t->n = n;
    t->names = nm;
    t->elems = ty;
    return t;
}

const tf_type *tf_type_tuple(tf_arena *a, size_t n, const tf_type *const *types)
{
    tf_type *t = tf_arena_alloc(a, sizeof *t);
    const tf_type **ty = tf_arena_alloc(a, (n ? n : 1) * sizeof *ty);
    for (size_t i = 0; i < n; i++) ty[i] = types[i];
    t->kind = TF_TUPLE;
    t->n = n;
    t->elems = ty;
    return t;
}

int tf_type_attr_index(const tf_type *t, const char *name)
{
    if (!t || t->kind != TF_OBJECT || !name) return -1;
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->names[i], name) == 0) return (int)i;
    return -1;
}

bool tf_type_equal(const tf_type *a, const tf_type *b)
{
    if (a == b) return true;
    if (!a || !b || a->kind != b->kind) return false;
    switch (a->kind) {
    case TF_LIST:
    case TF_SET:
    case TF_MAP:
        return tf_type_equal(a->elem, b->elem);
    case TF_TUPLE:
        if (a->n != b->n) return false;
        for (size_t i = 0; i < a->n; i++)
            if (!tf_type_equal(a->elems[i], b->elems[i])) return false;
        return true;
    case TF_OBJECT:
        /* Attribute order is not part of an object type. */
        if (a->n != b->n) return false;
        for (size_t i = 0; i < a->n; i++) {
            int j = tf_type_attr_index(b, a->names[i]);
            if (j < 0 || !tf_type_equal(a->elems[i], b->elems[j])) return false;
        }
        return true;
    default:
        return true;
    }
}

/* ---- type JSON out ------------------------------------------------------------------------ */

size_t *tfv_sorted_attrs(const tf_type *t)
{
    size_t *idx = malloc((t->n ? t->n : 1) * sizeof *idx);
    if (!idx) abort();
    for (size_t i = 0; i < t->n; i++) idx[i] = i;
    /* Insertion sort: attribute lists are short and qsort has no context argument. */
    for (size_t i = 1; i < t->n; i++) {
        size_t v = idx[i], j = i;
        while (j > 0 && strcmp(t->names[idx[j - 1]], t->names[v]) > 0) {
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = v;
    }
    return idx;
}

void tf_type_json(const tf_type *t, tf_buf *out)
{
    switch (t->kind) {
    case TF_LIST:
    case TF_SET:
    case TF_MAP:
        tf_buf_puts(out, "[\"");
        tf_buf_puts(out, tfv_kind_name(t->kind));
        tf_buf_puts(out, "\",");
        tf_type_json(t->elem, out);
        tf_buf_putc(out, ']');
        return;
    case TF_TUPLE:
        tf_buf_puts(out, "[\"tuple\",[");
        for (size_t i = 0; i < t->n; i++) {
            if (i) tf_buf_putc(out, ',');
            tf_type_json(t->elems[i], out);
        }
        tf_buf_puts(out, "]]");
        return;
    case TF_OBJECT: {
        size_t *idx = tfv_sorted_attrs(t);
        tf_buf_puts(out, "[\"object\",{");
        for (size_t i = 0; i < t->n; i++) {
            if (i) tf_buf_putc(out, ',');
            tj_write_string(out, t->names[idx[i]], strlen(t->names[idx[i]]));
            tf_buf_putc(out, ':');
            tf_type_json(t->elems[idx[i]], out);
        }
        tf_buf_puts(out, "}]");
        free(idx);
        return;
    }
    default:
        tf_buf_putc(out, '"');
        tf_buf_puts(out, tfv_kind_name(t->kind));
        tf_buf_putc(out, '"');
    }
}

/* ---- type JSON in ------------------------------------------------------------------------- */

static const tf_type *type_fail(char *err, size_t errlen, const char *msg)
{
    if (err && errlen) snprintf(err, errlen, "invalid type JSON: %s", msg);
    return NULL;
}

static const tf_type *primitive_named(const tj_node *n)
{
    static const tf_type *const prims[] = {&tf_type_string, &tf_type_number, &tf_type_bool,
                                           &tf_type_dynamic};
    for (size_t i = 0; i < 4; i++)
        if (strcmp(n->s, tfv_kind_name(prims[i]->kind)) == 0 && strlen(n->s) == n->len)
            return prims[i];
    return NULL;
}

static const tf_type *object_from_node(tf_arena *a, const tj_node *attrs, int depth, char *err,
                                       size_t errlen)
{
    if (attrs->kind != TJ_OBJ) return type_fail(err, errlen, "object attributes must be an object");
    size_t n = attrs->count, i = 0;
    const char **names = tf_arena_alloc(a, (n ? n : 1) * sizeof *names);
    const tf_type **types = tf_arena_alloc(a, (n ? n : 1) * sizeof *types);
    for (const tj_node *c = attrs->first; c; c = c->next, i++) {
        if (strlen(c->key) != c->keylen) return type_fail(err, errlen, "NUL in attribute name");
        for (size_t j = 0; j < i; j++)
            if (strcmp(names[j], c->key) == 0)
                return type_fail(err, errlen, "duplicate attribute name");
        names[i] = tf_arena_strndup(a, c->key, c->keylen); /* the tree may be temporary */
        types[i] = tfv_type_from_node(a, c, depth + 1, err, errlen);
        if (!types[i]) return NULL;
    }
    tf_type *t = tf_arena_alloc(a, sizeof *t);
    t->kind = TF_OBJECT;
    t->n = n;
    t->names = names;
    t->elems = types;
    return t;
}

static const tf_type *tuple_from_node(tf_arena *a, const tj_node *elems, int depth, char *err,
                                      size_t errlen)
{
    if (elems->kind != TJ_ARR) return type_fail(err, errlen, "tuple elements must be an array");
    size_t n = elems->count, i = 0;
    const tf_type **types = tf_arena_alloc(a, (n ? n : 1) * sizeof *types);
    for (const tj_node *c = elems->first; c; c = c->next, i++) {
        types[i] = tfv_type_from_node(a, c, depth + 1, err, errlen);
        if (!types[i]) return NULL;
    }
    tf_type *t = tf_arena_alloc(a, sizeof *t);
    t->kind = TF_TUPLE;
    t->n = n;
    t->elems = types;
    return t;
}

/* An optional third element (optional-attribute list) only appears in type constraints; it is
 * accepted for objects when it is an array of strings, and ignored. */
static bool valid_optional_list(const tj_node *n)
{
    if (!n) return true;
    if (n->kind != TJ_ARR || n->next) return false;
    for (const tj_node *c = n->first; c; c = c->next)
        if (c->kind != TJ_STR) return false;
    return true;
}

static const tf_type *compound_from_node(tf_arena *a, const tj_node *n, int depth, char *err,
                                         size_t errlen)
{
    const tj_node *kind = n->first, *arg = kind ? kind->next : NULL;
    if (!kind || kind->kind != TJ_STR || strlen(kind->s) != kind->len || !arg)
        return type_fail(err, errlen, "expected [\"kind\", argument]");
    const char *k = kind->s;
    if (strcmp(k, "object") == 0) {
        if (!valid_optional_list(arg->next)) return type_fail(err, errlen, "bad object type");
        return object_from_node(a, arg, depth, err, errlen);
    }
    if (arg->next) return type_fail(err, errlen, "too many elements in type");
    if (strcmp(k, "tuple") == 0) return tuple_from_node(a, arg, depth, err, errlen);
    tf_kind ck;
    if (strcmp(k, "list") == 0)
        ck = TF_LIST;
    else if (strcmp(k, "set") == 0)
        ck = TF_SET;
    else if (strcmp(k, "map") == 0)
        ck = TF_MAP;
    else
        return type_fail(err, errlen, "unknown type kind");
    const tf_type *elem = tfv_type_from_node(a, arg, depth + 1, err, errlen);
    return elem ? tf_type_collection(a, ck, elem) : NULL;
}

const tf_type *tfv_type_from_node(tf_arena *a, const tj_node *n, int depth, char *err,
                                  size_t errlen)
{
    if (depth > TFV_MAX_DEPTH) return type_fail(err, errlen, "type nested too deeply");
    if (n->kind == TJ_STR) {
        const tf_type *t = primitive_named(n);
        return t ? t : type_fail(err, errlen, "unknown primitive type");
    }
    if (n->kind == TJ_ARR) return compound_from_node(a, n, depth, err, errlen);
    return type_fail(err, errlen, "a type is a string or an array");
}

const tf_type *tf_type_from_json(tf_arena *a, const char *json, size_t len, char *err,
                                 size_t errlen)
{
    tj_node *root;
    if (tj_parse(a, json, len, &root, err, errlen) < 0) return NULL;
    return tfv_type_from_node(a, root, 0, err, errlen);
}
