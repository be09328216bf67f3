/* routes_cvm_update.c — the current env-update API (research/phala-api-2026-06.md §4): the unified
 * PATCH /cvms/{id} {encrypted_env, allowed_envs} (X-Prepare-Only: a one-time commit token in the
 * 465), its commits — POST /cvms/{id}/commit-update {token, compose_hash, transaction_hash} (no API
 * key needed) or PATCH /cvms/{id} with X-Compose-Hash / X-Transaction-Hash — where the transaction
 * may be "already-registered" (the contract is asked instead), the boot rule's device allowlist
 * checked before a commit, and POST /cvms/{id}/is-allowed. With legacy_only (config) the server
 * predates all of it: 405 / 404, as an older API would answer. */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *header(const struct sim_req *q, const char *name)
{
    return MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, name);
}

bool sim_route_public(const struct sim_req *q)
{
    struct sim_path p;
    sim_path_split(&p, q->path);
    bool pub = p.n == 3 && strcmp(p.seg[0], "cvms") == 0 && strcmp(p.seg[2], "commit-update") == 0;
    sim_path_free(&p);
    return pub;
}

static cJSON *extra_entry(cJSON *list, const char *field, cJSON *value)
{
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "field", field);
    cJSON_AddItemToObject(e, "value", value);
    cJSON_AddItemToArray(list, e);
    return e;
}

/* onchain_status as the API computes it for the pending hash and the CVM's device. */
static cJSON *onchain_status(const struct sim_state *st, const struct sim_cvm *c, const char *hash)
{
    bool hash_ok = false, any = false, listed = false;
    char msg[256];
    sim_hash_allowed(st, c, hash, &hash_ok, msg, sizeof msg);
    sim_device_allowed(st, c, c->device_id, &any, &listed, msg, sizeof msg);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "compose_hash_allowed", hash_ok);
    cJSON_AddBoolToObject(o, "device_id_allowed", any || listed);
    cJSON_AddBoolToObject(o, "is_allowed", hash_ok && (any || listed));
    return o;
}

/* The commit of the pending update: its hash (466), the registration (467/468), then the device
 * allowlist (468: the CVM would not boot), then it is applied. keys NULL: not checked. */
static void commit(struct sim_state *st, struct sim_cvm *c, const char *hash_in, const char *tx,
                   const struct sim_req *q, struct sim_reply *r)
{
    char hash[SIM_HEX_HASH];
    sim_note_commit(c, hash_in); /* tests compare it with the 465's spelling */
    snprintf(hash, sizeof hash, "%s", sim_strip0x(hash_in));
    sim_lower(hash);
    const char *msg = NULL;
    int status = sim_pending_check(st, c, hash, NULL, &msg);
    if (!status && !c->pending.env) {
        status = 466;
        msg = "No prepared update for this compose hash; send PATCH /cvms/{id} again";
    }
    if (!status) status = sim_verify_registration(st, c, hash, tx, &msg);
    static _Thread_local char why[400];
    if (!status) {
        bool any = false, listed = false;
        if (sim_device_allowed(st, c, c->device_id, &any, &listed, why, sizeof why) != 0) {
            status = 467;
            msg = why;
        } else if (!any && !listed) {
            snprintf(why, sizeof why,
                     "Device %s is not allowed by the app contract: call addDevice first",
                     c->device_id);
            status = 468;
            msg = why;
        }
    }
    if (status) {
        sim_reply_structured(r, q, status,
                             status == 466   ? "ERR-01-006"
                             : status == 467 ? "ERR-01-007"
                                             : "ERR-01-008",
                             msg, NULL, NULL);
        return;
    }
    cJSON *env = c->pending.env;
    cJSON *keys = cJSON_Duplicate(c->pending.allowed_envs, true);
    c->pending.env = NULL;
    sim_apply_update(st, c, env, keys, true, true, q, r);
    cJSON_Delete(keys);
}

static cJSON *body_or_422(const struct sim_req *q, struct sim_reply *r, bool empty_ok)
{
    if (empty_ok && q->body_len == 0) return cJSON_CreateObject();
    cJSON *b = cJSON_ParseWithLength(q->body, q->body_len);
    if (cJSON_IsObject(b)) return b;
    cJSON_Delete(b);
    sim_reply_422(r, "body", NULL, "JSON decode error", "json_invalid", NULL);
    return NULL;
}

