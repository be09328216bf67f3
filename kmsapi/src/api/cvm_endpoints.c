/* cvm_endpoints.c — the CVM endpoints (research/phala-api.md §3.1, §3.2, §3.5): GET /cvms/{id},
 * GET /cvms/{id}/compose_file and PATCH /cvms/{id}/envs, whose HTTP 465 answer is a result (the
 * compose hash to register on-chain; decoded in precondition.c, the 2xx in envs_update_result.c). */
#include "api/pkx_api_parse.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/pkx_client.h"
#include "api/pkx_endpoint.h"
#include "api/pkx_http.h"
#include "api/pkx_json.h"
#include "common/pkx_error.h"
#include "common/pkx_str.h"

/* "/cvms/" + escaped(normalised id) + tail; NULL with err set for an id that cannot be a path
 * segment ("", ".", "..") or on OOM. */
char *pkx_cvm_path(const char *cvm_id, const char *tail, pk_error *err)
{
    size_t n = strlen(cvm_id) + 8;
    char *norm = malloc(n);
    if (!norm) {
        pkx_error_set(err, PK_ERR_NOMEM, "out of memory");
        return NULL;
    }
    char *p = NULL;
    if (pk_cvm_id_normalize(cvm_id, norm, n) == 0)
        p = pkx_build_path("/cvms/", norm, tail, NULL, err);
    else
        pkx_error_set(err, PK_ERR_INVALID_ARG, "cvm_id: not a CVM id");
    free(norm);
    return p;
}

bool pkx_env_keys_ok(const char *what, const char *const *keys, size_t n, pk_error *err)
{
    if (n && !keys) {
        pkx_error_set(err, PK_ERR_INVALID_ARG, "%s: NULL with a non-zero count", what);
        return false;
    }
    for (size_t i = 0; i < n; i++)
        if (!keys[i] || !keys[i][0]) {
            pkx_error_set(err, PK_ERR_INVALID_ARG, "%s[%zu]: must not be empty", what, i);
            return false;
        }
    return true;
}

/* ---- CVM info --------------------------------------------------------------------------------- */

void pk_cvm_free(pk_cvm *cvm)
{
    if (!cvm) return;
    char **strs[] = {&cvm->id,
                     &cvm->name,
                     &cvm->app_id,
                     &cvm->vm_uuid,
                     &cvm->instance_id,
                     &cvm->status,
                     &cvm->kms_type,
                     &cvm->kms_contract_id,
                     &cvm->compose_hash,
                     &cvm->encrypted_env_pubkey,
                     &cvm->kms_info.dstack_kms_address,
                     &cvm->kms_info.dstack_app_address,
                     &cvm->kms_info.deployer_address,
                     &cvm->kms_info.rpc_endpoint,
                     &cvm->kms_info.encrypted_env_pubkey,
                     &cvm->kms_info.k256_pubkey,
                     &cvm->device_id};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) free(*strs[i]);
    pk_compose_file_free(cvm->compose_file);
    free(cvm->compose_file);
    memset(cvm, 0, sizeof *cvm);
}

const char *pk_cvm_env_pubkey(const pk_cvm *cvm)
{
    if (!cvm) return NULL;
    if (cvm->has_kms_info && cvm->kms_info.encrypted_env_pubkey &&
        cvm->kms_info.encrypted_env_pubkey[0])
        return cvm->kms_info.encrypted_env_pubkey;
    return cvm->encrypted_env_pubkey;
}

/* The detail's compose_file, an object or its JSON text: optional, so one that does not decode is
 * left out (pk_cvm_compose_read then asks GET /cvms/{id}/compose_file). */
static void detail_compose(const cJSON *root, pk_cvm *out)
{
    const cJSON *cf = cJSON_GetObjectItemCaseSensitive(root, "compose_file");
    char *txt = cJSON_IsObject(cf)   ? cJSON_PrintUnformatted(cf)
                : cJSON_IsString(cf) ? pkx_strdup(cf->valuestring)
                                     : NULL;
    if (!txt) return;
    pk_compose_file *f = calloc(1, sizeof *f);
    pk_error ignored = {0};
    if (f && pkx_decode_compose_file(txt, strlen(txt), f, &ignored) == 0) {
        out->compose_file = f;
    } else {
        free(f);
    }
    pk_error_clear(&ignored);
    if (cJSON_IsObject(cf))
        cJSON_free(txt);
    else
        free(txt);
}

