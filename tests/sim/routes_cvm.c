/* routes_cvm.c — the CVM endpoints: GET /cvms/{id} (2026-01-21/05-22 detail shape), GET
 * /cvms/{id}/compose_file and PATCH /cvms/{id}/envs with its two-phase on-chain flow (465 →
 * register the compose hash → phase 2 verified against the fake chain or, with --rpc-url, a
 * JSON-RPC endpoint through rpc.c). */
#include "sim.h"
#include "rpc.h"

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

static const cJSON *allowed_envs(const struct sim_cvm *c)
{
    return cJSON_GetObjectItemCaseSensitive(c->compose_file, "allowed_envs");
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
    snprintf(uuid, sizeof uuid, "%.8s-%.4s-4%.3s-8%.3s-%.12s", c->device_id, c->device_id + 8,
             c->device_id + 12, c->device_id + 15, c->device_id + 18);
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

    cJSON_AddStringToObject(o, "status", "running");
    cJSON_AddFalseToObject(o, "in_progress");
    cJSON_AddNullToObject(o, "progress");
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
    cJSON_AddItemToObject(o, "compose_file", cJSON_Duplicate(c->compose_file, true));
    return o;
}

/* ---- PATCH /cvms/{id}/envs ------------------------------------------------------------------- */

static bool same_strings(const cJSON *a, const cJSON *b)
{
    int n = cJSON_GetArraySize(a);
    if (n != cJSON_GetArraySize(b)) return false;
    for (int i = 0; i < n; i++) {
        const cJSON *x = cJSON_GetArrayItem(a, i), *y = cJSON_GetArrayItem(b, i);
        if (!cJSON_IsString(x) || !cJSON_IsString(y) || strcmp(x->valuestring, y->valuestring) != 0)
            return false;
    }
    return true;
}

/* Compose hash the compose file would have with other allowed_envs. */
static int hash_with_allowed(const struct sim_cvm *c, const cJSON *allowed, char out[SIM_HEX_HASH])
{
    cJSON *copy = cJSON_Duplicate(c->compose_file, true);
    if (!copy) return -1;
    cJSON_DeleteItemFromObjectCaseSensitive(copy, "allowed_envs");
    cJSON_AddItemToObject(copy, "allowed_envs", cJSON_Duplicate(allowed, true));
    int rc = sim_compose_hash(copy, out);
    cJSON_Delete(copy);
    return rc;
}

static void set_allowed(struct sim_cvm *c, const cJSON *allowed)
{
    cJSON_DeleteItemFromObjectCaseSensitive(c->compose_file, "allowed_envs");
    cJSON_AddItemToObject(c->compose_file, "allowed_envs", cJSON_Duplicate(allowed, true));
    sim_compose_hash(c->compose_file, c->compose_hash);
}

/* Records what the CVM would now see and answers the in_progress body (all four keys: the SDK's
 * schema requires them). */
static void apply_update(struct sim_cvm *c, cJSON *env, const cJSON *env_keys, bool changed,
                         const struct sim_req *q, struct sim_reply *r)
{
    cJSON_Delete(c->env);
    c->env = env;
    if (env_keys) {
        cJSON_Delete(c->env_keys);
        c->env_keys = cJSON_Duplicate(env_keys, true);
    }
    if (changed) set_allowed(c, env_keys);
    c->updates++;
    if (c->pending.active && changed) {
        cJSON_Delete(c->pending.allowed_envs);
        memset(&c->pending, 0, sizeof c->pending);
    }
    /* A UUID made from the request counter: unique per update and reproducible across runs. */
    char hex[SIM_HEX_HASH], corr[37];
    sim_keccak_hex(q->request_id, strlen(q->request_id), hex);
    snprintf(corr, sizeof corr, "%.8s-%.4s-4%.3s-8%.3s-%.12s", hex, hex + 8, hex + 12, hex + 15,
             hex + 18);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "status", "in_progress");
    cJSON_AddStringToObject(o, "message", "Environment update initiated");
    cJSON_AddStringToObject(o, "correlation_id", corr);
    cJSON_AddBoolToObject(o, "allowed_envs_changed", changed);
    sim_reply_json(r, 200, o);
}

static cJSON *detail(const char *field, cJSON *value)
{
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "field", field);
    cJSON_AddItemToObject(d, "value", value);
    cJSON_AddNullToObject(d, "message");
    return d;
}

