/* routes_kms.c — the KMS endpoints: GET /kms (paginated), /kms/{id or slug}, /kms/on-chain/{chain},
 * /kms/{kms}/pubkey/{app_id} (signed app key) and /kms/phala/next_app_id. Query validation answers
 * with FastAPI/pydantic v2 wording so clients meet the same 422 bodies as in production. */
#include "sim.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Integer query parameter: absent → def; otherwise an integer within [lo, hi] or a 422. */
static bool query_int(const struct sim_req *q, struct sim_reply *r, const char *name, long def,
                      long lo, long hi, long *out)
{
    const char *v = MHD_lookup_connection_value(q->conn, MHD_GET_ARGUMENT_KIND, name);
    *out = def;
    if (!v) return true;
    char *end = NULL;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (!*v || *end || errno) {
        sim_reply_422(r, "query", name,
                      "Input should be a valid integer, unable to parse string as an integer",
                      "int_parsing", v);
        return false;
    }
    char msg[96];
    if (n < lo) {
        snprintf(msg, sizeof msg, "Input should be greater than or equal to %ld", lo);
        sim_reply_422(r, "query", name, msg, "greater_than_equal", v);
        return false;
    }
    if (n > hi) {
        snprintf(msg, sizeof msg, "Input should be less than or equal to %ld", hi);
        sim_reply_422(r, "query", name, msg, "less_than_equal", v);
        return false;
    }
    *out = n;
    return true;
}

/* Boolean query parameter the way pydantic reads one; *out = -1 when absent. */
static bool query_bool(const struct sim_req *q, struct sim_reply *r, const char *name, int *out)
{
    static const char *const yes[] = {"true", "1", "yes", "on", "t", "y"};
    static const char *const no[] = {"false", "0", "no", "off", "f", "n"};
    const char *v = MHD_lookup_connection_value(q->conn, MHD_GET_ARGUMENT_KIND, name);
    *out = -1;
    if (!v) return true;
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (strcasecmp(v, yes[i]) == 0) *out = 1;
        if (strcasecmp(v, no[i]) == 0) *out = 0;
    }
    if (*out >= 0) return true;
    sim_reply_422(r, "query", name, "Input should be a valid boolean, unable to interpret input",
                  "bool_parsing", v);
    return false;
}

static void kms_not_found(const struct sim_req *q, struct sim_reply *r)
{
    sim_reply_structured(r, q, 404, "ERR-02-011", "KMS not found", NULL, NULL);
}

static void list_kms(struct sim_state *st, const struct sim_req *q, struct sim_reply *r)
{
    long page, page_size;
    int onchain;
    if (!query_int(q, r, "page", 1, 1, 1000000, &page) ||
        !query_int(q, r, "page_size", 100, 1, 100, &page_size) ||
        !query_bool(q, r, "is_onchain", &onchain))
        return;
    cJSON *o = cJSON_CreateObject(), *items = cJSON_AddArrayToObject(o, "items");
    long total = 0;
    for (size_t i = 0; i < st->nkms; i++) {
        const struct sim_kms *k = &st->kms[i];
        if (onchain >= 0 && (int)k->has_chain != onchain) continue;
        if (total >= (page - 1) * page_size && total < page * page_size)
            cJSON_AddItemToArray(items, sim_kms_info_json(k));
        total++;
    }
    cJSON_AddNumberToObject(o, "total", (double)total);
    cJSON_AddNumberToObject(o, "page", (double)page);
    cJSON_AddNumberToObject(o, "page_size", (double)page_size);
    cJSON_AddNumberToObject(o, "pages", (double)((total + page_size - 1) / page_size));
    sim_reply_json(r, 200, o);
}

static void app_pubkey(struct sim_state *st, const struct sim_req *q, struct sim_reply *r,
                       const char *kms_ref, const char *app_ref)
{
    /* Same rule as the SDK: exactly 40 characters, or 42 with 0x — and they must be hex. */
    const char *app = sim_strip0x(app_ref);
    if (!sim_is_hex(app, 40)) {
        sim_reply_422(r, "path", "app_id",
                      "App ID must be 40 hex characters, optionally 0x-prefixed", "value_error",
                      app_ref);
        return;
    }
    struct sim_kms *k = sim_find_kms(st, kms_ref);
    if (!k) {
        kms_not_found(q, r);
        return;
    }
    char app_id[SIM_HEX_APP_ID];
    snprintf(app_id, sizeof app_id, "%s", app);
    sim_lower(app_id);
    uint8_t sk[32], pk[32];
    char pk_hex[65], sig_hex[131];
    if (sim_app_x25519(k, app_id, sk, pk) || sim_app_pubkey_sig(k, app_id, pk, sig_hex)) {
        sim_reply_detail(r, 500, "key derivation failed");
        return;
    }
    sim_hex_encode(pk, 32, pk_hex);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "public_key", pk_hex);
    cJSON_AddStringToObject(o, "signature", sig_hex);
    sim_reply_json(r, 200, o);
}

