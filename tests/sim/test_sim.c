/* test_sim.c — the simulator's own tests (ctest label "sim"): each test starts the real
 * phala-cloud-sim binary on a free port (port file in a temp dir), talks to it with libcurl and
 * checks JSON shapes, crypto (signatures, decrypted envs), the two-phase on-chain flow, faults and
 * stats. */
#include <phalakms.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim_test_support.h"

Test(seed, missing_file_exits_1_naming_the_file)
{
    expect_seed_error(NULL, "/nonexistent/seed.json");
}

Test(seed, invalid_json_exits_1)
{
    expect_seed_error("{\"kms\": [", "not valid JSON");
}

Test(seed, bad_root_secret_names_the_field)
{
    expect_seed_error("{\"api_key\":\"k\",\"kms\":[{\"id\":\"a\",\"url\":\"u\",\"version\":\"v\","
                      "\"root_secret\":\"zz\"}]}",
                      "kms[0].root_secret");
}

Test(seed, cvm_with_unknown_kms_names_the_cvm)
{
    expect_seed_error(
        "{\"api_key\":\"k\",\"kms\":[{\"id\":\"a\",\"url\":\"u\",\"version\":\"v\",\"root_secret\":"
        "\"0101010101010101010101010101010101010101010101010101010101010101\"}],"
        "\"cvms\":[{\"id\":\"c\",\"name\":\"n\",\"app_id\":\"" PHALA_APP "\",\"kms_id\":\"b\","
        "\"compose_file\":{\"docker_compose_file\":\"x\"}}]}",
        "cvms[0].kms_id");
}

Test(seed, kms_must_be_a_list)
{
    expect_seed_error("{\"api_key\":\"k\",\"kms\":{}}", "\"kms\" must be a list");
}

/* ---- auth, request ids ----------------------------------------------------------------------- */

Test(api, key_is_required, .init = start_default, .fini = stop)
{
    struct resp r = req_on(NULL, "GET", "/api/v1/kms", NULL, NULL);
    cr_assert_eq(r.status, 401);
    cr_assert_str_eq(str(r.json, "detail"), "Invalid API key");
    cr_assert(strncmp(r.request_id, "sim-", 4) == 0);
    resp_free(&r);
    r = req_on(NULL, "GET", "/api/v1/kms", "phak_wrong", NULL);
    cr_assert_eq(r.status, 401);
    resp_free(&r);
    r = api("GET", "/kms", NULL);
    cr_assert_eq(r.status, 200);
    resp_free(&r);
}

Test(api, api_key_flag_overrides_seed, .fini = stop)
{
    const char *args[] = {"--seed", SIM_SEED, "--api-key", "phak_other", "--quiet", NULL};
    start_with(args);
    struct resp r = api("GET", "/kms", NULL);
    cr_assert_eq(r.status, 401);
    resp_free(&r);
    r = req_on(NULL, "GET", "/api/v1/kms", "phak_other", NULL);
    cr_assert_eq(r.status, 200);
    resp_free(&r);
}

Test(api, listening_line_is_printed, .init = start_default, .fini = stop)
{
    char path[128], want[96];
    snprintf(path, sizeof path, "%s/stdout", sim.dir);
    snprintf(want, sizeof want, "phala-cloud-sim listening on http://127.0.0.1:%d\n", sim.port);
    char *out = slurp(path);
    cr_assert_str_eq(out, want);
    free(out);
}

Test(api, request_ids_differ_per_response, .init = start_default, .fini = stop)
{
    struct resp a = api("GET", "/kms", NULL), b = admin("GET", "/stats", NULL);
    cr_assert(a.request_id[0] && b.request_id[0]);
    cr_assert_str_neq(a.request_id, b.request_id);
    resp_free(&a);
    resp_free(&b);
}

/* ---- KMS ------------------------------------------------------------------------------------- */

static void check_kms_info(const cJSON *k)
{
    cr_assert_not_null(str(k, "id"));
    cr_assert_not_null(str(k, "url"));
    cr_assert_not_null(str(k, "version"));
    cr_assert_not_null(get(k, "slug"));
    cr_assert_not_null(get(k, "chain_id"));
    cr_assert_not_null(get(k, "kms_contract_address"));
    cr_assert_not_null(get(k, "gateway_app_id"));
    const char *k256 = str(k, "k256_pubkey");
    cr_assert(k256 && strlen(k256) == 68 && strncmp(k256, "0x0", 3) == 0);
}

Test(kms, list_is_a_strict_pagination_envelope, .init = start_default, .fini = stop)
{
    struct resp r = api("GET", "/kms", NULL);
    cr_assert_eq(r.status, 200);
    exact_keys(r.json, (const char *[]){"items", "total", "page", "page_size", "pages", NULL});
    cr_assert_eq(num(r.json, "total"), 3);
    cr_assert_eq(num(r.json, "page"), 1);
    cr_assert_eq(num(r.json, "pages"), 1);
    const cJSON *k;
    cJSON_ArrayForEach(k, get(r.json, "items")) check_kms_info(k);
    resp_free(&r);

    r = api("GET", "/kms?page=2&page_size=1", NULL);
    cr_assert_eq(num(r.json, "pages"), 3);
    cr_assert_eq(cJSON_GetArraySize(get(r.json, "items")), 1);
    cr_assert_str_eq(str(cJSON_GetArrayItem(get(r.json, "items"), 0), "id"), "kms_phala02");
    resp_free(&r);

    r = api("GET", "/kms?is_onchain=true", NULL);
    cr_assert_eq(num(r.json, "total"), 1);
    cr_assert_eq(num(cJSON_GetArrayItem(get(r.json, "items"), 0), "chain_id"), 8453);
    resp_free(&r);
    r = api("GET", "/kms?is_onchain=false", NULL);
    cr_assert_eq(num(r.json, "total"), 2);
    resp_free(&r);
}

