/* walk.c — path-reporting walks over values, used by the self-checks so that a provider bug is
 * reported with the exact attribute it concerns. */
#include <string.h>

#include "tfrules.h"

static tf_path step(tf_arena *a, tf_path base, const tf_value *parent, size_t i)
{
    switch (parent->type->kind) {
    case TF_OBJECT:
        return tf_path_with_attr(a, base, parent->type->names[i]);
    case TF_MAP:
        return tf_path_with_key(a, base, parent->u.coll.keys[i]);
    default:
        return tf_path_with_index(a, base, (int64_t)i);
    }
}

static bool descendable(const tf_value *v)
{
    if (!tf_is_known(v)) return false;
    tf_kind k = v->type->kind;
    return k == TF_OBJECT || k == TF_LIST || k == TF_MAP || k == TF_TUPLE;
}

static bool diff_rec(tf_arena *a, const tf_value *x, const tf_value *y, tf_path here, tf_path *out)
{
    if (tf_value_equal(x, y)) return false;
    bool same_shape = descendable(x) && descendable(y) && x->type->kind == y->type->kind &&
                      x->u.coll.n == y->u.coll.n;
    if (same_shape && x->type->kind == TF_MAP)
        for (size_t i = 0; i < x->u.coll.n; i++)
            if (strcmp(x->u.coll.keys[i], y->u.coll.keys[i]) != 0) same_shape = false;
    if (same_shape)
        for (size_t i = 0; i < x->u.coll.n; i++)
            if (diff_rec(a, &x->u.coll.items[i], &y->u.coll.items[i], step(a, here, x, i), out))
                return true;
    *out = here;
    return true;
}

bool tf_first_difference(tf_arena *a, const tf_value *x, const tf_value *y, tf_path *out)
{
    return diff_rec(a, x, y, (tf_path){0}, out);
}

static bool unknown_rec(tf_arena *a, const tf_value *v, tf_path here, tf_path *out)
{
    if (tf_is_unknown(v)) {
        *out = here;
        return true;
    }
    if (!tf_is_known(v)) return false;
    tf_kind k = v->type->kind;
    if (k == TF_OBJECT || k == TF_LIST || k == TF_MAP || k == TF_TUPLE || k == TF_SET)
        for (size_t i = 0; i < v->u.coll.n; i++) {
            tf_path next = k == TF_SET ? here : step(a, here, v, i);
            if (unknown_rec(a, &v->u.coll.items[i], next, out)) return true;
        }
    return false;
}

bool tf_first_unknown(tf_arena *a, const tf_value *v, tf_path *out)
{
    return unknown_rec(a, v, (tf_path){0}, out);
}

void tf_unknowns_to_null(tf_value *v)
{
    if (tf_is_unknown(v)) {
        v->presence = TF_NULL;
        return;
    }
    if (!tf_is_known(v)) return;
    tf_kind k = v->type->kind;
    if (k == TF_OBJECT || k == TF_LIST || k == TF_MAP || k == TF_TUPLE || k == TF_SET)
        for (size_t i = 0; i < v->u.coll.n; i++) tf_unknowns_to_null(&v->u.coll.items[i]);
}

static bool text_rec(tf_arena *a, const tf_value *v, tf_path here, tf_path *out)
{
    if (!tf_is_known(v)) return false;
    tf_kind k = v->type->kind;
    if (k == TF_STRING && !tf_utf8_valid(v->u.str.ptr, v->u.str.len)) {
        *out = here;
        return true;
    }
    if (k == TF_OBJECT || k == TF_LIST || k == TF_MAP || k == TF_TUPLE || k == TF_SET)
        for (size_t i = 0; i < v->u.coll.n; i++) {
            if (k == TF_MAP && !tf_utf8_valid(v->u.coll.keys[i], strlen(v->u.coll.keys[i]))) {
                *out = here;
                return true;
            }
            tf_path next = k == TF_SET ? here : step(a, here, v, i);
            if (text_rec(a, &v->u.coll.items[i], next, out)) return true;
        }
    return false;
}

bool tf_first_invalid_text(tf_arena *a, const tf_value *v, tf_path *out)
{
    return text_rec(a, v, (tf_path){0}, out);
}