/* next_app_id: app ids are derived from a nonce (the real API derives them from the account and its
 * nonce); the call does not reserve anything, so repeating it returns the same ids. */
static void next_app_ids(struct sim_state *st, const struct sim_req *q, struct sim_reply *r)
{
    long counts;
    if (!query_int(q, r, "counts", 1, 1, 20, &counts)) return;
    cJSON *o = cJSON_CreateObject(), *ids = cJSON_AddArrayToObject(o, "app_ids");
    for (long i = 0; i < counts; i++) {
        long long nonce = st->next_app_id_base + i;
        char seed[64], hash[SIM_HEX_HASH];
        int n = snprintf(seed, sizeof seed, "phala-sim-app-id:%lld", nonce);
        sim_keccak_hex(seed, (size_t)n, hash);
        hash[40] = '\0';
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "app_id", hash);
        cJSON_AddNumberToObject(e, "nonce", (double)nonce);
        cJSON_AddItemToArray(ids, e);
    }
    sim_reply_json(r, 200, o);
}

static void onchain_detail(struct sim_state *st, const struct sim_req *q, struct sim_reply *r,
                           const char *chain)
{
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(st->onchain, chain);
    if (!d) {
        /* Also accept the chain id ("8453") for the same chain. */
        const cJSON *e;
        cJSON_ArrayForEach(e, st->onchain)
        {
            const cJSON *id = cJSON_GetObjectItemCaseSensitive(e, "chain_id");
            char buf[32];
            snprintf(buf, sizeof buf, "%lld", (long long)id->valuedouble);
            if (strcmp(buf, chain) == 0) d = e;
        }
    }
    if (!d) {
        sim_reply_structured(r, q, 404, "ERR-02-011", "No on-chain KMS for this chain", NULL, NULL);
        return;
    }
    sim_reply_json(r, 200, cJSON_Duplicate(d, true));
}

const char *sim_route_template(const char *path)
{
    struct sim_path p;
    const char *t = "/{unknown}";
    sim_path_split(&p, path);
    if (p.n >= 1 && strcmp(p.seg[0], "kms") == 0) {
        if (p.n == 1)
            t = "/kms";
        else if (p.n == 2)
            t = "/kms/{id}";
        else if (p.n == 3 && strcmp(p.seg[1], "on-chain") == 0)
            t = "/kms/on-chain/{chain}";
        else if (p.n == 3 && strcmp(p.seg[1], "phala") == 0 && strcmp(p.seg[2], "next_app_id") == 0)
            t = "/kms/phala/next_app_id";
        else if (p.n == 4 && strcmp(p.seg[2], "pubkey") == 0)
            t = "/kms/{kms}/pubkey/{app_id}";
    } else if (p.n >= 2 && strcmp(p.seg[0], "cvms") == 0) {
        if (p.n == 2)
            t = "/cvms/{id}";
        else if (p.n == 3 && strcmp(p.seg[2], "compose_file") == 0)
            t = "/cvms/{id}/compose_file";
        else if (p.n == 3 && strcmp(p.seg[2], "envs") == 0)
            t = "/cvms/{id}/envs";
    }
    sim_path_free(&p);
    return t;
}

bool sim_route_kms(struct sim_state *st, const struct sim_req *q, struct sim_reply *r)
{
    struct sim_path p;
    bool mine = true;
    sim_path_split(&p, q->path);
    if (p.n == 0 || p.n > 4 || strcmp(p.seg[0], "kms") != 0) {
        mine = false;
    } else if (strcmp(q->method, "GET") != 0) {
        sim_reply_detail(r, 405, "Method Not Allowed");
    } else if (p.n == 1) {
        list_kms(st, q, r);
    } else if (p.n == 2) {
        struct sim_kms *k = sim_find_kms(st, p.seg[1]);
        if (k)
            sim_reply_json(r, 200, sim_kms_info_json(k));
        else
            kms_not_found(q, r);
    } else if (p.n == 3 && strcmp(p.seg[1], "on-chain") == 0) {
        onchain_detail(st, q, r, p.seg[2]);
    } else if (p.n == 3 && strcmp(p.seg[1], "phala") == 0 && strcmp(p.seg[2], "next_app_id") == 0) {
        next_app_ids(st, q, r);
    } else if (p.n == 4 && strcmp(p.seg[2], "pubkey") == 0) {
        app_pubkey(st, q, r, p.seg[1], p.seg[3]);
    } else {
        mine = false;
    }
    sim_path_free(&p);
    return mine;
}
