/* routes_admin.c — the unauthenticated /_sim/ API tests use to look inside the simulator (decrypted
 * envs, stats) and to change the world under the client's feet (drift, deleted CVMs, key rotation,
 * faults, latency, update duration, a legacy-only server, a hostile API's 465s, the fake chain's
 * registrations and device allowlists). */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static cJSON *dup_or_null(const cJSON *v)
{
    return v ? cJSON_Duplicate(v, true) : cJSON_CreateNull();
}

static void cvm_missing(const struct sim_req *q, struct sim_reply *r)
{
    sim_reply_structured(r, q, 404, "ERR-03-001", "CVM not found", NULL, NULL);
}

static cJSON *envs_view(const struct sim_cvm *c)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "cvm_id", c->id);
    cJSON_AddItemToObject(o, "env", cJSON_Duplicate(c->env, true));
    cJSON_AddItemToObject(o, "env_keys", dup_or_null(c->env_keys));
    cJSON_AddItemToObject(
        o, "allowed_envs",
        dup_or_null(cJSON_GetObjectItemCaseSensitive(c->compose_file, "allowed_envs")));
    cJSON_AddStringToObject(o, "compose_hash", c->compose_hash);
    cJSON_AddNumberToObject(o, "updates", (double)c->updates);
    if (c->pending.active) {
        cJSON *p = cJSON_AddObjectToObject(o, "pending");
        cJSON_AddStringToObject(p, "compose_hash", c->pending.compose_hash);
        cJSON_AddItemToObject(p, "env_keys", cJSON_Duplicate(c->pending.allowed_envs, true));
        cJSON_AddBoolToObject(p, "prepared", c->pending.env != NULL);    /* unified: body kept */
        cJSON_AddBoolToObject(p, "has_token", c->pending.token[0] != 0); /* never the token */
    } else {
        cJSON_AddNullToObject(o, "pending");
    }
    return o;
}

static void set_allowed_envs(struct sim_cvm *c, const struct sim_req *q, struct sim_reply *r)
{
    cJSON *b = sim_body_object(q, r), *e;
    if (!b) return;
    cJSON *list = cJSON_GetObjectItemCaseSensitive(b, "allowed_envs");
    bool ok = cJSON_IsArray(list);
    cJSON_ArrayForEach(e, list) /* a no-op for NULL or a scalar */
    {
        if (!cJSON_IsString(e)) ok = false;
    }
    if (!ok) {
        sim_reply_422(r, "body", "allowed_envs", "Input should be a list of strings", "list_type",
                      NULL);
    } else {
        cJSON_DeleteItemFromObjectCaseSensitive(c->compose_file, "allowed_envs");
        cJSON_AddItemToObject(c->compose_file, "allowed_envs", cJSON_Duplicate(list, true));
        sim_compose_hash_form(c->compose_file, c->hash_form, c->compose_hash);
        sim_reply_json(r, 200, envs_view(c));
    }
    cJSON_Delete(b);
}

/* Rotation of a contract's root key (every replica of it shares the key): the new root secret is
 * keccak256(old root ‖ "rotate") unless the body names one. "keep_k256": true keeps advertising the
 * old k256_pubkey while app keys get signed with the new key (a foreign signer behind the real
 * anchor); false advertises the new key again. Answers the node's KmsInfo when a node was named,
 * else the contract. */
static void rotate_keys(struct sim_state *st, struct sim_contract *k, const struct sim_kms *node,
                        const struct sim_req *q, struct sim_reply *r)
{
    uint8_t next[32];
    cJSON *b = q->body_len ? cJSON_ParseWithLength(q->body, q->body_len) : NULL;
    const cJSON *given = cJSON_GetObjectItemCaseSensitive(b, "root_secret");
    const cJSON *keep = cJSON_GetObjectItemCaseSensitive(b, "keep_k256");
    if (given && (!cJSON_IsString(given) ||
                  sim_hex_decode(sim_strip0x(given->valuestring), next, 32) != 0)) {
        cJSON_Delete(b);
        sim_reply_422(r, "body", "root_secret", "root_secret must be 64 hex digits", "value_error",
                      NULL);
        return;
    }
    if (keep && !cJSON_IsBool(keep)) {
        cJSON_Delete(b);
        sim_reply_422(r, "body", "keep_k256", "keep_k256 must be a boolean", "bool_type", NULL);
        return;
    }
    if (keep) k->keys.k256_overridden = cJSON_IsTrue(keep);
    cJSON_Delete(b);
    if (!given) {
        uint8_t buf[32 + 6];
        char hex[SIM_HEX_HASH];
        memcpy(buf, k->keys.root_secret, 32);
        memcpy(buf + 32, "rotate", 6);
        sim_keccak_hex(buf, sizeof buf, hex);
        sim_hex_decode(hex, next, 32);
    }
    memcpy(k->keys.root_secret, next, 32);
    char saved[sizeof k->keys.k256_pubkey];
    memcpy(saved, k->keys.k256_pubkey, sizeof saved);
    sim_keys_derive(&k->keys);
    if (k->keys.k256_overridden) memcpy(k->keys.k256_pubkey, saved, sizeof saved);
    sim_reply_json(r, 200, node ? sim_kms_info_json(st, node) : sim_contract_json(st, k));
}

