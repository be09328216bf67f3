/* kms_nodes.c — the node-shaped KMS endpoints (research/phala-api.md §2.1–§2.2): GET /kms (+ walk
 * every page) and GET /kms/{id}, with the KmsInfo decoder the 465 body reuses. Deprecated by the
 * API's contract-centric version, and pinned to PK_NODE_API_VERSION whatever the client's version,
 * as the SDKs' getKmsList / getKmsInfo are: under 2026-06-23 the same paths return contracts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/pkx_api_parse.h"
#include "api/pkx_endpoint.h"
#include "api/pkx_json.h"
#include "common/pkx_error.h"

/* ---- KmsInfo ---------------------------------------------------------------------------------- */

void pk_kms_info_free(pk_kms_info *k)
{
    if (!k) return;
    free(k->id);
    free(k->slug);
    free(k->url);
    free(k->version);
    free(k->kms_contract_address);
    free(k->gateway_app_id);
    free(k->k256_pubkey);
    memset(k, 0, sizeof *k);
}

int pkx_parse_kms_info(const cJSON *obj, const char *ctx, pk_kms_info *out, pk_error *err)
{
    memset(out, 0, sizeof *out);
    if (!cJSON_IsObject(obj)) return pkx_error_set(err, PK_ERR_DECODE, "%s: expected object", ctx);
    if (pkx_json_str(obj, ctx, "id", PKX_REQUIRED, &out->id, err) ||
        pkx_json_str(obj, ctx, "slug", 0, &out->slug, err) ||
        pkx_json_str(obj, ctx, "url", 0, &out->url, err) ||
        pkx_json_str(obj, ctx, "version", 0, &out->version, err) ||
        pkx_json_i64(obj, ctx, "chain_id", 0, &out->chain_id, &out->has_chain_id, err) ||
        pkx_json_str(obj, ctx, "kms_contract_address", 0, &out->kms_contract_address, err) ||
        pkx_json_str(obj, ctx, "gateway_app_id", 0, &out->gateway_app_id, err) ||
        pkx_json_str(obj, ctx, "k256_pubkey", 0, &out->k256_pubkey, err)) {
        pk_kms_info_free(out);
        return -1;
    }
    return 0;
}

int pkx_decode_kms_info(const char *body, size_t len, pk_kms_info *out, pk_error *err)
{
    cJSON *root;
    memset(out, 0, sizeof *out);
    if (pkx_json_parse_object(body, len, "kms_info", &root, err)) return -1;
    int rc = pkx_parse_kms_info(root, "kms_info", out, err);
    cJSON_Delete(root);
    return rc;
}

static int decode_kms_info_cb(const char *b, size_t l, void *o, pk_error *e)
{
    return pkx_decode_kms_info(b, l, o, e);
}

int pk_kms_info_fetch(pk_client *c, const char *kms_id_or_slug, pk_kms_info *out, pk_error *err)
{
    if (!out) return pkx_error_set(err, PK_ERR_INVALID_ARG, "pk_kms_info_fetch: out is NULL");
    memset(out, 0, sizeof *out);
    if (!c || !kms_id_or_slug || !kms_id_or_slug[0])
        return pkx_error_set(err, PK_ERR_INVALID_ARG, "kms_id: must not be empty");
    char *path = pkx_build_path("/kms/", kms_id_or_slug, NULL, NULL, err);
    if (!path) return -1;
    int rc = pkx_api_get(c, path, NULL, PK_NODE_API_VERSION, decode_kms_info_cb, out, err);
    free(path);
    return rc;
}

/* ---- list ------------------------------------------------------------------------------------- */

