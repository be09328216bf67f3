/* cvm_update.c — the current env-update endpoints (research/phala-api-2026-06.md §4): the unified
 * PATCH /cvms/{id} (X-Prepare-Only for on-chain CVMs, whose 465 carries a one-time commit token and
 * onchain_status), its two commit paths (POST /cvms/{id}/commit-update with the token, or PATCH
 * /cvms/{id} with the X-Compose-Hash / X-Transaction-Hash headers) and POST /cvms/{id}/is-allowed. */
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

static bool hex_word(const char *s)
{
    if (!s) return false;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s += 2;
    size_t n = strlen(s);
    if (n != 64) return false;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F')))
            return false;
    return true;
}

/* A transaction hash, or the already-registered sentinel. */
static bool tx_arg_ok(const char *tx)
{
    return tx && (strcmp(tx, PK_TX_ALREADY_REGISTERED) == 0 ||
                  (strncmp(tx, "0x", 2) == 0 && hex_word(tx)));
}

/* What both commit paths name: the prepared compose hash and the registering transaction. */
static bool commit_args_ok(const char *compose_hash, const char *transaction_hash, pk_error *err)
{
    if (!hex_word(compose_hash)) {
        pkx_error_set(err, PK_ERR_INVALID_ARG, "compose_hash: must be 64 hex digits");
        return false;
    }
    if (!tx_arg_ok(transaction_hash)) {
        pkx_error_set(err, PK_ERR_INVALID_ARG,
                      "transaction_hash: must be 0x + 64 hex digits or \"%s\"",
                      PK_TX_ALREADY_REGISTERED);
        return false;
    }
    return true;
}

/* One write whose answer is an update result: 2xx → IN_PROGRESS, 465 (when accepted) → the
 * precondition. The secret (a commit token), when given, is scrubbed from the error. */
static int update_call(pk_client *c, const pkx_request *req, bool accept_465, const char *secret,
                       pk_envs_update_result *out, pk_error *err)
{
    pkx_response resp;
    int rc = -1;
    if (pkx_http_call(c, req, accept_465, &resp, err) != 0) {
        if (secret) pkx_error_redact(err, secret, strlen(secret));
        return -1;
    }
    if (resp.status == 465)
        rc = pkx_decode_envs_465(resp.body, resp.len, resp.request_id, out, err);
    else
        rc = pkx_decode_envs_in_progress(resp.body, resp.len, out, err);
    if (rc == 0 && !out->request_id && resp.request_id)
        out->request_id = pkx_strdup(resp.request_id);
    if (rc != 0 && err) {
        if (!err->http_status) err->http_status = resp.status;
        if (!err->request_id && resp.request_id) err->request_id = pkx_strdup(resp.request_id);
        err->attempts = err->attempts ? err->attempts : 1;
        err->request_sent = true;
        if (secret) pkx_error_redact(err, secret, strlen(secret));
        pkx_error_seal(err, c);
    }
    pkx_response_free(&resp);
    return rc;
}

static char *encode_patch(const char *encrypted_env_hex, const char *const *keys, size_t n)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *arr = o ? cJSON_AddArrayToObject(o, "allowed_envs") : NULL;
    char *out = NULL;
    if (!arr || !cJSON_AddStringToObject(o, "encrypted_env", encrypted_env_hex)) goto done;
    /* Always an array, even empty: an empty key set is a real request ("allow nothing"). */
    for (size_t i = 0; i < n; i++) {
        cJSON *s = cJSON_CreateString(keys[i]);
        if (!s || !cJSON_AddItemToArray(arr, s)) {
            cJSON_Delete(s);
            goto done;
        }
    }
    char *txt = cJSON_PrintUnformatted(o);
    if (txt) {
        out = pkx_strdup(txt);
        cJSON_free(txt);
    }
done:
    cJSON_Delete(o);
    return out;
}