int pkx_decode_cvm(const char *body, size_t len, pk_cvm *out, pk_error *err)
{
    cJSON *root;
    const cJSON *ki, *node;
    pk_tristate in_progress;
    memset(out, 0, sizeof *out);
    if (pkx_json_parse_object(body, len, "cvm", &root, err)) return -1;
    const char *c = "cvm", *k = "cvm.kms_info";
    if (pkx_json_str_or_int(root, c, "id", PKX_REQUIRED, &out->id, err) ||
        pkx_json_str(root, c, "name", PKX_REQUIRED, &out->name, err) ||
        pkx_json_str(root, c, "app_id", 0, &out->app_id, err) ||
        pkx_json_str(root, c, "vm_uuid", 0, &out->vm_uuid, err) ||
        pkx_json_str(root, c, "instance_id", 0, &out->instance_id, err) ||
        pkx_json_str(root, c, "status", 0, &out->status, err) ||
        pkx_json_str(root, c, "kms_type", 0, &out->kms_type, err) ||
        /* research/phala-api-2026-06.md §2.7: a kc_ id, or an integer on some responses. */
        pkx_json_str_or_int(root, c, "kms_contract_id", 0, &out->kms_contract_id, err) ||
        pkx_json_str(root, c, "compose_hash", 0, &out->compose_hash, err) ||
        pkx_json_bool(root, c, "in_progress", 0, &in_progress, err) ||
        pkx_json_str(root, c, "encrypted_env_pubkey", 0, &out->encrypted_env_pubkey, err) ||
        pkx_json_object(root, c, "kms_info", 0, &ki, err) ||
        pkx_json_object(root, c, "node_info", 0, &node, err) ||
        (node && pkx_json_str(node, "cvm.node_info", "device_id", 0, &out->device_id, err)))
        goto fail;
    out->in_progress = in_progress == PK_TRUE;
    detail_compose(root, out);
    if (ki) {
        pk_cvm_kms_info *m = &out->kms_info;
        out->has_kms_info = true;
        if (pkx_json_i64(ki, k, "chain_id", 0, &m->chain_id, &m->has_chain_id, err) ||
            pkx_json_str(ki, k, "dstack_kms_address", 0, &m->dstack_kms_address, err) ||
            pkx_json_str(ki, k, "dstack_app_address", 0, &m->dstack_app_address, err) ||
            pkx_json_str(ki, k, "deployer_address", 0, &m->deployer_address, err) ||
            pkx_json_str(ki, k, "rpc_endpoint", 0, &m->rpc_endpoint, err) ||
            pkx_json_str(ki, k, "encrypted_env_pubkey", 0, &m->encrypted_env_pubkey, err) ||
            pkx_json_str(ki, k, "k256_pubkey", 0, &m->k256_pubkey, err))
            goto fail;
    }
    cJSON_Delete(root);
    return 0;
fail:
    cJSON_Delete(root);
    pk_cvm_free(out);
    return -1;
}

static int decode_cvm_cb(const char *b, size_t l, void *o, pk_error *e)
{
    return pkx_decode_cvm(b, l, o, e);
}

int pk_cvm_fetch(pk_client *c, const char *cvm_id, pk_cvm *out, pk_error *err)
{
    if (!out) return pkx_error_set(err, PK_ERR_INVALID_ARG, "pk_cvm_fetch: out is NULL");
    memset(out, 0, sizeof *out);
    if (!c || !cvm_id || !cvm_id[0])
        return pkx_error_set(err, PK_ERR_INVALID_ARG, "cvm_id: must not be empty");
    char *path = pkx_cvm_path(cvm_id, "", err);
    if (!path) return -1;
    int rc = pkx_api_get(c, path, NULL, NULL, decode_cvm_cb, out, err);
    free(path);
    return rc;
}

/* ---- compose file ----------------------------------------------------------------------------- */

