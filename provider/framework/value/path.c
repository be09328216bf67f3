/* path.c — the attribute path shown in decoder errors ("at .rule[0].port: expected number"),
 * kept in a fixed buffer so that reporting an error never allocates. */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Appends snprintf output; on overflow the path is cut back and marked, never half-written. */
static size_t path_commit(tfv_path *p, size_t old, int n, size_t room)
{
    if (n < 0 || (size_t)n >= room) {
        p->buf[old] = '\0';
        p->overflow = true;
        return old;
    }
    p->len += (size_t)n;
    return old;
}

size_t tfv_path_push_attr(tfv_path *p, const char *name)
{
    size_t room = sizeof p->buf - p->len;
    return path_commit(p, p->len, snprintf(p->buf + p->len, room, ".%s", name), room);
}

size_t tfv_path_push_index(tfv_path *p, size_t i)
{
    size_t room = sizeof p->buf - p->len;
    return path_commit(p, p->len, snprintf(p->buf + p->len, room, "[%zu]", i), room);
}

size_t tfv_path_push_key(tfv_path *p, const char *key)
{
    size_t room = sizeof p->buf - p->len;
    return path_commit(p, p->len, snprintf(p->buf + p->len, room, "[\"%s\"]", key), room);
}

void tfv_path_pop(tfv_path *p, size_t old_len)
{
    p->len = old_len;
    p->buf[old_len] = '\0';
    p->overflow = false;
}

void tfv_errorf(char *err, size_t errlen, const tfv_path *p, const char *fmt, ...)
{
    if (!err || errlen == 0) return;
    const char *where = (p && p->len) ? p->buf : "(root)";
    int n = snprintf(err, errlen, "at %s%s: ", where, (p && p->overflow) ? "..." : "");
    if (n < 0 || (size_t)n >= errlen) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
    va_end(ap);
}
