/* under_asan.h — UNDER_ASAN is defined in an AddressSanitizer build (gcc says so with
 * __SANITIZE_ADDRESS__, clang with __has_feature). Tests that count page faults or heap pages skip
 * there: ASan keeps frames on fake stacks, writes shadow memory and has an allocator of its own. */
#ifndef UNDER_ASAN_H
#define UNDER_ASAN_H

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

#endif