void pk_compose_file_free(pk_compose_file *f)
{
    if (!f) return;
    for (size_t i = 0; i < f->n_allowed_envs; i++) free(f->allowed_envs[i]);
    free(f->allowed_envs);
    free(f->docker_compose_file);
    free(f->name);
    free(f->json);
    memset(f, 0, sizeof *f);
}

int pkx_decode_compose_file(const char *body, size_t len, pk_compose_file *out, pk_error *err)
{
    cJSON *root;
    const cJSON *envs, *it;
    memset(out, 0, sizeof *out);
    if (pkx_json_parse_object(body, len, "compose_file", &root, err)) return -1;
    if (pkx_json_str(root, "compose_file", "docker_compose_file", PKX_REQUIRED,
                     &out->docker_compose_file, err) ||
        pkx_json_str(root, "compose_file", "name", 0, &out->name, err) ||
        pkx_json_array(root, "compose_file", "allowed_envs", 0, &envs, err))
        goto fail;
    if (envs) {
        out->has_allowed_envs = true;
        int n = cJSON_GetArraySize(envs);
        if (n > 0 && !(out->allowed_envs = calloc((size_t)n, sizeof *out->allowed_envs))) {
            pkx_error_set(err, PK_ERR_NOMEM, "out of memory");
            goto fail;
        }
        cJSON_ArrayForEach(it, envs)
        {
            if (!cJSON_IsString(it)) {
                pkx_error_set(err, PK_ERR_DECODE, "compose_file.allowed_envs[%zu]: expected string",
                              out->n_allowed_envs);
                goto fail;
            }
            if (!(out->allowed_envs[out->n_allowed_envs] = pkx_strdup(it->valuestring))) {
                pkx_error_set(err, PK_ERR_NOMEM, "out of memory");
                goto fail;
            }
            out->n_allowed_envs++;
        }
    }
    char *txt = cJSON_PrintUnformatted(root);
    if (!txt) {
        pkx_error_set(err, PK_ERR_NOMEM, "out of memory");
        goto fail;
    }
    out->json = pkx_strdup(txt);
    cJSON_free(txt);
    if (!out->json) {
        pkx_error_set(err, PK_ERR_NOMEM, "out of memory");
        goto fail;
    }
    cJSON_Delete(root);
    return 0;
fail:
    cJSON_Delete(root);
    pk_compose_file_free(out);
    return -1;
}

static int decode_compose_cb(const char *b, size_t l, void *o, pk_error *e)
{
    return pkx_decode_compose_file(b, l, o, e);
}

int pk_cvm_compose_file_fetch(pk_client *c, const char *cvm_id, pk_compose_file *out, pk_error *err)
{
    if (!out) return pkx_error_set(err, PK_ERR_INVALID_ARG, "pk_cvm_compose_file_fetch: out NULL");
    memset(out, 0, sizeof *out);
    if (!c || !cvm_id || !cvm_id[0])
        return pkx_error_set(err, PK_ERR_INVALID_ARG, "cvm_id: must not be empty");
    char *path = pkx_cvm_path(cvm_id, "/compose_file", err);
    if (!path) return -1;
    int rc = pkx_api_get(c, path, NULL, NULL, decode_compose_cb, out, err);
    free(path);
    return rc;
}

int pk_cvm_compose_read(pk_client *c, const char *cvm_id, pk_compose_file *out, pk_error *err)
{
    if (!out) return pkx_error_set(err, PK_ERR_INVALID_ARG, "pk_cvm_compose_read: out is NULL");
    pk_cvm cvm;
    if (pk_cvm_fetch(c, cvm_id, &cvm, err) != 0) {
        memset(out, 0, sizeof *out);
        return -1;
    }
    int rc = 0;
    if (cvm.compose_file) {
        *out = *cvm.compose_file; /* moved */
        memset(cvm.compose_file, 0, sizeof *cvm.compose_file);
    } else {
        rc = pk_cvm_compose_file_fetch(c, cvm_id, out, err);
    }
    pk_cvm_free(&cvm);
    return rc;
}