/* Fields of the unified PATCH the simulator does not implement (compose and resource changes). */
static const char *const unsupported[] = {"docker_compose_file",
                                          "pre_launch_script",
                                          "user_config",
                                          "vcpu",
                                          "memory",
                                          "disk_size",
                                          "image",
                                          "gpus",
                                          NULL};

void sim_route_cvm_patch(struct sim_state *st, struct sim_cvm *c, const struct sim_req *q,
                         struct sim_reply *r)
{
    if (st->legacy_only) {
        sim_reply_detail(r, 405, "Method Not Allowed");
        return;
    }
    const char *xh = header(q, "X-Compose-Hash"), *xt = header(q, "X-Transaction-Hash");
    cJSON *body = body_or_422(q, r, xh || xt);
    if (!body) return;
    if (xh || xt) { /* the confirm: the server kept the prepared body */
        if (!xh || !xt)
            sim_reply_422(r, "header", xh ? "X-Transaction-Hash" : "X-Compose-Hash",
                          "X-Compose-Hash and X-Transaction-Hash must be sent together",
                          "value_error", NULL);
        else
            commit(st, c, xh, xt, q, r);
        cJSON_Delete(body);
        return;
    }
    for (const char *const *u = unsupported; *u; u++)
        if (cJSON_GetObjectItemCaseSensitive(body, *u)) {
            sim_reply_422(r, "body", *u, "the simulator implements encrypted_env and allowed_envs",
                          "value_error", NULL);
            goto out;
        }
    const char *enc;
    if (!sim_body_opt_string(body, "encrypted_env", &enc, r)) goto out;
    const cJSON *keys = cJSON_GetObjectItemCaseSensitive(body, "allowed_envs");
    if (cJSON_IsNull(keys)) keys = NULL;
    if (keys && !sim_check_env_keys(keys, "allowed_envs", r)) goto out;
    if (!enc && !keys) {
        sim_reply_422(r, "body", NULL, "nothing to update", "value_error", NULL);
        goto out;
    }
    cJSON *env = NULL;
    const struct sim_kms *k = &st->kms[c->kms];
    if (enc) {
        if (!sim_is_hex(sim_strip0x(enc), 0) || strlen(sim_strip0x(enc)) % 2) {
            sim_reply_422(r, "body", "encrypted_env", "encrypted_env must be a hex string",
                          "value_error", NULL);
            goto out;
        }
        env = sim_decrypt_env(sim_kms_keys(st, k), c->app_id, sim_strip0x(enc));
        if (!env) {
            sim_reply_detail(r, 400, "encrypted_env cannot be decrypted with this app's key");
            goto out;
        }
    } else {
        env = cJSON_Duplicate(c->env, true);
    }
    const cJSON *current = cJSON_GetObjectItemCaseSensitive(c->compose_file, "allowed_envs");
    cJSON *none = cJSON_CreateArray();
    bool changed = keys && !sim_same_strings(keys, current ? current : none);
    cJSON_Delete(none);
    /* Prepare-only on a CVM without on-chain KMS (or with nothing to register) applies at once. */
    if (!changed || !k->has_chain) {
        sim_apply_update(st, c, env, keys, changed, true, q, r);
        goto out;
    }
    char hash[SIM_HEX_HASH], token[SIM_HEX_HASH] = "";
    const char *app_id;
    sim_precondition_for(c, keys, hash, &app_id);
    const char *prep = header(q, "X-Prepare-Only");
    bool prepare_only = prep && strcasecmp(prep, "true") == 0;
    if (prepare_only) { /* one-time, unguessable enough for a test server */
        char seed[96];
        snprintf(seed, sizeof seed, "commit-token:%s:%s", q->request_id, c->id);
        sim_keccak_hex(seed, strlen(seed), token);
    }
    sim_pending_start(c, hash, keys, env, prepare_only ? token : NULL);
    cJSON *extra = cJSON_CreateArray();
    if (prepare_only) {
        char url[256];
        extra_entry(extra, "commit_token", cJSON_CreateString(token));
        /* the dashboard link carries the token, as a link for a multisig signer would */
        snprintf(url, sizeof url, "https://cloud.phala.example/cvms/%s/commit?token=%s", c->id,
                 token);
        extra_entry(extra, "commit_url", cJSON_CreateString(url));
        snprintf(url, sizeof url, "/api/v1/cvms/%s/commit-update", c->id);
        extra_entry(extra, "api_commit_url", cJSON_CreateString(url));
    }
    extra_entry(extra, "onchain_status", onchain_status(st, c, hash));
    sim_reply_465(st, c, hash, app_id, extra, q, r);
out:
    cJSON_Delete(body);
}

