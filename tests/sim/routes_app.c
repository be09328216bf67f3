/* routes_app.c — the app-wide allowlist views (research/phala-api-2026-06.md §4.7): GET
 * /apps/{app_id}/device-allowlist and POST /apps/{app_id}/cvms/is-allowed {}, computed from the
 * chain the simulator is pointed at (--rpc-url; else the fake chain) through the same lagged reads
 * as POST /cvms/{id}/is-allowed (the KMS's lag, cvm_status.c), for every CVM of the app with its
 * current compose hash and device. CVM ids are strings from 2026-05-22 and, before, the CVM's
 * 1-based position in the seed (older API versions had integer ids). */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool string_ids(const struct sim_req *q)
{
    const char *v = MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, "X-Phala-Version");
    return v && (strcasecmp(v, "latest") == 0 || strcmp(v, "2026-05-22") >= 0);
}

static cJSON *cvm_id_json(const struct sim_state *st, const struct sim_cvm *c,
                          const struct sim_req *q)
{
    if (string_ids(q)) return cJSON_CreateString(c->id);
    return cJSON_CreateNumber((double)(c - st->cvms) + 1);
}

/* The live CVMs of the app (ids as stored: 40 lowercase hex), in seed order. */
static size_t app_cvms(struct sim_state *st, const char *app, struct sim_cvm **out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < st->ncvms && n < max; i++)
        if (!st->cvms[i].deleted && strcasecmp(st->cvms[i].app_id, app) == 0)
            out[n++] = &st->cvms[i];
    return n;
}

/* The seed's node name for a device (the on-chain KMS details' devices), or NULL. */
static const char *node_name(const struct sim_state *st, const char *device)
{
    const cJSON *chain, *k, *d;
    cJSON_ArrayForEach(chain, st->onchain)
    {
        cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(chain, "contracts"))
        {
            cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(k, "devices"))
            {
                const cJSON *id = cJSON_GetObjectItemCaseSensitive(d, "device_id");
                const cJSON *nm = cJSON_GetObjectItemCaseSensitive(d, "node_name");
                if (cJSON_IsString(id) && strcasecmp(sim_strip0x(id->valuestring), device) == 0)
                    return cJSON_IsString(nm) ? nm->valuestring : NULL;
            }
        }
    }
    return NULL;
}

static void device_allowlist(struct sim_state *st, struct sim_cvm **cv, size_t n,
                             const struct sim_req *q, struct sim_reply *r)
{
    const struct sim_kms *k = &st->kms[cv[0]->kms];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "is_onchain_kms", k->has_chain);
    cJSON *devices = cJSON_CreateArray();
    if (k->has_chain) {
        char addr[2 + 40 + 1], msg[256];
        snprintf(addr, sizeof addr, "0x%s", cv[0]->app_id);
        bool any = false, listed = false, known = true;
        if (sim_device_allowed(st, cv[0], cv[0]->device_id, &any, &listed, msg, sizeof msg))
            known = false;
        if (known)
            cJSON_AddBoolToObject(o, "allow_any_device", any);
        else
            cJSON_AddNullToObject(o, "allow_any_device");
        cJSON_AddNumberToObject(o, "chain_id", (double)k->chain_id);
        cJSON_AddStringToObject(o, "app_contract_address", addr);
        for (size_t i = 0; i < n; i++) {
            bool seen = false;
            for (size_t j = 0; j < i && !seen; j++)
                seen = strcasecmp(cv[j]->device_id, cv[i]->device_id) == 0;
            if (seen) continue;
            bool a2 = false, l2 = false;
            int e = sim_device_allowed(st, cv[i], cv[i]->device_id, &a2, &l2, msg, sizeof msg);
            cJSON *d = cJSON_CreateObject();
            cJSON_AddStringToObject(d, "device_id", cv[i]->device_id);
            const char *nm = node_name(st, cv[i]->device_id);
            if (nm)
                cJSON_AddStringToObject(d, "node_name", nm);
            else
                cJSON_AddNullToObject(d, "node_name");
            cJSON_AddBoolToObject(d, "allowed_onchain", !e && l2);
            cJSON_AddStringToObject(d, "status", e ? "unknown" : l2 ? "allowed" : "not_allowed");
            cJSON *ids = cJSON_AddArrayToObject(d, "cvm_ids");
            for (size_t j = i; j < n; j++)
                if (strcasecmp(cv[j]->device_id, cv[i]->device_id) == 0)
                    cJSON_AddItemToArray(ids, cvm_id_json(st, cv[j], q));
            cJSON_AddItemToArray(devices, d);
        }
    }
    cJSON_AddItemToObject(o, "devices", devices);
    sim_reply_json(r, 200, o);
}

