/* kms_contracts.c — the contract-centric KMS endpoints (research/phala-api-2026-06.md §2.1–§2.3):
 * GET /kms (contracts, + walk every page), GET /kms/{slug} and GET /kms/{slug}/nodes, all pinned to
 * PK_CONTRACT_API_VERSION as the SDKs pin them: under older versions the first two paths answer
 * with node-shaped KmsInfo instead. Required fields follow the JS SDK's zod schemas, so a body the
 * SDK rejects is rejected here too, with the field named. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/pkx_api_parse.h"
#include "api/pkx_endpoint.h"
#include "api/pkx_json.h"
#include "common/pkx_error.h"

/* ---- one contract ----------------------------------------------------------------------------- */

void pk_kms_contract_free(pk_kms_contract *k)
{
    if (!k) return;
    free(k->id);
    free(k->slug);
    free(k->label);
    free(k->contract_address);
    free(k->k256_pubkey);
    free(k->ca_pubkey);
    memset(k, 0, sizeof *k);
}

static int parse_contract(const cJSON *obj, const char *ctx, pk_kms_contract *out, pk_error *err)
{
    memset(out, 0, sizeof *out);
    if (!cJSON_IsObject(obj)) return pkx_error_set(err, PK_ERR_DECODE, "%s: expected object", ctx);
    if (pkx_json_str(obj, ctx, "id", PKX_REQUIRED, &out->id, err) ||
        pkx_json_str(obj, ctx, "slug", 0, &out->slug, err) ||
        pkx_json_str(obj, ctx, "label", 0, &out->label, err) ||
        pkx_json_str(obj, ctx, "contract_address", PKX_REQUIRED, &out->contract_address, err) ||
        pkx_json_i64(obj, ctx, "chain_id", PKX_REQUIRED, &out->chain_id, NULL, err) ||
        pkx_json_str(obj, ctx, "k256_pubkey", 0, &out->k256_pubkey, err) ||
        pkx_json_str(obj, ctx, "ca_pubkey", 0, &out->ca_pubkey, err) ||
        pkx_json_i64(obj, ctx, "node_count", PKX_REQUIRED, &out->node_count, NULL, err)) {
        pk_kms_contract_free(out);
        return -1;
    }
    return 0;
}

int pkx_decode_kms_contract(const char *body, size_t len, pk_kms_contract *out, pk_error *err)
{
    cJSON *root;
    memset(out, 0, sizeof *out);
    if (pkx_json_parse_object(body, len, "kms_contract", &root, err)) return -1;
    int rc = parse_contract(root, "kms_contract", out, err);
    cJSON_Delete(root);
    return rc;
}

static int decode_contract_cb(const char *b, size_t l, void *o, pk_error *e)
{
    return pkx_decode_kms_contract(b, l, o, e);
}

int pk_kms_contract_fetch(pk_client *c, const char *slug_or_id, pk_kms_contract *out, pk_error *err)
{
    if (!out) return pkx_error_set(err, PK_ERR_INVALID_ARG, "pk_kms_contract_fetch: out is NULL");
    memset(out, 0, sizeof *out);
    if (!c || !slug_or_id || !slug_or_id[0])
        return pkx_error_set(err, PK_ERR_INVALID_ARG, "contract: must not be empty");
    char *path = pkx_build_path("/kms/", slug_or_id, NULL, NULL, err);
    if (!path) return -1;
    int rc = pkx_api_get(c, path, NULL, PK_CONTRACT_API_VERSION, decode_contract_cb, out, err);
    free(path);
    return rc;
}

/* ---- the list --------------------------------------------------------------------------------- */

void pk_kms_contract_list_free(pk_kms_contract_list *l)
{
    if (!l) return;
    for (size_t i = 0; i < l->n_items; i++) pk_kms_contract_free(&l->items[i]);
    free(l->items);
    memset(l, 0, sizeof *l);
}

int pkx_decode_kms_contract_list(const char *body, size_t len, pk_kms_contract_list *out,
                                 pk_error *err)
{
    cJSON *root;
    const cJSON *items, *it;
    const char *c = "kms_contracts";
    memset(out, 0, sizeof *out);
    if (pkx_json_parse_object(body, len, c, &root, err)) return -1;
    if (pkx_json_array(root, c, "items", PKX_REQUIRED, &items, err) ||
        pkx_json_i64(root, c, "total", PKX_REQUIRED, &out->total, NULL, err) ||
        pkx_json_i64(root, c, "page", PKX_REQUIRED, &out->page, NULL, err) ||
        pkx_json_i64(root, c, "page_size", PKX_REQUIRED, &out->page_size, NULL, err) ||
        pkx_json_i64(root, c, "pages", PKX_REQUIRED, &out->pages, NULL, err))
        goto fail;
    int n = cJSON_GetArraySize(items);
    if (n > 0 && !(out->items = calloc((size_t)n, sizeof *out->items))) {
        pkx_error_set(err, PK_ERR_NOMEM, "out of memory");
        goto fail;
    }
    cJSON_ArrayForEach(it, items)
    {
        char ctx[48];
        snprintf(ctx, sizeof ctx, "%s.items[%zu]", c, out->n_items);
        if (parse_contract(it, ctx, &out->items[out->n_items], err)) goto fail;
        out->n_items++;
    }
    cJSON_Delete(root);
    return 0;
fail:
    cJSON_Delete(root);
    pk_kms_contract_list_free(out);
    return -1;
}

