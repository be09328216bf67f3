/* routes_cvm.c — the CVM endpoints: GET /cvms/{id} (2026-01-21/05-22 detail shape, in_progress while
 * an accepted update runs), GET /cvms/{id}/compose_file and PATCH /cvms/{id}/envs with its
 * two-phase on-chain flow (465 → register the compose hash → phase 2 verified against the fake chain
 * or, with --rpc-url, a JSON-RPC endpoint through rpc.c); the unified update's routes are dispatched
 * to routes_cvm_update.c. */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static cJSON *str_or_null(const char *s)
{
    return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static void cvm_not_found(const struct sim_req *q, struct sim_reply *r)
{
    sim_reply_structured(r, q, 404, "ERR-03-001", "CVM not found", NULL, NULL);
}

static bool json_bool(const cJSON *o, const char *key, bool def)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsBool(v) ? cJSON_IsTrue(v) : def;
}

/* The CVM detail. The SDK's zod schema requires id (string), name, resource, status, gateway. */
static cJSON *cvm_info_json(const struct sim_state *st, const struct sim_cvm *c)
{
    const struct sim_kms *k = &st->kms[c->kms];
    const struct sim_keys *keys = sim_kms_keys(st, k);
    uint8_t sk[32], pk[32];
    char pk_hex[65] = "";
    if (sim_app_x25519(keys, c->app_id, sk, pk) == 0) sim_hex_encode(pk, 32, pk_hex);

    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", c->id);
    cJSON_AddStringToObject(o, "name", c->name);
    cJSON_AddStringToObject(o, "app_id", c->app_id);
    char uuid[37];
    sim_cvm_uuid(c, uuid);
    cJSON_AddStringToObject(o, "vm_uuid", uuid);
    cJSON_AddNullToObject(o, "instance_id");

    cJSON *res = cJSON_AddObjectToObject(o, "resource");
    cJSON_AddStringToObject(res, "instance_type", "tdx.small");
    cJSON_AddNumberToObject(res, "vcpu", 1);
    cJSON_AddNumberToObject(res, "memory_in_gb", 2);
    cJSON_AddNumberToObject(res, "disk_in_gb", 20);
    cJSON_AddNumberToObject(res, "gpus", 0);
    cJSON_AddNullToObject(res, "compute_billing_price");
    cJSON_AddStringToObject(res, "billing_period", "hourly");

    cJSON *node = cJSON_AddObjectToObject(o, "node_info");
    cJSON_AddStringToObject(node, "object_type", "node");
    cJSON_AddNumberToObject(node, "id", 1);
    cJSON_AddStringToObject(node, "name", "sim-node-1");
    cJSON_AddStringToObject(node, "region", "sim-local");
    cJSON_AddStringToObject(node, "device_id", c->device_id);
    cJSON_AddNullToObject(node, "ppid");
    cJSON_AddStringToObject(node, "status", "online");
    cJSON_AddStringToObject(node, "version", "0.5.3");

    cJSON *os = cJSON_AddObjectToObject(o, "os");
    cJSON_AddStringToObject(os, "name", "dstack");
    cJSON_AddStringToObject(os, "version", "0.5.3");
    cJSON_AddFalseToObject(os, "is_dev");
    cJSON_AddNullToObject(os, "os_image_hash");

    cJSON_AddStringToObject(o, "kms_type", sim_kms_type(k->has_chain, k->chain_id));
    /* research/phala-api-2026-06.md §2.7: the KMS contract the CVM's replica belongs to. */
    cJSON_AddStringToObject(o, "kms_contract_id", st->contracts[k->contract].id);
    cJSON *ki = cJSON_AddObjectToObject(o, "kms_info");
    if (k->has_chain)
        cJSON_AddNumberToObject(ki, "chain_id", (double)k->chain_id);
    else
        cJSON_AddNullToObject(ki, "chain_id");
    cJSON_AddItemToObject(ki, "dstack_kms_address", str_or_null(k->kms_contract_address));
    char app_addr[2 + 40 + 1];
    snprintf(app_addr, sizeof app_addr, "0x%s", c->app_id);
    cJSON_AddStringToObject(ki, "dstack_app_address", app_addr);
    cJSON_AddNullToObject(ki, "deployer_address");
    cJSON_AddNullToObject(ki, "rpc_endpoint");
    /* Only a Phala KMS hands out the env key with the CVM; on-chain KMS clients fetch it signed. */
    cJSON_AddItemToObject(ki, "encrypted_env_pubkey", str_or_null(k->has_chain ? NULL : pk_hex));
    cJSON_AddStringToObject(ki, "k256_pubkey", keys->k256_pubkey);
    cJSON_AddItemToObject(o, "encrypted_env_pubkey", str_or_null(k->has_chain ? NULL : pk_hex));

    /* an accepted update restarts the CVM: in_progress until it runs the new env (cvm_status.c) */
    bool busy;
    cJSON_AddStringToObject(o, "status", sim_cvm_status(c, &busy));
    cJSON_AddBoolToObject(o, "in_progress", busy);
    if (busy) {
        cJSON *pr = cJSON_AddObjectToObject(o, "progress");
        cJSON_AddStringToObject(pr, "target", "running");
        cJSON_AddNullToObject(pr, "started_at");
        cJSON_AddNullToObject(pr, "correlation_id");
    } else {
        cJSON_AddNullToObject(o, "progress");
    }
    cJSON_AddStringToObject(o, "compose_hash", c->compose_hash);
    cJSON *gw = cJSON_AddObjectToObject(o, "gateway");
    cJSON_AddStringToObject(gw, "base_domain", "sim.phala.example");
    cJSON_AddNullToObject(gw, "cname");
    cJSON_AddArrayToObject(o, "services");
    cJSON_AddArrayToObject(o, "endpoints");
    cJSON_AddBoolToObject(o, "public_logs", json_bool(c->compose_file, "public_logs", true));
    cJSON_AddBoolToObject(o, "public_sysinfo", json_bool(c->compose_file, "public_sysinfo", true));
    cJSON_AddBoolToObject(o, "public_tcbinfo", json_bool(c->compose_file, "public_tcbinfo", true));
    cJSON_AddBoolToObject(o, "gateway_enabled",
                          json_bool(c->compose_file, "gateway_enabled", true));
    cJSON_AddBoolToObject(o, "secure_time", json_bool(c->compose_file, "secure_time", false));
    cJSON_AddFalseToObject(o, "listed");
    cJSON_AddStringToObject(o, "storage_fs", "ext4");
    cJSON_AddNullToObject(o, "workspace");
    cJSON_AddNullToObject(o, "creator");
    cJSON_AddItemToObject(o, "compose_file", sim_served_compose(c));
    return o;
}