/* Fake chain: tx hash = 0x keccak256(app_id bytes ‖ compose hash bytes), so the same registration
 * always has the same tx and tests can predict it. */
static void chain_register(struct sim_state *st, const struct sim_req *q, struct sim_reply *r)
{
    cJSON *b = sim_body_object(q, r);
    if (!b) return;
    const cJSON *app = cJSON_GetObjectItemCaseSensitive(b, "app_id");
    const cJSON *hash = cJSON_GetObjectItemCaseSensitive(b, "compose_hash");
    const cJSON *allowed = cJSON_GetObjectItemCaseSensitive(b, "allowed");
    uint8_t raw[20 + 32];
    if (!cJSON_IsString(app) || sim_hex_decode(sim_strip0x(app->valuestring), raw, 20)) {
        sim_reply_422(r, "body", "app_id", "app_id must be 40 hex digits", "value_error", NULL);
    } else if (!cJSON_IsString(hash) ||
               sim_hex_decode(sim_strip0x(hash->valuestring), raw + 20, 32)) {
        sim_reply_422(r, "body", "compose_hash", "compose_hash must be 64 hex digits",
                      "value_error", NULL);
    } else if (allowed && !cJSON_IsBool(allowed)) {
        sim_reply_422(r, "body", "allowed", "allowed must be a boolean", "bool_type", NULL);
    } else {
        char tx[SIM_HEX_HASH];
        sim_keccak_hex(raw, sizeof raw, tx);
        struct sim_chain_reg *reg = NULL;
        for (size_t i = 0; i < st->nregs; i++)
            if (strcmp(st->regs[i].tx + 2, tx) == 0) reg = &st->regs[i];
        if (!reg) {
            struct sim_chain_reg *nr = realloc(st->regs, (st->nregs + 1) * sizeof *nr);
            if (!nr) {
                sim_reply_detail(r, 500, "out of memory");
                cJSON_Delete(b);
                return;
            }
            st->regs = nr;
            reg = &st->regs[st->nregs++];
            memset(reg, 0, sizeof *reg);
            sim_hex_encode(raw, 20, reg->app_id);
            sim_hex_encode(raw + 20, 32, reg->compose_hash);
            snprintf(reg->tx, sizeof reg->tx, "0x%s", tx);
        }
        reg->allowed = !allowed || cJSON_IsTrue(allowed);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "transaction_hash", reg->tx);
        cJSON_AddStringToObject(o, "app_id", reg->app_id);
        cJSON_AddStringToObject(o, "compose_hash", reg->compose_hash);
        cJSON_AddBoolToObject(o, "allowed", reg->allowed);
        sim_reply_json(r, 200, o);
    }
    cJSON_Delete(b);
}

