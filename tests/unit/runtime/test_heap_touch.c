/* test_heap_touch.c — a request's arena and a TLS connection touch only the heap pages they use.
 * On a VM a page costs ~5 us when first touched even if it was populated up front (prefault.h),
 * and the provider's heap is populated and then freed at start, so calloc zeroes all of a block:
 * a 16 KiB arena chunk for a 100-byte allocation, or a connection's 33 KiB of record buffers, would
 * touch every page of it. Counted as the heap's Referenced pages in /proc/self/smaps after
 * /proc/self/clear_refs: what the kernel saw accessed, deterministic. The heap is dirtied and freed
 * first, as the provider's is, so that zeroing a block really writes it; and the arena's memory
 * must still come out zeroed. The counts come from this binary run again with HEAP_TOUCH_PROBE set
 * (a constructor answers before Criterion starts, whose reporting threads would touch the heap
 * too). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "self_probe.h"
#include "under_asan.h"
#include "tfvalue.h"
#include "tls13.h"

#define DIRTY_BYTES (256 << 10)

/* Kilobytes of the [heap] mapping accessed since the last clear_refs, or -1. */
static long heap_referenced_kib(void)
{
    FILE *f = fopen("/proc/self/smaps", "re");
    if (!f) return -1;
    char line[512];
    bool in_heap = false;
    long kib = -1;
    while (fgets(line, sizeof line, f)) {
        /* a mapping's first line starts with its address in lowercase hex; its fields with a
         * capitalised name */
        if ((line[0] >= '0' && line[0] <= '9') || (line[0] >= 'a' && line[0] <= 'f'))
            in_heap = strstr(line, "[heap]") != NULL;
        else if (in_heap && sscanf(line, "Referenced: %ld kB", &kib) == 1)
            break;
    }
    fclose(f);
    return kib;
}

/* The heap dirtied and freed (as the provider's prefault leaves it), then its accessed bits reset;
 * false when clear_refs cannot be written. */
static bool dirty_heap_then_clear_refs(void)
{
    char *p = malloc(DIRTY_BYTES);
    if (!p) return false;
    memset(p, 0xa5, DIRTY_BYTES);
    __asm__ __volatile__("" : : "r"(p) : "memory");
    free(p);
    FILE *f = fopen("/proc/self/clear_refs", "we");
    if (!f) return false;
    fputs("1", f);
    return fclose(f) == 0;
}

/* HEAP_TOUCH_PROBE=arena|tls: prints the KiB of heap the case touched (-2: no clear_refs) and, for
 * the arena, whether its memory came out zeroed; exits before main. */
__attribute__((constructor)) static void probe(void)
{
    const char *mode = getenv("HEAP_TOUCH_PROBE");
    if (!mode) return;
    if (!dirty_heap_then_clear_refs()) {
        printf("kib=-2 zeroed=1\n");
        fflush(stdout);
        _exit(0);
    }
    long kib;
    int zeroed = 1;
    if (strcmp(mode, "arena") == 0) {
        tf_arena *a = tf_arena_new();
        unsigned char *p = tf_arena_alloc(a, 100);
        kib = heap_referenced_kib();
        unsigned char *big = tf_arena_alloc(a, 9000); /* a chunk of its own */
        for (int i = 0; i < 100; i++) zeroed &= p[i] == 0;
        for (int i = 0; i < 9000; i++) zeroed &= big[i] == 0;
        tf_arena_free(a);
    } else {
        tls13 *t = tls13_new(-1, NULL);
        if (t) tls13_free(t);
        kib = t ? heap_referenced_kib() : -3;
    }
    printf("kib=%ld zeroed=%d\n", kib, zeroed);
    fflush(stdout);
    _exit(0);
}

static void run_probe(const char *mode, long *kib, int *zeroed)
{
#ifdef UNDER_ASAN
    cr_skip_test("AddressSanitizer's allocator has no [heap] to count");
#endif
    FILE *p = self_probe_open("HEAP_TOUCH_PROBE", mode);
    int got = fscanf(p, "kib=%ld zeroed=%d", kib, zeroed);
    cr_assert_eq(pclose(p), 0);
    cr_assert_eq(got, 2, "the probe printed its counts");
    if (*kib == -2) cr_skip_test("/proc/self/clear_refs cannot be written here");
    cr_assert_geq(*kib, 0, "no [heap] Referenced line in /proc/self/smaps (%ld)", *kib);
}

Test(heap_touch, an_arena_touches_the_pages_it_hands_out_and_zeroes_them)
{
    long kib;
    int zeroed;
    run_probe("arena", &kib, &zeroed);
    cr_expect_leq(kib, 8, "%ld KiB of heap touched for a 100-byte arena allocation", kib);
    cr_expect(zeroed, "arena memory came out of a dirty heap unzeroed");
}

Test(heap_touch, a_tls_connection_touches_its_record_buffers_only_as_used)
{
    long kib;
    int zeroed;
    run_probe("tls", &kib, &zeroed);
    cr_expect_leq(kib, 12, "%ld KiB of heap touched to create and free a TLS connection", kib);
}
