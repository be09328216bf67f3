/* test_http_update.c — the unified update against the simulator: PATCH /cvms/{id} (prepare-only
 * gives a commit token and onchain_status, which is-allowed agrees with), the token commit with
 * "already-registered" (one-time; the token never appears in an error), the confirm PATCH with its
 * headers, the device allowlist refusing a commit, a server without the endpoints (405/404: the
 * caller's cue to fall back), and pk_error_outcome_unknown on a write the server applied before the
 * connection dropped. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static void start(void)
{
    sim_start(NULL);
}
TestSuite(http_update, .init = start, .fini = sim_stop, .timeout = 60);

static char *encrypt_base(pk_client *c, const char *const *keys, size_t n)
{
    pk_app_pubkey p;
    pk_error e = {0};
    cr_assert_eq(pk_app_pubkey_fetch(c, "kms-base-prod1", BASE_APP, &p, &e), 0, "%s",
                 pk_error_message(&e));
    pk_env_var vars[8];
    for (size_t i = 0; i < n; i++) vars[i] = (pk_env_var){(char *)keys[i], (char *)"v", 1};
    char *hex = NULL, err[256];
    cr_assert_eq(pk_encrypt_env(vars, n, p.public_key, &hex, err, sizeof err), 0, "%s", err);
    pk_app_pubkey_free(&p);
    return hex;
}

static void fake_register(const char *hash)
{
    char body[256];
    snprintf(body, sizeof body, "{\"app_id\":\"%s\",\"compose_hash\":\"%s\"}", BASE_APP, hash);
    cr_assert_eq(sim_admin("POST", "/_sim/chain/register", body, NULL), 200);
}

static char *env_json(void)
{
    cJSON *j = NULL;
    cr_assert_eq(sim_admin("GET", "/_sim/envs/" BASE_CVM, NULL, &j), 200);
    char *txt = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(j, "env"));
    cJSON_Delete(j);
    return txt;
}

Test(http_update, prepare_only_token_commit_already_registered)
{
    pk_client *c = client_new(KEY, 0, 0, NULL);
    const char *keys[] = {"API_KEY", "U1"};
    char *hex = encrypt_base(c, keys, 2);
    pk_envs_update_result r;
    pk_error e = {0};
    cr_assert_eq(pk_cvm_patch_env(c, BASE_CVM, hex, keys, 2, true, &r, &e), 0, "%s",
                 pk_error_message(&e));
    cr_assert_eq(r.status, PK_ENVS_PRECONDITION_REQUIRED);
    cr_assert_str_eq(r.precondition.app_id, BASE_APP);
    cr_assert_not_null(r.precondition.commit_token);
    cr_assert_not_null(r.precondition.api_commit_url);
    cr_assert(r.precondition.has_onchain_status);
    cr_assert_eq(r.precondition.onchain_status.compose_hash_allowed, PK_FALSE);
    cr_assert_eq(r.precondition.onchain_status.device_id_allowed, PK_TRUE);
    char hash[80], token[80];
    snprintf(hash, sizeof hash, "%s", r.precondition.compose_hash);
    snprintf(token, sizeof token, "%s", r.precondition.commit_token);
    pk_envs_update_result_free(&r);

    pk_is_allowed a;
    cr_assert_eq(pk_cvm_is_allowed(c, BASE_CVM, hash, NULL, &a, &e), 0, "%s", pk_error_message(&e));
    cr_assert_not(a.compose_hash_allowed);
    cr_assert_not(a.is_allowed);
    cr_assert(a.allow_any_device);
    pk_is_allowed_free(&a);

    /* not registered yet: 468, and the token is nowhere in the error */
    cr_assert_eq(pk_cvm_commit_update(c, BASE_CVM, token, hash, PK_TX_ALREADY_REGISTERED, &r, &e),
                 -1);
    cr_assert_eq(e.kind, PK_ERR_HASH_NOT_ALLOWED, "%s", pk_error_message(&e));
    cr_assert_null(strstr(pk_error_message(&e), token));

    fake_register(hash); /* e.g. a multisig wallet registered it */
    cr_assert_eq(pk_cvm_is_allowed(c, BASE_CVM, hash, NULL, &a, &e), 0);
    cr_assert(a.is_allowed);
    pk_is_allowed_free(&a);
    cr_assert_eq(pk_cvm_commit_update(c, BASE_CVM, token, hash, PK_TX_ALREADY_REGISTERED, &r, &e),
                 0, "%s", pk_error_message(&e));
    cr_assert_eq(r.status, PK_ENVS_IN_PROGRESS);
    cr_assert_not_null(r.in_progress.correlation_id);
    pk_envs_update_result_free(&r);
    char *env = env_json();
    cr_assert_not_null(strstr(env, "\"U1\""), "%s", env);
    free(env);

    /* one-time: the same token again is 466 (prepare again) */
    cr_assert_eq(pk_cvm_commit_update(c, BASE_CVM, token, hash, PK_TX_ALREADY_REGISTERED, &r, &e),
                 -1);
    cr_assert_eq(e.kind, PK_ERR_HASH_EXPIRED, "%s", pk_error_message(&e));
    cr_assert_null(strstr(pk_error_message(&e), token));
    pk_error_clear(&e);
    free(hex);
    pk_client_free(c);
}

