/* test_sim_contracts.c — the simulator's contract-centric API (X-Phala-Version 2026-06-23, research/
 * phala-api-2026-06.md §2–§3, §2.7) beside the node-shaped one, the pubkey routing of §2.5 with a
 * disabled replica that accepts TCP and never answers, OIDC bearer tokens, workspaces and the admin
 * request log. */
#include <phalakms.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim_test_support.h"

static const char *const NEW[] = {"X-Phala-Version: 2026-06-23", NULL};
static const char *const OLD[] = {"X-Phala-Version: 2026-05-22", NULL};

/* ---- contracts ------------------------------------------------------------------------------- */

static void check_contract(const cJSON *k)
{
    const char *keys[] = {"id",       "slug",        "label",     "contract_address",
                          "chain_id", "k256_pubkey", "ca_pubkey", "node_count",
                          NULL};
    exact_keys(k, keys);
    cr_assert(strncmp(str(k, "id"), "kc_", 3) == 0, "%s", str(k, "id"));
    const char *k256 = str(k, "k256_pubkey");
    cr_assert(k256 && strlen(k256) == 68 && strncmp(k256, "0x0", 3) == 0);
}

Test(contracts, list_under_the_new_version_is_contracts, .init = start_default, .fini = stop)
{
    struct resp r = api_with("GET", "/kms", NEW, NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    const char *env[] = {"items", "total", "page", "page_size", "pages", NULL};
    exact_keys(r.json, env);
    cr_assert_eq(num(r.json, "total"), 2);
    const cJSON *phala = cJSON_GetArrayItem(get(r.json, "items"), 0);
    const cJSON *base = cJSON_GetArrayItem(get(r.json, "items"), 1);
    check_contract(phala);
    check_contract(base);
    cr_assert_str_eq(str(phala, "contract_address"), "phala", "the off-chain sentinel");
    cr_assert_eq(num(phala, "chain_id"), 0);
    cr_assert_eq(num(phala, "node_count"), 2, "kms_phala01 and kms_phala02 share its root key");
    cr_assert_str_eq(str(base, "slug"), "base");
    cr_assert_eq(num(base, "chain_id"), 8453);
    resp_free(&r);

    r = api_with("GET", "/kms?is_onchain=true&page_size=1", NEW, NULL);
    cr_assert_eq(num(r.json, "total"), 1);
    cr_assert_str_eq(str(cJSON_GetArrayItem(get(r.json, "items"), 0), "id"), "kc_base01");
    resp_free(&r);

    /* The node shape stays what older versions (and no version at all) get. */
    const char *const *versions[] = {OLD, NULL};
    for (size_t i = 0; i < 2; i++) {
        r = api_with("GET", "/kms", versions[i], NULL);
        cr_assert_eq(num(r.json, "total"), 3);
        cr_assert_str_eq(str(cJSON_GetArrayItem(get(r.json, "items"), 0), "id"), "kms_phala01");
        resp_free(&r);
    }
}

Test(contracts, one_by_slug_or_id_and_unknown_is_404, .init = start_default, .fini = stop)
{
    struct resp a = api_with("GET", "/kms/base", NEW, NULL);
    struct resp b = api_with("GET", "/kms/kc_base01", NEW, NULL);
    cr_assert_eq(a.status, 200, "%s", a.body);
    check_contract(a.json);
    cr_assert_str_eq(a.body, b.body, "a kc_ id resolves to the same contract");
    /* The contract's key is the one its replicas advertise in the node shape. */
    struct resp n = api_with("GET", "/kms/kms-base-prod1", OLD, NULL);
    cr_assert_str_eq(str(n.json, "k256_pubkey"), str(a.json, "k256_pubkey"));
    resp_free(&a);
    resp_free(&b);
    resp_free(&n);
    struct resp u = api_with("GET", "/kms/nope", NEW, NULL);
    expect_structured(&u, 404, "ERR-02-011");
    resp_free(&u);
    u = api_with("GET", "/kms/kms_base01", NEW, NULL);
    cr_assert_eq(u.status, 404, "a node id is not a contract: %s", u.body);
    resp_free(&u);
}

Test(contracts, nodes_of_a_contract, .init = start_default, .fini = stop)
{
    struct resp r = api_with("GET", "/kms/phala/nodes", NEW, NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    const char *env[] = {"items", "total", NULL};
    exact_keys(r.json, env);
    cr_assert_eq(num(r.json, "total"), 2);
    const cJSON *n = cJSON_GetArrayItem(get(r.json, "items"), 1);
    const char *keys[] = {"id", "slug", "url", "version", "kms_type", NULL};
    exact_keys(n, keys);
    cr_assert_str_eq(str(n, "id"), "kms_phala02");
    cr_assert_str_eq(str(n, "kms_type"), "phala");
    resp_free(&r);
    r = api_with("GET", "/kms/kc_base01/nodes", NEW, NULL);
    cr_assert_str_eq(str(cJSON_GetArrayItem(get(r.json, "items"), 0), "kms_type"), "base");
    resp_free(&r);
    r = api_with("GET", "/kms/phala/nodes", OLD, NULL);
    cr_assert_eq(r.status, 404, "no such endpoint before 2026-06-23");
    resp_free(&r);
}

Test(contracts, onchain_detail_carries_the_anchors, .init = start_default, .fini = stop)
{
    struct resp c = api_with("GET", "/kms/base", NEW, NULL);
    struct resp r = api("GET", "/kms/on-chain/base", NULL);
    const cJSON *k = cJSON_GetArrayItem(get(r.json, "contracts"), 0);
    cr_assert_str_eq(str(k, "k256_pubkey"), str(c.json, "k256_pubkey"));
    cr_assert_str_eq(str(k, "ca_pubkey"), str(c.json, "ca_pubkey"));
    cr_assert_str_eq(str(k, "gateway_contract_address"),
                     "0x18a3ab8bd0e5a7b0ff4c3c8e2c4f9a2b8d7c6e5f");
    resp_free(&c);
    resp_free(&r);
}

Test(contracts, cvm_names_its_contract_and_rotation_is_per_contract, .init = start_default,
     .fini = stop)
{
    struct resp v = api("GET", "/cvms/" BASE_CVM, NULL);
    cr_assert_str_eq(str(v.json, "kms_contract_id"), "kc_base01");
    resp_free(&v);
    struct resp before = api_with("GET", "/kms/phala", NEW, NULL);
    struct resp rot = admin("POST", "/kms/kms_phala02/rotate", NULL);
    cr_assert_eq(rot.status, 200, "%s", rot.body);
    struct resp after = api_with("GET", "/kms/phala", NEW, NULL);
    struct resp node1 = api_with("GET", "/kms/kms_phala01", OLD, NULL);
    cr_assert_str_neq(str(before.json, "k256_pubkey"), str(after.json, "k256_pubkey"));
    cr_assert_str_eq(str(node1.json, "k256_pubkey"), str(after.json, "k256_pubkey"),
                     "rotating one replica rotates the contract's shared key");
    resp_free(&before);
    resp_free(&rot);
    resp_free(&after);
    resp_free(&node1);
}

/* ---- pubkey routing and the disabled replica ------------------------------------------------- */

/* The default seed plus kms-base-prod6: a disabled replica of the base contract that accepts TCP
 * and never answers, listed before the healthy one (so the node-era kms_type fallback picks it). */
static char seed_path[64];

static void start_with_disabled_replica(void)
{
    char *text = slurp(SIM_SEED);
    cr_assert_not_null(text);
    cJSON *seed = cJSON_Parse(text);
    free(text);
    cJSON *nodes = cJSON_GetObjectItemCaseSensitive(seed, "kms");
    cJSON *bad = cJSON_Parse("{\"id\":\"kms_base06\",\"slug\":\"kms-base-prod6\",\"url\":\"-\","
                             "\"version\":\"v0.5.7\",\"contract\":\"kc_base01\",\"enabled\":false,"
                             "\"blackhole\":true}");
    /* Before kms_base01 (cJSON 1.7.15's InsertItemInArray refuses this index: detach, append). */
    cJSON *healthy = cJSON_DetachItemFromArray(nodes, 2);
    cr_assert_str_eq(str(healthy, "id"), "kms_base01");
    cJSON_AddItemToArray(nodes, bad);
    cJSON_AddItemToArray(nodes, healthy);
    char *out = cJSON_Print(seed);
    cJSON_Delete(seed);
    snprintf(seed_path, sizeof seed_path, "%s", write_seed(out));
    free(out);
    const char *args[] = {"--seed", seed_path, "--kms-rpc-timeout", "2", NULL};
    start_with(args);
}

static void stop_and_unlink(void)
{
    stop();
    unlink(seed_path);
}

static void expect_signed_by(const struct resp *r, const char *app, const char *k256)
{
    cr_assert_eq(r->status, 200, "%s", r->body);
    char why[256];
    cr_assert_eq(pk_verify_pubkey_sig(str(r->json, "public_key"), str(r->json, "signature"), app,
                                      NULL, 0, k256, NULL, why, sizeof why),
                 0, "%s", why);
}

Test(replicas, contract_era_lookup_skips_the_disabled_replica, .init = start_with_disabled_replica,
     .fini = stop_and_unlink)
{
    struct resp c = api_with("GET", "/kms/base", NEW, NULL);
    char k256[80];
    snprintf(k256, sizeof k256, "%s", str(c.json, "k256_pubkey"));
    cr_assert_eq(num(c.json, "node_count"), 1, "the disabled replica is not counted");
    resp_free(&c);
    /* Every {kms} form the current API accepts resolves onto the contract's healthy replica. */
    const char *refs[] = {"base", "kc_base01", "kms_base06", "kms-base-prod6", "kms-base-prod1"};
    for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++) {
        char path[160];
        snprintf(path, sizeof path, "/kms/%s/pubkey/%s", refs[i], BASE_APP);
        double t0 = now_s();
        struct resp r = api_with("GET", path, NEW, NULL);
        cr_assert_lt(now_s() - t0, 1.5, "%s took %.1f s", refs[i], now_s() - t0);
        expect_signed_by(&r, BASE_APP, k256);
        resp_free(&r);
    }
    struct resp n = api_with("GET", "/kms/base/nodes", NEW, NULL);
    cr_assert_eq(num(n.json, "total"), 1);
    cr_assert_str_eq(str(cJSON_GetArrayItem(get(n.json, "items"), 0), "id"), "kms_base01");
    resp_free(&n);
}

struct timed {
    const char *path;
    double secs;
    struct resp r;
};

static void *timed_get(void *arg)
{
    struct timed *t = arg;
    double t0 = now_s();
    t->r = api_with("GET", t->path, OLD, NULL);
    t->secs = now_s() - t0;
    return NULL;
}

/* The production failure: the node-namespace fallback reaches the disabled replica, the API waits
 * for its RPC timeout (2 s here, 30 s in production) and answers an error without a reason — and it
 * waits outside the world lock, so other requests keep flowing meanwhile. */
Test(replicas, node_era_kms_type_fallback_hangs_on_the_disabled_replica,
     .init = start_with_disabled_replica, .fini = stop_and_unlink)
{
    struct timed t = {.path = "/kms/base/pubkey/" BASE_APP};
    pthread_t th;
    pthread_create(&th, NULL, timed_get, &t);
    /* Wait until the hung request reached the simulator (it logs it), then another goes through. */
    bool seen = false;
    for (double t0 = now_s(); !seen && now_s() - t0 < 10; usleep(10000)) {
        struct resp l = admin("GET", "/requests", NULL);
        seen = cJSON_GetArraySize(get(l.json, "requests")) >= 1;
        resp_free(&l);
    }
    cr_assert(seen, "the lookup never reached the simulator");
    double q0 = now_s();
    struct resp other = api("GET", "/kms/kms-base-prod1", NULL);
    cr_assert_eq(other.status, 200);
    cr_assert_lt(now_s() - q0, 1.0, "the hung lookup must not hold the world lock");
    resp_free(&other);
    pthread_join(th, NULL);
    cr_assert_geq(t.secs, 1.9, "answered after %.2f s: it must wait for the replica", t.secs);
    cr_assert_eq(t.r.status, 500, "%s", t.r.body);
    cr_assert_str_eq(t.r.body, "{\"detail\":\"\"}", "an error with an empty message");
    resp_free(&t.r);
    /* Naming a healthy node directly still works in the node era. */
    struct resp ok = api_with("GET", "/kms/kms-base-prod1/pubkey/" BASE_APP, OLD, NULL);
    cr_assert_eq(ok.status, 200, "%s", ok.body);
    resp_free(&ok);
}

Test(replicas, contract_without_a_healthy_replica_is_503, .fini = stop)
{
    const char *text =
        "{\"api_key\":\"phak_test_key\",\"kms_contracts\":[{\"id\":\"kc_e\",\"slug\":\"ethereum\","
        "\"contract_address\":\"0x0000000000000000000000000000000000000001\",\"chain_id\":1,"
        "\"root_secret\":\"5eed000000000000000000000000000000000000000000000000000000000009\"}],"
        "\"kms\":[{\"id\":\"kms_e6\",\"url\":\"-\",\"version\":\"v\",\"contract\":\"kc_e\","
        "\"enabled\":false,\"blackhole\":true}]}";
    snprintf(seed_path, sizeof seed_path, "%s", write_seed(text));
    const char *args[] = {"--seed", seed_path, NULL};
    start_with(args);
    unlink(seed_path);
    struct resp r = api_with("GET", "/kms/ethereum/pubkey/" BASE_APP, NEW, NULL);
    expect_structured(&r, 503, "ERR-02-012");
    resp_free(&r);
}

/* ---- credentials, workspaces, the request log ------------------------------------------------ */

static char *seed_token(int i)
{
    char *text = slurp(SIM_SEED);
    cJSON *seed = cJSON_Parse(text);
    free(text);
    const cJSON *t = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(seed, "oidc_tokens"), i);
    char *tok = strdup(str(t, "token"));
    cJSON_Delete(seed);
    return tok;
}

