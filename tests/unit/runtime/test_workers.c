/* test_workers.c — the handler pool runs every call of a burst at once (up to its maximum),
 * whatever the timing of wake-ups: each burst's handlers wait at a barrier that opens only when all
 * of them run together (or fails after a deadline). Bursts of changing sizes follow each other, so
 * idle workers from the last burst meet a bigger one — where a pool that counted a woken worker
 * busy only once it ran queued calls behind it instead of starting threads. */
#include <criterion/criterion.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "workers.h"

#define BARRIER_WAIT_S 5 /* all handlers of a burst start within microseconds; generous */

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int arrived, expected; /* handlers of this burst that started; its size */
    int in_flight, peak;
} B = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

/* Waits until `expected` handlers run at the same time; OK if they did within the deadline. */
static int barrier_handler(const uint8_t *req, size_t len, tf_buf *resp)
{
    (void)req, (void)len, (void)resp;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += BARRIER_WAIT_S;
    pthread_mutex_lock(&B.mu);
    B.arrived++;
    if (++B.in_flight > B.peak) B.peak = B.in_flight;
    pthread_cond_broadcast(&B.cv);
    while (B.arrived < B.expected && pthread_cond_timedwait(&B.cv, &B.mu, &until) == 0) {
    }
    bool together = B.arrived >= B.expected;
    B.in_flight--;
    pthread_mutex_unlock(&B.mu);
    return together ? RPC_STATUS_OK : RPC_STATUS_INTERNAL;
}

static const rpc_method barrier_method = {"/test.Pool/Barrier", barrier_handler, false, false};

static rpc_call *new_call(void)
{
    rpc_call *c = calloc(1, sizeof *c);
    cr_assert_not_null(c);
    c->method = &barrier_method;
    static const uint8_t empty[5] = {0};
    tf_buf_put(&c->body, empty, sizeof empty); /* a gRPC prefix, no message */
    return c;
}

/* Submits n calls that must all run at once; collects the n answers and counts the OK ones. */
static int burst(int efd, int n, int must_meet)
{
    pthread_mutex_lock(&B.mu);
    B.arrived = 0;
    B.expected = must_meet;
    pthread_mutex_unlock(&B.mu);
    for (int i = 0; i < n; i++) workers_submit(new_call());
    int answered = 0, ok = 0;
    while (answered < n) {
        struct pollfd p = {.fd = efd, .events = POLLIN};
        cr_assert_gt(poll(&p, 1, (BARRIER_WAIT_S * 3 + 10) * 1000), 0, "no answer came back");
        for (rpc_call *c = workers_take(), *next; c; c = next) {
            next = c->next;
            answered++;
            ok += c->status == RPC_STATUS_OK;
            cr_assert_null(c->body.data, "the request bytes are wiped once handled");
            rpc_call_free(c);
        }
    }
    return ok;
}

Test(workers, every_call_of_a_burst_runs_at_once_whatever_ran_before)
{
    int efd = workers_init(16);
    cr_assert_geq(efd, 0);
    /* sizes go up and down: idle workers left by one burst meet a bigger or smaller next one */
    static const int sizes[] = {1, 2, 3, 5, 8, 13, 16, 1, 16, 2, 9, 4, 12, 16, 6, 15, 3, 16};
    for (int round = 0; round < 10; round++)
        for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
            int n = sizes[i];
            int ok = burst(efd, n, n);
            cr_assert_eq(ok, n, "round %d, burst of %d: only %d ran at once (%d queued)", round, n,
                         ok, n - ok);
        }
    cr_assert(workers_wait_idle(1000));
}

Test(workers, calls_beyond_the_maximum_wait_and_never_more_than_it_run)
{
    int efd = workers_init(6);
    cr_assert_geq(efd, 0);
    for (int round = 0; round < 10; round++) {
        pthread_mutex_lock(&B.mu);
        B.peak = 0;
        pthread_mutex_unlock(&B.mu);
        /* 9 calls, 6 threads: the first 6 meet and return, then the last 3 run */
        int ok = burst(efd, 9, 6);
        pthread_mutex_lock(&B.mu);
        int peak = B.peak;
        pthread_mutex_unlock(&B.mu);
        cr_assert_eq(peak, 6, "round %d: %d calls ran at once, the maximum is 6", round, peak);
        cr_assert_eq(ok, 9, "round %d: %d of 9 calls found 6 running together", round, ok);
    }
}