/* ---- PATCH /cvms/{id}/envs -------------------------------------------------------------------- */

char *pkx_encode_envs_update(const char *encrypted_env_hex, const char *const *env_keys,
                             size_t n_env_keys, const char *compose_hash,
                             const char *transaction_hash)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *keys = cJSON_CreateArray();
    char *out = NULL;
    if (!o || !keys) goto done;
    if (!cJSON_AddStringToObject(o, "encrypted_env", encrypted_env_hex)) goto done;
    /* Always an array, even empty: an empty key set is a real request ("allow nothing"). */
    for (size_t i = 0; i < n_env_keys; i++) {
        cJSON *s = cJSON_CreateString(env_keys[i]);
        if (!s || !cJSON_AddItemToArray(keys, s)) {
            cJSON_Delete(s);
            goto done;
        }
    }
    cJSON_AddItemToObject(o, "env_keys", keys);
    keys = NULL;
    if (compose_hash && compose_hash[0] &&
        !cJSON_AddStringToObject(o, "compose_hash", compose_hash))
        goto done;
    if (transaction_hash && transaction_hash[0] &&
        !cJSON_AddStringToObject(o, "transaction_hash", transaction_hash))
        goto done;
    char *txt = cJSON_PrintUnformatted(o);
    if (txt) {
        out = pkx_strdup(txt);
        cJSON_free(txt);
    }
done:
    cJSON_Delete(keys);
    cJSON_Delete(o);
    return out;
}

static bool hex_blob(const char *s)
{
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s += 2;
    if (!*s) return false;
    for (; *s; s++)
        if (!isxdigit((unsigned char)*s)) return false;
    return true;
}

int pk_cvm_envs_update(pk_client *c, const char *cvm_id, const char *encrypted_env_hex,
                       const char *const *env_keys, size_t n_env_keys, const char *compose_hash,
                       const char *transaction_hash, pk_envs_update_result *out, pk_error *err)
{
    if (!out) return pkx_error_set(err, PK_ERR_INVALID_ARG, "pk_cvm_envs_update: out is NULL");
    memset(out, 0, sizeof *out);
    if (!c || !cvm_id || !cvm_id[0])
        return pkx_error_set(err, PK_ERR_INVALID_ARG, "cvm_id: must not be empty");
    if (!encrypted_env_hex || !hex_blob(encrypted_env_hex))
        return pkx_error_set(err, PK_ERR_INVALID_ARG,
                             "encrypted_env: must be a non-empty hex string");
    if (!pkx_env_keys_ok("env_keys", env_keys, n_env_keys, err)) return -1;
    bool has_hash = compose_hash && compose_hash[0];
    bool has_tx = transaction_hash && transaction_hash[0];
    if (has_hash != has_tx)
        return pkx_error_set(err, PK_ERR_INVALID_ARG,
                             "compose_hash and transaction_hash must be given together");

    char *path = pkx_cvm_path(cvm_id, "/envs", err);
    char *body = path ? pkx_encode_envs_update(encrypted_env_hex, env_keys, n_env_keys,
                                               compose_hash, transaction_hash)
                      : NULL;
    int rc = -1;
    if (!path) goto done;
    if (!body) {
        pkx_error_set(err, PK_ERR_NOMEM, "out of memory");
        goto done;
    }
    pkx_request req = {.method = "PATCH", .path = path, .json_body = body};
    pkx_response resp;
    if (pkx_http_call(c, &req, true, &resp, err) != 0) goto done;
    if (resp.status == 465)
        rc = pkx_decode_envs_465(resp.body, resp.len, resp.request_id, out, err);
    else
        rc = pkx_decode_envs_in_progress(resp.body, resp.len, out, err);
    if (rc == 0 && !out->request_id && resp.request_id)
        out->request_id = pkx_strdup(resp.request_id);
    if (rc != 0 && err) {
        if (!err->http_status) err->http_status = resp.status;
        if (!err->request_id && resp.request_id) err->request_id = pkx_strdup(resp.request_id);
        err->attempts = 1;
        pkx_error_seal(err, c);
    }
    pkx_response_free(&resp);
done:
    free(path);
    free(body);
    return rc;
}
