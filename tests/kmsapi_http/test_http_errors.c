/* test_http_errors.c — error answers over HTTP: wrong key (401 detail string), unknown ids (404
 * structured), injected 403/422/legacy bodies, malformed and truncated bodies (DECODE), dropped
 * connections, refused redirects; no error line ever carries the API key. */
#include <criterion/criterion.h>
#include <string.h>

#include "harness.h"

static void start(void)
{
    sim_start(NULL);
}
TestSuite(http_errors, .init = start, .fini = sim_stop, .timeout = 60);

Test(http_errors, wrong_key_is_401_with_an_actionable_line)
{
    pk_client *c = client_new("phak_wrong_key_0001", 0, 0, NULL);
    pk_kms_info k;
    pk_error e = {0};
    cr_assert_eq(pk_kms_info_fetch(c, "kms_base01", &k, &e), -1);
    cr_assert_eq(e.kind, PK_ERR_HTTP);
    cr_assert_eq(e.http_status, 401);
    cr_assert_str_eq(e.message, "Invalid API key");
    cr_assert_not_null(e.request_id, "X-Request-ID header kept");
    cr_assert(strstr(pk_error_message(&e), "check api_key / PHALA_CLOUD_API_KEY"));
    cr_assert_null(strstr(pk_error_message(&e), "phak_wrong_key_0001"));
    pk_error_clear(&e);
    pk_client_free(c);
}

Test(http_errors, unknown_ids_are_structured_404s)
{
    pk_client *c = client_new(KEY, 3, 0, NULL);
    pk_cvm v;
    pk_error e = {0};
    cr_assert_eq(pk_cvm_fetch(c, "cvm_nope", &v, &e), -1);
    cr_assert_eq(e.http_status, 404);
    cr_assert_eq(e.attempts, 1, "404 is not retried");
    cr_assert_str_eq(e.error_code, "ERR-03-001");
    cr_assert_not_null(e.request_id);
    cr_assert(strstr(pk_error_message(&e), "not found (HTTP 404)"));
    cr_assert(strstr(pk_error_message(&e), "[request_id: "));
    assert_no_key(&e);
    pk_kms_info k;
    cr_assert_eq(pk_kms_info_fetch(c, "kms_nope", &k, &e), -1);
    cr_assert_eq(e.http_status, 404);
    pk_error_clear(&e);
    pk_client_free(c);
}

Test(http_errors, injected_shapes_are_parsed)
{
    pk_client *c = client_new(KEY, 0, 0, NULL);
    pk_error e = {0};
    pk_kms_info k;

    sim_fault(
        "{\"count\":1,\"status\":403,\"body\":\"{\\\"detail\\\":\\\"Workspace forbidden\\\"}\"}");
    cr_assert_eq(pk_kms_info_fetch(c, "kms_base01", &k, &e), -1);
    cr_assert_eq(e.http_status, 403);
    cr_assert_str_eq(e.message, "Workspace forbidden");
    cr_assert(strstr(pk_error_message(&e), "permissions"));

    sim_fault(
        "{\"count\":1,\"status\":422,\"body\":\"{\\\"detail\\\":[{\\\"loc\\\":[\\\"body\\\","
        "\\\"env_keys\\\",0],\\\"msg\\\":\\\"bad key\\\",\\\"type\\\":\\\"value_error\\\"}]}\"}");
    cr_assert_eq(pk_kms_info_fetch(c, "kms_base01", &k, &e), -1);
    cr_assert_eq(e.http_status, 422);
    cr_assert_eq(e.n_fields, 1);
    cr_assert_str_eq(e.fields[0].loc, "body.env_keys.0");
    cr_assert(strstr(pk_error_message(&e), "body.env_keys.0: bad key"));

    sim_fault(
        "{\"count\":1,\"status\":400,\"body\":\"{\\\"detail\\\":{\\\"error_code\\\":"
        "\\\"ERR-9\\\",\\\"message\\\":\\\"wrapped\\\",\\\"request_id\\\":\\\"rid-w\\\"}}\"}");
    cr_assert_eq(pk_kms_info_fetch(c, "kms_base01", &k, &e), -1);
    cr_assert_str_eq(e.error_code, "ERR-9");
    cr_assert_str_eq(e.message, "wrapped");
    cr_assert_str_eq(e.request_id, "rid-w");

    sim_fault("{\"count\":1,\"status\":400,\"body\":\"<html>oops</html>\"}");
    cr_assert_eq(pk_kms_info_fetch(c, "kms_base01", &k, &e), -1);
    cr_assert_str_eq(e.message, "<html>oops</html>");
    assert_no_key(&e);
    pk_error_clear(&e);
    pk_client_free(c);
}

