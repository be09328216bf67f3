/* routes_kms.c — the KMS endpoints in both API eras (research/phala-api-2026-06.md §2): GET /kms
 * (paginated nodes before 2026-06-23, contracts from it), /kms/{x} (a node, or a contract by slug or
 * kc_ id), /kms/{slug}/nodes (contract era only), /kms/on-chain/{chain}, /kms/{kms}/pubkey/{app_id}
 * (signed app key, routed to a replica as each era does — see app_pubkey) and
 * /kms/phala/next_app_id. Query validation answers with FastAPI/pydantic v2 wording so clients meet
 * the same 422 bodies as in production. */
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

/* One envelope for both eras: nodes (KmsInfo) before 2026-06-23, contracts (KmsContract) from it. */
static void list_kms(struct sim_state *st, const struct sim_req *q, struct sim_reply *r)
{
    long page, page_size;
    int onchain;
    if (!query_int(q, r, "page", 1, 1, 1000000, &page) ||
        !query_int(q, r, "page_size", 100, 1, 100, &page_size) ||
        !query_bool(q, r, "is_onchain", &onchain))
        return;
    bool contracts = sim_contract_era(q);
    size_t n = contracts ? st->ncontracts : st->nkms;
    cJSON *o = cJSON_CreateObject(), *items = cJSON_AddArrayToObject(o, "items");
    long total = 0;
    for (size_t i = 0; i < n; i++) {
        bool is_onchain = contracts ? st->contracts[i].chain_id != 0 : st->kms[i].has_chain;
        if (onchain >= 0 && (int)is_onchain != onchain) continue;
        if (total >= (page - 1) * page_size && total < page * page_size)
            cJSON_AddItemToArray(items, contracts ? sim_contract_json(st, &st->contracts[i])
                                                  : sim_kms_info_json(st, &st->kms[i]));
        total++;
    }
    cJSON_AddNumberToObject(o, "total", (double)total);
    cJSON_AddNumberToObject(o, "page", (double)page);
    cJSON_AddNumberToObject(o, "page_size", (double)page_size);
    cJSON_AddNumberToObject(o, "pages", (double)((total + page_size - 1) / page_size));
    sim_reply_json(r, 200, o);
}

/* The contract of a kms_type ("base"): the first whose chain has that type. */
static struct sim_contract *contract_of_type(struct sim_state *st, const char *type)
{
    for (size_t i = 0; i < st->ncontracts; i++) {
        const struct sim_contract *c = &st->contracts[i];
        if (strcmp(sim_kms_type(c->chain_id != 0, c->chain_id), type) == 0)
            return &st->contracts[i];
    }
    return NULL;
}

/* Node era (before 2026-06-23, PR #494's bug): {kms} is looked up in the node namespace — a node
 * id or slug, else a kms_type whose fallback takes the first node of that type WHETHER OR NOT an
 * operator disabled it. */
static struct sim_kms *node_era_replica(struct sim_state *st, const char *kms_ref)
{
    struct sim_kms *k = sim_find_kms(st, kms_ref);
    for (size_t i = 0; !k && i < st->nkms; i++)
        if (strcmp(sim_kms_type(st->kms[i].has_chain, st->kms[i].chain_id), kms_ref) == 0)
            k = &st->kms[i];
    return k;
}

/* Contract era: {kms} (contract slug or kc_ id, a kms_type, a node id or slug) resolves onto its
 * contract, whose health filter routes to an enabled replica only. *contract is set even when no
 * replica is enabled (then NULL is returned). */