void sim_route_commit_update(struct sim_state *st, struct sim_cvm *c, const struct sim_req *q,
                             struct sim_reply *r)
{
    if (st->legacy_only) {
        sim_reply_detail(r, 404, "Not Found");
        return;
    }
    cJSON *body = body_or_422(q, r, false);
    if (!body) return;
    const char *token, *hash, *tx;
    if (!sim_body_opt_string(body, "token", &token, r) ||
        !sim_body_opt_string(body, "compose_hash", &hash, r) ||
        !sim_body_opt_string(body, "transaction_hash", &tx, r))
        goto out;
    if (!token || !hash || !tx) {
        sim_reply_422(r, "body",
                      !token  ? "token"
                      : !hash ? "compose_hash"
                              : "transaction_hash",
                      "Field required", "missing", NULL);
        goto out;
    }
    if (!c->pending.active || !c->pending.token[0] || strcmp(c->pending.token, token) != 0) {
        sim_reply_structured(r, q, 466, "ERR-01-006",
                             "Commit token is invalid, used or expired; prepare the update again",
                             NULL, NULL);
        goto out;
    }
    commit(st, c, hash, tx, q, r);
out:
    cJSON_Delete(body);
}

void sim_route_is_allowed(struct sim_state *st, struct sim_cvm *c, const struct sim_req *q,
                          struct sim_reply *r)
{
    if (st->legacy_only) {
        sim_reply_detail(r, 404, "Not Found");
        return;
    }
    cJSON *body = body_or_422(q, r, true);
    if (!body) return;
    const char *hash_in, *dev_in;
    if (!sim_body_opt_string(body, "compose_hash", &hash_in, r) ||
        !sim_body_opt_string(body, "device_id", &dev_in, r))
        goto out;
    char hash[SIM_HEX_HASH], dev[SIM_HEX_HASH], msg[256] = "";
    snprintf(hash, sizeof hash, "%s", hash_in ? sim_strip0x(hash_in) : c->compose_hash);
    snprintf(dev, sizeof dev, "%s", dev_in ? sim_strip0x(dev_in) : c->device_id);
    sim_lower(hash);
    sim_lower(dev);
    if (!sim_is_hex(hash, 64) || !sim_is_hex(dev, 64)) {
        sim_reply_422(r, "body", sim_is_hex(hash, 64) ? "device_id" : "compose_hash",
                      "must be 64 hex digits", "value_error", NULL);
        goto out;
    }
    bool hash_ok = false, any = false, listed = false;
    int e = sim_hash_allowed(st, c, hash, &hash_ok, msg, sizeof msg);
    if (!e) e = sim_device_allowed(st, c, dev, &any, &listed, msg, sizeof msg);
    cJSON *o = cJSON_CreateObject();
    char addr[2 + 40 + 1];
    snprintf(addr, sizeof addr, "0x%s", c->app_id);
    /* cvm_id is an integer before 2026-05-22 (SDK schema), the hashed string from it: the
     * simulator's ids are strings, so older versions get none */
    const char *v = header(q, "X-Phala-Version");
    if (v && (strcasecmp(v, "latest") == 0 || strcmp(v, "2026-05-22") >= 0))
        cJSON_AddStringToObject(o, "cvm_id", c->id);
    cJSON_AddStringToObject(o, "app_contract_address", addr);
    cJSON_AddStringToObject(o, "compose_hash", hash);
    cJSON_AddStringToObject(o, "device_id", dev);
    cJSON_AddBoolToObject(o, "compose_hash_allowed", !e && hash_ok);
    cJSON_AddBoolToObject(o, "allow_any_device", !e && any);
    cJSON_AddBoolToObject(o, "device_id_allowed", !e && (any || listed));
    cJSON_AddBoolToObject(o, "is_allowed", !e && hash_ok && (any || listed));
    if (e)
        cJSON_AddStringToObject(o, "error", msg);
    else
        cJSON_AddNullToObject(o, "error");
    sim_reply_json(r, 200, o);
out:
    cJSON_Delete(body);
}
