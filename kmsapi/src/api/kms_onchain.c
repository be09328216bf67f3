/* kms_onchain.c — GET /kms/on-chain/{chain} (research/phala-api-2026-06.md §3): the KMS contracts
 * of one chain with their verification anchors (k256/CA public keys), gateway contract, allowed
 * devices and OS images. Not pinned: the shape is the same under every version. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/pkx_api_parse.h"
#include "api/pkx_endpoint.h"
#include "api/pkx_json.h"
#include "common/pkx_error.h"

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
        free(k->k256_pubkey);
        free(k->ca_pubkey);
        free(k->gateway_contract_address);
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
        pkx_json_str(obj, ctx, "k256_pubkey", 0, &k->k256_pubkey, err) ||
        pkx_json_str(obj, ctx, "ca_pubkey", 0, &k->ca_pubkey, err) ||
        pkx_json_str(obj, ctx, "gateway_contract_address", 0, &k->gateway_contract_address, err) ||
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
    char *path = pkx_build_path("/kms/on-chain/", chain, NULL, NULL, err);
    if (!path) return -1;
    int rc = pkx_api_get(c, path, NULL, NULL, decode_onchain_cb, out, err);
    free(path);
    return rc;
}