void pk_kms_list_free(pk_kms_list *l)
{
    if (!l) return;
    for (size_t i = 0; i < l->n_items; i++) pk_kms_info_free(&l->items[i]);
    free(l->items);
    memset(l, 0, sizeof *l);
}
int pkx_decode_kms_list(const char *body, size_t len, pk_kms_list *out, pk_error *err)
{
    cJSON *root;
    const cJSON *items;
    memset(out, 0, sizeof *out);
    if (pkx_json_parse_object(body, len, "kms_list", &root, err)) return -1;
    if (pkx_json_array(root, "kms_list", "items", PKX_REQUIRED, &items, err) ||
        pkx_json_i64(root, "kms_list", "total", PKX_REQUIRED, &out->total, NULL, err) ||
        pkx_json_i64(root, "kms_list", "page", PKX_REQUIRED, &out->page, NULL, err) ||
        pkx_json_i64(root, "kms_list", "page_size", PKX_REQUIRED, &out->page_size, NULL, err) ||
        pkx_json_i64(root, "kms_list", "pages", PKX_REQUIRED, &out->pages, NULL, err))
        goto fail;
    int n = cJSON_GetArraySize(items);
    if (n > 0) {
        out->items = calloc((size_t)n, sizeof *out->items);
        if (!out->items) {
            pkx_error_set(err, PK_ERR_NOMEM, "out of memory");
            goto fail;
        }
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, items)
    {
        char ctx[48];
        snprintf(ctx, sizeof ctx, "kms_list.items[%zu]", out->n_items);
        if (pkx_parse_kms_info(it, ctx, &out->items[out->n_items], err)) goto fail;
        out->n_items++;
    }
    cJSON_Delete(root);
    return 0;
fail:
    cJSON_Delete(root);
    pk_kms_list_free(out);
    return -1;
}

static int decode_kms_list_cb(const char *b, size_t l, void *o, pk_error *e)
{
    return pkx_decode_kms_list(b, l, o, e);
}

int pk_kms_list_fetch(pk_client *c, pk_tristate is_onchain, int page, int page_size,
                      pk_kms_list *out, pk_error *err)
{
    if (!out) return pkx_error_set(err, PK_ERR_INVALID_ARG, "pk_kms_list_fetch: out is NULL");
    memset(out, 0, sizeof *out);
    if (!c) return pkx_error_set(err, PK_ERR_INVALID_ARG, "client is NULL");
    char query[96];
    if (pkx_page_query(query, sizeof query, is_onchain, page, page_size, err) != 0) return -1;
    return pkx_api_get(c, "/kms", query[0] ? query : NULL, PK_NODE_API_VERSION, decode_kms_list_cb,
                       out, err);
}

int pk_kms_list_fetch_all(pk_client *c, pk_tristate is_onchain, pk_kms_list *out, pk_error *err)
{
    if (!out) return pkx_error_set(err, PK_ERR_INVALID_ARG, "pk_kms_list_fetch_all: out is NULL");
    memset(out, 0, sizeof *out);
    size_t cap = 0;
    for (int page = 1;; page++) {
        if (page > PKX_WALK_MAX_PAGES) {
            pk_kms_list_free(out);
            return pkx_error_set(err, PK_ERR_DECODE,
                                 "kms_list: more than %d pages; the server never reports the last",
                                 PKX_WALK_MAX_PAGES);
        }
        pk_kms_list one;
        if (pk_kms_list_fetch(c, is_onchain, page, PK_PAGE_SIZE_MAX, &one, err)) {
            pk_kms_list_free(out);
            return -1;
        }
        if (pkx_items_append((void **)&out->items, &out->n_items, &cap, one.items, one.n_items,
                             sizeof *one.items) != 0) {
            pk_kms_list_free(&one);
            pk_kms_list_free(out);
            return pkx_error_set(err, PK_ERR_NOMEM, "out of memory");
        }
        free(one.items);
        out->total = one.total;
        out->pages = one.pages;
        if (pkx_page_is_last(page, one.n_items, out->n_items, one.total, one.pages)) break;
    }
    out->page = 1;
    out->page_size = (int64_t)out->n_items;
    return 0;
}