/* ---- PATCH /cvms/{id}/envs ------------------------------------------------------------------- */

static void patch_envs(struct sim_state *st, struct sim_cvm *c, const struct sim_req *q,
                       struct sim_reply *r)
{
    cJSON *body = cJSON_ParseWithLength(q->body, q->body_len);
    if (!cJSON_IsObject(body)) {
        sim_reply_422(r, "body", NULL, "JSON decode error", "json_invalid", NULL);
        goto out;
    }
    const char *enc, *hash_in, *tx;
    if (!sim_body_opt_string(body, "encrypted_env", &enc, r) ||
        !sim_body_opt_string(body, "compose_hash", &hash_in, r) ||
        !sim_body_opt_string(body, "transaction_hash", &tx, r))
        goto out;
    if (!enc) {
        sim_reply_422(r, "body", "encrypted_env", "Field required", "missing", NULL);
        goto out;
    }
    if (!sim_is_hex(sim_strip0x(enc), 0) || strlen(sim_strip0x(enc)) % 2) {
        sim_reply_422(r, "body", "encrypted_env", "encrypted_env must be a hex string",
                      "value_error", NULL);
        goto out;
    }
    const cJSON *env_keys = cJSON_GetObjectItemCaseSensitive(body, "env_keys");
    if (cJSON_IsNull(env_keys)) env_keys = NULL;
    if (env_keys && !sim_check_env_keys(env_keys, "env_keys", r)) goto out;
    if ((hash_in == NULL) != (tx == NULL)) {
        sim_reply_422(r, "body", hash_in ? "transaction_hash" : "compose_hash",
                      "compose_hash and transaction_hash must be sent together", "value_error",
                      NULL);
        goto out;
    }

    const struct sim_kms *k = &st->kms[c->kms];
    cJSON *env = sim_decrypt_env(sim_kms_keys(st, k), c->app_id, sim_strip0x(enc));
    if (!env) {
        sim_reply_detail(r, 400, "encrypted_env cannot be decrypted with this app's key");
        goto out;
    }