static void cvms_is_allowed(struct sim_state *st, struct sim_cvm **cv, size_t n,
                            const struct sim_req *q, struct sim_reply *r)
{
    if (q->body_len) {
        cJSON *b = cJSON_ParseWithLength(q->body, q->body_len);
        bool ok = cJSON_IsObject(b);
        cJSON_Delete(b);
        if (!ok) {
            sim_reply_422(r, "body", NULL, "JSON decode error", "json_invalid", NULL);
            return;
        }
    }
    const struct sim_kms *k = &st->kms[cv[0]->kms];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "is_onchain", k->has_chain);
    cJSON *results = cJSON_CreateArray(), *skipped = cJSON_CreateArray();
    long allowed = 0, denied = 0, errors = 0;
    for (size_t i = 0; i < n; i++) {
        struct sim_cvm *c = cv[i];
        if (!k->has_chain) {
            cJSON_AddItemToArray(skipped, cvm_id_json(st, c, q));
            continue;
        }
        bool hash_ok = false, any = false, listed = false;
        char msg[256] = "", addr[2 + 40 + 1];
        int e = sim_hash_allowed(st, c, c->compose_hash, &hash_ok, msg, sizeof msg);
        if (!e) e = sim_device_allowed(st, c, c->device_id, &any, &listed, msg, sizeof msg);
        bool ok = !e && hash_ok && (any || listed);
        errors += e != 0;
        allowed += ok;
        denied += !e && !ok;
        snprintf(addr, sizeof addr, "0x%s", c->app_id);
        cJSON *x = cJSON_CreateObject();
        cJSON_AddItemToObject(x, "cvm_id", cvm_id_json(st, c, q));
        cJSON_AddStringToObject(x, "app_contract_address", addr);
        cJSON_AddStringToObject(x, "compose_hash", c->compose_hash);
        cJSON_AddStringToObject(x, "device_id", c->device_id);
        cJSON_AddBoolToObject(x, "compose_hash_allowed", !e && hash_ok);
        cJSON_AddBoolToObject(x, "allow_any_device", !e && any);
        cJSON_AddBoolToObject(x, "device_id_allowed", !e && (any || listed));
        cJSON_AddBoolToObject(x, "is_allowed", ok);
        if (e)
            cJSON_AddStringToObject(x, "error", msg);
        else
            cJSON_AddNullToObject(x, "error");
        cJSON_AddItemToArray(results, x);
    }
    cJSON_AddNumberToObject(o, "total", (double)n);
    cJSON_AddNumberToObject(o, "allowed_count", (double)allowed);
    cJSON_AddNumberToObject(o, "denied_count", (double)denied);
    cJSON_AddNumberToObject(o, "error_count", (double)errors);
    cJSON_AddItemToObject(o, "results", results);
    cJSON_AddItemToObject(o, "skipped_cvm_ids", skipped);
    sim_reply_json(r, 200, o);
}

bool sim_route_app(struct sim_state *st, const struct sim_req *q, struct sim_reply *r)
{
    struct sim_path p;
    sim_path_split(&p, q->path);
    bool allowlist = p.n == 3 && strcmp(p.seg[2], "device-allowlist") == 0;
    bool batch = p.n == 4 && strcmp(p.seg[2], "cvms") == 0 && strcmp(p.seg[3], "is-allowed") == 0;
    if (p.n < 3 || strcmp(p.seg[0], "apps") != 0 || !(allowlist || batch)) {
        sim_path_free(&p);
        return false;
    }
    char app[SIM_HEX_APP_ID + 2];
    snprintf(app, sizeof app, "%s", sim_strip0x(p.seg[1]));
    sim_lower(app);
    struct sim_cvm *cv[64];
    size_t n = sim_is_hex(app, 40) ? app_cvms(st, app, cv, 64) : 0;
    if (st->legacy_only) {
        sim_reply_detail(r, 404, "Not Found");
    } else if (strcmp(q->method, allowlist ? "GET" : "POST") != 0) {
        sim_reply_detail(r, 405, "Method Not Allowed");
    } else if (!sim_is_hex(app, 40)) {
        sim_reply_422(r, "path", "app_id", "app_id must be 40 hex digits", "value_error", NULL);
    } else if (n == 0) {
        sim_reply_detail(r, 404, "App not found");
    } else if (allowlist) {
        device_allowlist(st, cv, n, q, r);
    } else {
        cvms_is_allowed(st, cv, n, q, r);
    }
    sim_path_free(&p);
    return true;
}