static long bearer_get(const char *token, const char *workspace)
{
    char auth[512], ws[128];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
    snprintf(ws, sizeof ws, "X-Phala-Workspace: %s", workspace ? workspace : "");
    const char *hdrs[] = {auth, NEW[0], workspace ? ws : NULL, NULL};
    struct resp r = req_full(NULL, "GET", "/api/v1/kms/phala", NULL, hdrs, NULL);
    long st = r.status;
    if (st == 403) expect_structured(&r, 403, "ERR-06-006");
    resp_free(&r);
    return st;
}

Test(auth, bearer_tokens_and_workspaces, .init = start_default, .fini = stop)
{
    char *ci = seed_token(0), *shared = seed_token(1);
    cr_assert_eq(bearer_get(ci, NULL), 200, "a token trusted in one workspace needs none named");
    cr_assert_eq(bearer_get(ci, "acme-ci"), 200);
    cr_assert_eq(bearer_get(ci, "acme-prod"), 403, "that workspace does not trust it");
    cr_assert_eq(bearer_get(shared, NULL), 403, "trusted in two workspaces: which one?");
    cr_assert_eq(bearer_get(shared, "acme-prod"), 200);
    cr_assert_eq(bearer_get("eyJ.not.known", NULL), 401);

    struct resp l = admin("GET", "/requests", NULL);
    const cJSON *reqs = get(l.json, "requests");
    cr_assert_eq(cJSON_GetArraySize(reqs), 6);
    const cJSON *e = cJSON_GetArrayItem(reqs, 4);
    const char *keys[] = {"method", "path", "query", "version", "workspace", "auth", NULL};
    exact_keys(e, keys);
    cr_assert_str_eq(str(e, "auth"), "bearer");
    cr_assert_str_eq(str(e, "workspace"), "acme-prod");
    cr_assert_str_eq(str(e, "path"), "/kms/phala");
    cr_assert(cJSON_IsNull(get(cJSON_GetArrayItem(reqs, 0), "workspace")));
    cr_assert_null(strstr(l.body, ci), "the log never holds a token");
    cr_assert_null(strstr(l.body, shared));
    resp_free(&l);

    struct resp k = api_with("GET", "/kms", NEW, NULL);
    resp_free(&k);
    l = admin("GET", "/requests", NULL);
    e = cJSON_GetArrayItem(get(l.json, "requests"), 6);
    cr_assert_str_eq(str(e, "auth"), "api_key");
    cr_assert_str_eq(str(e, "version"), "2026-06-23");
    cr_assert_null(strstr(l.body, KEY), "nor the API key");
    resp_free(&l);
    l = admin("DELETE", "/requests", NULL);
    cr_assert_eq(cJSON_GetArraySize(get(l.json, "requests")), 0);
    resp_free(&l);
    free(ci);
    free(shared);
}