/* What a compromised API would do to the CVM's next 465s; DELETE clears it. */
static void set_hostile(struct sim_state *st, struct sim_cvm *c, const struct sim_req *q,
                        struct sim_reply *r)
{
    struct sim_hostile *h = &c->hostile;
    free(h->compose_hash);
    free(h->app_id);
    free(h->docker_compose_file);
    free(h->device_id);
    free(h->answer_as);
    memset(h, 0, sizeof *h);
    if (strcmp(q->method, "DELETE") == 0) {
        sim_reply_raw(r, 200, "{\"hostile\":false}");
        return;
    }
    cJSON *b = sim_body_object(q, r);
    if (!b) return;
    const cJSON *hash = cJSON_GetObjectItemCaseSensitive(b, "compose_hash");
    const cJSON *app = cJSON_GetObjectItemCaseSensitive(b, "app_id");
    const cJSON *dcf = cJSON_GetObjectItemCaseSensitive(b, "docker_compose_file");
    const cJSON *dev = cJSON_GetObjectItemCaseSensitive(b, "device_id");
    const cJSON *chain = cJSON_GetObjectItemCaseSensitive(b, "chain_id");
    const cJSON *as = cJSON_GetObjectItemCaseSensitive(b, "answer_as");
    if (hash && (!cJSON_IsString(hash) || !sim_is_hex(sim_strip0x(hash->valuestring), 64))) {
        sim_reply_422(r, "body", "compose_hash", "64 hex digits", "value_error", NULL);
    } else if (app && (!cJSON_IsString(app) || !sim_is_hex(sim_strip0x(app->valuestring), 40))) {
        sim_reply_422(r, "body", "app_id", "40 hex digits", "value_error", NULL);
    } else if (dcf && !cJSON_IsString(dcf)) {
        sim_reply_422(r, "body", "docker_compose_file", "a string", "string_type", NULL);
    } else if (dev && (!cJSON_IsString(dev) || !sim_is_hex(sim_strip0x(dev->valuestring), 64))) {
        sim_reply_422(r, "body", "device_id", "64 hex digits", "value_error", NULL);
    } else if (chain && (!cJSON_IsNumber(chain) || chain->valuedouble < 1)) {
        sim_reply_422(r, "body", "chain_id", "a positive integer", "value_error", NULL);
    } else if (as && (!cJSON_IsString(as) || !sim_find_cvm(st, as->valuestring))) {
        sim_reply_422(r, "body", "answer_as", "an existing CVM", "value_error", NULL);
    } else {
        h->active = true;
        h->compose_hash = hash ? sim_strdup(sim_strip0x(hash->valuestring)) : NULL;
        h->app_id = app ? sim_strdup(sim_strip0x(app->valuestring)) : NULL;
        if (h->compose_hash) sim_lower(h->compose_hash);
        if (h->app_id) sim_lower(h->app_id);
        h->docker_compose_file = dcf ? sim_strdup(dcf->valuestring) : NULL;
        h->serve_compose = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(b, "serve_compose"));
        h->unknown_form = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(b, "unknown_form"));
        h->device_id = dev ? sim_strdup(sim_strip0x(dev->valuestring)) : NULL;
        if (h->device_id) sim_lower(h->device_id);
        h->has_chain = chain != NULL;
        h->chain_id = chain ? (long long)chain->valuedouble : 0;
        h->answer_as = as ? sim_strdup(as->valuestring) : NULL;
        sim_reply_raw(r, 200, "{\"hostile\":true}");
    }
    cJSON_Delete(b);
}

/* The fake chain's device allowlist of an app: {app_id, allow_any_device?, add?, remove?}. */
static void set_devices(struct sim_state *st, const struct sim_req *q, struct sim_reply *r)
{
    cJSON *b = sim_body_object(q, r);
    if (!b) return;
    const cJSON *app = cJSON_GetObjectItemCaseSensitive(b, "app_id");
    const cJSON *any = cJSON_GetObjectItemCaseSensitive(b, "allow_any_device");
    const cJSON *add = cJSON_GetObjectItemCaseSensitive(b, "add");
    const cJSON *rm = cJSON_GetObjectItemCaseSensitive(b, "remove");
    struct sim_app_devices *a = NULL;
    if (!cJSON_IsString(app) || !sim_is_hex(sim_strip0x(app->valuestring), 40)) {
        sim_reply_422(r, "body", "app_id", "app_id must be 40 hex digits", "value_error", NULL);
    } else if ((any && !cJSON_IsBool(any)) ||
               (add && (!cJSON_IsString(add) || !sim_is_hex(sim_strip0x(add->valuestring), 64))) ||
               (rm && (!cJSON_IsString(rm) || !sim_is_hex(sim_strip0x(rm->valuestring), 64)))) {
        sim_reply_422(r, "body", NULL, "allow_any_device: bool; add / remove: 64 hex digits",
                      "value_error", NULL);
    } else if (!(a = sim_app_devices(st, sim_strip0x(app->valuestring), true))) {
        sim_reply_detail(r, 500, "out of memory");
    } else {
        if (any) a->allow_any = cJSON_IsTrue(any);
        const cJSON *d;
        for (int i = cJSON_GetArraySize(a->devices) - 1; rm && i >= 0; i--) {
            d = cJSON_GetArrayItem(a->devices, i);
            if (strcasecmp(d->valuestring, sim_strip0x(rm->valuestring)) == 0)
                cJSON_DeleteItemFromArray(a->devices, i);
        }
        if (add) {
            char dev[SIM_HEX_HASH];
            snprintf(dev, sizeof dev, "%s", sim_strip0x(add->valuestring));
            sim_lower(dev);
            cJSON_AddItemToArray(a->devices, cJSON_CreateString(dev));
        }
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "app_id", a->app_id);
        cJSON_AddBoolToObject(o, "allow_any_device", a->allow_any);
        cJSON_AddItemToObject(o, "devices", cJSON_Duplicate(a->devices, true));
        sim_reply_json(r, 200, o);
    }
    cJSON_Delete(b);
}