int pk_cvm_patch_env(pk_client *c, const char *cvm_id, const char *encrypted_env_hex,
                     const char *const *allowed_envs, size_t n_allowed_envs, bool prepare_only,
                     pk_envs_update_result *out, pk_error *err)
{
    if (!out) return pkx_error_set(err, PK_ERR_INVALID_ARG, "pk_cvm_patch_env: out is NULL");
    memset(out, 0, sizeof *out);
    if (!c || !cvm_id || !cvm_id[0])
        return pkx_error_set(err, PK_ERR_INVALID_ARG, "cvm_id: must not be empty");
    if (!encrypted_env_hex || !encrypted_env_hex[0])
        return pkx_error_set(err, PK_ERR_INVALID_ARG, "encrypted_env: must not be empty");
    if (!pkx_env_keys_ok("allowed_envs", allowed_envs, n_allowed_envs, err)) return -1;
    char *path = pkx_cvm_path(cvm_id, "", err);
    if (!path) return -1;
    char *body = encode_patch(encrypted_env_hex, allowed_envs, n_allowed_envs);
    int rc = -1;
    if (!body) {
        pkx_error_set(err, PK_ERR_NOMEM, "out of memory");
    } else {
        /* the server keeps the prepared body and answers 465 with a commit token (on-chain KMS) */
        static const char *const prepare[] = {"X-Prepare-Only: true", NULL};
        pkx_request req = {.method = "PATCH",
                           .path = path,
                           .json_body = body,
                           .headers = prepare_only ? prepare : NULL};
        rc = update_call(c, &req, true, NULL, out, err);
    }
    free(path);
    free(body);
    return rc;
}

int pk_cvm_commit_update(pk_client *c, const char *cvm_id, const char *token,
                         const char *compose_hash, const char *transaction_hash,
                         pk_envs_update_result *out, pk_error *err)
{
    if (!out) return pkx_error_set(err, PK_ERR_INVALID_ARG, "pk_cvm_commit_update: out is NULL");
    memset(out, 0, sizeof *out);
    if (!c || !cvm_id || !cvm_id[0])
        return pkx_error_set(err, PK_ERR_INVALID_ARG, "cvm_id: must not be empty");
    if (!token || !token[0])
        return pkx_error_set(err, PK_ERR_INVALID_ARG, "commit token: must not be empty");
    if (!commit_args_ok(compose_hash, transaction_hash, err)) return -1;
    char *path = pkx_cvm_path(cvm_id, "/commit-update", err);
    if (!path) return -1;
    cJSON *o = cJSON_CreateObject();
    char *body = NULL;
    if (o && cJSON_AddStringToObject(o, "token", token) &&
        cJSON_AddStringToObject(o, "compose_hash", compose_hash) &&
        cJSON_AddStringToObject(o, "transaction_hash", transaction_hash))
        body = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    int rc = -1;
    if (!body) {
        pkx_error_set(err, PK_ERR_NOMEM, "out of memory");
    } else {
        pkx_request req = {.method = "POST", .path = path, .json_body = body};
        rc = update_call(c, &req, false, token, out, err);
    }
    if (body) memset(body, 0, strlen(body)); /* it holds the token */
    cJSON_free(body);
    free(path);
    return rc;
}

int pk_cvm_confirm_patch(pk_client *c, const char *cvm_id, const char *compose_hash,
                         const char *transaction_hash, pk_envs_update_result *out, pk_error *err)
{
    if (!out) return pkx_error_set(err, PK_ERR_INVALID_ARG, "pk_cvm_confirm_patch: out is NULL");
    memset(out, 0, sizeof *out);
    if (!c || !cvm_id || !cvm_id[0])
        return pkx_error_set(err, PK_ERR_INVALID_ARG, "cvm_id: must not be empty");
    if (!commit_args_ok(compose_hash, transaction_hash, err)) return -1;
    char *path = pkx_cvm_path(cvm_id, "", err);
    if (!path) return -1;
    char h1[128], h2[128];
    snprintf(h1, sizeof h1, "X-Compose-Hash: %s", compose_hash);
    snprintf(h2, sizeof h2, "X-Transaction-Hash: %s", transaction_hash);
    const char *const headers[] = {h1, h2, NULL};
    /* JS sends {} (not an absent body): the server kept the prepared update */
    pkx_request req = {.method = "PATCH", .path = path, .json_body = "{}", .headers = headers};
    int rc = update_call(c, &req, false, NULL, out, err);
    free(path);
    return rc;
}

