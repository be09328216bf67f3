/* app_policy.c — what the API says about an app's key-release policy (research/phala-api-2026-06.md
 * §4.7): GET /apps/{app_id}/device-allowlist (through the client's GET cache, as every read) and
 * POST /apps/{app_id}/cvms/is-allowed {} (a read sent as POST: never cached, as is-allowed for one
 * CVM is not). Decoders are strict about types; CVM ids are strings or (2026-01-21) integers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/pkx_api_parse.h"
#include "api/pkx_client.h"
#include "api/pkx_endpoint.h"
#include "api/pkx_http.h"
#include "api/pkx_json.h"
#include "common/pkx_error.h"
#include "common/pkx_str.h"

/* ---- shared ---------------------------------------------------------------------------------- */

/* An array of CVM ids (strings or integers) at obj.key (absent/null = none). */
static int id_list(const cJSON *obj, const char *ctx, const char *key, char ***out, size_t *n,
                   pk_error *err)
{
    const cJSON *arr, *it;
    *out = NULL;
    *n = 0;
    if (pkx_json_array(obj, ctx, key, 0, &arr, err)) return -1;
    int cnt = arr ? cJSON_GetArraySize(arr) : 0;
    if (cnt <= 0) return 0;
    if (!(*out = calloc((size_t)cnt, sizeof **out)))
        return pkx_error_set(err, PK_ERR_NOMEM, "out of memory");
    cJSON_ArrayForEach(it, arr)
    {
        char c[96];
        snprintf(c, sizeof c, "%s.%s[%zu]", ctx, key, *n);
        if (pkx_json_elem_str_or_int(it, c, &(*out)[*n], err)) return -1;
        (*n)++;
    }
    return 0;
}

static void ids_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

/* "/apps/" + the app id without 0x, lowercase + tail; NULL with err for an invalid id. */
static char *app_path(const char *app_id, const char *tail, pk_error *err)
{
    if (!pk_app_id_valid(app_id)) {
        pkx_error_set(err, PK_ERR_INVALID_ARG,
                      "app_id: must be 40 hex digits, optionally prefixed by 0x");
        return NULL;
    }
    char id[41];
    const char *h =
        (app_id[0] == '0' && (app_id[1] == 'x' || app_id[1] == 'X')) ? app_id + 2 : app_id;
    for (int i = 0; i < 40; i++) id[i] = (char)((h[i] >= 'A' && h[i] <= 'F') ? h[i] + 32 : h[i]);
    id[40] = 0;
    return pkx_build_path("/apps/", id, tail, NULL, err);
}

/* ---- device allowlist ------------------------------------------------------------------------- */

void pk_device_allowlist_free(pk_device_allowlist *d)
{
    if (!d) return;
    for (size_t i = 0; i < d->n_devices; i++) {
        pk_allowlist_device *v = &d->devices[i];
        free(v->device_id);
        free(v->node_name);
        free(v->status);
        ids_free(v->cvm_ids, v->n_cvm_ids);
    }
    free(d->devices);
    free(d->app_contract_address);
    memset(d, 0, sizeof *d);
}

int pkx_decode_device_allowlist(const char *body, size_t len, pk_device_allowlist *out,
                                pk_error *err)
{
    cJSON *root;
    const cJSON *arr, *it;
    pk_tristate onchain;
    int64_t chain = 0;
    const char *c = "device_allowlist";
    memset(out, 0, sizeof *out);
    if (pkx_json_parse_object(body, len, c, &root, err)) return -1;
    if (pkx_json_bool(root, c, "is_onchain_kms", PKX_REQUIRED, &onchain, err) ||
        pkx_json_bool(root, c, "allow_any_device", 0, &out->allow_any_device, err) ||
        pkx_json_i64(root, c, "chain_id", 0, &chain, &out->has_chain_id, err) ||
        pkx_json_str(root, c, "app_contract_address", 0, &out->app_contract_address, err) ||
        pkx_json_array(root, c, "devices", 0, &arr, err))
        goto fail;
    out->is_onchain_kms = onchain == PK_TRUE;
    if (out->has_chain_id && chain < 0) {
        pkx_error_set(err, PK_ERR_DECODE, "%s.chain_id: expected a non-negative integer", c);
        goto fail;
    }
    out->chain_id = (uint64_t)chain;
    int n = arr ? cJSON_GetArraySize(arr) : 0;
    if (n > 0 && !(out->devices = calloc((size_t)n, sizeof *out->devices))) {
        pkx_error_set(err, PK_ERR_NOMEM, "out of memory");
        goto fail;
    }
    if (arr) cJSON_ArrayForEach(it, arr)
        {
            char ctx[64];
            snprintf(ctx, sizeof ctx, "%s.devices[%zu]", c, out->n_devices);
            pk_allowlist_device *d = &out->devices[out->n_devices++];
            pk_tristate allowed;
            if (!cJSON_IsObject(it)) {
                pkx_error_set(err, PK_ERR_DECODE, "%s: expected object", ctx);
                goto fail;
            }
            if (pkx_json_str(it, ctx, "device_id", PKX_REQUIRED, &d->device_id, err) ||
                pkx_json_str(it, ctx, "node_name", 0, &d->node_name, err) ||
                pkx_json_bool(it, ctx, "allowed_onchain", PKX_REQUIRED, &allowed, err) ||
                pkx_json_str(it, ctx, "status", 0, &d->status, err) ||
                id_list(it, ctx, "cvm_ids", &d->cvm_ids, &d->n_cvm_ids, err))
                goto fail;
            d->allowed_onchain = allowed == PK_TRUE;
        }
    cJSON_Delete(root);
    return 0;
fail:
    cJSON_Delete(root);
    pk_device_allowlist_free(out);
    return -1;
}

