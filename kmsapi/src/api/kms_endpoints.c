/* kms_endpoints.c — the KMS endpoints (research/phala-api.md §2): GET /kms (+ walk every page),
 * /kms/{id}, /kms/on-chain/{chain}, /kms/{kms}/pubkey/{app_id}, /kms/phala/next_app_id, their
 * decoders, and the shared GET-then-decode helper. Node-centric KMS endpoints are pinned to
 * X-Phala-Version 2026-05-22 whatever the client's version: newer versions change /kms's shape. */
#include "api/pkx_api_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/pkx_client.h"
#include "api/pkx_http.h"
#include "api/pkx_json.h"
#include "common/pkx_error.h"
#include "common/pkx_str.h"

#define PKX_KMS_PIN_VERSION "2026-05-22"
#define PKX_WALK_MAX_PAGES  1000 /* a server that never says "last page" must not loop forever */

/* ---- shared helpers --------------------------------------------------------------------------- */

int pkx_api_get(pk_client *c, const char *path, const char *query, const char *pin,
                pkx_decode_fn decode, void *out, pk_error *err)
{
    pkx_request req = {.method = "GET", .path = path, .query = query, .pin_version = pin};
    pkx_response resp;
    if (pkx_http_call(c, &req, false, &resp, err) != 0) return -1;
    int rc = decode(resp.body, resp.len, out, err);
    if (rc != 0 && err) {
        if (!err->request_id && resp.request_id) err->request_id = pkx_strdup(resp.request_id);
        err->http_status = resp.status;
        err->attempts = err->attempts ? err->attempts : 1;
        pkx_error_seal(err, c);
    }
    pkx_response_free(&resp);
    return rc;
}

/* "/kms/" + escaped(a) [+ mid + escaped(b)] into a malloc'd path. */
char *pkx_build_path(const char *head, const char *a, const char *mid, const char *b)
{
    size_t n = strlen(head) + 3 * strlen(a) + (mid ? strlen(mid) + 3 * strlen(b) : 0) + 1;
    char *p = malloc(n);
    if (!p) return NULL;
    snprintf(p, n, "%s", head);
    if (pkx_path_escape(a, p, n) != 0) goto fail;
    if (mid) {
        size_t l = strlen(p);
        snprintf(p + l, n - l, "%s", mid);
        if (pkx_path_escape(b, p, n) != 0) goto fail;
    }
    return p;
fail:
    free(p);
    return NULL;
}

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
    char *path = pkx_build_path("/kms/", kms_id_or_slug, NULL, NULL);
    if (!path) return pkx_error_set(err, PK_ERR_NOMEM, "out of memory");
    int rc = pkx_api_get(c, path, NULL, PKX_KMS_PIN_VERSION, decode_kms_info_cb, out, err);
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
    if (page < 0) return pkx_error_set(err, PK_ERR_INVALID_ARG, "page: must be at least 1");
    if (page_size < 0 || page_size > PK_PAGE_SIZE_MAX)
        return pkx_error_set(err, PK_ERR_INVALID_ARG, "page_size: must be between 1 and %d",
                             PK_PAGE_SIZE_MAX);
    char query[96] = "";
    size_t q = 0;
    if (page > 0) q += (size_t)snprintf(query + q, sizeof query - q, "page=%d", page);
    if (page_size > 0)
        q += (size_t)snprintf(query + q, sizeof query - q, "%spage_size=%d", q ? "&" : "",
                              page_size);
    if (is_onchain != PK_UNSET)
        q += (size_t)snprintf(query + q, sizeof query - q, "%sis_onchain=%s", q ? "&" : "",
                              is_onchain == PK_TRUE ? "true" : "false");
    return pkx_api_get(c, "/kms", q ? query : NULL, PKX_KMS_PIN_VERSION, decode_kms_list_cb, out,
                       err);
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
        if (out->n_items + one.n_items > cap) {
            size_t ncap = cap ? cap : 128;
            while (ncap < out->n_items + one.n_items) ncap *= 2;
            pk_kms_info *p = realloc(out->items, ncap * sizeof *p);
            if (!p) {
                pk_kms_list_free(&one);
                pk_kms_list_free(out);
                return pkx_error_set(err, PK_ERR_NOMEM, "out of memory");
            }
            out->items = p;
            cap = ncap;
        }
        /* Move the page's items (shallow copies own their strings now). */
        if (one.n_items)
            memcpy(out->items + out->n_items, one.items, one.n_items * sizeof *one.items);
        out->n_items += one.n_items;
        out->total = one.total;
        out->pages = one.pages;
        free(one.items);
        bool last = one.n_items == 0 || page >= one.pages ||
                    (one.total > 0 && out->n_items >= (size_t)one.total);
        if (last) break;
    }
    out->page = 1;
    out->page_size = (int64_t)out->n_items;
    return 0;
}

/* ---- on-chain detail -------------------------------------------------------------------------- */

void pk_kms_onchain_free(pk_kms_onchain *o)
{
    if (!o) return;
    for (size_t i = 0; i < o->n_contracts; i++) {
        pk_onchain_contract *k = &o->contracts[i];
        for (size_t j = 0; j < k->n_devices; j++) {
            free(k->devices[j].device_id);
            free(k->devices[j].node_name);
        }
        for (size_t j = 0; j < k->n_os_images; j++) {
            free(k->os_images[j].name);
            free(k->os_images[j].version);
            free(k->os_images[j].os_image_hash);
        }
        free(k->devices);
        free(k->os_images);
        free(k->contract_address);
        free(k->chain_name);
    }
    free(o->contracts);
    free(o->chain_name);
    memset(o, 0, sizeof *o);
}