static void set_config(struct sim_state *st, const struct sim_req *q, struct sim_reply *r)
{
    cJSON *b = sim_body_object(q, r);
    if (!b) return;
    const cJSON *lat = cJSON_GetObjectItemCaseSensitive(b, "latency_ms");
    const cJSON *ttl = cJSON_GetObjectItemCaseSensitive(b, "hash_ttl");
    const cJSON *rpc = cJSON_GetObjectItemCaseSensitive(b, "kms_rpc_timeout_ms");
    const cJSON *upd = cJSON_GetObjectItemCaseSensitive(b, "update_ms");
    const cJSON *legacy = cJSON_GetObjectItemCaseSensitive(b, "legacy_only");
    if (upd && (!cJSON_IsNumber(upd) || upd->valuedouble < -1 || upd->valuedouble > 3600000)) {
        sim_reply_422(r, "body", "update_ms", "update_ms must be -1 (never) or 0..3600000",
                      "value_error", NULL);
    } else if (legacy && !cJSON_IsBool(legacy)) {
        sim_reply_422(r, "body", "legacy_only", "legacy_only must be a boolean", "bool_type", NULL);
    } else if (lat && (!cJSON_IsNumber(lat) || lat->valuedouble < 0 || lat->valuedouble > 600000)) {
        sim_reply_422(r, "body", "latency_ms", "latency_ms must be a number in 0..600000",
                      "value_error", NULL);
    } else if (ttl && (!cJSON_IsNumber(ttl) || ttl->valuedouble < 0)) {
        sim_reply_422(r, "body", "hash_ttl", "hash_ttl must be a number ≥ 0", "value_error", NULL);
    } else if (rpc && (!cJSON_IsNumber(rpc) || rpc->valuedouble < 0 || rpc->valuedouble > 600000)) {
        sim_reply_422(r, "body", "kms_rpc_timeout_ms",
                      "kms_rpc_timeout_ms must be a number in 0..600000", "value_error", NULL);
    } else {
        if (lat) st->latency_ms = (long)lat->valuedouble;
        if (ttl) st->hash_ttl = ttl->valuedouble;
        if (rpc) st->kms_rpc_timeout_ms = (long)rpc->valuedouble;
        if (upd) st->update_ms = (long)upd->valuedouble;
        if (legacy) st->legacy_only = cJSON_IsTrue(legacy);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "latency_ms", (double)st->latency_ms);
        cJSON_AddNumberToObject(o, "hash_ttl", st->hash_ttl);
        cJSON_AddNumberToObject(o, "kms_rpc_timeout_ms", (double)st->kms_rpc_timeout_ms);
        cJSON_AddNumberToObject(o, "update_ms", (double)st->update_ms);
        cJSON_AddBoolToObject(o, "legacy_only", st->legacy_only);
        sim_reply_json(r, 200, o);
    }
    cJSON_Delete(b);
}

static void push_fault(struct sim_state *st, const struct sim_req *q, struct sim_reply *r)
{
    cJSON *b = sim_body_object(q, r);
    if (!b) return;
    char err[128] = "";
    if (sim_fault_push(st, b, err, sizeof err)) {
        sim_reply_422(r, "body", NULL, err, "value_error", NULL);
    } else {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "queued", (double)st->nfaults);
        sim_reply_json(r, 200, o);
    }
    cJSON_Delete(b);
}

static bool is(const struct sim_req *q, const char *method)
{
    return strcmp(q->method, method) == 0;
}

