/* precondition.c — the HTTP 465 answer of an env update as a result: the compose hash to register
 * on-chain and what comes with it (app id, device id, KMS; on the unified PATCH the one-time commit
 * token, commit URLs and onchain_status), read from details[] first, then flat top-level keys, then
 * a `detail` object — the three shapes the API has used (research/phala-api.md §1.4, §3.5;
 * phala-api-2026-06.md §4.1). */
#include "api/pkx_api_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/pkx_http.h"
#include "api/pkx_json.h"
#include "common/pkx_error.h"
#include "common/pkx_str.h"

/* The precondition values found so far; the first shape that names a field wins. */
typedef struct pre_fields {
    const cJSON *compose_hash, *app_id, *device_id, *kms_info;
    const cJSON *commit_token, *commit_url, *api_commit_url, *onchain_status; /* unified PATCH */
} pre_fields;

/* The slot for a details[] field name, or NULL for names we do not read. */
static const cJSON **pre_slot(pre_fields *f, const char *name)
{
    static const char *const names[] = {"compose_hash",   "app_id",        "device_id",
                                        "kms_info",       "commit_token",  "commit_url",
                                        "api_commit_url", "onchain_status"};
    const cJSON **slots[] = {&f->compose_hash,   &f->app_id,        &f->device_id,
                             &f->kms_info,       &f->commit_token,  &f->commit_url,
                             &f->api_commit_url, &f->onchain_status};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i]) == 0) return slots[i];
    return NULL;
}

static void pre_take(const cJSON **slot, const cJSON *v)
{
    if (!*slot && v && !cJSON_IsNull(v)) *slot = v;
}

static void pre_from_details(pre_fields *f, const cJSON *holder)
{
    const cJSON *details = cJSON_GetObjectItemCaseSensitive(holder, "details");
    const cJSON *d;
    if (!cJSON_IsArray(details)) return;
    cJSON_ArrayForEach(d, details)
    {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(d, "field");
        const cJSON *value = cJSON_GetObjectItemCaseSensitive(d, "value");
        const cJSON **slot = cJSON_IsString(name) ? pre_slot(f, name->valuestring) : NULL;
        if (slot) pre_take(slot, value);
    }
}