Test(kms, list_validates_query, .init = start_default, .fini = stop)
{
    struct resp r = api("GET", "/kms?page_size=101", NULL);
    expect_422(&r, "query", "page_size");
    resp_free(&r);
    r = api("GET", "/kms?page_size=0", NULL);
    expect_422(&r, "query", "page_size");
    resp_free(&r);
    r = api("GET", "/kms?page=abc", NULL);
    expect_422(&r, "query", "page");
    resp_free(&r);
    r = api("GET", "/kms?is_onchain=maybe", NULL);
    expect_422(&r, "query", "is_onchain");
    resp_free(&r);
}

Test(kms, get_by_id_or_slug_and_404, .init = start_default, .fini = stop)
{
    struct resp a = api("GET", "/kms/kms_base01", NULL),
                b = api("GET", "/kms/kms-base-prod1", NULL);
    cr_assert_eq(a.status, 200);
    cr_assert_eq(b.status, 200);
    check_kms_info(a.json);
    cr_assert_str_eq(str(a.json, "k256_pubkey"), str(b.json, "k256_pubkey"));
    cr_assert_eq(num(a.json, "chain_id"), 8453);
    resp_free(&a);
    resp_free(&b);
    a = api("GET", "/kms/nope", NULL);
    expect_structured(&a, 404, "ERR-02-011");
    cr_assert_str_eq(str(a.json, "message"), "KMS not found");
    resp_free(&a);
}

Test(kms, onchain_detail_shape, .init = start_default, .fini = stop)
{
    struct resp r = api("GET", "/kms/on-chain/base", NULL);
    cr_assert_eq(r.status, 200);
    cr_assert_str_eq(str(r.json, "chain_name"), "base");
    cr_assert_eq(num(r.json, "chain_id"), 8453);
    const cJSON *c = cJSON_GetArrayItem(get(r.json, "contracts"), 0);
    cr_assert_not_null(str(c, "contract_address"));
    cr_assert_gt(cJSON_GetArraySize(get(c, "devices")), 0);
    cr_assert_gt(cJSON_GetArraySize(get(c, "os_images")), 0);
    const cJSON *d = cJSON_GetArrayItem(get(c, "devices"), 0);
    cr_assert_not_null(str(d, "device_id"));
    cr_assert_not_null(get(d, "on_chain_allowed"));
    resp_free(&r);
    r = api("GET", "/kms/on-chain/solana", NULL);
    cr_assert_eq(r.status, 404);
    resp_free(&r);
}