/* ---- is-allowed ------------------------------------------------------------------------------- */

void pk_is_allowed_free(pk_is_allowed *a)
{
    if (!a) return;
    free(a->app_contract_address);
    free(a->compose_hash);
    free(a->device_id);
    free(a->error);
    memset(a, 0, sizeof *a);
}

int pkx_parse_is_allowed(const cJSON *obj, const char *c, pk_is_allowed *out, pk_error *err)
{
    pk_tristate hash_ok, any, allowed;
    memset(out, 0, sizeof *out);
    if (!cJSON_IsObject(obj)) return pkx_error_set(err, PK_ERR_DECODE, "%s: expected object", c);
    if (pkx_json_str(obj, c, "app_contract_address", 0, &out->app_contract_address, err) ||
        pkx_json_str(obj, c, "compose_hash", 0, &out->compose_hash, err) ||
        pkx_json_str(obj, c, "device_id", 0, &out->device_id, err) ||
        pkx_json_bool(obj, c, "compose_hash_allowed", PKX_REQUIRED, &hash_ok, err) ||
        pkx_json_bool(obj, c, "allow_any_device", 0, &any, err) ||
        pkx_json_bool(obj, c, "device_id_allowed", 0, &out->device_id_allowed, err) ||
        pkx_json_bool(obj, c, "is_allowed", PKX_REQUIRED, &allowed, err) ||
        pkx_json_str(obj, c, "error", 0, &out->error, err)) {
        pk_is_allowed_free(out);
        return -1;
    }
    out->compose_hash_allowed = hash_ok == PK_TRUE;
    out->allow_any_device = any == PK_TRUE;
    out->is_allowed = allowed == PK_TRUE;
    return 0;
}

int pkx_decode_is_allowed(const char *body, size_t len, pk_is_allowed *out, pk_error *err)
{
    cJSON *root;
    memset(out, 0, sizeof *out);
    if (pkx_json_parse_object(body, len, "is_allowed", &root, err)) return -1;
    int rc = pkx_parse_is_allowed(root, "is_allowed", out, err);
    cJSON_Delete(root);
    return rc;
}

int pk_cvm_is_allowed(pk_client *c, const char *cvm_id, const char *compose_hash,
                      const char *device_id, pk_is_allowed *out, pk_error *err)
{
    if (!out) return pkx_error_set(err, PK_ERR_INVALID_ARG, "pk_cvm_is_allowed: out is NULL");
    memset(out, 0, sizeof *out);
    if (!c || !cvm_id || !cvm_id[0])
        return pkx_error_set(err, PK_ERR_INVALID_ARG, "cvm_id: must not be empty");
    if (compose_hash && !hex_word(compose_hash))
        return pkx_error_set(err, PK_ERR_INVALID_ARG, "compose_hash: must be 64 hex digits");
    if (device_id && !hex_word(device_id))
        return pkx_error_set(err, PK_ERR_INVALID_ARG, "device_id: must be 64 hex digits");
    char *path = pkx_cvm_path(cvm_id, "/is-allowed", err);
    if (!path) return -1;
    cJSON *o = cJSON_CreateObject();
    if (o && compose_hash) cJSON_AddStringToObject(o, "compose_hash", compose_hash);
    if (o && device_id) cJSON_AddStringToObject(o, "device_id", device_id);
    char *body = o ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    int rc = -1;
    pkx_response resp;
    if (!body) {
        pkx_error_set(err, PK_ERR_NOMEM, "out of memory");
    } else {
        pkx_request req = {.method = "POST", .path = path, .json_body = body};
        if (pkx_http_call(c, &req, false, &resp, err) == 0) {
            rc = pkx_decode_is_allowed(resp.body, resp.len, out, err);
            if (rc != 0 && err) {
                err->http_status = resp.status;
                if (!err->request_id && resp.request_id)
                    err->request_id = pkx_strdup(resp.request_id);
                pkx_error_seal(err, c);
            }
            pkx_response_free(&resp);
        }
    }
    cJSON_free(body);
    free(path);
    return rc;
}