/* ---- seeds ------------------------------------------------------------------------------------ */

Test(seed, contract_errors_name_the_field)
{
    const char *root =
        "\"root_secret\":\"5eed000000000000000000000000000000000000000000000000000000"
        "000001\"";
    char text[1024];
    snprintf(text, sizeof text,
             "{\"api_key\":\"k\",\"kms_contracts\":[{\"id\":\"kc_a\",\"contract_address\":"
             "\"phala\",\"chain_id\":0,%s}],\"kms\":[{\"id\":\"n\",\"url\":\"u\",\"version\":\"v\","
             "\"contract\":\"kc_b\"}]}",
             root);
    expect_seed_error(text, "kms[0].contract \"kc_b\" names no kms_contracts entry");
    snprintf(text, sizeof text,
             "{\"api_key\":\"k\",\"kms_contracts\":[{\"id\":\"kc_a\",\"contract_address\":"
             "\"phala\",\"chain_id\":0,%s}],\"kms\":[{\"id\":\"n\",\"url\":\"u\",\"version\":\"v\","
             "\"contract\":\"kc_a\",%s}]}",
             root, root);
    expect_seed_error(text, "kms[0].root_secret: a node of a contract takes it from the contract");
    snprintf(text, sizeof text,
             "{\"api_key\":\"k\",\"kms_contracts\":[{\"id\":\"kc_a\",\"contract_address\":"
             "\"phala\",\"chain_id\":8453,%s}],\"kms\":[]}",
             root);
    expect_seed_error(text, "kms_contracts[0]: chain_id 0 and contract_address \"phala\"");
    snprintf(text, sizeof text,
             "{\"api_key\":\"k\",\"kms_contracts\":[{\"id\":\"kc_a\",\"contract_address\":"
             "\"phala\",\"chain_id\":0,%s}],\"kms\":[{\"id\":\"n\",\"url\":\"u\",\"version\":\"v\","
             "\"contract\":\"kc_a\",\"blackhole\":true}]}",
             root);
    expect_seed_error(text, "kms[0]: a blackhole replica never answers");
    expect_seed_error("{\"api_key\":\"k\",\"kms\":[],\"oidc_tokens\":[{\"token\":\"t\"}]}",
                      "oidc_tokens[0].workspaces must be a non-empty list of strings");
}