static void pre_from_flat(pre_fields *f, const cJSON *holder)
{
    static const char *const names[] = {"compose_hash",   "app_id",        "device_id",
                                        "kms_info",       "commit_token",  "commit_url",
                                        "api_commit_url", "onchain_status"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        pre_take(pre_slot(f, names[i]), cJSON_GetObjectItemCaseSensitive(holder, names[i]));
}

/* onchain_status {compose_hash_allowed, device_id_allowed, is_allowed}: bools or null. */
static int pre_onchain_status(const cJSON *v, pk_onchain_status *out, pk_error *err)
{
    if (!cJSON_IsObject(v))
        return pkx_error_set(err, PK_ERR_DECODE, "update_envs.onchain_status: expected object");
    const char *ctx = "update_envs.onchain_status";
    if (pkx_json_bool(v, ctx, "compose_hash_allowed", 0, &out->compose_hash_allowed, err) ||
        pkx_json_bool(v, ctx, "device_id_allowed", 0, &out->device_id_allowed, err) ||
        pkx_json_bool(v, ctx, "is_allowed", 0, &out->is_allowed, err))
        return -1;
    return 0;
}

/* details[].value may be a string or a number; ids are kept as text either way. */
static int pre_text(const cJSON *v, const char *field, bool required, char **out, pk_error *err)
{
    *out = NULL;
    if (!v) {
        if (required)
            return pkx_error_set(err, PK_ERR_PRECONDITION,
                                 "HTTP 465 without %s: cannot tell what to register on-chain",
                                 field);
        return 0;
    }
    if (cJSON_IsString(v)) {
        if (required && !v->valuestring[0])
            return pkx_error_set(err, PK_ERR_PRECONDITION, "HTTP 465 with an empty %s", field);
        *out = pkx_strdup(v->valuestring);
    } else if (cJSON_IsNumber(v)) {
        char tmp[64];
        snprintf(tmp, sizeof tmp, "%.17g", v->valuedouble);
        *out = pkx_strdup(tmp);
    } else {
        return pkx_error_set(err, PK_ERR_DECODE, "update_envs.%s: expected string", field);
    }
    return *out ? 0 : pkx_error_set(err, PK_ERR_NOMEM, "out of memory");
}

int pkx_decode_envs_465(const char *body, size_t len, const char *header_request_id,
                        pk_envs_update_result *out, pk_error *err)
{
    memset(out, 0, sizeof *out);
    out->status = PK_ENVS_PRECONDITION_REQUIRED;
    cJSON *root = (body && len) ? cJSON_ParseWithLength(body, len) : NULL;
    int rc = -1;
    if (!cJSON_IsObject(root)) {
        pkx_error_set(err, PK_ERR_PRECONDITION,
                      "HTTP 465 whose body is not a JSON object: cannot tell what to register");
        goto done;
    }
    const cJSON *detail = cJSON_GetObjectItemCaseSensitive(root, "detail");
    if (!cJSON_IsObject(detail)) detail = NULL;
    pre_fields f = {0};
    pre_from_details(&f, root);
    pre_from_flat(&f, root);
    if (detail) {
        pre_from_details(&f, detail);
        pre_from_flat(&f, detail);
    }
    if (pre_text(f.compose_hash, "compose_hash", true, &out->precondition.compose_hash, err) ||
        pre_text(f.app_id, "app_id", true, &out->precondition.app_id, err) ||
        pre_text(f.device_id, "device_id", false, &out->precondition.device_id, err) ||
        pre_text(f.commit_url, "commit_url", false, &out->precondition.commit_url, err) ||
        pre_text(f.api_commit_url, "api_commit_url", false, &out->precondition.api_commit_url, err))
        goto done;
    if (f.commit_token) {
        if (!cJSON_IsString(f.commit_token)) { /* never quote it: it is a secret */
            pkx_error_set(err, PK_ERR_DECODE, "update_envs.commit_token: expected string");
            goto done;
        }
        if (f.commit_token->valuestring[0] &&
            !(out->precondition.commit_token = pkx_strdup(f.commit_token->valuestring))) {
            pkx_error_set(err, PK_ERR_NOMEM, "out of memory");
            goto done;
        }
    }
    if (f.onchain_status) {
        if (pre_onchain_status(f.onchain_status, &out->precondition.onchain_status, err)) goto done;
        out->precondition.has_onchain_status = true;
    }
    if (f.kms_info) {
        if (!cJSON_IsObject(f.kms_info)) {
            pkx_error_set(err, PK_ERR_DECODE, "update_envs.kms_info: expected object");
            goto done;
        }
        if (pkx_parse_kms_info(f.kms_info, "update_envs.kms_info", &out->precondition.kms_info,
                               err))
            goto done;
        out->precondition.has_kms_info = true;
    }
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(root, "message");
    if (!cJSON_IsString(msg) && detail) msg = cJSON_GetObjectItemCaseSensitive(detail, "message");
    out->message =
        pkx_strdup(cJSON_IsString(msg) ? msg->valuestring : "Compose hash verification required");
    const cJSON *rid = cJSON_GetObjectItemCaseSensitive(root, "request_id");
    if (!cJSON_IsString(rid) && detail)
        rid = cJSON_GetObjectItemCaseSensitive(detail, "request_id");
    if (cJSON_IsString(rid))
        out->request_id = pkx_strdup(rid->valuestring);
    else if (header_request_id)
        out->request_id = pkx_strdup(header_request_id);
    rc = 0;
done:
    if (rc != 0) {
        pk_envs_update_result_free(out);
        if (err) {
            err->http_status = 465;
            if (!err->request_id && header_request_id)
                err->request_id = pkx_strdup(header_request_id);
            pkx_error_humanize(err, NULL, PKX_CRED_API_KEY);
        }
    }
    cJSON_Delete(root);
    return rc;
}
