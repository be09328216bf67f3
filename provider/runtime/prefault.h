/* prefault.h — the memory a provider life touches, mapped up front. On a VM a page fault costs
 * tens of microseconds (it traps to the host), and a provider life of a few milliseconds touches a
 * few hundred fresh pages one fault at a time: mapping the same pages with one
 * madvise(MADV_POPULATE_WRITE) per region costs a fraction of that. Nothing here changes what the
 * process can do or read; pages come zeroed from the kernel as they would on a fault. */
#ifndef PREFAULT_H
#define PREFAULT_H

#include <stddef.h>

/* Once, first thing in the server (single-threaded): the image's code (mapped from the page cache,
 * MADV_POPULATE_READ), .data and .bss, and the heap's first heap_bytes. Also sets glibc's malloc up for
 * a short-lived process: every thread allocates from the main arena (which was prefaulted), blocks
 * up to 1 MiB come from the heap, and the heap is not trimmed below 64 MiB. */
void prefault_process(size_t heap_bytes);

#endif
