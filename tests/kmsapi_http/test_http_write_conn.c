/* test_http_write_conn.c — writes on warm connections: a PATCH reuses the connection the reads
 * opened (no handshake per write), and a connection that dies under a write without a byte of
 * answer never makes libcurl send the write a second time (the call fails with an unknown
 * outcome instead), while a GET in the same situation is sent again. Counted by the simulator. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static void start(void)
{
    sim_start(NULL);
}
TestSuite(http_write_conn, .init = start, .fini = sim_stop, .timeout = 60);

/* The env of the Phala-KMS CVM, encrypted for its key (the sim accepts it at once). */
static char *phala_env(pk_client *c)
{
    pk_cvm v;
    pk_error e = {0};
    cr_assert_eq(pk_cvm_fetch(c, PHALA_CVM, &v, &e), 0, "%s", pk_error_message(&e));
    pk_env_var var = {(char *)"API_KEY", (char *)"x", 1};
    char *hex = NULL;
    cr_assert_eq(pk_encrypt_env(&var, 1, pk_cvm_env_pubkey(&v), &hex, NULL, 0), 0);
    pk_cvm_free(&v);
    return hex;
}

static int patch(pk_client *c, const char *hex, pk_error *e)
{
    const char *keys[] = {"API_KEY"};
    pk_envs_update_result r = {0};
    int rc = pk_cvm_patch_env(c, PHALA_CVM, hex, keys, 1, false, &r, e);
    pk_envs_update_result_free(&r);
    return rc;
}

static double updates(void)
{
    cJSON *j = NULL;
    cr_assert_eq(sim_admin("GET", "/_sim/envs/" PHALA_CVM, NULL, &j), 200);
    double n = cJSON_GetObjectItemCaseSensitive(j, "updates")->valuedouble;
    cJSON_Delete(j);
    return n;
}

Test(http_write_conn, writes_reuse_the_warm_connection)
{
    pk_client *c = client_new(KEY, 0, 0, NULL);
    char *hex = phala_env(c);
    sim_stats_reset();
    for (int i = 0; i < 5; i++) {
        pk_cvm v;
        pk_error e = {0};
        cr_assert_eq(pk_cvm_fetch(c, PHALA_CVM, &v, &e), 0, "%s", pk_error_message(&e));
        pk_cvm_free(&v);
        cr_assert_eq(patch(c, hex, &e), 0, "%s", pk_error_message(&e));
    }
    cr_assert_eq(sim_stat("PATCH /cvms/{id}"), 5);
    cr_assert_eq(sim_stat("total"), 10);
    cr_assert_eq(sim_stat("connections"), 1, "5 reads and 5 writes took %.0f connections",
                 sim_stat("connections"));
    free(hex);
    pk_client_free(c);
}

/* drop: the server closes the connection on receiving the request (it never ran it);
 * apply_drop: it runs it, then closes without answering. The client cannot tell them apart. */
static void dropped_write_sent_once(const char *mode, double applied)
{
    pk_client *c = client_new(KEY, 3, 0, NULL); /* retries allowed: still not for a write */
    char *hex = phala_env(c);
    double before = updates();
    for (int i = 0; i < 3; i++) {
        sim_stats_reset();
        pk_cvm v;
        pk_error e = {0};
        /* warm: the read leaves its connection in the pool, the write takes it */
        cr_assert_eq(pk_cvm_fetch(c, PHALA_CVM, &v, &e), 0, "%s", pk_error_message(&e));
        pk_cvm_free(&v);
        char spec[160];
        snprintf(spec, sizeof spec,
                 "{\"mode\":\"%s\",\"method\":\"PATCH\",\"path_prefix\":\"/api/v1/cvms/\"}", mode);
        sim_fault(spec);
        cr_assert_eq(patch(c, hex, &e), -1, "%s: the write succeeded, so it was sent again", mode);
        cr_assert(e.request_sent);
        cr_assert(pk_error_outcome_unknown(&e), "%s", pk_error_message(&e));
        assert_no_key(&e);
        pk_error_clear(&e);
        cr_assert_eq(sim_stat("PATCH /cvms/{id}"), 1, "%s: the write reached the server %.0f times",
                     mode, sim_stat("PATCH /cvms/{id}"));
        cr_assert_eq(sim_stat("connections"), 1, "the write went on the warm connection");
    }
    cr_assert_eq(updates() - before, 3 * applied);
    /* the next write finds a fresh connection and goes through */
    pk_error e = {0};
    cr_assert_eq(patch(c, hex, &e), 0, "%s", pk_error_message(&e));
    free(hex);
    pk_client_free(c);
}

Test(http_write_conn, a_write_dropped_unanswered_is_never_sent_twice)
{
    dropped_write_sent_once("drop", 0);
}

Test(http_write_conn, a_write_applied_then_dropped_is_never_sent_twice)
{
    dropped_write_sent_once("apply_drop", 1);
}

Test(http_write_conn, a_dropped_read_is_sent_again)
{
    pk_client *c = client_new(KEY, 0, 0, NULL); /* no retries of our own: libcurl's re-send */
    pk_cvm v;
    pk_error e = {0};
    cr_assert_eq(pk_cvm_fetch(c, PHALA_CVM, &v, &e), 0);
    pk_cvm_free(&v);
    sim_stats_reset();
    sim_fault("{\"mode\":\"drop\",\"method\":\"GET\",\"path_prefix\":\"/api/v1/cvms/\"}");
    cr_assert_eq(pk_cvm_fetch(c, PHALA_CVM, &v, &e), 0, "%s", pk_error_message(&e));
    pk_cvm_free(&v);
    cr_assert_eq(sim_stat("GET /cvms/{id}"), 2);
    pk_client_free(c);
}
