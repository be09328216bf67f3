/* tfvalue_fuzz.h — the schema type and per-input checks shared by the tfvalue fuzz targets, their
 * replay driver and the valgrind driver: decode; if that works, re-encode, decode again and
 * demand the same value (and, for msgpack, the same bytes). */
#ifndef TFVALUE_FUZZ_H
#define TFVALUE_FUZZ_H

#include "tfvalue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A nontrivial resource-like type: primitives, a map, a set, a dynamic attribute, a tuple and a
 * nested list of objects. */
static inline const tf_type *fuzz_schema_type(tf_arena *a)
{
    const tf_type *str = &tf_type_string, *num = &tf_type_number;
    const tf_type *cidrs = tf_type_collection(a, TF_LIST, str);
    const char *rule_names[] = {"port", "proto", "cidrs"};
    const tf_type *rule_types[] = {num, str, cidrs};
    const tf_type *rule = tf_type_object(a, 3, rule_names, rule_types);
    const tf_type *pair_types[] = {str, num};
    const char *names[] = {"name", "count", "enabled", "tags", "ports", "extra", "rules", "pair"};
    const tf_type *types[] = {str,
                              num,
                              &tf_type_bool,
                              tf_type_collection(a, TF_MAP, str),
                              tf_type_collection(a, TF_SET, num),
                              &tf_type_dynamic,
                              tf_type_collection(a, TF_LIST, rule),
                              tf_type_tuple(a, 2, pair_types)};
    return tf_type_object(a, 8, names, types);
}

static inline void fuzz_check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "tfvalue fuzz invariant broken: %s\n", what);
        abort();
    }
}

/* msgpack: decode → encode → decode must give an equal value and identical bytes. */
static inline void fuzz_msgpack_one(const uint8_t *data, size_t len)
{
    tf_arena *a = tf_arena_new();
    const tf_type *t = fuzz_schema_type(a);
    tf_value v, w;
    char err[256];
    if (tf_msgpack_decode(a, t, data, len, &v, err, sizeof err) == 0) {
        tf_buf b1 = {0}, b2 = {0};
        tf_msgpack_encode(&v, &b1);
        fuzz_check(tf_msgpack_decode(a, t, b1.data, b1.len, &w, err, sizeof err) == 0,
                   "re-encoded msgpack decodes");
        fuzz_check(tf_value_equal(&v, &w), "msgpack round trip keeps the value");
        tf_msgpack_encode(&w, &b2);
        fuzz_check(b1.len == b2.len && memcmp(b1.data, b2.data, b1.len) == 0,
                   "msgpack encoding is stable");
        tf_buf_free(&b1);
        tf_buf_free(&b2);
    } else {
        fuzz_check(err[0] != '\0', "a decode error has a message");
    }
    tf_arena_free(a);
}

/* RawState JSON: decode (ignoring removed attributes) → msgpack → decode must be equal, and
 * JSON out → JSON in must be equal too. */
static inline void fuzz_state_json_one(const uint8_t *data, size_t len)
{
    tf_arena *a = tf_arena_new();
    const tf_type *t = fuzz_schema_type(a);
    tf_value v, w;
    char err[256];
    if (tf_json_decode(a, t, (const char *)data, len, true, &v, err, sizeof err) == 0) {
        tf_buf mp = {0}, js = {0};
        tf_msgpack_encode(&v, &mp);
        fuzz_check(tf_msgpack_decode(a, t, mp.data, mp.len, &w, err, sizeof err) == 0,
                   "msgpack of decoded JSON decodes");
        fuzz_check(tf_value_equal(&v, &w), "JSON → msgpack keeps the value");
        tf_json_encode(&v, &js);
        fuzz_check(
            tf_json_decode(a, t, (const char *)js.data, js.len, false, &w, err, sizeof err) == 0,
            "re-encoded JSON decodes");
        fuzz_check(tf_value_equal(&v, &w), "JSON round trip keeps the value");
        tf_buf_free(&mp);
        tf_buf_free(&js);
    } else {
        fuzz_check(err[0] != '\0', "a decode error has a message");
    }
    tf_arena_free(a);
}

#endif
