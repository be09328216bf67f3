/* prefault.c — maps, one system call per region, the memory every provider life is going to touch
 * (see prefault.h): the image's code, the writable data, the start of the heap. */
#include "prefault.h"

#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tfvalue.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14; older kernels answer EINVAL and fault as before */
#endif

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif

/* Linker-defined: the start of the image, the end of its code, the start of .data and the end of
 * .bss. */
extern char __executable_start[], etext[], __data_start[], _end[];

static uintptr_t g_page;

static void populate(uintptr_t lo, uintptr_t hi)
{
    lo = (lo + g_page - 1) & ~(g_page - 1);
    hi &= ~(g_page - 1);
    if (hi > lo) (void)madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE);
}

void prefault_process(size_t heap_bytes)
{
    g_page = (uintptr_t)sysconf(_SC_PAGESIZE);
    /* The image's code (from its start: ELF headers and notes share the first pages): page-cache
     * pages the kernel maps 16 at a fault, ~60 faults a life; one call maps its ~4 MiB, which
     * fault-around had mostly mapped anyway (a plan life's VmHWM is ~6.2 MiB either way). The
     * constants after it are left to fault: populating them too would add ~1.6 MiB resident
     * (.eh_frame, which nothing reads) for ~10 faults. */
    uintptr_t code_lo = (uintptr_t)__executable_start & ~(g_page - 1);
    uintptr_t code_hi = (uintptr_t)etext & ~(g_page - 1);
    if (code_hi > code_lo) (void)madvise((void *)code_lo, code_hi - code_lo, MADV_POPULATE_READ);
    populate((uintptr_t)__data_start, (uintptr_t)_end);
    /* Stacks are left to fault: a life uses ~28 KiB of the main thread's and ~20 KiB of a
     * worker's, and on a VM a populated page still costs most of a fault when it is first touched
     * (the hypervisor maps it then): populating 96 KiB and 80 KiB cost more than the faults it
     * saved (0.5-1 ms a plan of one data source, interleaved plans). */

    /* The heap: threads share the main arena (a thread's first malloc would otherwise map an arena
     * of its own, 64 MiB reserved and touched page by page); blocks up to 1 MiB come from it, not
     * from mmaps of their own; its top is given back only past 64 MiB (a provider lives a few
     * milliseconds, or holds a few MiB). Its first heap_bytes are made to exist (one block larger
     * than the top chunk moves brk, and M_TOP_PAD adds heap_bytes), mapped, then freed. */
    mallopt(M_ARENA_MAX, 1);
    mallopt(M_MMAP_THRESHOLD, 1 << 20);
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
    mallopt(M_TOP_PAD, (int)heap_bytes);
    struct mallinfo2 mi = mallinfo2();
    void *grow = malloc(mi.keepcost + 64); /* more than the top chunk holds: brk moves */
    char *end = sbrk(0);
    mi = mallinfo2();
    if (grow && end != (char *)-1) populate((uintptr_t)(end - mi.arena), (uintptr_t)end);
    /* Nothing was written to grow, and what it spans was never used or was wiped when freed:
     * wiping its ~128 KiB again would only cost (~0.13M instructions of a provider life). */
    tf_free_wiped(grow);
}
