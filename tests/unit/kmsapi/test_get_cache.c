/* test_get_cache.c — the GET cache's rule (net/pkx_get_cache.h): 2xx answers only, a lifetime,
 * nothing served or stored for an object once written (an answer in flight during the write
 * included, and entries naming the written id), single flight for concurrent identical GETs, a new
 * snapshot on demand, and a bound on what is kept. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/pkx_get_cache.h"

static void put(pkx_get_cache *gc, const char *key, const char *object, int status,
                const char *body)
{
    pkx_cached out;
    int ticket;
    cr_assert_eq(pkx_get_cache_lookup(gc, key, object, NULL, 0, &out, &ticket), 0);
    cr_assert_neq(ticket, 0);
    pkx_cached a = {status, (char *)body, strlen(body), NULL};
    pkx_get_cache_done(gc, key, ticket, &a);
}

/* 1 when key is served from the cache (a miss is ended as a failure: nothing stored). */
static int served(pkx_get_cache *gc, const char *key, const char *object, const char *body)
{
    pkx_cached out;
    int ticket;
    int hit = pkx_get_cache_lookup(gc, key, object, NULL, 0, &out, &ticket);
    if (hit) {
        cr_assert_str_eq(out.body, body);
        pkx_cached_free(&out);
    } else {
        pkx_get_cache_done(gc, key, ticket, NULL);
    }
    return hit;
}

Test(get_cache, answers_once_then_expires)
{
    pkx_get_cache *gc = pkx_get_cache_new(200);
    put(gc, "u1", "kms/base", 200, "{\"a\":1}");
    cr_assert(served(gc, "u1", "kms/base", "{\"a\":1}"));
    cr_assert_not(served(gc, "u2", "kms/base", ""), "another key is another entry");
    usleep(300 * 1000);
    cr_assert_not(served(gc, "u1", "kms/base", ""), "expired");
    pkx_get_cache_free(gc);
}

Test(get_cache, never_stores_errors)
{
    pkx_get_cache *gc = pkx_get_cache_new(10000);
    put(gc, "u1", "kms/x", 404, "{}");
    cr_assert_not(served(gc, "u1", "kms/x", ""));
    pkx_cached out;
    int ticket;
    cr_assert_eq(pkx_get_cache_lookup(gc, "u3", "kms/x", NULL, 0, &out, &ticket), 0);
    pkx_get_cache_done(gc, "u3", ticket, NULL); /* transport error */
    cr_assert_not(served(gc, "u3", "kms/x", ""));
    pkx_get_cache_free(gc);
}

Test(get_cache, a_write_ends_caching_of_its_object)
{
    pkx_get_cache *gc = pkx_get_cache_new(10000);
    put(gc, "cvm-a", "cvms/cvm_a", 200, "{\"id\":\"cvm_a\"}");
    put(gc, "cvm-a-compose", "cvms/cvm_a", 200, "{}");
    put(gc, "cvm-b", "cvms/cvm_b", 200, "{\"id\":\"cvm_b\"}");
    put(gc, "cvm-a1", "cvms/cvm_a1", 200, "{\"id\":\"cvm_a1\"}"); /* cvm_a is only a prefix */
    /* another spelling of cvm_a (its app id) whose body names it */
    put(gc, "cvm-a-by-app", "cvms/app_0a", 200, "{\"id\":\"cvm_a\",\"app_id\":\"0a\"}");
    pkx_get_cache_wrote(gc, "cvms/cvm_a");
    cr_assert_not(served(gc, "cvm-a", "cvms/cvm_a", ""));
    cr_assert_not(served(gc, "cvm-a-compose", "cvms/cvm_a", ""));
    cr_assert_not(served(gc, "cvm-a-by-app", "cvms/app_0a", ""), "names the written CVM");
    cr_assert(served(gc, "cvm-b", "cvms/cvm_b", "{\"id\":\"cvm_b\"}"), "other objects stay");
    cr_assert(served(gc, "cvm-a1", "cvms/cvm_a1", "{\"id\":\"cvm_a1\"}"), "another CVM");
    /* and from now on: never stored (the wait's polls) — the lookup says so at once */
    pkx_cached out;
    int ticket = -1;
    cr_assert_eq(pkx_get_cache_lookup(gc, "cvm-a", "cvms/cvm_a", NULL, 0, &out, &ticket), 0);
    cr_assert_eq(ticket, 0, "an answer for a written object would be stored");
    pkx_cached a = {200, (char *)"{}", 2, NULL};
    pkx_get_cache_done(gc, "cvm-a", ticket, &a);
    cr_assert_not(served(gc, "cvm-a", "cvms/cvm_a", ""));
    put(gc, "cvm-a-by-app", "cvms/app_0a", 200, "{\"id\":\"cvm_a\"}");
    cr_assert_not(served(gc, "cvm-a-by-app", "cvms/app_0a", ""));
    pkx_get_cache_free(gc);
}