Test(http_update, confirm_headers_and_the_device_allowlist)
{
    pk_client *c = client_new(KEY, 0, 0, NULL);
    const char *keys[] = {"API_KEY", "U2"};
    char *hex = encrypt_base(c, keys, 2);
    pk_envs_update_result r;
    pk_error e = {0};
    cr_assert_eq(pk_cvm_patch_env(c, BASE_CVM, hex, keys, 2, false, &r, &e), 0, "%s",
                 pk_error_message(&e));
    cr_assert_eq(r.status, PK_ENVS_PRECONDITION_REQUIRED);
    cr_assert_null(r.precondition.commit_token, "no token without X-Prepare-Only");
    char hash[80], device[80];
    snprintf(hash, sizeof hash, "%s", r.precondition.compose_hash);
    snprintf(device, sizeof device, "%s", r.precondition.device_id);
    pk_envs_update_result_free(&r);
    fake_register(hash);

    /* the app's allowlist closes: the CVM could not boot, the commit is refused */
    char body[256];
    snprintf(body, sizeof body, "{\"app_id\":\"%s\",\"allow_any_device\":false}", BASE_APP);
    cr_assert_eq(sim_admin("POST", "/_sim/chain/devices", body, NULL), 200);
    pk_is_allowed a;
    cr_assert_eq(pk_cvm_is_allowed(c, BASE_CVM, hash, NULL, &a, &e), 0);
    cr_assert(a.compose_hash_allowed);
    cr_assert_eq(a.device_id_allowed, PK_FALSE);
    cr_assert_not(a.is_allowed);
    pk_is_allowed_free(&a);
    cr_assert_eq(pk_cvm_confirm_patch(c, BASE_CVM, hash, PK_TX_ALREADY_REGISTERED, &r, &e), -1);
    cr_assert_eq(e.kind, PK_ERR_HASH_NOT_ALLOWED, "%s", pk_error_message(&e));
    cr_assert_not_null(strstr(pk_error_message(&e), "addDevice"), "%s", pk_error_message(&e));

    snprintf(body, sizeof body, "{\"app_id\":\"%s\",\"add\":\"%s\"}", BASE_APP, device);
    cr_assert_eq(sim_admin("POST", "/_sim/chain/devices", body, NULL), 200);
    cr_assert_eq(pk_cvm_confirm_patch(c, BASE_CVM, hash, PK_TX_ALREADY_REGISTERED, &r, &e), 0, "%s",
                 pk_error_message(&e));
    cr_assert_eq(r.status, PK_ENVS_IN_PROGRESS);
    pk_envs_update_result_free(&r);
    char *env = env_json();
    cr_assert_not_null(strstr(env, "\"U2\""), "%s", env);
    free(env);
    pk_error_clear(&e);
    free(hex);
    pk_client_free(c);
}

Test(http_update, phala_kms_applies_at_once_and_bad_arguments_are_refused)
{
    pk_client *c = client_new(KEY, 0, 0, NULL);
    pk_cvm v;
    pk_error e = {0};
    cr_assert_eq(pk_cvm_fetch(c, PHALA_CVM, &v, &e), 0);
    cr_assert_not_null(v.device_id, "node_info.device_id");
    cr_assert_eq(strlen(v.device_id), 64);
    pk_env_var var = {(char *)"API_KEY", (char *)"x", 1};
    char *hex = NULL;
    cr_assert_eq(pk_encrypt_env(&var, 1, pk_cvm_env_pubkey(&v), &hex, NULL, 0), 0);
    const char *keys[] = {"API_KEY"};
    pk_envs_update_result r;
    cr_assert_eq(pk_cvm_patch_env(c, PHALA_CVM, hex, keys, 1, true, &r, &e), 0, "%s",
                 pk_error_message(&e));
    cr_assert_eq(r.status, PK_ENVS_IN_PROGRESS);
    cr_assert_not_null(r.in_progress.correlation_id);
    pk_envs_update_result_free(&r);
    cr_assert_eq(pk_cvm_commit_update(c, PHALA_CVM, "t", "00", "0x11", &r, &e), -1);
    cr_assert_eq(e.kind, PK_ERR_INVALID_ARG);
    cr_assert_eq(pk_cvm_confirm_patch(c, PHALA_CVM, v.compose_hash, "0x11", &r, &e), -1);
    cr_assert_eq(e.kind, PK_ERR_INVALID_ARG);
    pk_error_clear(&e);
    free(hex);
    pk_cvm_free(&v);
    pk_client_free(c);
}

