/* test_http_connections.c — connection reuse through the process-wide libcurl share: sequential
 * calls from one client use one connection; several clients in several threads share a small pool
 * (counted by the simulator's /_sim/stats). */
#include <criterion/criterion.h>
#include <pthread.h>

#include "harness.h"

static void start(void)
{
    sim_start(NULL);
}
TestSuite(http_connections, .init = start, .fini = sim_stop, .timeout = 60);

Test(http_connections, sequential_calls_reuse_one_connection)
{
    pk_client *c = client_new(KEY, 0, 0, NULL);
    sim_stats_reset();
    for (int i = 0; i < 20; i++) {
        pk_kms_info k;
        pk_error e = {0};
        cr_assert_eq(pk_kms_info_fetch(c, i % 2 ? "kms_base01" : "phala-prod1", &k, &e), 0, "%s",
                     pk_error_message(&e));
        pk_kms_info_free(&k);
        pk_cvm v;
        cr_assert_eq(pk_cvm_fetch(c, PHALA_CVM, &v, &e), 0);
        pk_cvm_free(&v);
    }
    cr_assert_eq(sim_stat("total"), 40);
    cr_assert_eq(sim_stat("connections"), 1);
    pk_client_free(c);
    /* a new client in the same process still finds the pooled connection */
    c = client_new(KEY, 0, 0, NULL);
    pk_kms_info k;
    cr_assert_eq(pk_kms_info_fetch(c, "kms_base01", &k, NULL), 0);
    pk_kms_info_free(&k);
    cr_assert_eq(sim_stat("connections"), 1);
    pk_client_free(c);
}

static void *worker(void *arg)
{
    pk_client *c = arg;
    for (int i = 0; i < 25; i++) {
        pk_kms_info k;
        pk_error e = {0};
        if (pk_kms_info_fetch(c, "kms_base01", &k, &e) != 0) {
            pk_error_clear(&e);
            return (void *)1;
        }
        pk_kms_info_free(&k);
    }
    return NULL;
}

Test(http_connections, threads_share_a_small_pool)
{
    pk_client *c = client_new(KEY, 0, 0, NULL);
    sim_stats_reset();
    pthread_t th[4];
    for (int i = 0; i < 4; i++) pthread_create(&th[i], NULL, worker, c);
    for (int i = 0; i < 4; i++) {
        void *rc;
        pthread_join(th[i], &rc);
        cr_assert_null(rc, "a worker call failed");
    }
    cr_assert_eq(sim_stat("total"), 100);
    double conns = sim_stat("connections");
    cr_assert_leq(conns, 4, "connections %.0f", conns);
    cr_assert_geq(conns, 1);
    pk_client_free(c);
}