static struct sim_kms *contract_era_replica(struct sim_state *st, const char *kms_ref,
                                            struct sim_contract **contract)
{
    struct sim_contract *c = sim_find_contract(st, kms_ref);
    if (!c) c = contract_of_type(st, kms_ref);
    if (!c) {
        struct sim_kms *node = sim_find_kms(st, kms_ref);
        if (node) c = &st->contracts[node->contract];
    }
    *contract = c;
    for (size_t i = 0; c && i < st->nkms; i++)
        if (&st->contracts[st->kms[i].contract] == c && st->kms[i].enabled) return &st->kms[i];
    return NULL;
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
    struct sim_kms *k;
    if (sim_contract_era(q)) {
        struct sim_contract *c = NULL;
        k = contract_era_replica(st, kms_ref, &c);
        if (c && !k) {
            sim_reply_structured(r, q, 503, "ERR-02-012",
                                 "No healthy KMS replica for this contract", NULL, NULL);
            return;
        }
    } else {
        k = node_era_replica(st, kms_ref);
    }
    if (!k) {
        kms_not_found(q, r);
        return;
    }
    if (k->blackhole) {
        /* The server forwards the lookup to the replica; http.c makes that call outside the world
         * lock, waits for the server's KMS RPC timeout and answers what production answered. */
        r->action = SIM_REPLY_CALL_REPLICA;
        r->replica_port = k->hole_port;
        r->replica_timeout = st->kms_rpc_timeout_ms;
        return;
    }
    char app_id[SIM_HEX_APP_ID];
    snprintf(app_id, sizeof app_id, "%s", app);
    sim_lower(app_id);
    uint8_t sk[32], pk[32];
    char pk_hex[65], sig_hex[131];
    const struct sim_keys *keys = sim_kms_keys(st, k);
    if (sim_app_x25519(keys, app_id, sk, pk) || sim_app_pubkey_sig(keys, app_id, pk, sig_hex)) {
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

/* GET /kms/{slug}/nodes: a contract era endpoint; lists the replicas the contract routes to. */
static void contract_nodes(struct sim_state *st, const struct sim_req *q, struct sim_reply *r,
                           const char *ref)
{
    struct sim_contract *c = sim_contract_era(q) ? sim_find_contract(st, ref) : NULL;
    if (!c) {
        if (sim_contract_era(q))
            kms_not_found(q, r);
        else
            sim_reply_detail(r, 404, "Not Found");
        return;
    }
    cJSON *o = cJSON_CreateObject(), *items = cJSON_AddArrayToObject(o, "items");
    long total = 0;
    for (size_t i = 0; i < st->nkms; i++) {
        const struct sim_kms *k = &st->kms[i];
        if (&st->contracts[k->contract] != c || !k->enabled) continue;
        cJSON_AddItemToArray(items, sim_node_json(k));
        total++;
    }
    cJSON_AddNumberToObject(o, "total", (double)total);
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
    /* The seed's detail verbatim, plus the verification anchors (§3) of the contract at each
     * address: they follow the contract's keys, so a rotation shows here too. */
    cJSON *o = cJSON_Duplicate(d, true), *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(o, "contracts"))
    {
        const cJSON *addr = cJSON_GetObjectItemCaseSensitive(e, "contract_address");
        for (size_t i = 0; cJSON_IsString(addr) && i < st->ncontracts; i++) {
            const struct sim_contract *c = &st->contracts[i];
            if (strcasecmp(c->contract_address, addr->valuestring) != 0) continue;
            cJSON_DeleteItemFromObjectCaseSensitive(e, "k256_pubkey");
            cJSON_DeleteItemFromObjectCaseSensitive(e, "ca_pubkey");
            cJSON_AddStringToObject(e, "k256_pubkey", c->keys.k256_pubkey);
            cJSON_AddItemToObject(e, "ca_pubkey",
                                  c->ca_pubkey ? cJSON_CreateString(c->ca_pubkey)
                                               : cJSON_CreateNull());
            break;
        }
    }
    sim_reply_json(r, 200, o);
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
        else if (p.n == 3 && strcmp(p.seg[2], "nodes") == 0)
            t = "/kms/{slug}/nodes";
    } else if (p.n >= 2 && strcmp(p.seg[0], "cvms") == 0) {
        if (p.n == 2)
            t = "/cvms/{id}";
        else if (p.n == 3 && strcmp(p.seg[2], "compose_file") == 0)
            t = "/cvms/{id}/compose_file";
        else if (p.n == 3 && strcmp(p.seg[2], "envs") == 0)
            t = "/cvms/{id}/envs";
        else if (p.n == 3 && strcmp(p.seg[2], "commit-update") == 0)
            t = "/cvms/{id}/commit-update";
        else if (p.n == 3 && strcmp(p.seg[2], "is-allowed") == 0)
            t = "/cvms/{id}/is-allowed";
    } else if (p.n >= 3 && strcmp(p.seg[0], "apps") == 0) {
        if (p.n == 3 && strcmp(p.seg[2], "device-allowlist") == 0)
            t = "/apps/{app_id}/device-allowlist";
        else if (p.n == 4 && strcmp(p.seg[2], "cvms") == 0 && strcmp(p.seg[3], "is-allowed") == 0)
            t = "/apps/{app_id}/cvms/is-allowed";
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
    } else if (p.n == 2 && sim_contract_era(q)) {
        /* "the same path resolves a contract" under 2026-06-23: by slug or kc_ id. */
        struct sim_contract *c = sim_find_contract(st, p.seg[1]);
        if (c)
            sim_reply_json(r, 200, sim_contract_json(st, c));
        else
            kms_not_found(q, r);
    } else if (p.n == 2) {
        struct sim_kms *k = sim_find_kms(st, p.seg[1]);
        if (k)
            sim_reply_json(r, 200, sim_kms_info_json(st, k));
        else
            kms_not_found(q, r);
    } else if (p.n == 3 && strcmp(p.seg[2], "nodes") == 0 && strcmp(p.seg[1], "on-chain") != 0) {
        contract_nodes(st, q, r, p.seg[1]);
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
