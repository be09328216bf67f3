/* workers.c — the handler threads and the answered-call queue (see workers.h).
 *
 * Hand-off: a submitted call is given to an idle worker by counting that worker busy at once,
 * under the mutex (idle--, wakeups++); the worker itself never decrements idle. Counting at wake-up
 * instead let a burst of calls all see the same idle worker (it had not run yet) and queue behind
 * it while the pool could have started threads. So every queued call has a worker of its own on
 * the way (a wake-up owed or a thread just started), up to the maximum. */
#include "workers.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "tflog.h"

static struct {
    pthread_mutex_t mu;
    pthread_cond_t work, idle_cv;
    rpc_call *todo, *todo_tail; /* submitted, not started */
    rpc_call *done, *done_tail; /* answered, not yet taken */
    int threads, running, max;
    int idle;    /* waiting and not yet handed a call */
    int wakeups; /* hand-offs not yet picked up by a waiting worker */
    int event_fd;
} W = {.mu = PTHREAD_MUTEX_INITIALIZER,
       .work = PTHREAD_COND_INITIALIZER,
       .idle_cv = PTHREAD_COND_INITIALIZER,
       .event_fd = -1};

static void push(rpc_call **head, rpc_call **tail, rpc_call *c)
{
    c->next = NULL;
    if (*tail)
        (*tail)->next = c;
    else
        *head = c;
    *tail = c;
}

#define WIPE_STACK_BYTES (64 * 1024)
#define PAGE_MAX_BYTES   4096 /* the smallest page size the vector below is sized for */

/* A handler leaves what it worked on (configurations, states, env values) in stack frames below the
 * thread's stack pointer, and nothing overwrites them while the thread waits for the next call:
 * this clears the part of the stack a handler uses. Measured by painting the stack, the deepest
 * handler (an apply that encrypts, calls the API and signs) reaches ~14 KiB; 64 KiB leaves room.
 * Only the pages of that area the thread ever touched are cleared (mincore): a page never touched
 * holds nothing, and clearing it would make the kernel give the thread a zeroed page to clear, ~5
 * us each on a VM (16 of them per call for a schema or validation call that uses 3). A page of
 * the area swapped out is not resident and is not cleared either: the provider lives seconds, and
 * its stack is the hottest memory it has. When mincore fails (part of the area is not mapped yet:
 * the main thread's stack grows on demand) the whole area is cleared, as before. */
static __attribute__((noinline)) void wipe_stack(void)
{
    volatile uint8_t area[WIPE_STACK_BYTES];
    uintptr_t lo = (uintptr_t)area, hi = lo + sizeof area;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t first = lo & ~(page - 1);
    unsigned char resident[WIPE_STACK_BYTES / PAGE_MAX_BYTES + 1];
    if (page < PAGE_MAX_BYTES || mincore((void *)first, hi - first, resident) != 0) {
        explicit_bzero((void *)area, sizeof area);
    } else {
        for (uintptr_t p = first, i = 0; p < hi; p += page, i++) {
            if (!(resident[i] & 1)) continue;
            uintptr_t a = p < lo ? lo : p, b = p + page > hi ? hi : p + page;
            explicit_bzero((void *)a, b - a);
        }
    }
    __asm__ __volatile__("" : : "r"(area) : "memory");
}

void workers_run(rpc_call *call)
{
    size_t len;
    const uint8_t *req = rpc_call_request(call, &len);
    call->status = call->method->handler(req, len, &call->reply);
    rpc_call_drop_body(call); /* requests carry configuration values, maybe secrets */
    /* After Shutdown's reply the process exits and its memory goes with it: no wipe to pay for. */
    if (!call->method->then_shutdown) wipe_stack();
}

static void *worker_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&W.mu);
    for (;;) {
        if (!W.todo) {
            /* the submitter that hands us a call moves us out of idle and owes us a wake-up */
            W.idle++;
            while (!W.wakeups) pthread_cond_wait(&W.work, &W.mu);
            W.wakeups--;
            /* a worker that just finished may have taken the call first: wait again */
            if (!W.todo) continue;
        }
        rpc_call *c = W.todo;
        W.todo = c->next;
        if (!W.todo) W.todo_tail = NULL;
        W.running++;
        pthread_mutex_unlock(&W.mu);

        workers_run(c);

        pthread_mutex_lock(&W.mu);
        W.running--;
        push(&W.done, &W.done_tail, c);
        uint64_t one = 1;
        if (write(W.event_fd, &one, sizeof one) < 0) { /* only EAGAIN: the counter is full */
        }
        if (!W.running && !W.todo) pthread_cond_broadcast(&W.idle_cv);
    }
    return NULL;
}

int workers_init(int max_threads)
{
    /* Terraform runs up to -parallelism calls at once (10 by default; users raise it): each must get
     * a thread, or a burst queues behind slow API calls. Threads start only when needed, so the
     * cap costs nothing until a plan is that parallel. */
    W.max = max_threads > 0 ? max_threads : WORKERS_DEFAULT_MAX;
    W.event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    return W.event_fd;
}

void workers_submit(rpc_call *call)
{
    pthread_mutex_lock(&W.mu);
    push(&W.todo, &W.todo_tail, call);
    if (W.idle > 0) {
        W.idle--;
        W.wakeups++;
        pthread_cond_signal(&W.work);
    } else if (W.threads < W.max) {
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&t, &attr, worker_main, NULL) == 0)
            W.threads++;
        else if (W.threads == 0)
            tf_log(TF_LOG_ERROR, "cannot start a worker thread", NULL);
        pthread_attr_destroy(&attr);
    } /* else every worker is busy: the first to finish takes the call */
    pthread_mutex_unlock(&W.mu);
}

rpc_call *workers_take(void)
{
    uint64_t n;
    if (read(W.event_fd, &n, sizeof n) < 0) { /* EAGAIN: nothing signalled */
    }
    pthread_mutex_lock(&W.mu);
    rpc_call *list = W.done;
    W.done = W.done_tail = NULL;
    pthread_mutex_unlock(&W.mu);
    return list;
}

bool workers_wait_idle(long ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) until.tv_sec++, until.tv_nsec -= 1000000000L;
    pthread_mutex_lock(&W.mu);
    while ((W.running || W.todo) && pthread_cond_timedwait(&W.idle_cv, &W.mu, &until) == 0) {
    }
    bool idle = !W.running && !W.todo;
    pthread_mutex_unlock(&W.mu);
    return idle;
}