Test(http_errors, legacy_flat_465_is_a_precondition_result)
{
    pk_client *c = client_new(KEY, 0, 0, NULL);
    sim_fault("{\"count\":1,\"status\":465,\"path_prefix\":\"/api/v1/cvms\",\"body\":"
              "\"{\\\"message\\\":\\\"need hash\\\",\\\"compose_hash\\\":\\\"legacy_hash\\\","
              "\\\"app_id\\\":\\\"legacy_app\\\",\\\"device_id\\\":\\\"legacy_device\\\","
              "\\\"kms_info\\\":{\\\"id\\\":\\\"legacy_kms\\\"}}\"}");
    const char *keys[] = {"A"};
    pk_envs_update_result r;
    pk_error e = {0};
    cr_assert_eq(pk_cvm_envs_update(c, PHALA_CVM, "abcd", keys, 1, NULL, NULL, &r, &e), 0, "%s",
                 pk_error_message(&e));
    cr_assert_eq(r.status, PK_ENVS_PRECONDITION_REQUIRED);
    cr_assert_str_eq(r.precondition.compose_hash, "legacy_hash");
    cr_assert_str_eq(r.precondition.kms_info.id, "legacy_kms");
    cr_assert_str_eq(r.message, "need hash");
    cr_assert_not_null(r.request_id, "header request id when the body has none");
    pk_envs_update_result_free(&r);
    pk_client_free(c);
}

Test(http_errors, malformed_body_is_a_decode_error)
{
    pk_client *c = client_new(KEY, 3, 0, NULL);
    sim_fault("{\"count\":1,\"mode\":\"malformed\",\"path_prefix\":\"/api/v1/kms\"}");
    pk_kms_list l;
    pk_error e = {0};
    cr_assert_eq(pk_kms_list_fetch(c, PK_UNSET, 1, 10, &l, &e), -1);
    cr_assert_eq(e.kind, PK_ERR_DECODE, "%s", pk_error_message(&e));
    cr_assert_eq(e.http_status, 200);
    cr_assert_not_null(e.request_id);
    cr_assert(strstr(pk_error_message(&e), "kms_list: response is not valid JSON"), "%s",
              pk_error_message(&e));
    assert_no_key(&e);
    /* a 200 body of the wrong shape names the field */
    sim_fault("{\"count\":1,\"status\":200,\"path_prefix\":\"/api/v1/kms\",\"body\":"
              "\"{\\\"id\\\":\\\"k\\\",\\\"chain_id\\\":\\\"8453\\\"}\"}");
    pk_kms_info k;
    cr_assert_eq(pk_kms_info_fetch(c, "kms_base01", &k, &e), -1);
    cr_assert_eq(e.kind, PK_ERR_DECODE);
    cr_assert(strstr(pk_error_message(&e), "kms_info.chain_id: expected number or null"));
    pk_error_clear(&e);
    pk_client_free(c);
}