static void expect_sig_recovers(const char *kms, const char *app_id, const char *expect_k256)
{
    char path[160];
    snprintf(path, sizeof path, "/kms/%s/pubkey/%s", kms, app_id);
    struct resp r = api("GET", path, NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    exact_keys(r.json, (const char *[]){"public_key", "signature", NULL});
    const char *pk = str(r.json, "public_key"), *sig = str(r.json, "signature");
    cr_assert_eq(strlen(pk), 64);
    cr_assert_eq(strlen(sig), 130);
    cr_assert(sig[128] == '0' && (sig[129] == '0' || sig[129] == '1'), "v must be 0 or 1");
    char err[256] = "";
    int rc = pk_verify_pubkey_sig(pk, sig, app_id, NULL, 0, expect_k256, NULL, err, sizeof err);
    cr_assert_eq(rc, 0, "signature does not recover to %s: %s", expect_k256, err);
    resp_free(&r);
}

Test(kms, pubkey_signature_recovers_to_k256_pubkey, .init = start_default, .fini = stop)
{
    struct resp k = api("GET", "/kms/kms_base01", NULL);
    char k256[80];
    snprintf(k256, sizeof k256, "%s", str(k.json, "k256_pubkey"));
    resp_free(&k);
    expect_sig_recovers("kms-base-prod1", BASE_APP, k256);
    expect_sig_recovers("kms_base01", "0x" BASE_APP, k256);

    /* the same app id with or without 0x gets the same key */
    struct resp a = api("GET", "/kms/kms_base01/pubkey/" BASE_APP, NULL);
    struct resp b = api("GET", "/kms/kms_base01/pubkey/0x" BASE_APP, NULL);
    cr_assert_str_eq(str(a.json, "public_key"), str(b.json, "public_key"));
    resp_free(&a);
    resp_free(&b);
}

Test(kms, pubkey_validates_app_id_and_kms, .init = start_default, .fini = stop)
{
    struct resp r = api("GET", "/kms/kms_base01/pubkey/1234", NULL);
    expect_422(&r, "path", "app_id");
    resp_free(&r);
    r = api("GET", "/kms/nope/pubkey/" BASE_APP, NULL);
    expect_structured(&r, 404, "ERR-02-011");
    resp_free(&r);
}

Test(kms, phala_pubkey_equals_cvm_encrypted_env_pubkey, .init = start_default, .fini = stop)
{
    struct resp a = api("GET", "/kms/phala-prod1/pubkey/" PHALA_APP, NULL);
    struct resp c = api("GET", "/cvms/" PHALA_CVM, NULL);
    cr_assert_str_eq(str(a.json, "public_key"),
                     str(get(c.json, "kms_info"), "encrypted_env_pubkey"));
    resp_free(&a);
    resp_free(&c);
}

Test(kms, next_app_ids_are_strict_and_validated, .init = start_default, .fini = stop)
{
    struct resp r = api("GET", "/kms/phala/next_app_id?counts=3", NULL);
    cr_assert_eq(r.status, 200);
    exact_keys(r.json, (const char *[]){"app_ids", NULL});
    const cJSON *ids = get(r.json, "app_ids");
    cr_assert_eq(cJSON_GetArraySize(ids), 3);
    for (int i = 0; i < 3; i++) {
        const cJSON *e = cJSON_GetArrayItem(ids, i);
        exact_keys(e, (const char *[]){"app_id", "nonce", NULL});
        cr_assert_eq(strlen(str(e, "app_id")), 40);
        cr_assert_eq(num(e, "nonce"), 1 + i);
    }
    resp_free(&r);
    r = api("GET", "/kms/phala/next_app_id", NULL);
    cr_assert_eq(cJSON_GetArraySize(get(r.json, "app_ids")), 1);
    resp_free(&r);
    r = api("GET", "/kms/phala/next_app_id?counts=21", NULL);
    expect_422(&r, "query", "counts");
    resp_free(&r);
    r = api("GET", "/kms/phala/next_app_id?counts=0", NULL);
    expect_422(&r, "query", "counts");
    resp_free(&r);
}

/* ---- CVMs ------------------------------------------------------------------------------------ */

Test(cvm, info_has_the_sdk_required_fields, .init = start_default, .fini = stop)
{
    struct resp r = api("GET", "/cvms/" BASE_CVM, NULL);
    cr_assert_eq(r.status, 200);
    cr_assert_str_eq(str(r.json, "id"), BASE_CVM);
    cr_assert_str_eq(str(r.json, "name"), "onchain-app");
    cr_assert_str_eq(str(r.json, "app_id"), BASE_APP);
    cr_assert_not_null(str(r.json, "status"));
    cr_assert(cJSON_IsObject(get(r.json, "resource")));
    cr_assert(cJSON_IsObject(get(r.json, "gateway")));
    cr_assert_str_eq(str(r.json, "kms_type"), "base");
    cr_assert_eq(strlen(str(r.json, "compose_hash")), 64);
    const cJSON *ki = get(r.json, "kms_info");
    cr_assert_eq(num(ki, "chain_id"), 8453);
    cr_assert_str_eq(str(ki, "dstack_app_address"), "0x" BASE_APP);
    cr_assert_str_eq(str(ki, "dstack_kms_address"), "0x2f83172a49584c017f2b256f0fb2dca14126ba9c");
    cr_assert(cJSON_IsNull(get(ki, "encrypted_env_pubkey")));
    cr_assert_not_null(str(ki, "k256_pubkey"));
    cr_assert(cJSON_IsObject(get(r.json, "compose_file")));
    resp_free(&r);

    r = api("GET", "/cvms/" PHALA_CVM, NULL);
    cr_assert_str_eq(str(r.json, "kms_type"), "phala");
    ki = get(r.json, "kms_info");
    cr_assert(cJSON_IsNull(get(ki, "chain_id")));
    cr_assert_eq(strlen(str(ki, "encrypted_env_pubkey")), 64);
    resp_free(&r);
}

Test(cvm, lookup_by_app_id_and_name, .init = start_default, .fini = stop)
{
    const char *paths[] = {"/cvms/app_" BASE_APP, "/cvms/" BASE_APP, "/cvms/onchain-app"};
    for (size_t i = 0; i < 3; i++) {
        struct resp r = api("GET", paths[i], NULL);
        cr_assert_eq(r.status, 200, "%s", paths[i]);
        cr_assert_str_eq(str(r.json, "id"), BASE_CVM);
        resp_free(&r);
    }
    struct resp r = api("GET", "/cvms/cvm_nope", NULL);
    expect_structured(&r, 404, "ERR-03-001");
    cr_assert_str_eq(str(r.json, "message"), "CVM not found");
    resp_free(&r);
}

Test(cvm, compose_file, .init = start_default, .fini = stop)
{
    struct resp r = api("GET", "/cvms/" PHALA_CVM "/compose_file", NULL);
    cr_assert_eq(r.status, 200);
    cr_assert_not_null(str(r.json, "docker_compose_file"));
    const cJSON *ae = get(r.json, "allowed_envs");
    cr_assert_eq(cJSON_GetArraySize(ae), 2);
    cr_assert_str_eq(cJSON_GetArrayItem(ae, 0)->valuestring, "API_KEY");
    resp_free(&r);
}

/* ---- PATCH envs ------------------------------------------------------------------------------ */

static char *encrypt_for(const char *kms, const char *app, const pk_env_var *vars, size_t n)
{
    char path[160];
    snprintf(path, sizeof path, "/kms/%s/pubkey/%s", kms, app);
    struct resp r = api("GET", path, NULL);
    char *hex = NULL, err[256] = "";
    cr_assert_eq(pk_encrypt_env(vars, n, str(r.json, "public_key"), &hex, err, sizeof err), 0, "%s",
                 err);
    resp_free(&r);
    return hex;
}

static char *envs_body(const char *hex, const char *keys_json, const char *hash, const char *tx)
{
    char *b = malloc(strlen(hex) + 1024);
    int n = sprintf(b, "{\"encrypted_env\":\"%s\"", hex);
    if (keys_json) n += sprintf(b + n, ",\"env_keys\":%s", keys_json);
    if (hash) n += sprintf(b + n, ",\"compose_hash\":\"%s\"", hash);
    if (tx) n += sprintf(b + n, ",\"transaction_hash\":\"%s\"", tx);
    sprintf(b + n, "}");
    return b;
}

static void expect_in_progress(const struct resp *r, bool changed)
{
    cr_assert_eq(r->status, 200, "status %ld: %s", r->status, r->body);
    exact_keys(r->json, (const char *[]){"status", "message", "correlation_id",
                                         "allowed_envs_changed", NULL});
    cr_assert_str_eq(str(r->json, "status"), "in_progress");
    cr_assert_eq(strlen(str(r->json, "correlation_id")), 36);
    cr_assert_eq(cJSON_IsTrue(get(r->json, "allowed_envs_changed")), changed);
}

Test(envs, phala_update_is_decrypted_and_recorded, .init = start_default, .fini = stop)
{
    pk_env_var vars[] = {{"API_KEY", "s3cr3t \"quoted\" é", strlen("s3cr3t \"quoted\" é")},
                         {"DATABASE_URL", "postgres://x", 12}};
    char *hex = encrypt_for("phala-prod1", PHALA_APP, vars, 2);
    char *body = envs_body(hex, "[\"API_KEY\",\"DATABASE_URL\"]", NULL, NULL);
    struct resp r = api("PATCH", "/cvms/" PHALA_CVM "/envs", body);
    expect_in_progress(&r, false);
    resp_free(&r);

    r = admin("GET", "/envs/" PHALA_CVM, NULL);
    cr_assert_eq(r.status, 200);
    const cJSON *env = get(r.json, "env");
    cr_assert_eq(cJSON_GetArraySize(env), 2);
    cr_assert_str_eq(str(cJSON_GetArrayItem(env, 0), "key"), "API_KEY");
    cr_assert_str_eq(str(cJSON_GetArrayItem(env, 0), "value"), "s3cr3t \"quoted\" é");
    cr_assert_str_eq(str(cJSON_GetArrayItem(env, 1), "value"), "postgres://x");
    cr_assert_eq(num(r.json, "updates"), 1);
    cr_assert(cJSON_IsNull(get(r.json, "pending")));
    resp_free(&r);
    free(body);

    /* a new key set on a Phala KMS applies at once and changes the compose hash */
    struct resp before = api("GET", "/cvms/" PHALA_CVM, NULL);
    body = envs_body(hex, "[\"API_KEY\"]", NULL, NULL);
    r = api("PATCH", "/cvms/" PHALA_CVM "/envs", body);
    expect_in_progress(&r, true);
    resp_free(&r);
    struct resp after = api("GET", "/cvms/" PHALA_CVM, NULL);
    cr_assert_str_neq(str(before.json, "compose_hash"), str(after.json, "compose_hash"));
    cr_assert_eq(cJSON_GetArraySize(get(get(after.json, "compose_file"), "allowed_envs")), 1);
    resp_free(&before);
    resp_free(&after);
    free(body);
    free(hex);
}

Test(envs, bad_bodies_are_rejected, .init = start_default, .fini = stop)
{
    struct resp r = api("PATCH", "/cvms/" PHALA_CVM "/envs", "not json");
    expect_422(&r, "body", NULL);
    resp_free(&r);
    r = api("PATCH", "/cvms/" PHALA_CVM "/envs", "{}");
    expect_422(&r, "body", "encrypted_env");
    resp_free(&r);
    r = api("PATCH", "/cvms/" PHALA_CVM "/envs", "{\"encrypted_env\":\"xyz\"}");
    expect_422(&r, "body", "encrypted_env");
    resp_free(&r);
    r = api("PATCH", "/cvms/" PHALA_CVM "/envs", "{\"encrypted_env\":\"00\",\"env_keys\":\"A\"}");
    expect_422(&r, "body", "env_keys");
    resp_free(&r);
    /* valid hex that is not a ciphertext for this app */
    char junk[300];
    memset(junk, 'a', 256);
    snprintf(junk + 256, sizeof junk - 256, "%s", "");
    char *body = envs_body(junk, NULL, NULL, NULL);
    r = api("PATCH", "/cvms/" PHALA_CVM "/envs", body);
    cr_assert_eq(r.status, 400, "%s", r.body);
    resp_free(&r);
    free(body);
    /* encrypted for another app: does not decrypt */
    pk_env_var v = {"API_KEY", "x", 1};
    char *hex = encrypt_for("phala-prod1", BASE_APP, &v, 1);
    body = envs_body(hex, NULL, NULL, NULL);
    r = api("PATCH", "/cvms/" PHALA_CVM "/envs", body);
    cr_assert_eq(r.status, 400);
    resp_free(&r);
    free(body);
    free(hex);
    r = api("PATCH", "/cvms/cvm_nope/envs", "{\"encrypted_env\":\"00\"}");
    expect_structured(&r, 404, "ERR-03-001");
    resp_free(&r);
}

/* Phase 1 on the on-chain CVM; returns the 465's compose hash (static buffer). */
static const char *phase1(const char *hex, const char *keys_json)
{
    static char hash[80];
    char *body = envs_body(hex, keys_json, NULL, NULL);
    struct resp r = api("PATCH", "/cvms/" BASE_CVM "/envs", body);
    free(body);
    expect_structured(&r, 465, "ERR-01-005");
    const cJSON *d, *kms_info = NULL;
    const char *app = NULL, *dev = NULL;
    hash[0] = '\0';
    cJSON_ArrayForEach(d, get(r.json, "details"))
    {
        const char *f = str(d, "field");
        if (strcmp(f, "compose_hash") == 0) snprintf(hash, sizeof hash, "%s", str(d, "value"));
        if (strcmp(f, "app_id") == 0) app = str(d, "value");
        if (strcmp(f, "device_id") == 0) dev = str(d, "value");
        if (strcmp(f, "kms_info") == 0) kms_info = get(d, "value");
    }
    cr_assert_eq(strlen(hash), 64);
    cr_assert_str_eq(app, BASE_APP);
    cr_assert_str_eq(dev, "7a82191bd4dedb9d716e3aa422963cf1009f36e3068404a0322feca1ce517dc9");
    cr_assert_str_eq(str(kms_info, "id"), "kms_base01");
    cr_assert_eq(num(kms_info, "chain_id"), 8453);
    resp_free(&r);
    return hash;
}

static char *register_hash(const char *app, const char *hash, bool allowed)
{
    char body[256];
    snprintf(body, sizeof body, "{\"app_id\":\"%s\",\"compose_hash\":\"%s\",\"allowed\":%s}", app,
             hash, allowed ? "true" : "false");
    struct resp r = admin("POST", "/chain/register", body);
    cr_assert_eq(r.status, 200, "%s", r.body);
    char *tx = strdup(str(r.json, "transaction_hash"));
    cr_assert_eq(strlen(tx), 66);
    resp_free(&r);
    return tx;
}

static struct resp phase2(const char *hex, const char *keys_json, const char *hash, const char *tx)
{
    char *body = envs_body(hex, keys_json, hash, tx);
    struct resp r = api("PATCH", "/cvms/" BASE_CVM "/envs", body);
    free(body);
    return r;
}

Test(envs, onchain_key_change_needs_registration, .init = start_default, .fini = stop)
{
    pk_env_var vars[] = {{"API_KEY", "a", 1}, {"NEW_KEY", "b", 1}};
    char *hex = encrypt_for("kms-base-prod1", BASE_APP, vars, 2);
    const char *keys = "[\"API_KEY\",\"NEW_KEY\"]";

    /* the same key set applies at once, even on-chain */
    char *same = envs_body(hex, "[\"API_KEY\"]", NULL, NULL);
    struct resp r = api("PATCH", "/cvms/" BASE_CVM "/envs", same);
    expect_in_progress(&r, false);
    resp_free(&r);
    free(same);

    char hash[80];
    snprintf(hash, sizeof hash, "%s", phase1(hex, keys));
    r = admin("GET", "/envs/" BASE_CVM, NULL);
    cr_assert_str_eq(str(get(r.json, "pending"), "compose_hash"), hash);
    resp_free(&r);

    /* a tx that registered another hash → 467; a never-seen tx → 467 */
    char *other = register_hash(
        BASE_APP, "1111111111111111111111111111111111111111111111111111111111111111", true);
    r = phase2(hex, keys, hash, other);
    expect_structured(&r, 467, "ERR-01-007");
    resp_free(&r);
    r = phase2(hex, keys, hash,
               "0x2222222222222222222222222222222222222222222222222222222222222222");
    expect_structured(&r, 467, "ERR-01-007");
    resp_free(&r);
    /* a hash the client did not get from a 465 → 466 */
    r = phase2(hex, keys, "3333333333333333333333333333333333333333333333333333333333333333",
               other);
    expect_structured(&r, 466, "ERR-01-006");
    resp_free(&r);
    /* registered but no longer allowed by the contract → 468 */
    char *tx = register_hash(BASE_APP, hash, false);
    r = phase2(hex, keys, hash, tx);
    expect_structured(&r, 468, "ERR-01-008");
    resp_free(&r);
    /* allowed → applied */
    free(tx);
    tx = register_hash(BASE_APP, hash, true);
    char with0x[96];
    snprintf(with0x, sizeof with0x, "0x%s", hash); /* the 0x form is the same hash */
    r = phase2(hex, keys, with0x, tx);
    expect_in_progress(&r, true);
    resp_free(&r);

    r = admin("GET", "/envs/" BASE_CVM, NULL);
    cr_assert(cJSON_IsNull(get(r.json, "pending")));
    cr_assert_str_eq(str(r.json, "compose_hash"), hash);
    cr_assert_eq(cJSON_GetArraySize(get(r.json, "allowed_envs")), 2);
    cr_assert_str_eq(str(cJSON_GetArrayItem(get(r.json, "env"), 1), "value"), "b");
    cr_assert_eq(num(r.json, "updates"), 2);
    resp_free(&r);
    struct resp info = api("GET", "/cvms/" BASE_CVM, NULL);
    cr_assert_str_eq(str(info.json, "compose_hash"), hash);
    resp_free(&info);
    free(tx);
    free(other);
    free(hex);
}

Test(envs, expired_pending_hash_is_466, .fini = stop)
{
    const char *args[] = {"--seed", SIM_SEED, "--hash-ttl", "0", NULL};
    start_with(args);
    pk_env_var vars[] = {{"OTHER", "a", 1}};
    char *hex = encrypt_for("kms-base-prod1", BASE_APP, vars, 1);
    char hash[80];
    snprintf(hash, sizeof hash, "%s", phase1(hex, "[\"OTHER\"]"));
    char *tx = register_hash(BASE_APP, hash, true);
    usleep(20000);
    struct resp r = phase2(hex, "[\"OTHER\"]", hash, tx);
    expect_structured(&r, 466, "ERR-01-006");
    resp_free(&r);
    free(tx);
    free(hex);
}

Test(envs, rpc_url_unreachable_chain_answers_467, .fini = stop)
{
    const char *args[] = {"--seed", SIM_SEED, "--rpc-url", "http://127.0.0.1:1", NULL};
    start_with(args);
    pk_env_var vars[] = {{"OTHER", "a", 1}};
    char *hex = encrypt_for("kms-base-prod1", BASE_APP, vars, 1);
    char hash[80];
    snprintf(hash, sizeof hash, "%s", phase1(hex, "[\"OTHER\"]"));
    char *tx = register_hash(BASE_APP, hash, true);
    struct resp r = phase2(hex, "[\"OTHER\"]", hash, tx);
    expect_structured(&r, 467, "ERR-01-007");
    resp_free(&r);
    free(tx);
    free(hex);
}

/* ---- admin: drift, delete, rotate, config ---------------------------------------------------- */

Test(admin, drift_changes_allowed_envs_and_hash, .init = start_default, .fini = stop)
{
    struct resp before = api("GET", "/cvms/" PHALA_CVM, NULL);
    struct resp r = admin("POST", "/cvms/" PHALA_CVM "/allowed_envs", "{\"allowed_envs\":[\"X\"]}");
    cr_assert_eq(r.status, 200, "%s", r.body);
    resp_free(&r);
    struct resp cf = api("GET", "/cvms/" PHALA_CVM "/compose_file", NULL);
    cr_assert_str_eq(cJSON_GetArrayItem(get(cf.json, "allowed_envs"), 0)->valuestring, "X");
    cr_assert_eq(cJSON_GetArraySize(get(cf.json, "allowed_envs")), 1);
    struct resp after = api("GET", "/cvms/" PHALA_CVM, NULL);
    cr_assert_str_neq(str(before.json, "compose_hash"), str(after.json, "compose_hash"));
    resp_free(&cf);
    resp_free(&before);
    resp_free(&after);
    r = admin("POST", "/cvms/" PHALA_CVM "/allowed_envs", "{\"allowed_envs\":[1]}");
    cr_assert_eq(r.status, 422);
    resp_free(&r);
}

Test(admin, deleted_cvm_is_404, .init = start_default, .fini = stop)
{
    struct resp r = admin("DELETE", "/cvms/" PHALA_CVM, NULL);
    cr_assert_eq(r.status, 200);
    resp_free(&r);
    r = api("GET", "/cvms/" PHALA_CVM, NULL);
    expect_structured(&r, 404, "ERR-03-001");
    resp_free(&r);
    r = api("PATCH", "/cvms/" PHALA_CVM "/envs", "{\"encrypted_env\":\"00\"}");
    cr_assert_eq(r.status, 404);
    resp_free(&r);
}

Test(admin, rotate_changes_app_keys, .init = start_default, .fini = stop)
{
    struct resp a = api("GET", "/kms/kms_base01/pubkey/" BASE_APP, NULL);
    struct resp k = admin("POST", "/kms/kms_base01/rotate", NULL);
    cr_assert_eq(k.status, 200);
    struct resp b = api("GET", "/kms/kms_base01/pubkey/" BASE_APP, NULL);
    cr_assert_str_neq(str(a.json, "public_key"), str(b.json, "public_key"));
    resp_free(&a);
    resp_free(&b);
    char k256[80];
    snprintf(k256, sizeof k256, "%s", str(k.json, "k256_pubkey"));
    resp_free(&k);
    expect_sig_recovers("kms_base01", BASE_APP, k256);
    k = api("GET", "/kms/kms_base01", NULL);
    cr_assert_str_eq(str(k.json, "k256_pubkey"), k256);
    resp_free(&k);
}

Test(admin, config_latency_delays_api_requests, .init = start_default, .fini = stop)
{
    struct resp r = admin("POST", "/config", "{\"latency_ms\":200}");
    cr_assert_eq(r.status, 200);
    resp_free(&r);
    double t0 = now_s();
    r = api("GET", "/kms", NULL);
    cr_assert_eq(r.status, 200);
    cr_assert_geq(now_s() - t0, 0.19);
    resp_free(&r);
}

struct par {
    struct resp r;
};

static void *par_get(void *arg)
{
    struct par *p = arg;
    p->r = api("GET", "/kms", NULL);
    return NULL;
}

Test(admin, slow_requests_overlap, .init = start_default, .fini = stop)
{
    struct resp r = admin("POST", "/config", "{\"latency_ms\":400}");
    resp_free(&r);
    pthread_t th[4];
    struct par ps[4];
    double t0 = now_s();
    for (int i = 0; i < 4; i++) pthread_create(&th[i], NULL, par_get, &ps[i]);
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        cr_assert_eq(ps[i].r.status, 200);
        resp_free(&ps[i].r);
    }
    cr_assert_lt(now_s() - t0, 1.2, "four 400 ms requests must run concurrently");
}

