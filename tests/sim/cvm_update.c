/* cvm_update.c — the machinery both env-update APIs share (PATCH /cvms/{id}/envs and the unified
 * PATCH /cvms/{id} with its commits): the pending update, the 465 body (honest, or what a hostile
 * API would name), recording an accepted update (which keeps the CVM in_progress for update_ms),
 * and asking the app contract — the fake chain of /_sim/chain or, with --rpc-url, a real node. */
#include "rpc.h"
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <phalakms.h>

bool sim_same_strings(const cJSON *a, const cJSON *b)
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

bool sim_valid_env_key(const char *k)
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

bool sim_body_opt_string(const cJSON *body, const char *key, const char **out, struct sim_reply *r)
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

bool sim_check_env_keys(const cJSON *list, const char *what, struct sim_reply *r)
{
    const cJSON *e;
    if (!cJSON_IsArray(list)) {
        sim_reply_422(r, "body", what, "Input should be a valid list", "list_type", NULL);
        return false;
    }
    cJSON_ArrayForEach(e, list)
    {
        if (!cJSON_IsString(e) || !sim_valid_env_key(e->valuestring)) {
            sim_reply_422(r, "body", what, "entries must match ^[A-Za-z_][A-Za-z0-9_]*$",
                          "value_error", NULL);
            return false;
        }
    }
    return true;
}

/* A copy of compose with allowed_envs replaced. */
static cJSON *with_allowed(const cJSON *compose, const cJSON *allowed)
{
    cJSON *copy = cJSON_Duplicate(compose, true);
    if (!copy) return NULL;
    cJSON_DeleteItemFromObjectCaseSensitive(copy, "allowed_envs");
    cJSON_AddItemToObject(copy, "allowed_envs", cJSON_Duplicate(allowed, true));
    return copy;
}

int sim_hash_with_allowed(const struct sim_cvm *c, const cJSON *allowed, char out[SIM_HEX_HASH])
{
    cJSON *copy = with_allowed(c->compose_file, allowed);
    int rc = copy ? sim_compose_hash_form(copy, c->hash_form, out) : -1;
    cJSON_Delete(copy);
    return rc;
}

cJSON *sim_served_compose(const struct sim_cvm *c)
{
    cJSON *copy = cJSON_Duplicate(c->compose_file, true);
    if (copy && c->hostile.active && c->hostile.serve_compose && c->hostile.docker_compose_file) {
        cJSON_DeleteItemFromObjectCaseSensitive(copy, "docker_compose_file");
        cJSON_AddStringToObject(copy, "docker_compose_file", c->hostile.docker_compose_file);
    }
    return copy;
}

void sim_precondition_for(const struct sim_cvm *c, const cJSON *allowed, char hash[SIM_HEX_HASH],
                          const char **app_id)
{
    const struct sim_hostile *h = &c->hostile;
    *app_id = h->active && h->app_id ? h->app_id : c->app_id;
    if (h->active && h->compose_hash) {
        snprintf(hash, SIM_HEX_HASH, "%s", h->compose_hash);
        return;
    }
    cJSON *base = cJSON_Duplicate(c->compose_file, true);
    if (h->active && h->docker_compose_file) {
        cJSON_DeleteItemFromObjectCaseSensitive(base, "docker_compose_file");
        cJSON_AddStringToObject(base, "docker_compose_file", h->docker_compose_file);
    }
    cJSON *next = with_allowed(base, allowed);
    hash[0] = '\0';
    if (h->active && h->unknown_form) {
        /* the right compose, serialised as no SDK does (cJSON's tab-indented, unsorted print) */
        char *txt = cJSON_Print(next);
        if (txt) sim_keccak_hex(txt, strlen(txt), hash);
        cJSON_free(txt);
    } else {
        sim_compose_hash_form(next, c->hash_form, hash);
    }
    cJSON_Delete(next);
    cJSON_Delete(base);
}

void sim_pending_clear(struct sim_cvm *c)
{
    cJSON_Delete(c->pending.allowed_envs);
    cJSON_Delete(c->pending.env);
    memset(&c->pending, 0, sizeof c->pending);
}

void sim_pending_start(struct sim_cvm *c, const char *hash, const cJSON *allowed, cJSON *env,
                       const char *token)
{
    sim_pending_clear(c);
    c->pending.active = true;
    snprintf(c->pending.compose_hash, sizeof c->pending.compose_hash, "%s", hash);
    c->pending.allowed_envs = cJSON_Duplicate(allowed, true);
    c->pending.env = env;
    c->pending.created = sim_now();
    if (token) snprintf(c->pending.token, sizeof c->pending.token, "%s", token);
}