static int parse_contract(const cJSON *obj, const char *ctx, pk_onchain_contract *k, pk_error *err)
{
    const cJSON *devs, *imgs, *it;
    char sub[96];
    if (!cJSON_IsObject(obj)) return pkx_error_set(err, PK_ERR_DECODE, "%s: expected object", ctx);
    if (pkx_json_str(obj, ctx, "contract_address", PKX_REQUIRED, &k->contract_address, err) ||
        pkx_json_i64(obj, ctx, "chain_id", PKX_REQUIRED, &k->chain_id, NULL, err) ||
        pkx_json_str(obj, ctx, "chain_name", 0, &k->chain_name, err) ||
        pkx_json_array(obj, ctx, "devices", 0, &devs, err) ||
        pkx_json_array(obj, ctx, "os_images", 0, &imgs, err))
        return -1;
    int nd = cJSON_GetArraySize(devs), ni = cJSON_GetArraySize(imgs);
    if ((nd > 0 && !(k->devices = calloc((size_t)nd, sizeof *k->devices))) ||
        (ni > 0 && !(k->os_images = calloc((size_t)ni, sizeof *k->os_images))))
        return pkx_error_set(err, PK_ERR_NOMEM, "out of memory");
    cJSON_ArrayForEach(it, devs)
    {
        pk_onchain_device *d = &k->devices[k->n_devices++];
        snprintf(sub, sizeof sub, "%s.devices[%zu]", ctx, k->n_devices - 1);
        if (!cJSON_IsObject(it))
            return pkx_error_set(err, PK_ERR_DECODE, "%s: expected object", sub);
        if (pkx_json_str(it, sub, "device_id", PKX_REQUIRED, &d->device_id, err) ||
            pkx_json_str(it, sub, "node_name", 0, &d->node_name, err) ||
            pkx_json_bool(it, sub, "on_chain_allowed", 0, &d->on_chain_allowed, err))
            return -1;
    }
    cJSON_ArrayForEach(it, imgs)
    {
        pk_onchain_os_image *m = &k->os_images[k->n_os_images++];
        snprintf(sub, sizeof sub, "%s.os_images[%zu]", ctx, k->n_os_images - 1);
        if (!cJSON_IsObject(it))
            return pkx_error_set(err, PK_ERR_DECODE, "%s: expected object", sub);
        if (pkx_json_str(it, sub, "name", PKX_REQUIRED, &m->name, err) ||
            pkx_json_str(it, sub, "version", 0, &m->version, err) ||
            pkx_json_str(it, sub, "os_image_hash", 0, &m->os_image_hash, err) ||
            pkx_json_bool(it, sub, "on_chain_allowed", 0, &m->on_chain_allowed, err))
            return -1;
    }
    return 0;
}

int pkx_decode_kms_onchain(const char *body, size_t len, pk_kms_onchain *out, pk_error *err)
{
    cJSON *root;
    const cJSON *contracts, *it;
    memset(out, 0, sizeof *out);
    if (pkx_json_parse_object(body, len, "kms_onchain", &root, err)) return -1;
    if (pkx_json_str(root, "kms_onchain", "chain_name", PKX_REQUIRED, &out->chain_name, err) ||
        pkx_json_i64(root, "kms_onchain", "chain_id", PKX_REQUIRED, &out->chain_id, NULL, err) ||
        pkx_json_array(root, "kms_onchain", "contracts", PKX_REQUIRED, &contracts, err))
        goto fail;
    int n = cJSON_GetArraySize(contracts);
    if (n > 0 && !(out->contracts = calloc((size_t)n, sizeof *out->contracts))) {
        pkx_error_set(err, PK_ERR_NOMEM, "out of memory");
        goto fail;
    }
    cJSON_ArrayForEach(it, contracts)
    {
        char ctx[48];
        snprintf(ctx, sizeof ctx, "kms_onchain.contracts[%zu]", out->n_contracts);
        /* Counted before parsing so that a half-filled contract is released too. */
        if (parse_contract(it, ctx, &out->contracts[out->n_contracts++], err)) goto fail;
    }
    cJSON_Delete(root);
    return 0;
fail:
    cJSON_Delete(root);
    pk_kms_onchain_free(out);
    return -1;
}

static int decode_onchain_cb(const char *b, size_t l, void *o, pk_error *e)
{
    return pkx_decode_kms_onchain(b, l, o, e);
}

int pk_kms_onchain_fetch(pk_client *c, const char *chain, pk_kms_onchain *out, pk_error *err)
{
    if (!out) return pkx_error_set(err, PK_ERR_INVALID_ARG, "pk_kms_onchain_fetch: out is NULL");
    memset(out, 0, sizeof *out);
    if (!c || !chain || !chain[0])
        return pkx_error_set(err, PK_ERR_INVALID_ARG, "chain: must not be empty");
    char *path = pkx_build_path("/kms/on-chain/", chain, NULL, NULL);
    if (!path) return pkx_error_set(err, PK_ERR_NOMEM, "out of memory");
    int rc = pkx_api_get(c, path, NULL, NULL, decode_onchain_cb, out, err);
    free(path);
    return rc;
}

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
    char *path = pkx_build_path("/kms/", kms, "/pubkey/", app_id);
    if (!path) return pkx_error_set(err, PK_ERR_NOMEM, "out of memory");
    int rc = pkx_api_get(c, path, NULL, PKX_KMS_PIN_VERSION, decode_pubkey_cb, out, err);
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
    return pkx_api_get(c, "/kms/phala/next_app_id", query, NULL, decode_app_ids_cb, out, err);
}