/* ---- faults ---------------------------------------------------------------------------------- */

Test(faults, status_with_retry_after_then_recovers, .init = start_default, .fini = stop)
{
    struct resp r = admin("POST", "/faults", "{\"count\":2,\"status\":503,\"retry_after\":\"1\"}");
    cr_assert_eq(r.status, 200);
    resp_free(&r);
    for (int i = 0; i < 2; i++) {
        r = api("GET", "/kms", NULL);
        cr_assert_eq(r.status, 503);
        cr_assert_str_eq(r.retry_after, "1");
        cr_assert(r.request_id[0]);
        resp_free(&r);
    }
    r = api("GET", "/kms", NULL);
    cr_assert_eq(r.status, 200);
    cr_assert_str_eq(r.retry_after, "");
    resp_free(&r);
}

Test(faults, custom_body_and_path_prefix, .init = start_default, .fini = stop)
{
    struct resp r =
        admin("POST", "/faults",
              "{\"status\":409,\"path_prefix\":\"/api/v1/cvms\",\"body\":\"{\\\"detail\\\":"
              "\\\"another operation in progress\\\"}\"}");
    cr_assert_eq(r.status, 200);
    resp_free(&r);
    r = api("GET", "/kms", NULL); /* does not match */
    cr_assert_eq(r.status, 200);
    resp_free(&r);
    r = api("GET", "/cvms/" PHALA_CVM, NULL);
    cr_assert_eq(r.status, 409);
    cr_assert_str_eq(str(r.json, "detail"), "another operation in progress");
    resp_free(&r);
}

