/* json_get.c — typed field accessors over cJSON for the response decoders. Each one either yields a
 * value (NULL/absent for optional fields the API sends as null or omits) or a DECODE error naming
 * the field path, e.g. "kms_info.chain_id: expected number or null". Unknown fields are ignored. */
#include "api/pkx_json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/pkx_error.h"
#include "common/pkx_str.h"

/* Integers travel as JSON numbers (doubles in cJSON): only exact integers within ±2^53 are taken. */
#define PKX_JSON_INT_MAX 9007199254740992.0

static int type_error(pk_error *err, const char *ctx, const char *key, const char *want, int flags)
{
    return pkx_error_set(err, PK_ERR_DECODE, "%s%s%s: expected %s%s", ctx ? ctx : "",
                         (ctx && ctx[0]) ? "." : "", key, want,
                         (flags & PKX_REQUIRED) ? "" : " or null");
}

static int missing_error(pk_error *err, const char *ctx, const char *key)
{
    return pkx_error_set(err, PK_ERR_DECODE, "%s%s%s: required field is missing", ctx ? ctx : "",
                         (ctx && ctx[0]) ? "." : "", key);
}

/* The item, NULL when absent or null; *absent tells which. */
static const cJSON *item(const cJSON *obj, const char *key, bool *absent)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    *absent = (it == NULL || cJSON_IsNull(it));
    return *absent ? NULL : it;
}

int pkx_json_parse_object(const char *body, size_t len, const char *what, cJSON **out,
                          pk_error *err)
{
    *out = NULL;
    if (!body || len == 0)
        return pkx_error_set(err, PK_ERR_DECODE, "%s: empty response body", what);
    cJSON *root = cJSON_ParseWithLength(body, len);
    if (!root) return pkx_error_set(err, PK_ERR_DECODE, "%s: response is not valid JSON", what);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return pkx_error_set(err, PK_ERR_DECODE, "%s: expected a JSON object", what);
    }
    *out = root;
    return 0;
}

int pkx_json_str(const cJSON *obj, const char *ctx, const char *key, int flags, char **out,
                 pk_error *err)
{
    bool absent;
    const cJSON *it = item(obj, key, &absent);
    *out = NULL;
    if (absent) return (flags & PKX_REQUIRED) ? missing_error(err, ctx, key) : 0;
    if (!cJSON_IsString(it)) return type_error(err, ctx, key, "string", flags);
    *out = pkx_strdup(it->valuestring);
    if (!*out) return pkx_error_set(err, PK_ERR_NOMEM, "out of memory");
    return 0;
}

static bool exact_int(const cJSON *it, int64_t *v)
{
    double d = it->valuedouble;
    if (!isfinite(d) || d != floor(d) || fabs(d) > PKX_JSON_INT_MAX) return false;
    *v = (int64_t)d;
    return true;
}

int pkx_json_str_or_int(const cJSON *obj, const char *ctx, const char *key, int flags, char **out,
                        pk_error *err)
{
    bool absent;
    const cJSON *it = item(obj, key, &absent);
    *out = NULL;
    if (absent) return (flags & PKX_REQUIRED) ? missing_error(err, ctx, key) : 0;
    if (cJSON_IsNumber(it)) {
        int64_t v;
        if (!exact_int(it, &v)) return type_error(err, ctx, key, "string or integer", flags);
        char tmp[32];
        snprintf(tmp, sizeof tmp, "%lld", (long long)v);
        *out = pkx_strdup(tmp);
    } else if (cJSON_IsString(it)) {
        *out = pkx_strdup(it->valuestring);
    } else {
        return type_error(err, ctx, key, "string or integer", flags);
    }
    if (!*out) return pkx_error_set(err, PK_ERR_NOMEM, "out of memory");
    return 0;
}

int pkx_json_elem_str_or_int(const cJSON *it, const char *ctx, char **out, pk_error *err)
{
    *out = NULL;
    int64_t v;
    if (cJSON_IsString(it)) {
        *out = pkx_strdup(it->valuestring);
    } else if (cJSON_IsNumber(it) && exact_int(it, &v)) {
        char tmp[32];
        snprintf(tmp, sizeof tmp, "%lld", (long long)v);
        *out = pkx_strdup(tmp);
    } else {
        return pkx_error_set(err, PK_ERR_DECODE, "%s: expected string or integer", ctx);
    }
    if (!*out) return pkx_error_set(err, PK_ERR_NOMEM, "out of memory");
    return 0;
}

int pkx_json_i64(const cJSON *obj, const char *ctx, const char *key, int flags, int64_t *out,
                 bool *present, pk_error *err)
{
    bool absent;
    const cJSON *it = item(obj, key, &absent);
    *out = 0;
    if (present) *present = false;
    if (absent) return (flags & PKX_REQUIRED) ? missing_error(err, ctx, key) : 0;
    if (!cJSON_IsNumber(it) || !exact_int(it, out)) {
        *out = 0;
        return type_error(err, ctx, key, "number", flags);
    }
    if (present) *present = true;
    return 0;
}

int pkx_json_bool(const cJSON *obj, const char *ctx, const char *key, int flags, pk_tristate *out,
                  pk_error *err)
{
    bool absent;
    const cJSON *it = item(obj, key, &absent);
    *out = PK_UNSET;
    if (absent) return (flags & PKX_REQUIRED) ? missing_error(err, ctx, key) : 0;
    if (!cJSON_IsBool(it)) return type_error(err, ctx, key, "boolean", flags);
    *out = cJSON_IsTrue(it) ? PK_TRUE : PK_FALSE;
    return 0;
}

int pkx_json_array(const cJSON *obj, const char *ctx, const char *key, int flags, const cJSON **out,
                   pk_error *err)
{
    bool absent;
    const cJSON *it = item(obj, key, &absent);
    *out = NULL;
    if (absent) return (flags & PKX_REQUIRED) ? missing_error(err, ctx, key) : 0;
    if (!cJSON_IsArray(it)) return type_error(err, ctx, key, "array", flags);
    *out = it;
    return 0;
}

int pkx_json_object(const cJSON *obj, const char *ctx, const char *key, int flags,
                    const cJSON **out, pk_error *err)
{
    bool absent;
    const cJSON *it = item(obj, key, &absent);
    *out = NULL;
    if (absent) return (flags & PKX_REQUIRED) ? missing_error(err, ctx, key) : 0;
    if (!cJSON_IsObject(it)) return type_error(err, ctx, key, "object", flags);
    *out = it;
    return 0;
}
