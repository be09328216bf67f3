/* test_wipe_stack.c — after a handler returns, workers_run clears what it left on the thread's
 * stack, and only the stack pages the thread ever touched: a secret written 20 KiB deep is gone,
 * and a handler that uses little stack costs its thread no more page faults than it touched
 * (clearing all 64 KiB would fault in 16 fresh pages, ~5 us each on a VM, on every provider life).
 * Each check runs on a thread whose stack is a mapping of the test's own, fresh and untouched, so
 * the whole of it can be searched afterwards and its faults are the handler's and the wipe's. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "under_asan.h"
#include "workers.h"

#define STACK_BYTES  (256 << 10)
#define SECRET_DEPTH (20 << 10) /* deeper than most handlers, within the 64 KiB cleared */
#define FEW_FAULTS   4          /* the handler's own page or two, and the wipe's frame */
#define MANY_FAULTS  12         /* a 64 KiB wipe of fresh stack: 16 pages */

static const char SECRET[] = "stack-secret-7f3a9c1e-must-not-survive";

static __attribute__((noinline)) void leave_secret_deep(void)
{
    volatile char frame[SECRET_DEPTH];
    memset((char *)frame, 0x5a, sizeof frame); /* every page of it touched, as a real frame would */
    memcpy((char *)frame, SECRET, sizeof SECRET);
    __asm__ __volatile__("" : : "r"(frame) : "memory");
}

static int deep_handler(const uint8_t *req, size_t len, tf_buf *resp)
{
    (void)req, (void)len, (void)resp;
    leave_secret_deep();
    return RPC_STATUS_OK;
}

static int shallow_handler(const uint8_t *req, size_t len, tf_buf *resp)
{
    (void)req, (void)len, (void)resp;
    return RPC_STATUS_OK;
}

static const rpc_method deep_method = {"/test.Wipe/Deep", deep_handler, false, false};
static const rpc_method shallow_method = {"/test.Wipe/Shallow", shallow_handler, false, false};

typedef struct {
    const rpc_method *method;
    long faults; /* of workers_run, on the thread */
    int status;
} run;

static long thread_faults(void)
{
    struct rusage ru;
    getrusage(RUSAGE_THREAD, &ru);
    return ru.ru_minflt;
}

static void *run_one(void *arg)
{
    run *r = arg;
    rpc_call call = {.method = r->method};
    static const uint8_t empty[5] = {0};
    tf_buf_put(&call.body, empty, sizeof empty); /* a gRPC prefix, no message */
    long before = thread_faults();
    workers_run(&call);
    r->faults = thread_faults() - before;
    r->status = call.status;
    tf_buf_free(&call.reply);
    return NULL;
}

/* Runs method through workers_run on a thread with a fresh stack; returns that stack (to munmap). */
static void *on_fresh_stack(run *r)
{
    void *stack = mmap(NULL, STACK_BYTES, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    cr_assert_neq(stack, MAP_FAILED);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    cr_assert_eq(pthread_attr_setstack(&attr, stack, STACK_BYTES), 0);
    pthread_t t;
    cr_assert_eq(pthread_create(&t, &attr, run_one, r), 0);
    pthread_join(t, NULL);
    pthread_attr_destroy(&attr);
    return stack;
}

Test(wipe_stack, a_secret_left_deep_in_a_handlers_frame_is_cleared)
{
    run r = {.method = &deep_method};
    void *stack = on_fresh_stack(&r);
    cr_assert_eq(r.status, RPC_STATUS_OK);
    cr_expect_null(memmem(stack, STACK_BYTES, SECRET, sizeof SECRET - 1),
                   "the handler's secret is still on its thread's stack");
    munmap(stack, STACK_BYTES);
}

Test(wipe_stack, pages_the_thread_never_touched_are_left_alone)
{
#ifdef UNDER_ASAN
    cr_skip_test("fault counts are meaningless under AddressSanitizer");
#endif
    run r = {.method = &shallow_method};
    void *stack = on_fresh_stack(&r);
    cr_assert_eq(r.status, RPC_STATUS_OK);
    cr_expect_leq(r.faults, FEW_FAULTS, "%ld page faults for a handler that uses a page of stack",
                  r.faults);
    /* and the deep handler does fault what it touched: the count above is not blind */
    run d = {.method = &deep_method};
    void *deep = on_fresh_stack(&d);
    cr_expect_geq(d.faults, SECRET_DEPTH / (4 << 10), "%ld faults for a 20 KiB frame", d.faults);
    cr_expect_lt(d.faults, MANY_FAULTS, "%ld faults: more than the 20 KiB the handler used",
                 d.faults);
    munmap(stack, STACK_BYTES);
    munmap(deep, STACK_BYTES);
}