Test(faults, drop_truncate_malformed_redirect, .init = start_default, .fini = stop)
{
    struct resp r = admin("POST", "/faults", "{\"mode\":\"drop\"}");
    resp_free(&r);
    r = admin("POST", "/faults", "{\"mode\":\"truncate\"}");
    resp_free(&r);
    r = admin("POST", "/faults", "{\"mode\":\"malformed\"}");
    resp_free(&r);
    r = admin("POST", "/faults", "{\"mode\":\"redirect\"}");
    resp_free(&r);

    r = api("GET", "/kms", NULL);
    cr_assert_eq(r.rc, CURLE_GOT_NOTHING, "drop: %s", curl_easy_strerror(r.rc));
    resp_free(&r);
    r = api("GET", "/kms", NULL);
    cr_assert_eq(r.rc, CURLE_PARTIAL_FILE, "truncate: %s", curl_easy_strerror(r.rc));
    resp_free(&r);
    r = api("GET", "/kms", NULL);
    cr_assert_eq(r.status, 200);
    cr_assert_null(r.json, "malformed body must not parse");
    resp_free(&r);
    r = api("GET", "/kms", NULL);
    cr_assert_eq(r.status, 302);
    cr_assert_str_eq(r.location, "http://127.0.0.1:1/elsewhere");
    resp_free(&r);
    r = api("GET", "/kms", NULL);
    cr_assert_eq(r.status, 200);
    resp_free(&r);
}

