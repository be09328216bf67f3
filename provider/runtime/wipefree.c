/* wipefree.c — every heap block of the provider process is wiped when it is freed. The secrets the
 * provider handles (the API key in libcurl's request buffers, env values in OpenSSL's records and
 * in cJSON trees, states in protobuf-c messages) pass through libraries that free their buffers
 * without clearing them, and freed memory keeps its bytes. The provider binaries are linked with
 * -Wl,--wrap=free,--wrap=realloc, so every call to free() and realloc() in every object and static
 * archive of the link lands here first. */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

void __real_free(void *p);
void *__real_realloc(void *p, size_t n);
void __wrap_free(void *p);
void *__wrap_realloc(void *p, size_t n);

void __wrap_free(void *p)
{
    if (!p) return;
    explicit_bzero(p, malloc_usable_size(p));
    __real_free(p);
}

/* A growing block moves to fresh memory and the old one is wiped: glibc's realloc would copy and
 * free it as it is. A shrinking block stays where it is, its tail wiped. */
void *__wrap_realloc(void *p, size_t n)
{
    if (!p) return malloc(n);
    if (n == 0) {
        __wrap_free(p);
        return NULL;
    }
    size_t old = malloc_usable_size(p);
    if (n <= old) {
        explicit_bzero((char *)p + n, old - n);
        return p;
    }
    void *q = malloc(n);
    if (!q) return NULL;
    memcpy(q, p, old);
    __wrap_free(p);
    return q;
}
