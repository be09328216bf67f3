/* pkx_str.h — string helpers every part of libphalakms uses: duplicating (NULL-safe) and a small
 * growable string for composing messages. No dependencies, so that both the error value and the
 * JSON accessors can build on it without depending on each other. */
#ifndef PKX_STR_H
#define PKX_STR_H

#include <stdbool.h>
#include <stddef.h>

/* malloc'd copies; NULL in gives NULL out (and so does an allocation failure). */
char *pkx_strdup(const char *s);
char *pkx_strndup(const char *s, size_t n);

/* A growable, always NUL-terminated string. The first allocation failure sets oom and turns later
 * appends into no-ops; pkx_sb_take then returns NULL. Start from {0}. */
typedef struct pkx_sb {
    char *p;
    size_t len, cap;
    bool oom;
} pkx_sb;
void pkx_sb_add(pkx_sb *b, const char *s, size_t n);
void pkx_sb_puts(pkx_sb *b, const char *s); /* NULL appends nothing */
void pkx_sb_printf(pkx_sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The string (never NULL unless out of memory: an empty builder gives ""); the builder is spent. */
char *pkx_sb_take(pkx_sb *b);

#endif /* PKX_STR_H */