Test(http_update, legacy_server_answers_405_and_404)
{
    cr_assert_eq(sim_admin("POST", "/_sim/config", "{\"legacy_only\":true}", NULL), 200);
    pk_client *c = client_new(KEY, 0, 0, NULL);
    const char *keys[] = {"API_KEY"};
    pk_envs_update_result r;
    pk_error e = {0};
    cr_assert_eq(pk_cvm_patch_env(c, BASE_CVM, "00", keys, 1, true, &r, &e), -1);
    cr_assert_eq(e.http_status, 405, "%s", pk_error_message(&e));
    cr_assert_not(pk_error_outcome_unknown(&e), "a 405 is a definite no");
    pk_is_allowed a;
    cr_assert_eq(pk_cvm_is_allowed(c, BASE_CVM, NULL, NULL, &a, &e), -1);
    cr_assert_eq(e.http_status, 404);
    pk_error_clear(&e);
    pk_client_free(c);
}

Test(http_update, applied_then_dropped_is_an_unknown_outcome)
{
    pk_client *c = client_new(KEY, 0, 0, NULL);
    const char *keys[] = {"API_KEY"};
    char *hex = encrypt_base(c, keys, 1);
    sim_fault("{\"mode\":\"apply_drop\",\"method\":\"PATCH\",\"path_prefix\":\"/api/v1/cvms/\"}");
    pk_envs_update_result r;
    pk_error e = {0};
    /* on the connection the key lookup used: libcurl must not send the write again by itself */
    cr_assert_eq(pk_cvm_patch_env(c, BASE_CVM, hex, keys, 1, true, &r, &e), -1);
    cr_assert(e.request_sent);
    cr_assert(pk_error_outcome_unknown(&e), "%s", pk_error_message(&e));
    cJSON *j = NULL;
    cr_assert_eq(sim_admin("GET", "/_sim/envs/" BASE_CVM, NULL, &j), 200);
    cr_assert_eq(cJSON_GetObjectItemCaseSensitive(j, "updates")->valuedouble, 1,
                 "the server applied it");
    cJSON_Delete(j);

    /* nothing listens: the request never left, a definite failure */
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:1/api/v1");
    pk_config cfg;
    pk_config_init(&cfg);
    cfg.api_key = KEY;
    cfg.api_prefix = url;
    cfg.max_retries = 0;
    pk_client *dead = NULL;
    cr_assert_eq(pk_client_new(&cfg, &dead, &e), 0);
    cr_assert_eq(pk_cvm_patch_env(dead, BASE_CVM, hex, keys, 1, true, &r, &e), -1);
    cr_assert_not(e.request_sent, "%s", pk_error_message(&e));
    cr_assert_not(pk_error_outcome_unknown(&e));
    pk_client_free(dead);
    pk_error_clear(&e);
    free(hex);
    pk_client_free(c);
}

/* An id that is no path segment is refused before anything is sent, and the error says so (the
 * update calls build their paths like every other CVM call). */
Test(http_update, dot_ids_refused_before_sending)
{
    pk_client *c = client_new(KEY, 0, 5000, NULL);
    const char *keys[] = {"API_KEY"};
    pk_envs_update_result r;
    pk_is_allowed a;
    pk_error e = {0};
    const char *hash = "1111111111111111111111111111111111111111111111111111111111111111";
    sim_stats_reset();
    cr_assert_eq(pk_cvm_patch_env(c, "..", "00", keys, 1, true, &r, &e), -1);
    cr_assert_eq(e.kind, PK_ERR_INVALID_ARG, "%s", pk_error_message(&e));
    cr_assert_null(strstr(pk_error_message(&e), "memory"), "%s", pk_error_message(&e));
    pk_error_clear(&e);
    cr_assert_eq(pk_cvm_commit_update(c, ".", "tok", hash, PK_TX_ALREADY_REGISTERED, &r, &e), -1);
    cr_assert_eq(e.kind, PK_ERR_INVALID_ARG);
    cr_assert_null(strstr(pk_error_message(&e), "memory"), "%s", pk_error_message(&e));
    pk_error_clear(&e);
    cr_assert_eq(pk_cvm_confirm_patch(c, "..", hash, PK_TX_ALREADY_REGISTERED, &r, &e), -1);
    cr_assert_eq(e.kind, PK_ERR_INVALID_ARG);
    pk_error_clear(&e);
    cr_assert_eq(pk_cvm_is_allowed(c, ".", hash, NULL, &a, &e), -1);
    cr_assert_eq(e.kind, PK_ERR_INVALID_ARG);
    pk_error_clear(&e);
    cr_assert_eq(sim_stat("total"), 0, "nothing reached the server");
    pk_client_free(c);
}
