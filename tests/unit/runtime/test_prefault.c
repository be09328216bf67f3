/* test_prefault.c — after prefault_process, what a provider life touches (the heap's first part,
 * from the main thread and from a new thread; .bss; the image's code) is touched without page
 * faults. Stacks are left to fault (prefault.c says why).
 * Counted with getrusage's minor faults of the touching thread: deterministic, unlike any timing.
 *
 * The counts come from a pristine process, as the provider's is when it prefaults: this test binary
 * run again with PREFAULT_PROBE set (a constructor answers before Criterion starts any thread or
 * arena). The probe runs once without prefaulting too: there every region must fault page by page,
 * which shows the probe sees what it should (and that the test fails without prefault_process). */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "self_probe.h"
#include "under_asan.h"
#include "prefault.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define HEAP_TOUCHED   (320 << 10) /* a plan life's heap peak */
#define THREAD_TOUCHED (128 << 10)
#define CODE_FAULTS    4  /* file pages: the kernel maps 16 or more at a fault */
#define FEW_FAULTS     6  /* a page or two of libc's own */
#define MANY_FAULTS    12 /* each region above is 16 pages or more */

static long thread_faults(void)
{
    struct rusage ru;
    getrusage(RUSAGE_THREAD, &ru);
    return ru.ru_minflt;
}

/* Writes one byte per page of n bytes, so that every page is touched. */
static void touch(volatile char *p, size_t n)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    for (size_t i = 0; i < n; i += page) p[i] = 1;
}

static long heap_faults(void)
{
    long before = thread_faults();
    char *p = malloc(HEAP_TOUCHED);
    if (!p) return -1;
    touch(p, HEAP_TOUCHED);
    long n = thread_faults() - before;
    free(p);
    return n;
}

static void *thread_allocates(void *arg)
{
    long before = thread_faults();
    char *p = malloc(THREAD_TOUCHED);
    if (p) touch(p, THREAD_TOUCHED);
    *(long *)arg = p ? thread_faults() - before : -1;
    free(p);
    return NULL;
}

static long new_thread_heap_faults(void)
{
    long n = -1;
    pthread_t t;
    if (pthread_create(&t, NULL, thread_allocates, &n) != 0) return -1;
    pthread_join(t, NULL);
    return n;
}

static char g_bss[96 << 10];

/* Linker-defined: the start of the image and the end of its code (this binary's ~3 MiB). */
extern char __executable_start[], etext[];

/* Reads a byte of every page of the image up to the end of its code, as running it would. */
static long code_faults(void)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    long before = thread_faults();
    for (const volatile char *p = __executable_start; p < etext; p += page) (void)*p;
    return thread_faults() - before;
}

static long bss_faults(void)
{
    long before = thread_faults();
    touch(g_bss, sizeof g_bss);
    return thread_faults() - before;
}

/* PREFAULT_PROBE=on|off: prints the faults of each region and exits, before main. */
__attribute__((constructor)) static void probe(void)
{
    const char *mode = getenv("PREFAULT_PROBE");
    if (!mode) return;
    bool on = strcmp(mode, "on") == 0;
    if (on) prefault_process(512 << 10);
    long heap = heap_faults();
    long thread = new_thread_heap_faults();
    long bss = bss_faults();
    long code = code_faults();
    printf("heap=%ld thread=%ld bss=%ld code=%ld\n", heap, thread, bss, code);
    fflush(stdout);
    _exit(0);
}

typedef struct {
    long heap, thread, bss, code;
} counts;

static counts run_probe(const char *mode)
{
    FILE *p = self_probe_open("PREFAULT_PROBE", mode);
    counts c = {-1, -1, -1, -1};
    int got =
        fscanf(p, "heap=%ld thread=%ld bss=%ld code=%ld", &c.heap, &c.thread, &c.bss, &c.code);
    cr_assert_eq(pclose(p), 0);
    cr_assert_eq(got, 4, "the probe printed its counts");
    return c;
}

/* Linux before 5.14 has no MADV_POPULATE_WRITE: prefault_process does nothing there. */
static void skip_without_populate(void)
{
    long page = sysconf(_SC_PAGESIZE);
    void *p = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq(p, MAP_FAILED);
    int r = madvise(p, (size_t)page, MADV_POPULATE_WRITE);
    munmap(p, (size_t)page);
    if (r != 0 && errno == EINVAL) cr_skip_test("the kernel has no MADV_POPULATE_WRITE");
}

Test(prefault, a_provider_life_touches_its_memory_without_faults)
{
#ifdef UNDER_ASAN
    cr_skip_test("fault counts are meaningless under AddressSanitizer");
#endif
    skip_without_populate();
    counts off = run_probe("off");
    cr_expect_geq(off.heap, MANY_FAULTS, "without prefaulting: %ld faults (heap)", off.heap);
    cr_expect_geq(off.thread, MANY_FAULTS, "without prefaulting: %ld faults (thread)", off.thread);
    cr_expect_geq(off.bss, MANY_FAULTS, "without prefaulting: %ld faults (.bss)", off.bss);
    cr_expect_geq(off.code, CODE_FAULTS, "without prefaulting: %ld faults (code)", off.code);

    counts on = run_probe("on");
    cr_expect_leq(on.heap, FEW_FAULTS, "%ld faults touching 320 KiB of heap", on.heap);
    cr_expect_leq(on.thread, FEW_FAULTS, "%ld faults touching 128 KiB in a new thread", on.thread);
    cr_expect_leq(on.bss, FEW_FAULTS, "%ld faults touching 96 KiB of .bss", on.bss);
    cr_expect_leq(on.code, 1, "%ld faults reading the image's code", on.code);
}