static int decode_allowlist_cb(const char *b, size_t l, void *o, pk_error *e)
{
    return pkx_decode_device_allowlist(b, l, o, e);
}

int pk_app_device_allowlist_fetch(pk_client *c, const char *app_id, pk_device_allowlist *out,
                                  pk_error *err)
{
    if (!out)
        return pkx_error_set(err, PK_ERR_INVALID_ARG, "pk_app_device_allowlist_fetch: out is NULL");
    memset(out, 0, sizeof *out);
    if (!c) return pkx_error_set(err, PK_ERR_INVALID_ARG, "client is NULL");
    char *path = app_path(app_id, "/device-allowlist", err);
    if (!path) return -1;
    int rc = pkx_api_get(c, path, NULL, NULL, decode_allowlist_cb, out, err);
    free(path);
    return rc;
}

/* ---- is-allowed for every CVM of the app ------------------------------------------------------ */

void pk_app_cvms_allowed_free(pk_app_cvms_allowed *a)
{
    if (!a) return;
    for (size_t i = 0; i < a->n_results; i++) {
        free(a->results[i].cvm_id);
        pk_is_allowed_free(&a->results[i].info);
    }
    free(a->results);
    ids_free(a->skipped_cvm_ids, a->n_skipped);
    memset(a, 0, sizeof *a);
}

/* A count: an integer >= 0 (absent = 0, as the SDK's default). */
static int count(const cJSON *o, const char *c, const char *key, long *out, pk_error *err)
{
    int64_t v = 0;
    if (pkx_json_i64(o, c, key, 0, &v, NULL, err)) return -1;
    if (v < 0 || v > 1000000000)
        return pkx_error_set(err, PK_ERR_DECODE, "%s.%s: expected a non-negative count", c, key);
    *out = (long)v;
    return 0;
}

int pkx_decode_app_cvms_allowed(const char *body, size_t len, pk_app_cvms_allowed *out,
                                pk_error *err)
{
    cJSON *root;
    const cJSON *arr, *it;
    pk_tristate onchain;
    const char *c = "app_cvms_is_allowed";
    memset(out, 0, sizeof *out);
    if (pkx_json_parse_object(body, len, c, &root, err)) return -1;
    if (pkx_json_bool(root, c, "is_onchain", PKX_REQUIRED, &onchain, err) ||
        count(root, c, "total", &out->total, err) ||
        count(root, c, "allowed_count", &out->allowed_count, err) ||
        count(root, c, "denied_count", &out->denied_count, err) ||
        count(root, c, "error_count", &out->error_count, err) ||
        pkx_json_array(root, c, "results", 0, &arr, err) ||
        id_list(root, c, "skipped_cvm_ids", &out->skipped_cvm_ids, &out->n_skipped, err))
        goto fail;
    out->is_onchain = onchain == PK_TRUE;
    int n = arr ? cJSON_GetArraySize(arr) : 0;
    if (n > 0 && !(out->results = calloc((size_t)n, sizeof *out->results))) {
        pkx_error_set(err, PK_ERR_NOMEM, "out of memory");
        goto fail;
    }
    if (arr) cJSON_ArrayForEach(it, arr)
        {
            char ctx[64];
            snprintf(ctx, sizeof ctx, "%s.results[%zu]", c, out->n_results);
            pk_app_cvm_allowed *r = &out->results[out->n_results++];
            if (!cJSON_IsObject(it)) {
                pkx_error_set(err, PK_ERR_DECODE, "%s: expected object", ctx);
                goto fail;
            }
            if (pkx_json_str_or_int(it, ctx, "cvm_id", PKX_REQUIRED, &r->cvm_id, err) ||
                pkx_parse_is_allowed(it, ctx, &r->info, err))
                goto fail;
        }
    cJSON_Delete(root);
    return 0;
fail:
    cJSON_Delete(root);
    pk_app_cvms_allowed_free(out);
    return -1;
}

int pk_app_cvms_is_allowed(pk_client *c, const char *app_id, pk_app_cvms_allowed *out,
                           pk_error *err)
{
    if (!out) return pkx_error_set(err, PK_ERR_INVALID_ARG, "pk_app_cvms_is_allowed: out is NULL");
    memset(out, 0, sizeof *out);
    if (!c) return pkx_error_set(err, PK_ERR_INVALID_ARG, "client is NULL");
    char *path = app_path(app_id, "/cvms/is-allowed", err);
    if (!path) return -1;
    pkx_request req = {.method = "POST", .path = path, .json_body = "{}"};
    pkx_response resp;
    int rc = -1;
    if (pkx_http_call(c, &req, false, &resp, err) == 0) {
        rc = pkx_decode_app_cvms_allowed(resp.body, resp.len, out, err);
        if (rc != 0 && err) {
            err->http_status = resp.status;
            if (!err->request_id && resp.request_id) err->request_id = pkx_strdup(resp.request_id);
            pkx_error_seal(err, c);
        }
        pkx_response_free(&resp);
    }
    free(path);
    return rc;
}
