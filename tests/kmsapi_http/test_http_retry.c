/* test_http_retry.c — the retry policy over HTTP: Retry-After honoured (elapsed time measured),
 * 409 retried only without error_code, 5xx retried for GET but not PATCH, the max_retries bound,
 * the per-call deadline (between attempts and inside a slow attempt), and cancellation from another
 * thread (during a transfer and during a retry wait). */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

static void start(void)
{
    sim_start(NULL);
}
TestSuite(http_retry, .init = start, .fini = sim_stop, .timeout = 60);

Test(http_retry, retry_after_is_honoured)
{
    pk_client *c = client_new(KEY, 5, 0, NULL);
    sim_fault("{\"count\":2,\"status\":503,\"retry_after\":\"1\",\"path_prefix\":\"/api/v1/kms\"}");
    sim_stats_reset();
    pk_kms_info k;
    pk_error e = {0};
    double t0 = now_s();
    cr_assert_eq(pk_kms_info_fetch(c, "kms_base01", &k, &e), 0, "%s", pk_error_message(&e));
    double took = now_s() - t0;
    cr_assert_geq(took, 2.0, "two Retry-After: 1 waits, took %.3f s", took);
    cr_assert_lt(took, 4.0, "took %.3f s", took);
    cr_assert_eq(sim_stat("GET /kms/{id}"), 3);
    pk_kms_info_free(&k);
    pk_client_free(c);
}

