/* Helpers for the libphalakms crypto unit tests: read a vector/fixture file from tests/data and
 * parse it with cJSON, hex helpers that fail the test on bad input. */
#ifndef CRYPTO_TEST_UTIL_H
#define CRYPTO_TEST_UTIL_H

#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phalakms.h"

static inline char *tu_read_file(const char *rel, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", TEST_DATA_DIR, rel);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    cr_assert_not_null(buf);
    cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    buf[n] = '\0';
    if (len) *len = (size_t)n;
    return buf;
}

static inline cJSON *tu_read_json(const char *rel)
{
    char *text = tu_read_file(rel, NULL);
    cJSON *j = cJSON_Parse(text);
    cr_assert_not_null(j, "%s is not JSON", rel);
    free(text);
    return j;
}

static inline const char *tu_str(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static inline void tu_unhex(const char *hex, uint8_t *out, size_t n)
{
    cr_assert_eq(pk_hex_decode_exact(hex, out, n), 0, "bad hex fixture %s", hex);
}

#endif
