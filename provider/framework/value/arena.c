/* arena.c — the per-request arena (chunked, zeroed as handed out, wiped on free) and the heap byte
 * buffer.
 * Values can carry secrets (API keys, env), so every byte is wiped before it goes back to malloc.
 */
#include "internal.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_SIZE 16384
#define ALIGN      16

typedef struct chunk {
    struct chunk *next;
    size_t size, used;
    _Alignas(ALIGN) unsigned char data[];
} chunk;

struct tf_arena {
    chunk *head;
};

/* The provider binary wraps free() to wipe every block it frees (runtime/wipefree.c): with
 * --wrap=free this names the real free, for chunks the arena has wiped itself. NULL in binaries
 * linked without the wrap, which free them as usual. */
void __real_free(void *p) __attribute__((weak));

void tf_free_wiped(void *p)
{
    if (__real_free)
        __real_free(p);
    else
        free(p);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n);
    if (!p) {
        fputs("tfvalue: out of memory\n", stderr);
        abort();
    }
    return p;
}

tf_arena *tf_arena_new(void)
{
    tf_arena *a = xmalloc(sizeof(tf_arena));
    a->head = NULL;
    return a;
}

void tf_arena_free(tf_arena *a)
{
    if (!a) return;
    chunk *c = a->head;
    while (c) {
        chunk *next = c->next;
        /* Only the bytes handed out were ever written. Wiped here, the chunk needs no second wipe
         * of all its 16 KiB in free (~30K instructions a call, and pages never touched). */
        sodium_memzero(c->data, c->used);
        tf_free_wiped(c);
        c = next;
    }
    free(a);
}

static chunk *new_chunk(size_t size)
{
    if (size > SIZE_MAX - sizeof(chunk)) {
        fputs("tfvalue: allocation too large\n", stderr);
        abort();
    }
    chunk *c = xmalloc(sizeof(chunk) + size);
    c->next = NULL;
    c->size = size;
    c->used = 0;
    return c;
}

void *tf_arena_alloc(tf_arena *a, size_t n)
{
    if (n == 0) n = 1;
    size_t rounded = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if (rounded < n) abort();
    chunk *c = a->head;
    if (c && c->size - c->used >= rounded) {
        void *p = c->data + c->used;
        c->used += rounded;
        return memset(p, 0, rounded);
    }
    if (rounded > CHUNK_SIZE / 4) {
        /* Big allocations get their own chunk behind the current one, so the current
         * chunk's free space stays usable. */
        chunk *big = new_chunk(rounded);
        big->used = rounded;
        if (c) {
            big->next = c->next;
            c->next = big;
        } else {
            a->head = big;
        }
        return memset(big->data, 0, rounded);
    }
    chunk *fresh = new_chunk(CHUNK_SIZE);
    fresh->next = c;
    a->head = fresh;
    fresh->used = rounded;
    return memset(fresh->data, 0, rounded);
}

char *tf_arena_strndup(tf_arena *a, const char *s, size_t n)
{
    if (n == SIZE_MAX) abort();
    char *p = tf_arena_alloc(a, n + 1);
    if (n) memcpy(p, s, n);
    return p;
}

char *tf_arena_strdup(tf_arena *a, const char *s)
{
    return tf_arena_strndup(a, s, strlen(s));
}

char *tf_arena_printf(tf_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return tf_arena_strdup(a, "");
    char *p = tf_arena_alloc(a, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

/* ---- tf_buf ------------------------------------------------------------------------------ */

/* Moves to a fresh block and wipes the old one: realloc could leave a copy behind. */
bool tf_buf_move_to(tf_buf *b, size_t cap)
{
    uint8_t *p = calloc(1, cap);
    if (!p) return false;
    if (b->len) memcpy(p, b->data, b->len);
    if (b->data) {
        sodium_memzero(b->data, b->cap);
        free(b->data);
    }
    b->data = p;
    b->cap = cap;
    return true;
}

static void buf_reserve(tf_buf *b, size_t extra)
{
    if (extra <= b->cap - b->len) return;
    if (extra > SIZE_MAX / 2 - b->len) abort();
    size_t cap = b->cap ? b->cap : 64;
    while (cap - b->len < extra) cap *= 2;
    if (!tf_buf_move_to(b, cap)) {
        fputs("tfvalue: out of memory\n", stderr);
        abort();
    }
}

void tf_buf_put(tf_buf *b, const void *p, size_t n)
{
    if (n == 0) return;
    buf_reserve(b, n);
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

uint8_t *tf_buf_extend(tf_buf *b, size_t n)
{
    buf_reserve(b, n ? n : 1);
    uint8_t *p = b->data + b->len;
    b->len += n;
    return p;
}

void tf_buf_putc(tf_buf *b, uint8_t c)
{
    tf_buf_put(b, &c, 1);
}

void tf_buf_puts(tf_buf *b, const char *s)
{
    tf_buf_put(b, s, strlen(s));
}

void tf_buf_free(tf_buf *b)
{
    if (!b) return;
    if (b->data) {
        sodium_memzero(b->data, b->cap);
        free(b->data);
    }
    b->data = NULL;
    b->len = b->cap = 0;
}