Test(http_retry, retry_after_http_date_is_honoured)
{
    pk_client *c = client_new(KEY, 5, 0, NULL);
    char date[64], fault[256];
    time_t when = time(NULL) + 2;
    struct tm tm;
    gmtime_r(&when, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    snprintf(fault, sizeof fault,
             "{\"count\":1,\"status\":429,\"retry_after\":\"%s\",\"path_prefix\":\"/api/v1/kms\"}",
             date);
    sim_fault(fault);
    pk_kms_info k;
    pk_error e = {0};
    double t0 = now_s();
    cr_assert_eq(pk_kms_info_fetch(c, "kms_base01", &k, &e), 0, "%s", pk_error_message(&e));
    double took = now_s() - t0;
    cr_assert_geq(took, 0.9, "date one to two seconds ahead, took %.3f s", took);
    cr_assert_lt(took, 3.5, "took %.3f s", took);
    pk_kms_info_free(&k);
    pk_client_free(c);
}

Test(http_retry, patch_retries_409_without_error_code)
{
    pk_client *c = client_new(KEY, 3, 0, NULL);
    pk_cvm v;
    pk_error e = {0};
    cr_assert_eq(pk_cvm_fetch(c, PHALA_CVM, &v, &e), 0);
    pk_env_var var = {"API_KEY", "x", 1};
    char *hex, err[128];
    cr_assert_eq(pk_encrypt_env(&var, 1, pk_cvm_env_pubkey(&v), &hex, err, sizeof err), 0);
    sim_fault("{\"count\":1,\"status\":409,\"retry_after\":\"0\",\"path_prefix\":\"/api/v1/cvms\","
              "\"body\":\"{\\\"detail\\\":\\\"Another operation is in progress\\\"}\"}");
    sim_stats_reset();
    const char *keys[] = {"API_KEY"};
    pk_envs_update_result r;
    cr_assert_eq(pk_cvm_envs_update(c, PHALA_CVM, hex, keys, 1, NULL, NULL, &r, &e), 0, "%s",
                 pk_error_message(&e));
    cr_assert_eq(r.status, PK_ENVS_IN_PROGRESS);
    cr_assert_eq(sim_stat("PATCH /cvms/{id}/envs"), 2);
    pk_envs_update_result_free(&r);
    free(hex);
    pk_cvm_free(&v);
    pk_client_free(c);
}

Test(http_retry, no_retry_on_409_with_error_code)
{
    pk_client *c = client_new(KEY, 5, 0, NULL);
    sim_fault(
        "{\"count\":3,\"status\":409,\"retry_after\":\"0\",\"path_prefix\":\"/api/v1/cvms\","
        "\"body\":\"{\\\"error_code\\\":\\\"ERR-01-004\\\",\\\"message\\\":\\\"Duplicate\\\"}\"}");
    sim_stats_reset();
    const char *keys[] = {"A"};
    pk_envs_update_result r;
    pk_error e = {0};
    double t0 = now_s();
    cr_assert_eq(pk_cvm_envs_update(c, PHALA_CVM, "abcd", keys, 1, NULL, NULL, &r, &e), -1);
    cr_assert_lt(now_s() - t0, 0.5);
    cr_assert_eq(e.http_status, 409);
    cr_assert_str_eq(e.error_code, "ERR-01-004");
    cr_assert_eq(e.attempts, 1);
    cr_assert_eq(sim_stat("PATCH /cvms/{id}/envs"), 1);
    cr_assert(strstr(pk_error_message(&e), "the API refused the request (HTTP 409): Duplicate"));
    pk_error_clear(&e);
    pk_client_free(c);
}

Test(http_retry, server_errors_retried_for_get_only)
{
    pk_client *c = client_new(KEY, 3, 0, NULL);
    sim_fault("{\"count\":1,\"status\":502,\"retry_after\":\"0\",\"path_prefix\":\"/api/v1/kms\"}");
    pk_kms_info k;
    pk_error e = {0};
    cr_assert_eq(pk_kms_info_fetch(c, "kms_base01", &k, &e), 0, "%s", pk_error_message(&e));
    pk_kms_info_free(&k);

    sim_fault(
        "{\"count\":3,\"status\":500,\"retry_after\":\"0\",\"path_prefix\":\"/api/v1/cvms\"}");
    sim_stats_reset();
    const char *keys[] = {"A"};
    pk_envs_update_result r;
    cr_assert_eq(pk_cvm_envs_update(c, PHALA_CVM, "abcd", keys, 1, NULL, NULL, &r, &e), -1);
    cr_assert_eq(e.http_status, 500);
    cr_assert_eq(e.attempts, 1);
    cr_assert_eq(sim_stat("PATCH /cvms/{id}/envs"), 1);
    cr_assert(strstr(pk_error_message(&e), "HTTP 500"));
    pk_error_clear(&e);
    pk_client_free(c);
}

Test(http_retry, max_retries_bounds_the_attempts)
{
    pk_client *c = client_new(KEY, 2, 0, NULL);
    sim_fault(
        "{\"count\":10,\"status\":429,\"retry_after\":\"0\",\"path_prefix\":\"/api/v1/kms\"}");
    pk_kms_info k;
    pk_error e = {0};
    cr_assert_eq(pk_kms_info_fetch(c, "kms_base01", &k, &e), -1);
    cr_assert_eq(e.http_status, 429);
    cr_assert_eq(e.attempts, 3);
    cr_assert(strstr(pk_error_message(&e), "rate limited by the API (HTTP 429) after 3 attempt(s)"),
              "%s", pk_error_message(&e));
    assert_no_key(&e);
    pk_error_clear(&e);
    pk_client_free(c);
}

Test(http_retry, deadline_stops_retrying)
{
    pk_client *c = client_new(KEY, 30, 2500, NULL);
    sim_fault(
        "{\"count\":50,\"status\":503,\"retry_after\":\"1\",\"path_prefix\":\"/api/v1/kms\"}");
    pk_kms_info k;
    pk_error e = {0};
    double t0 = now_s();
    cr_assert_eq(pk_kms_info_fetch(c, "kms_base01", &k, &e), -1);
    double took = now_s() - t0;
    cr_assert_lt(took, 3.0, "took %.3f s", took);
    cr_assert_eq(e.http_status, 503);
    cr_assert_geq(e.attempts, 2);
    cr_assert_leq(e.attempts, 3);
    pk_error_clear(&e);
    pk_client_free(c);
}

Test(http_retry, deadline_cuts_a_slow_answer)
{
    pk_client *c = client_new(KEY, 5, 800, NULL);
    sim_fault("{\"count\":1,\"status\":200,\"latency_ms\":3000,\"path_prefix\":\"/api/v1/kms\"}");
    pk_kms_info k;
    pk_error e = {0};
    double t0 = now_s();
    cr_assert_eq(pk_kms_info_fetch(c, "kms_base01", &k, &e), -1);
    double took = now_s() - t0;
    cr_assert_eq(e.kind, PK_ERR_TIMEOUT, "%s", pk_error_message(&e));
    cr_assert_lt(took, 1.2, "took %.3f s", took);
    cr_assert_geq(took, 0.75);
    cr_assert(strstr(pk_error_message(&e), "did not answer in time"), "%s", pk_error_message(&e));
    pk_error_clear(&e);
    pk_client_free(c);
}

struct canceller {
    pk_cancel *tok;
    int delay_ms;
    double fired_at;
};

static void *cancel_later(void *arg)
{
    struct canceller *k = arg;
    struct timespec ts = {k->delay_ms / 1000, (k->delay_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    k->fired_at = now_s();
    pk_cancel_trigger(k->tok);
    return NULL;
}

Test(http_retry, cancel_during_a_transfer_returns_promptly)
{
    pk_cancel *tok;
    pk_cancel_new(&tok);
    pk_client *c = client_new(KEY, 5, 0, tok);
    sim_fault("{\"count\":1,\"status\":200,\"latency_ms\":5000,\"path_prefix\":\"/api/v1/kms\"}");
    struct canceller k = {tok, 300, 0};
    pthread_t th;
    pthread_create(&th, NULL, cancel_later, &k);
    pk_kms_info info;
    pk_error e = {0};
    cr_assert_eq(pk_kms_info_fetch(c, "kms_base01", &info, &e), -1);
    double done = now_s();
    pthread_join(th, NULL);
    cr_assert_eq(e.kind, PK_ERR_CANCELLED, "%s", pk_error_message(&e));
    cr_assert_lt(done - k.fired_at, 0.2, "returned %.3f s after cancel", done - k.fired_at);
    pk_error_clear(&e);
    pk_client_free(c);
    pk_cancel_free(tok);
}

Test(http_retry, cancel_during_a_retry_wait_returns_promptly)
{
    pk_cancel *tok;
    pk_cancel_new(&tok);
    pk_client *c = client_new(KEY, 5, 0, tok);
    sim_fault(
        "{\"count\":5,\"status\":503,\"retry_after\":\"10\",\"path_prefix\":\"/api/v1/kms\"}");
    struct canceller k = {tok, 400, 0};
    pthread_t th;
    pthread_create(&th, NULL, cancel_later, &k);
    pk_kms_info info;
    pk_error e = {0};
    cr_assert_eq(pk_kms_info_fetch(c, "kms_base01", &info, &e), -1);
    double done = now_s();
    pthread_join(th, NULL);
    cr_assert_eq(e.kind, PK_ERR_CANCELLED, "%s", pk_error_message(&e));
    cr_assert_eq(e.attempts, 1);
    cr_assert_lt(done - k.fired_at, 0.2, "returned %.3f s after cancel", done - k.fired_at);
    pk_error_clear(&e);
    pk_client_free(c);
    pk_cancel_free(tok);
}