Test(faults, delete_clears_the_queue, .init = start_default, .fini = stop)
{
    struct resp r = admin("POST", "/faults", "{\"count\":5,\"status\":500}");
    resp_free(&r);
    r = admin("DELETE", "/faults", NULL);
    cr_assert_eq(r.status, 200);
    resp_free(&r);
    r = api("GET", "/kms", NULL);
    cr_assert_eq(r.status, 200);
    resp_free(&r);
    r = admin("POST", "/faults", "{\"mode\":\"bogus\"}");
    cr_assert_eq(r.status, 422);
    resp_free(&r);
}

/* ---- stats ----------------------------------------------------------------------------------- */

Test(stats, keep_alive_uses_one_connection, .init = start_default, .fini = stop)
{
    struct resp r = admin("POST", "/stats/reset", NULL);
    resp_free(&r);
    CURL *h = curl_easy_init();
    for (int i = 0; i < 5; i++) {
        r = req_on(h, "GET", "/api/v1/kms", KEY, NULL);
        cr_assert_eq(r.status, 200);
        resp_free(&r);
    }
    r = req_on(h, "GET", "/api/v1/cvms/" PHALA_CVM, KEY, NULL);
    resp_free(&r);
    curl_easy_cleanup(h);
    r = admin("GET", "/stats", NULL);
    cr_assert_eq(num(r.json, "connections"), 1, "%s", r.body);
    const cJSON *req = get(r.json, "requests");
    cr_assert_eq(num(req, "GET /kms"), 5);
    cr_assert_eq(num(req, "GET /cvms/{id}"), 1);
    cr_assert_eq(num(r.json, "total"), 6);
    resp_free(&r);

    r = api("GET", "/kms", NULL); /* a fresh handle is a new connection */
    resp_free(&r);
    r = admin("GET", "/stats", NULL);
    cr_assert_eq(num(r.json, "connections"), 2);
    resp_free(&r);
}