/* HTTP 465, the structured body: the SDKs read compose_hash, app_id, device_id and kms_info out of
 * details[] (JS updateCvmEnvs then returns status "precondition_required"). */
static void reply_465(const struct sim_state *st, const struct sim_cvm *c, const char *hash,
                      const struct sim_req *q, struct sim_reply *r)
{
    cJSON *details = cJSON_CreateArray();
    cJSON_AddItemToArray(details, detail("compose_hash", cJSON_CreateString(hash)));
    cJSON_AddItemToArray(details, detail("app_id", cJSON_CreateString(c->app_id)));
    cJSON_AddItemToArray(details, detail("device_id", cJSON_CreateString(c->device_id)));
    cJSON_AddItemToArray(details, detail("kms_info", sim_kms_info_json(st, &st->kms[c->kms])));
    sim_reply_structured(r, q, 465, "ERR-01-005", "Compose hash registration required on-chain",
                         details,
                         "Register the compose hash on the app contract (addComposeHash) and retry "
                         "with compose_hash and transaction_hash");
}

/* Phase 2 against the simulator's fake chain: 467 unless the tx registered exactly this hash on
 * this app's contract, 468 unless the hash is (still) allowed there. */
static int verify_fake_chain(const struct sim_state *st, const struct sim_cvm *c, const char *hash,
                             const char *tx, const char **msg)
{
    const struct sim_chain_reg *reg = NULL;
    for (size_t i = 0; i < st->nregs; i++)
        if (strcasecmp(st->regs[i].tx, tx) == 0) reg = &st->regs[i];
    if (!reg) {
        *msg = "Transaction not found";
        return 467;
    }
    if (strcmp(reg->app_id, c->app_id) != 0 || strcmp(reg->compose_hash, hash) != 0) {
        *msg = "Transaction does not register this compose hash on the app contract";
        return 467;
    }
    if (!reg->allowed) {
        *msg = "Compose hash not allowed by the app contract";
        return 468;
    }
    return 0;
}

/* Phase 2 against a real chain (--rpc-url, rpc.c): 467 unless the tx's receipt carries
 * ComposeHashAdded(hash) from 0x<app_id> (or when the chain cannot be reached), 468 unless
 * allowedComposeHashes(hash) is true on that contract now. */
static int verify_rpc(const struct sim_state *st, const struct sim_cvm *c, const char *hash,
                      const char *tx, const char **msg)
{
    static _Thread_local char buf[512];
    const struct sim_kms *k = &st->kms[c->kms];
    int status = sim_rpc_verify(st->rpc_url, k->has_chain, k->chain_id, c->app_id, hash, tx, buf,
                                sizeof buf);
    *msg = buf;
    return status;
}

static const char *phase2_code(int status)
{
    return status == 466 ? "ERR-01-006" : status == 467 ? "ERR-01-007" : "ERR-01-008";
}

/* Reads an optional member that must be a string (null = absent); false with a 422 otherwise. */
static bool body_opt_string(const cJSON *body, const char *key, const char **out,
                            struct sim_reply *r)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, key);
    *out = NULL;
    if (!v || cJSON_IsNull(v)) return true;
    if (cJSON_IsString(v)) {
        *out = v->valuestring;
        return true;
    }
    sim_reply_422(r, "body", key, "Input should be a valid string", "string_type", NULL);
    return false;
}

static bool valid_env_key(const char *k)
{
    if (!k[0] || strlen(k) > 255) return false;
    if (!(k[0] == '_' || (k[0] >= 'A' && k[0] <= 'Z') || (k[0] >= 'a' && k[0] <= 'z')))
        return false;
    for (const char *p = k; *p; p++)
        if (!(*p == '_' || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
              (*p >= '0' && *p <= '9')))
            return false;
    return true;
}