bool sim_route_admin(struct sim_state *st, const struct sim_req *q, struct sim_reply *r)
{
    struct sim_path p;
    bool mine = true;
    if (sim_route_admin_flow(st, q, r)) return true; /* cvm_status.c: power, flow, lag */
    sim_path_split(&p, q->path);                     /* seg[0] == "_sim" */
    const char *a = p.n > 1 ? p.seg[1] : "";
    if (p.n == 2 && strcmp(a, "health") == 0 && is(q, "GET")) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddTrueToObject(o, "ok");
        sim_reply_json(r, 200, o);
    } else if (p.n == 3 && strcmp(a, "envs") == 0 && is(q, "GET")) {
        struct sim_cvm *c = sim_find_cvm(st, p.seg[2]);
        if (c)
            sim_reply_json(r, 200, envs_view(c));
        else
            cvm_missing(q, r);
    } else if (p.n == 4 && strcmp(a, "cvms") == 0 && strcmp(p.seg[3], "allowed_envs") == 0 &&
               is(q, "POST")) {
        struct sim_cvm *c = sim_find_cvm(st, p.seg[2]);
        if (c)
            set_allowed_envs(c, q, r);
        else
            cvm_missing(q, r);
    } else if (p.n == 4 && strcmp(a, "cvms") == 0 && strcmp(p.seg[3], "hostile") == 0 &&
               (is(q, "POST") || is(q, "DELETE"))) {
        struct sim_cvm *c = sim_find_cvm(st, p.seg[2]);
        if (c)
            set_hostile(st, c, q, r);
        else
            cvm_missing(q, r);
    } else if (p.n == 4 && strcmp(a, "cvms") == 0 && strcmp(p.seg[3], "commit_token") == 0 &&
               is(q, "GET")) {
        /* tests look for the token where it must never be (state, logs); nothing else shows it */
        struct sim_cvm *c = sim_find_cvm(st, p.seg[2]);
        if (!c) {
            cvm_missing(q, r);
        } else {
            cJSON *o = cJSON_CreateObject();
            if (c->pending.active && c->pending.token[0])
                cJSON_AddStringToObject(o, "token", c->pending.token);
            else
                cJSON_AddNullToObject(o, "token");
            sim_reply_json(r, 200, o);
        }
    } else if (p.n == 3 && strcmp(a, "cvms") == 0 && is(q, "DELETE")) {
        struct sim_cvm *c = sim_find_cvm(st, p.seg[2]);
        if (c) {
            c->deleted = true;
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "deleted", c->id);
            sim_reply_json(r, 200, o);
        } else {
            cvm_missing(q, r);
        }
    } else if (p.n == 4 && strcmp(a, "kms") == 0 && strcmp(p.seg[3], "rotate") == 0 &&
               is(q, "POST")) {
        struct sim_kms *k = sim_find_kms(st, p.seg[2]);
        struct sim_contract *c = k ? &st->contracts[k->contract] : sim_find_contract(st, p.seg[2]);
        if (c)
            rotate_keys(st, c, k, q, r);
        else
            sim_reply_structured(r, q, 404, "ERR-02-011", "KMS not found", NULL, NULL);
    } else if (p.n == 2 && strcmp(a, "faults") == 0 && is(q, "POST")) {
        push_fault(st, q, r);
    } else if (p.n == 2 && strcmp(a, "faults") == 0 && is(q, "DELETE")) {
        sim_faults_clear(st);
        sim_reply_raw(r, 200, "{\"queued\":0}");
    } else if (p.n == 2 && strcmp(a, "faults") == 0 && is(q, "GET")) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "queued", (double)st->nfaults);
        sim_reply_json(r, 200, o);
    } else if (p.n == 2 && strcmp(a, "config") == 0 && is(q, "POST")) {
        set_config(st, q, r);
    } else if (p.n == 3 && strcmp(a, "chain") == 0 && strcmp(p.seg[2], "register") == 0 &&
               is(q, "POST")) {
        chain_register(st, q, r);
    } else if (p.n == 3 && strcmp(a, "chain") == 0 && strcmp(p.seg[2], "devices") == 0 &&
               is(q, "POST")) {
        set_devices(st, q, r);
    } else if (p.n == 2 && strcmp(a, "requests") == 0 && is(q, "GET")) {
        sim_reply_json(r, 200, sim_log_json(st));
    } else if (p.n == 2 && strcmp(a, "requests") == 0 && is(q, "DELETE")) {
        sim_log_clear(st);
        sim_reply_json(r, 200, sim_log_json(st));
    } else if (p.n == 2 && strcmp(a, "stats") == 0 && is(q, "GET")) {
        sim_reply_json(r, 200, sim_stats_json(st));
    } else if (p.n == 3 && strcmp(a, "stats") == 0 && strcmp(p.seg[2], "reset") == 0 &&
               is(q, "POST")) {
        sim_stats_reset(st);
        sim_reply_json(r, 200, sim_stats_json(st));
    } else {
        mine = false;
    }
    sim_path_free(&p);
    return mine;
}