/* ---- robustness ------------------------------------------------------------------------------ */

Test(robust, odd_requests_never_crash, .init = start_default, .fini = stop)
{
    static const char *const paths[] = {"/api/v1",
                                        "/api/v1/",
                                        "/api/v1/kms/",
                                        "/api/v1/kms//pubkey/",
                                        "/api/v1/cvms",
                                        "/api/v1/cvms/",
                                        "/api/v1/a/b/c/d/e/f/g/h/i/j/k",
                                        "/api/v1/kms/%00",
                                        "/_sim/",
                                        "/_sim/envs/",
                                        "/_sim/chain/register",
                                        "/",
                                        "/api/v10/kms",
                                        "/api/v1/kms?page=99999999999999999999"};
    static const char *const methods[] = {"GET", "POST", "PATCH", "DELETE", "PUT"};
    static const char *const bodies[] = {
        NULL, "", "[]", "null", "{\"encrypted_env\":null}", "{\"encrypted_env\":[1]}", "{\"a\":"};
    for (size_t p = 0; p < sizeof paths / sizeof *paths; p++)
        for (size_t m = 0; m < sizeof methods / sizeof *methods; m++)
            for (size_t b = 0; b < sizeof bodies / sizeof *bodies; b++) {
                struct resp r = req_on(NULL, methods[m], paths[p], KEY, bodies[b]);
                cr_assert_eq(r.rc, CURLE_OK, "%s %s", methods[m], paths[p]);
                cr_assert_geq(r.status, 200);
                resp_free(&r);
            }
    struct resp r = api("PATCH", "/cvms/" BASE_CVM "/envs",
                        "{\"encrypted_env\":\"00\",\"compose_hash\":\"ab\"}");
    cr_assert_eq(r.status, 422);
    resp_free(&r);
    r = admin("GET", "/health", NULL);
    cr_assert_eq(r.status, 200);
    resp_free(&r);
}