static void patch_envs(struct sim_state *st, struct sim_cvm *c, const struct sim_req *q,
                       struct sim_reply *r)
{
    cJSON *body = cJSON_ParseWithLength(q->body, q->body_len);
    if (!cJSON_IsObject(body)) {
        sim_reply_422(r, "body", NULL, "JSON decode error", "json_invalid", NULL);
        goto out;
    }
    const char *enc, *hash_in, *tx;
    if (!body_opt_string(body, "encrypted_env", &enc, r) ||
        !body_opt_string(body, "compose_hash", &hash_in, r) ||
        !body_opt_string(body, "transaction_hash", &tx, r))
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
    const cJSON *env_keys = cJSON_GetObjectItemCaseSensitive(body, "env_keys"), *e;
    if (cJSON_IsNull(env_keys)) env_keys = NULL;
    if (env_keys) {
        if (!cJSON_IsArray(env_keys)) {
            sim_reply_422(r, "body", "env_keys", "Input should be a valid list", "list_type", NULL);
            goto out;
        }
        cJSON_ArrayForEach(e, env_keys)
        {
            if (!cJSON_IsString(e) || !valid_env_key(e->valuestring)) {
                sim_reply_422(r, "body", "env_keys",
                              "env_keys entries must match ^[A-Za-z_][A-Za-z0-9_]*$", "value_error",
                              NULL);
                goto out;
            }
        }
    }
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

    const cJSON *current = allowed_envs(c);
    cJSON *empty = cJSON_CreateArray();
    bool changed = env_keys && !same_strings(env_keys, current ? current : empty);
    cJSON_Delete(empty);
    if (!changed || !k->has_chain) {
        apply_update(c, env, env_keys, changed, q, r);
        goto out;
    }

    if (!hash_in) { /* phase 1: remember the compose this update needs, ask for registration */
        char hash[SIM_HEX_HASH];
        if (hash_with_allowed(c, env_keys, hash)) {
            cJSON_Delete(env);
            sim_reply_detail(r, 500, "cannot compute the compose hash");
            goto out;
        }
        cJSON_Delete(c->pending.allowed_envs);
        c->pending.active = true;
        memcpy(c->pending.compose_hash, hash, sizeof hash);
        c->pending.allowed_envs = cJSON_Duplicate(env_keys, true);
        c->pending.created = sim_now();
        cJSON_Delete(env);
        reply_465(st, c, hash, q, r);
        goto out;
    }

    /* phase 2: the hash must be the pending one (466), then the chain must confirm it (467/468). */
    char hash[SIM_HEX_HASH];
    snprintf(hash, sizeof hash, "%s", sim_strip0x(hash_in));
    sim_lower(hash);
    int status = 0;
    const char *msg = NULL;
    if (!c->pending.active || strcmp(c->pending.compose_hash, hash) != 0 ||
        !same_strings(c->pending.allowed_envs, env_keys)) {
        status = 466;
        msg = "Compose hash is invalid or unknown; restart the update";
    } else if (sim_now() - c->pending.created > st->hash_ttl) {
        status = 466;
        msg = "Compose hash has expired; restart the update";
    } else if (!sim_is_hex(sim_strip0x(tx), 64) || strncmp(tx, "0x", 2) != 0) {
        status = 467;
        msg = "transaction_hash must be 0x followed by 64 hex digits";
    } else {
        status = st->rpc_url ? verify_rpc(st, c, hash, tx, &msg)
                             : verify_fake_chain(st, c, hash, tx, &msg);
    }
    if (status) {
        cJSON_Delete(env);
        sim_reply_structured(r, q, status, phase2_code(status), msg, NULL, NULL);
        goto out;
    }
    apply_update(c, env, env_keys, true, q, r);
out:
    cJSON_Delete(body);
}

bool sim_route_cvm(struct sim_state *st, const struct sim_req *q, struct sim_reply *r)
{
    struct sim_path p;
    sim_path_split(&p, q->path);
    bool mine =
        p.n >= 2 && p.n <= 3 && strcmp(p.seg[0], "cvms") == 0 &&
        (p.n == 2 || strcmp(p.seg[2], "compose_file") == 0 || strcmp(p.seg[2], "envs") == 0);
    if (!mine) goto out;
    const char *want = p.n == 3 && strcmp(p.seg[2], "envs") == 0 ? "PATCH" : "GET";
    if (strcmp(q->method, want) != 0) {
        sim_reply_detail(r, 405, "Method Not Allowed");
        goto out;
    }
    struct sim_cvm *c = sim_find_cvm(st, p.seg[1]);
    if (!c) {
        cvm_not_found(q, r);
    } else if (p.n == 2) {
        sim_reply_json(r, 200, cvm_info_json(st, c));
    } else if (strcmp(p.seg[2], "compose_file") == 0) {
        sim_reply_json(r, 200, cJSON_Duplicate(c->compose_file, true));
    } else {
        patch_envs(st, c, q, r);
    }
out:
    sim_path_free(&p);
    return mine;
}
