/* test_http_handles.c — each thread keeps its libcurl handles between requests (net/curl_common.c):
 * after a thread's first request, more requests create no easy handle and no multi (each new one
 * costs a c-ares channel that reads resolv.conf again), and a thread that ends frees its handles.
 * kmsapi_http is linked with --wrap for curl_easy_init, curl_multi_init and their cleanups, so
 * these count every call on the calling thread — libcurl's own (a multi's closure handle) too. */
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>

#include "harness.h"

CURL *__real_curl_easy_init(void);
CURLM *__real_curl_multi_init(void);
void __real_curl_easy_cleanup(CURL *h);
CURLMcode __real_curl_multi_cleanup(CURLM *m);
CURL *__wrap_curl_easy_init(void);
CURLM *__wrap_curl_multi_init(void);
void __wrap_curl_easy_cleanup(CURL *h);
CURLMcode __wrap_curl_multi_cleanup(CURLM *m);

static __thread int easy_inits, multi_inits, easy_cleanups, multi_cleanups;
static atomic_int ended_multi_cleanups; /* every thread's, also those that ended */

CURL *__wrap_curl_easy_init(void)
{
    easy_inits++;
    return __real_curl_easy_init();
}

CURLM *__wrap_curl_multi_init(void)
{
    multi_inits++;
    return __real_curl_multi_init();
}

void __wrap_curl_easy_cleanup(CURL *h)
{
    if (h) easy_cleanups++;
    __real_curl_easy_cleanup(h);
}

CURLMcode __wrap_curl_multi_cleanup(CURLM *m)
{
    if (m) multi_cleanups++, atomic_fetch_add(&ended_multi_cleanups, 1);
    return __real_curl_multi_cleanup(m);
}

static void start(void)
{
    sim_start(NULL);
}
TestSuite(http_handles, .init = start, .fini = sim_stop, .timeout = 60);

static int fetch(pk_client *c, int i)
{
    pk_kms_info k;
    pk_error e = {0};
    int rc = pk_kms_info_fetch(c, i % 2 ? "kms_base01" : "phala-prod1", &k, &e);
    if (rc == 0) pk_kms_info_free(&k);
    pk_error_clear(&e);
    return rc;
}

Test(http_handles, a_thread_reuses_its_handles)
{
    pk_client *c = client_new(KEY, 0, 0, NULL);
    cr_assert_eq(fetch(c, 0), 0);
    cr_assert_geq(easy_inits, 1, "the first request made the thread's handles");
    cr_assert_geq(multi_inits, 1);
    sim_stats_reset(); /* the harness's admin calls make handles of their own: not counted */
    easy_inits = multi_inits = easy_cleanups = multi_cleanups = 0;
    for (int i = 0; i < 10; i++) cr_assert_eq(fetch(c, i), 0, "request %d", i);
    int made = easy_inits + multi_inits, freed = easy_cleanups + multi_cleanups;
    cr_assert_eq(sim_stat("total"), 10, "every request reached the simulator");
    cr_assert_eq(made, 0, "handles made by 10 more requests: %d", made);
    cr_assert_eq(freed, 0, "handles freed by 10 more requests: %d", freed);
    pk_client_free(c);
}

typedef struct {
    pk_client *c;
    int failed, easy_inits, multi_inits;
} thread_result;

static void *thread_requests(void *arg)
{
    thread_result *r = arg;
    for (int i = 0; i < 5; i++) r->failed += fetch(r->c, i) != 0;
    r->easy_inits = easy_inits;
    r->multi_inits = multi_inits;
    return NULL;
}

Test(http_handles, each_thread_has_its_own_and_frees_them_at_its_end)
{
    pk_client *c = client_new(KEY, 0, 0, NULL);
    cr_assert_eq(fetch(c, 0), 0); /* the process-wide share made here, not in a thread */
    thread_result r[3] = {{.c = c}, {.c = c}, {.c = c}};
    pthread_t th[3];
    atomic_store(&ended_multi_cleanups, 0);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(pthread_create(&th[i], NULL, thread_requests, &r[i]), 0);
    for (int i = 0; i < 3; i++) pthread_join(th[i], NULL);
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(r[i].failed, 0, "thread %d: a request failed", i);
        /* its easy handle and its multi's closure handle: never one per request */
        cr_assert(r[i].easy_inits >= 1 && r[i].easy_inits <= 2,
                  "thread %d: %d easy handles for 5 requests", i, r[i].easy_inits);
        cr_assert_eq(r[i].multi_inits, 1, "thread %d: %d multis", i, r[i].multi_inits);
    }
    /* each ended thread cleaned its multi up (after its function returned) */
    cr_assert_eq(atomic_load(&ended_multi_cleanups), 3, "multis freed by ended threads: %d",
                 atomic_load(&ended_multi_cleanups));
    pk_client_free(c);
}