    const cJSON *current = cJSON_GetObjectItemCaseSensitive(c->compose_file, "allowed_envs");
    cJSON *empty = cJSON_CreateArray();
    bool changed = env_keys && !sim_same_strings(env_keys, current ? current : empty);
    cJSON_Delete(empty);
    if (!changed || !k->has_chain) {
        sim_apply_update(st, c, env, env_keys, changed, false, q, r);
        goto out;
    }

    if (!hash_in) { /* phase 1: remember the compose this update needs, ask for registration */
        char hash[SIM_HEX_HASH];
        const char *app_id;
        sim_precondition_for(c, env_keys, hash, &app_id);
        sim_pending_start(c, hash, env_keys, NULL, NULL);
        cJSON_Delete(env);
        sim_reply_465(st, c, hash, app_id, NULL, q, r);
        goto out;
    }

    /* phase 2: the hash must be the pending one (466), then the chain must confirm it (467/468);
     * "already-registered" is the unified API's sentinel, not a transaction. */
    char hash[SIM_HEX_HASH];
    sim_note_commit(c, hash_in); /* tests compare it with the 465's spelling */
    snprintf(hash, sizeof hash, "%s", sim_strip0x(hash_in));
    sim_lower(hash);
    const char *msg = NULL;
    int status = sim_pending_check(st, c, hash, env_keys, &msg);
    if (!status && strcmp(tx, "already-registered") == 0) {
        status = 467;
        msg = "transaction_hash must be 0x followed by 64 hex digits";
    }
    if (!status) status = sim_verify_registration(st, c, hash, tx, &msg);
    if (status) {
        cJSON_Delete(env);
        sim_reply_structured(r, q, status,
                             status == 466   ? "ERR-01-006"
                             : status == 467 ? "ERR-01-007"
                                             : "ERR-01-008",
                             msg, NULL, NULL);
        goto out;
    }
    sim_apply_update(st, c, env, env_keys, true, false, q, r);
out:
    cJSON_Delete(body);
}

/* The method each CVM route answers; GET and PATCH on /cvms/{id}. */
static const char *route_method(const struct sim_path *p, const char *method)
{
    if (p->n == 2) return strcmp(method, "PATCH") == 0 ? "PATCH" : "GET";
    const char *t = p->seg[2];
    if (strcmp(t, "envs") == 0) return "PATCH";
    if (strcmp(t, "commit-update") == 0 || strcmp(t, "is-allowed") == 0) return "POST";
    return "GET";
}

bool sim_route_cvm(struct sim_state *st, const struct sim_req *q, struct sim_reply *r)
{
    struct sim_path p;
    sim_path_split(&p, q->path);
    bool mine =
        p.n >= 2 && p.n <= 3 && strcmp(p.seg[0], "cvms") == 0 &&
        (p.n == 2 || strcmp(p.seg[2], "compose_file") == 0 || strcmp(p.seg[2], "envs") == 0 ||
         strcmp(p.seg[2], "commit-update") == 0 || strcmp(p.seg[2], "is-allowed") == 0);
    if (!mine) goto out;
    if (strcmp(q->method, route_method(&p, q->method)) != 0) {
        sim_reply_detail(r, 405, "Method Not Allowed");
        goto out;
    }
    struct sim_cvm *c = sim_find_cvm(st, p.seg[1]);
    if (c && c->hostile.active && c->hostile.answer_as) /* a rewriting API: another CVM's data */
        c = sim_find_cvm(st, c->hostile.answer_as);
    if (!c) {
        cvm_not_found(q, r);
    } else if (p.n == 2 && strcmp(q->method, "PATCH") == 0) {
        sim_route_cvm_patch(st, c, q, r);
    } else if (p.n == 2) {
        sim_reply_json(r, 200, cvm_info_json(st, c));
    } else if (strcmp(p.seg[2], "compose_file") == 0) {
        sim_reply_json(r, 200, sim_served_compose(c));
    } else if (strcmp(p.seg[2], "commit-update") == 0) {
        sim_route_commit_update(st, c, q, r);
    } else if (strcmp(p.seg[2], "is-allowed") == 0) {
        sim_route_is_allowed(st, c, q, r);
    } else {
        patch_envs(st, c, q, r);
    }
out:
    sim_path_free(&p);
    return mine;
}
