/* tfv_test.h — helpers for the tfvalue Criterion tests: hex byte vectors, and decode/encode
 * checks that print the bytes when they differ. */
#ifndef TFV_TEST_H
#define TFV_TEST_H

#include "tfvalue.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parses hex digits, ignoring spaces; returns a malloc'd buffer. */
static inline uint8_t *tfv_unhex(const char *hex, size_t *len)
{
    uint8_t *out = malloc(strlen(hex) / 2 + 1);
    size_t n = 0;
    int hi = -1;
    for (const char *p = hex; *p; p++) {
        int v;
        if (*p >= '0' && *p <= '9')
            v = *p - '0';
        else if (*p >= 'a' && *p <= 'f')
            v = *p - 'a' + 10;
        else if (*p >= 'A' && *p <= 'F')
            v = *p - 'A' + 10;
        else
            continue;
        if (hi < 0)
            hi = v;
        else
            out[n++] = (uint8_t)(hi << 4 | v), hi = -1;
    }
    *len = n;
    return out;
}

static inline char *tfv_hex(const uint8_t *p, size_t n)
{
    char *s = malloc(n * 3 + 1);
    s[0] = '\0';
    for (size_t i = 0; i < n; i++) sprintf(s + 3 * i, "%02x%s", p[i], i + 1 < n ? " " : "");
    return s;
}

/* Asserts that encoding v gives exactly the bytes in hex. */
static inline void tfv_expect_encoding(const tf_value *v, const char *hex)
{
    size_t n;
    uint8_t *want = tfv_unhex(hex, &n);
    tf_buf b = {0};
    tf_msgpack_encode(v, &b);
    char *got = tfv_hex(b.data, b.len), *exp = tfv_hex(want, n);
    cr_expect(b.len == n && memcmp(b.data, want, n) == 0, "encoding: got [%s], want [%s]", got,
              exp);
    free(got);
    free(exp);
    free(want);
    tf_buf_free(&b);
}

/* Decodes hex as type t (must succeed) and checks that re-encoding gives the same bytes. */
static inline tf_value tfv_roundtrip(tf_arena *a, const tf_type *t, const char *hex)
{
    size_t n;
    uint8_t *in = tfv_unhex(hex, &n);
    tf_value v = tf_null(t);
    char err[256] = "";
    int rc = tf_msgpack_decode(a, t, in, n, &v, err, sizeof err);
    cr_assert_eq(rc, 0, "decode of [%s] failed: %s", hex, err);
    tfv_expect_encoding(&v, hex);
    free(in);
    return v;
}

/* Decoding hex as type t must fail with a message containing want (if not NULL). */
static inline void tfv_expect_msgpack_error(tf_arena *a, const tf_type *t, const char *hex,
                                            const char *want)
{
    size_t n;
    uint8_t *in = tfv_unhex(hex, &n);
    tf_value v;
    char err[256] = "";
    int rc = tf_msgpack_decode(a, t, in, n, &v, err, sizeof err);
    cr_expect_eq(rc, -1, "decode of [%s] should fail", hex);
    cr_expect(err[0] != '\0', "decode of [%s] failed without a message", hex);
    if (want) cr_expect(strstr(err, want) != NULL, "error \"%s\" lacks \"%s\"", err, want);
    free(in);
}

static inline const tf_type *tfv_type(tf_arena *a, const char *json)
{
    char err[256] = "";
    const tf_type *t = tf_type_from_json(a, json, strlen(json), err, sizeof err);
    cr_assert_not_null(t, "type %s: %s", json, err);
    return t;
}

static inline tf_value tfv_json(tf_arena *a, const tf_type *t, const char *json, bool ignore)
{
    tf_value v = tf_null(t);
    char err[256] = "";
    int rc = tf_json_decode(a, t, json, strlen(json), ignore, &v, err, sizeof err);
    cr_assert_eq(rc, 0, "JSON decode failed: %s", err);
    return v;
}

#endif