static void set_allowed(struct sim_cvm *c, const cJSON *allowed)
{
    cJSON_DeleteItemFromObjectCaseSensitive(c->compose_file, "allowed_envs");
    cJSON_AddItemToObject(c->compose_file, "allowed_envs", cJSON_Duplicate(allowed, true));
    sim_compose_hash_form(c->compose_file, c->hash_form, c->compose_hash);
}

void sim_apply_update(const struct sim_state *st, struct sim_cvm *c, cJSON *env,
                      const cJSON *env_keys, bool changed, bool unified, const struct sim_req *q,
                      struct sim_reply *r)
{
    cJSON_Delete(c->env);
    c->env = env;
    if (env_keys) {
        cJSON_Delete(c->env_keys);
        c->env_keys = cJSON_Duplicate(env_keys, true);
    }
    if (changed) set_allowed(c, env_keys);
    c->updates++;
    if (c->pending.active && changed) sim_pending_clear(c);
    /* the CVM restarts with the new env: in_progress for update_ms (or for ever) */
    bool runs = sim_cvm_will_run(c); /* a stopped CVM stays stopped: it reads the env at start */
    c->busy_forever = runs && st->update_ms < 0;
    c->busy_until = runs ? sim_now() + (st->update_ms > 0 ? (double)st->update_ms / 1000.0 : 0) : 0;
    /* A UUID made from the request counter: unique per update and reproducible across runs. */
    char hex[SIM_HEX_HASH], corr[37];
    sim_keccak_hex(q->request_id, strlen(q->request_id), hex);
    snprintf(corr, sizeof corr, "%.8s-%.4s-4%.3s-8%.3s-%.12s", hex, hex + 8, hex + 12, hex + 15,
             hex + 18);
    cJSON *o = cJSON_CreateObject();
    if (unified) { /* research 2026-06 §4.1: 202 {correlation_id} (+ status, message) */
        cJSON_AddStringToObject(o, "correlation_id", corr);
        cJSON_AddStringToObject(o, "status", "in_progress");
        cJSON_AddStringToObject(o, "message", "CVM update initiated");
        sim_reply_json(r, 202, o);
        return;
    }
    /* all four keys: the SDK's UpdateCvmEnvsInProgressSchema requires them */
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

void sim_reply_465(const struct sim_state *st, const struct sim_cvm *c, const char *hash,
                   const char *app_id, cJSON *extra, const struct sim_req *q, struct sim_reply *r)
{
    cJSON *details = cJSON_CreateArray();
    char spelled[80];
    cJSON_AddItemToArray(details, detail("compose_hash", cJSON_CreateString(sim_hash_echo(
                                                             c, hash, spelled, sizeof spelled))));
    cJSON_AddItemToArray(details, detail("app_id", cJSON_CreateString(app_id)));
    const struct sim_hostile *h = &c->hostile;
    bool hostile_dev = h->active && h->device_id;
    cJSON_AddItemToArray(
        details,
        detail("device_id", cJSON_CreateString(hostile_dev ? h->device_id : c->device_id)));
    cJSON *ki = sim_kms_info_json(st, &st->kms[c->kms]);
    if (h->active && h->has_chain) { /* a hostile API names another chain */
        cJSON_DeleteItemFromObjectCaseSensitive(ki, "chain_id");
        cJSON_AddNumberToObject(ki, "chain_id", (double)h->chain_id);
    }
    cJSON_AddItemToArray(details, detail("kms_info", ki));
    cJSON *e;
    if (extra) {
        while ((e = extra->child)) {
            cJSON *field = cJSON_DetachItemFromObjectCaseSensitive(e, "field");
            cJSON *value = cJSON_DetachItemFromObjectCaseSensitive(e, "value");
            cJSON_AddItemToArray(details, detail(field->valuestring, value));
            cJSON_Delete(field);
            cJSON_Delete(cJSON_DetachItemViaPointer(extra, e));
        }
        cJSON_Delete(extra);
    }
    sim_reply_structured(r, q, 465, "ERR-01-005", "Compose hash registration required on-chain",
                         details,
                         "Register the compose hash on the app contract (addComposeHash) and retry "
                         "with compose_hash and transaction_hash");
}

int sim_pending_check(const struct sim_state *st, const struct sim_cvm *c, const char *hash,
                      const cJSON *keys, const char **msg)
{
    if (!c->pending.active || strcasecmp(c->pending.compose_hash, hash) != 0 ||
        (keys && !sim_same_strings(c->pending.allowed_envs, keys))) {
        *msg = "Compose hash is invalid or unknown; restart the update";
        return 466;
    }
    if (sim_now() - c->pending.created > st->hash_ttl) {
        *msg = "Compose hash has expired; restart the update";
        return 466;
    }
    return 0;
}

/* ---- the app contract ------------------------------------------------------------------------- */

struct sim_app_devices *sim_app_devices(struct sim_state *st, const char *app_id, bool create)
{
    for (size_t i = 0; i < st->napps; i++)
        if (strcasecmp(st->apps[i].app_id, app_id) == 0) return &st->apps[i];
    if (!create) return NULL;
    struct sim_app_devices *n = realloc(st->apps, (st->napps + 1) * sizeof *n);
    if (!n) return NULL;
    st->apps = n;
    struct sim_app_devices *a = &st->apps[st->napps++];
    memset(a, 0, sizeof *a);
    snprintf(a->app_id, sizeof a->app_id, "%s", app_id);
    sim_lower(a->app_id);
    a->allow_any = true;
    a->devices = cJSON_CreateArray();
    return a;
}

static const struct sim_chain_reg *fake_reg_for(const struct sim_state *st, const char *app_id,
                                                const char *hash)
{
    const struct sim_chain_reg *found = NULL;
    for (size_t i = 0; i < st->nregs; i++)
        if (strcasecmp(st->regs[i].app_id, app_id) == 0 &&
            strcasecmp(st->regs[i].compose_hash, hash) == 0)
            found = &st->regs[i];
    return found;
}

int sim_hash_allowed(const struct sim_state *st, const struct sim_cvm *c, const char *hash,
                     bool *allowed, char *msg, size_t msglen)
{
    if (!st->rpc_url) {
        const struct sim_chain_reg *reg = fake_reg_for(st, c->app_id, hash);
        *allowed = reg && reg->allowed;
        return 0;
    }
    char data[10 + 64 + 1];
    snprintf(data, sizeof data, "%s%s", SIM_SEL_ALLOWED_COMPOSE_HASHES, hash);
    return sim_rpc_call_bool(st->rpc_url, c->app_id, data, st->lag_blocks, allowed, msg, msglen);
}

int sim_device_allowed(const struct sim_state *st, const struct sim_cvm *c, const char *device,
                       bool *any, bool *listed, char *msg, size_t msglen)
{
    *any = *listed = false;
    if (!st->rpc_url) {
        const struct sim_app_devices *a = sim_app_devices((struct sim_state *)st, c->app_id, false);
        if (!a) {
            *any = true;
            return 0;
        }
        *any = a->allow_any;
        const cJSON *d;
        cJSON_ArrayForEach(d, a->devices)
        {
            if (strcasecmp(d->valuestring, device) == 0) *listed = true;
        }
        return 0;
    }
    char data[10 + 64 + 1];
    snprintf(data, sizeof data, "%s", SIM_SEL_ALLOW_ANY_DEVICE);
    if (sim_rpc_call_bool(st->rpc_url, c->app_id, data, st->lag_blocks, any, msg, msglen))
        return -1;
    snprintf(data, sizeof data, "%s%s", SIM_SEL_ALLOWED_DEVICE_IDS, device);
    return sim_rpc_call_bool(st->rpc_url, c->app_id, data, st->lag_blocks, listed, msg, msglen);
}

/* A registration on the fake chain: 467 unless the tx registered exactly this hash on this app's
 * contract, 468 unless the hash is (still) allowed there. */
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

int sim_verify_registration(const struct sim_state *st, const struct sim_cvm *c, const char *hash,
                            const char *tx, const char **msg)
{
    static _Thread_local char buf[512];
    *msg = buf;
    buf[0] = '\0';
    if (strcmp(tx, PK_TX_ALREADY_REGISTERED) == 0) { /* "state-only check" */
        bool allowed = false;
        if (sim_hash_allowed(st, c, hash, &allowed, buf, sizeof buf) != 0) {
            char why[400];
            snprintf(why, sizeof why, "%s", buf);
            snprintf(buf, sizeof buf, "Cannot check the app contract: %s", why);
            return 467;
        }
        if (!allowed) {
            snprintf(buf, sizeof buf, "Compose hash not allowed by the app contract");
            return 468;
        }
        return 0;
    }
    if (!sim_is_hex(sim_strip0x(tx), 64) || strncmp(tx, "0x", 2) != 0) {
        snprintf(buf, sizeof buf, "transaction_hash must be 0x followed by 64 hex digits");
        return 467;
    }
    if (!st->rpc_url) return verify_fake_chain(st, c, hash, tx, msg);
    const struct sim_kms *k = &st->kms[c->kms];
    return sim_rpc_verify(st->rpc_url, k->has_chain, k->chain_id, c->app_id, hash, tx,
                          st->lag_blocks, buf, sizeof buf);
}