Test(get_cache, an_answer_in_flight_during_a_write_is_not_stored)
{
    pkx_get_cache *gc = pkx_get_cache_new(10000);
    pkx_cached out;
    int ticket;
    cr_assert_eq(pkx_get_cache_lookup(gc, "cvm-a", "cvms/cvm_a", NULL, 0, &out, &ticket), 0);
    pkx_get_cache_wrote(gc, "cvms/cvm_a"); /* the write starts while the GET is out */
    pkx_cached a = {200, (char *)"{\"status\":\"old\"}", 16, NULL};
    pkx_get_cache_done(gc, "cvm-a", ticket, &a);
    cr_assert_not(served(gc, "cvm-a", "cvms/cvm_a", ""));
    pkx_get_cache_free(gc);
}

typedef struct {
    pkx_get_cache *gc;
    int hit;
} waiter;

static void *wait_for_it(void *arg)
{
    waiter *w = arg;
    pkx_cached out;
    int ticket;
    w->hit = pkx_get_cache_lookup(w->gc, "k", "kms/base", NULL, 0, &out, &ticket);
    if (w->hit) {
        cr_assert_str_eq(out.body, "leader's");
        pkx_cached_free(&out);
    } else {
        pkx_get_cache_done(w->gc, "k", ticket, NULL);
    }
    return NULL;
}

Test(get_cache, concurrent_identical_gets_wait_for_the_first)
{
    pkx_get_cache *gc = pkx_get_cache_new(10000);
    pkx_cached out;
    int ticket;
    cr_assert_eq(pkx_get_cache_lookup(gc, "k", "kms/base", NULL, 0, &out, &ticket), 0);
    waiter w[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (waiter){gc, -1};
        pthread_create(&th[i], NULL, wait_for_it, &w[i]);
    }
    usleep(100 * 1000); /* they are waiting, not sending */
    pkx_cached a = {200, (char *)"leader's", 8, NULL};
    pkx_get_cache_done(gc, "k", ticket, &a);
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        cr_assert_eq(w[i].hit, 1, "waiter %d sent its own request", i);
    }
    pkx_get_cache_free(gc);
}

Test(get_cache, a_failed_first_lets_each_waiter_send)
{
    pkx_get_cache *gc = pkx_get_cache_new(10000);
    pkx_cached out;
    int ticket;
    cr_assert_eq(pkx_get_cache_lookup(gc, "k", "kms/base", NULL, 0, &out, &ticket), 0);
    waiter w = {gc, -1};
    pthread_t th;
    pthread_create(&th, NULL, wait_for_it, &w);
    usleep(50 * 1000);
    pkx_get_cache_done(gc, "k", ticket, NULL);
    pthread_join(th, NULL);
    cr_assert_eq(w.hit, 0);
    pkx_get_cache_free(gc);
}

Test(get_cache, forget_starts_a_new_snapshot)
{
    pkx_get_cache *gc = pkx_get_cache_new(10000);
    put(gc, "k", "kms/base", 200, "{}");
    pkx_cached out;
    int ticket;
    cr_assert_eq(pkx_get_cache_lookup(gc, "k2", "kms/base", NULL, 0, &out, &ticket), 0);
    pkx_get_cache_wrote(gc, "cvms/cvm_a");
    pkx_get_cache_forget(gc);
    cr_assert_not(served(gc, "k", "kms/base", ""), "an answer of the old snapshot");
    pkx_cached a = {200, (char *)"old", 3, NULL};
    pkx_get_cache_done(gc, "k2", ticket, &a); /* in flight across the new start */
    cr_assert_not(served(gc, "k2", "kms/base", ""), "stored across the new start");
    cr_assert_eq(pkx_get_cache_lookup(gc, "c", "cvms/cvm_a", NULL, 0, &out, &ticket), 0);
    cr_assert_eq(ticket, 0, "a written object stays uncached");
    put(gc, "k", "kms/base", 200, "{}");
    cr_assert(served(gc, "k", "kms/base", "{}"));
    pkx_get_cache_free(gc);
}

Test(get_cache, bounded_the_oldest_answers_make_room)
{
    pkx_get_cache *gc = pkx_get_cache_new(60000);
    char key[32];
    for (int i = 0; i < 2100; i++) {
        snprintf(key, sizeof key, "k%d", i);
        put(gc, key, "kms/base", 200, key);
    }
    cr_assert_not(served(gc, "k0", "kms/base", ""), "the oldest went");
    cr_assert(served(gc, "k2099", "kms/base", "k2099"), "the newest stays");
    cr_assert(served(gc, "k100", "kms/base", "k100"));
    pkx_get_cache_free(gc);
}
