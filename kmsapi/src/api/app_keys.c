/* app_keys.c — an app's keys: GET /kms/{kms}/pubkey/{app_id} (the signed env-encryption key) and
 * GET /kms/phala/next_app_id (app ids reserved ahead for Phala's KMS). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/pkx_api_parse.h"
#include "api/pkx_endpoint.h"
#include "api/pkx_json.h"
#include "common/pkx_error.h"

/* ---- app env-encryption public key ------------------------------------------------------------ */

void pk_app_pubkey_free(pk_app_pubkey *p)
{
    if (!p) return;
    free(p->public_key);
    free(p->signature);
    memset(p, 0, sizeof *p);
}

int pkx_decode_app_pubkey(const char *body, size_t len, pk_app_pubkey *out, pk_error *err)
{
    cJSON *root;
    memset(out, 0, sizeof *out);
    if (pkx_json_parse_object(body, len, "app_pubkey", &root, err)) return -1;
    int rc = 0;
    if (pkx_json_str(root, "app_pubkey", "public_key", PKX_REQUIRED, &out->public_key, err) ||
        pkx_json_str(root, "app_pubkey", "signature", PKX_REQUIRED, &out->signature, err)) {
        pk_app_pubkey_free(out);
        rc = -1;
    }
    cJSON_Delete(root);
    return rc;
}

static int decode_pubkey_cb(const char *b, size_t l, void *o, pk_error *e)
{
    return pkx_decode_app_pubkey(b, l, o, e);
}

int pk_app_pubkey_fetch(pk_client *c, const char *kms, const char *app_id, pk_app_pubkey *out,
                        pk_error *err)
{
    if (!out) return pkx_error_set(err, PK_ERR_INVALID_ARG, "pk_app_pubkey_fetch: out is NULL");
    memset(out, 0, sizeof *out);
    if (!c || !kms || !kms[0])
        return pkx_error_set(err, PK_ERR_INVALID_ARG, "kms: must not be empty");
    if (!pk_app_id_valid(app_id))
        return pkx_error_set(err, PK_ERR_INVALID_ARG,
                             "app_id: must be 40 hex digits, optionally prefixed by 0x");
    char *path = pkx_build_path("/kms/", kms, "/pubkey/", app_id, err);
    if (!path) return -1;
    /* No version pin (research/phala-api-2026-06.md §2.5, SDK PR #494): under 2026-05-22 the lookup
     * went through the node namespace, whose kms_type fallback could pick a replica an operator had
     * disabled — one that accepts TCP and never answers, so the call hung for the server's 30 s
     * KMS RPC timeout. The current version resolves {kms} onto its contract and skips such
     * replicas. */
    int rc = pkx_api_get(c, path, NULL, NULL, decode_pubkey_cb, out, err);
    free(path);
    return rc;
}

/* ---- next app ids ----------------------------------------------------------------------------- */

void pk_app_ids_free(pk_app_ids *a)
{
    if (!a) return;
    for (size_t i = 0; i < a->n_items; i++) free(a->items[i].app_id);
    free(a->items);
    memset(a, 0, sizeof *a);
}

int pkx_decode_app_ids(const char *body, size_t len, pk_app_ids *out, pk_error *err)
{
    cJSON *root;
    const cJSON *arr, *it;
    memset(out, 0, sizeof *out);
    if (pkx_json_parse_object(body, len, "next_app_ids", &root, err)) return -1;
    if (pkx_json_array(root, "next_app_ids", "app_ids", PKX_REQUIRED, &arr, err)) goto fail;
    int n = cJSON_GetArraySize(arr);
    if (n > 0 && !(out->items = calloc((size_t)n, sizeof *out->items))) {
        pkx_error_set(err, PK_ERR_NOMEM, "out of memory");
        goto fail;
    }
    cJSON_ArrayForEach(it, arr)
    {
        char ctx[48];
        snprintf(ctx, sizeof ctx, "next_app_ids.app_ids[%zu]", out->n_items);
        pk_app_id_entry *e = &out->items[out->n_items++];
        if (!cJSON_IsObject(it)) {
            pkx_error_set(err, PK_ERR_DECODE, "%s: expected object", ctx);
            goto fail;
        }
        if (pkx_json_str(it, ctx, "app_id", PKX_REQUIRED, &e->app_id, err) ||
            pkx_json_i64(it, ctx, "nonce", PKX_REQUIRED, &e->nonce, NULL, err))
            goto fail;
        if (e->nonce < 0) {
            pkx_error_set(err, PK_ERR_DECODE, "%s.nonce: expected a non-negative integer", ctx);
            goto fail;
        }
    }
    cJSON_Delete(root);
    return 0;
fail:
    cJSON_Delete(root);
    pk_app_ids_free(out);
    return -1;
}

static int decode_app_ids_cb(const char *b, size_t l, void *o, pk_error *e)
{
    return pkx_decode_app_ids(b, l, o, e);
}

int pk_app_ids_reserve(pk_client *c, int counts, pk_app_ids *out, pk_error *err)
{
    if (!out) return pkx_error_set(err, PK_ERR_INVALID_ARG, "pk_app_ids_reserve: out is NULL");
    memset(out, 0, sizeof *out);
    if (!c) return pkx_error_set(err, PK_ERR_INVALID_ARG, "client is NULL");
    if (counts < 1 || counts > PK_APP_IDS_MAX)
        return pkx_error_set(err, PK_ERR_INVALID_ARG, "count: must be between 1 and %d (got %d)",
                             PK_APP_IDS_MAX, counts);
    char query[32];
    snprintf(query, sizeof query, "counts=%d", counts);
    /* every call reserves new ids: two reservations in one plan must not share an answer */
    return pkx_api_get_uncached(c, "/kms/phala/next_app_id", query, decode_app_ids_cb, out, err);
}