Test(http_errors, truncated_body_is_a_decode_error)
{
    pk_client *c = client_new(KEY, 1, 0, NULL);
    sim_fault("{\"count\":5,\"mode\":\"truncate\",\"path_prefix\":\"/api/v1/kms\"}");
    pk_kms_list l;
    pk_error e = {0};
    cr_assert_eq(pk_kms_list_fetch(c, PK_UNSET, 1, 10, &l, &e), -1);
    cr_assert_eq(e.kind, PK_ERR_DECODE, "%s", pk_error_message(&e));
    cr_assert(strstr(pk_error_message(&e), "truncated"), "%s", pk_error_message(&e));
    cr_assert_eq(e.attempts, 2, "a GET retries a truncated body once (max_retries 1)");
    pk_error_clear(&e);
    pk_client_free(c);
}

Test(http_errors, truncated_then_good_get_succeeds)
{
    pk_client *c = client_new(KEY, 2, 0, NULL);
    sim_fault("{\"count\":1,\"mode\":\"truncate\",\"path_prefix\":\"/api/v1/kms\"}");
    pk_kms_info k;
    pk_error e = {0};
    cr_assert_eq(pk_kms_info_fetch(c, "kms_base01", &k, &e), 0, "%s", pk_error_message(&e));
    pk_kms_info_free(&k);
    pk_client_free(c);
}

Test(http_errors, dropped_connection_retried_for_get_not_for_patch)
{
    pk_client *c = client_new(KEY, 2, 0, NULL);
    sim_fault("{\"count\":1,\"mode\":\"drop\",\"path_prefix\":\"/api/v1/kms\"}");
    pk_kms_info k;
    pk_error e = {0};
    cr_assert_eq(pk_kms_info_fetch(c, "kms_base01", &k, &e), 0, "%s", pk_error_message(&e));
    pk_kms_info_free(&k);

    sim_fault("{\"count\":3,\"mode\":\"drop\",\"path_prefix\":\"/api/v1/cvms\"}");
    const char *keys[] = {"A"};
    pk_envs_update_result r;
    sim_stats_reset();
    cr_assert_eq(pk_cvm_envs_update(c, PHALA_CVM, "abcd", keys, 1, NULL, NULL, &r, &e), -1);
    cr_assert_eq(e.kind, PK_ERR_NETWORK, "%s", pk_error_message(&e));
    cr_assert_eq(e.attempts, 1);
    cr_assert(strstr(pk_error_message(&e), "could not reach 127.0.0.1"), "%s",
              pk_error_message(&e));
    assert_no_key(&e);
    pk_error_clear(&e);
    pk_client_free(c);
}

Test(http_errors, redirect_is_refused)
{
    pk_client *c = client_new(KEY, 3, 0, NULL);
    sim_fault("{\"count\":1,\"mode\":\"redirect\",\"path_prefix\":\"/api/v1/kms\"}");
    pk_kms_info k;
    pk_error e = {0};
    cr_assert_eq(pk_kms_info_fetch(c, "kms_base01", &k, &e), -1);
    cr_assert_eq(e.kind, PK_ERR_REDIRECT);
    cr_assert_eq(e.http_status, 302);
    cr_assert_eq(e.attempts, 1);
    cr_assert(strstr(pk_error_message(&e), "redirect (HTTP 302), which is refused"), "%s",
              pk_error_message(&e));
    assert_no_key(&e);
    pk_error_clear(&e);
    pk_client_free(c);
}

Test(http_errors, server_echoing_the_key_is_scrubbed)
{
    pk_client *c = client_new(KEY, 0, 0, NULL);
    sim_fault("{\"count\":1,\"status\":400,\"body\":\"{\\\"error_code\\\":\\\"" KEY
              "\\\",\\\"message\\\":"
              "\\\"bad header X-API-Key: " KEY "\\\",\\\"request_id\\\":\\\"" KEY "\\\"}\"}");
    pk_kms_info k;
    pk_error e = {0};
    cr_assert_eq(pk_kms_info_fetch(c, "kms_base01", &k, &e), -1);
    assert_no_key(&e);
    cr_assert(strstr(e.message, "[REDACTED]"));
    pk_error_clear(&e);
    pk_client_free(c);
}