Test(robust, oversized_body_is_413, .init = start_default, .fini = stop)
{
    size_t n = 9u * 1024u * 1024u;
    char *big = malloc(n + 1);
    memset(big, 'a', n);
    big[n] = '\0';
    struct resp r = api("PATCH", "/cvms/" PHALA_CVM "/envs", big);
    cr_assert_eq(r.status, 413);
    resp_free(&r);
    free(big);
}

struct mixed {
    const char *patch_body;
    int failures;
};

static void *mixed_traffic(void *arg)
{
    struct mixed *m = arg;
    CURL *h = curl_easy_init();
    for (int i = 0; i < 20; i++) {
        struct resp r;
        switch (i % 4) {
        case 0:
            r = req_on(h, "GET", "/api/v1/kms", KEY, NULL);
            break;
        case 1:
            r = req_on(h, "GET", "/api/v1/cvms/" BASE_CVM, KEY, NULL);
            break;
        case 2:
            r = req_on(h, "PATCH", "/api/v1/cvms/" PHALA_CVM "/envs", KEY, m->patch_body);
            break;
        default:
            r = req_on(h, "GET", "/_sim/stats", NULL, NULL);
            break;
        }
        if (r.status != 200) m->failures++;
        resp_free(&r);
    }
    curl_easy_cleanup(h);
    return NULL;
}

Test(robust, concurrent_mixed_traffic_is_consistent, .init = start_default, .fini = stop)
{
    pk_env_var v = {"API_KEY", "concurrent", 10};
    char *hex = encrypt_for("phala-prod1", PHALA_APP, &v, 1);
    char *body = envs_body(hex, "[\"API_KEY\",\"DATABASE_URL\"]", NULL, NULL);
    pthread_t th[8];
    struct mixed ms[8];
    for (int i = 0; i < 8; i++) {
        ms[i] = (struct mixed){body, 0};
        pthread_create(&th[i], NULL, mixed_traffic, &ms[i]);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        cr_assert_eq(ms[i].failures, 0);
    }
    struct resp r = admin("GET", "/envs/" PHALA_CVM, NULL);
    cr_assert_eq(num(r.json, "updates"), 8 * 5);
    resp_free(&r);
    r = admin("GET", "/stats", NULL);
    cr_assert_eq(num(get(r.json, "requests"), "PATCH /cvms/{id}/envs"), 8 * 5);
    cr_assert_eq(num(r.json, "connections"), 8 + 1); /* 8 keep-alive clients + encrypt_for */
    resp_free(&r);
    free(body);
    free(hex);
}