static int decode_list_cb(const char *b, size_t l, void *o, pk_error *e)
{
    return pkx_decode_kms_contract_list(b, l, o, e);
}

int pk_kms_contracts_fetch(pk_client *c, pk_tristate is_onchain, int page, int page_size,
                           pk_kms_contract_list *out, pk_error *err)
{
    if (!out) return pkx_error_set(err, PK_ERR_INVALID_ARG, "pk_kms_contracts_fetch: out is NULL");
    memset(out, 0, sizeof *out);
    if (!c) return pkx_error_set(err, PK_ERR_INVALID_ARG, "client is NULL");
    char query[96];
    if (pkx_page_query(query, sizeof query, is_onchain, page, page_size, err) != 0) return -1;
    return pkx_api_get(c, "/kms", query[0] ? query : NULL, PK_CONTRACT_API_VERSION, decode_list_cb,
                       out, err);
}

int pk_kms_contracts_fetch_all(pk_client *c, pk_tristate is_onchain, pk_kms_contract_list *out,
                               pk_error *err)
{
    if (!out)
        return pkx_error_set(err, PK_ERR_INVALID_ARG, "pk_kms_contracts_fetch_all: out is NULL");
    memset(out, 0, sizeof *out);
    size_t cap = 0;
    for (int page = 1;; page++) {
        if (page > PKX_WALK_MAX_PAGES) {
            pk_kms_contract_list_free(out);
            return pkx_error_set(err, PK_ERR_DECODE,
                                 "kms_contracts: more than %d pages; the server never reports the "
                                 "last",
                                 PKX_WALK_MAX_PAGES);
        }
        pk_kms_contract_list one;
        if (pk_kms_contracts_fetch(c, is_onchain, page, PK_PAGE_SIZE_MAX, &one, err)) {
            pk_kms_contract_list_free(out);
            return -1;
        }
        if (pkx_items_append((void **)&out->items, &out->n_items, &cap, one.items, one.n_items,
                             sizeof *one.items) != 0) {
            pk_kms_contract_list_free(&one);
            pk_kms_contract_list_free(out);
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

/* ---- a contract's replicas -------------------------------------------------------------------- */

void pk_kms_node_list_free(pk_kms_node_list *l)
{
    if (!l) return;
    for (size_t i = 0; i < l->n_items; i++) {
        pk_kms_node *n = &l->items[i];
        free(n->id);
        free(n->slug);
        free(n->url);
        free(n->version);
        free(n->kms_type);
    }
    free(l->items);
    memset(l, 0, sizeof *l);
}

int pkx_decode_kms_node_list(const char *body, size_t len, pk_kms_node_list *out, pk_error *err)
{
    cJSON *root;
    const cJSON *items, *it;
    const char *c = "kms_nodes";
    memset(out, 0, sizeof *out);
    if (pkx_json_parse_object(body, len, c, &root, err)) return -1;
    if (pkx_json_array(root, c, "items", PKX_REQUIRED, &items, err) ||
        pkx_json_i64(root, c, "total", PKX_REQUIRED, &out->total, NULL, err))
        goto fail;
    int n = cJSON_GetArraySize(items);
    if (n > 0 && !(out->items = calloc((size_t)n, sizeof *out->items))) {
        pkx_error_set(err, PK_ERR_NOMEM, "out of memory");
        goto fail;
    }
    cJSON_ArrayForEach(it, items)
    {
        char ctx[48];
        snprintf(ctx, sizeof ctx, "%s.items[%zu]", c, out->n_items);
        /* Counted first so that a half-filled node is released too. */
        pk_kms_node *node = &out->items[out->n_items++];
        if (!cJSON_IsObject(it)) {
            pkx_error_set(err, PK_ERR_DECODE, "%s: expected object", ctx);
            goto fail;
        }
        if (pkx_json_str(it, ctx, "id", PKX_REQUIRED, &node->id, err) ||
            pkx_json_str(it, ctx, "slug", 0, &node->slug, err) ||
            pkx_json_str(it, ctx, "url", PKX_REQUIRED, &node->url, err) ||
            pkx_json_str(it, ctx, "version", PKX_REQUIRED, &node->version, err) ||
            pkx_json_str(it, ctx, "kms_type", PKX_REQUIRED, &node->kms_type, err))
            goto fail;
    }
    cJSON_Delete(root);
    return 0;
fail:
    cJSON_Delete(root);
    pk_kms_node_list_free(out);
    return -1;
}

static int decode_nodes_cb(const char *b, size_t l, void *o, pk_error *e)
{
    return pkx_decode_kms_node_list(b, l, o, e);
}

int pk_kms_contract_nodes_fetch(pk_client *c, const char *slug_or_id, pk_kms_node_list *out,
                                pk_error *err)
{
    if (!out)
        return pkx_error_set(err, PK_ERR_INVALID_ARG, "pk_kms_contract_nodes_fetch: out is NULL");
    memset(out, 0, sizeof *out);
    if (!c || !slug_or_id || !slug_or_id[0])
        return pkx_error_set(err, PK_ERR_INVALID_ARG, "contract: must not be empty");
    char *path = pkx_build_path("/kms/", slug_or_id, "/nodes", NULL, err);
    if (!path) return -1;
    int rc = pkx_api_get(c, path, NULL, PK_CONTRACT_API_VERSION, decode_nodes_cb, out, err);
    free(path);
    return rc;
}
