/* tflog.c — JSON log lines on stderr (see tflog.h). One write(2) per line so that lines from
 * concurrent workers never interleave, and every string is JSON-escaped: a single broken line makes
 * go-plugin fall back to "debug" for it. */
#include "tflog.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static tf_log_level g_level = TF_LOG_OFF;

static tf_log_level parse_level(const char *s)
{
    static const char *names[] = {"trace", "debug", "info", "warn", "error"};
    for (int i = 0; i < 5; i++)
        if (strcasecmp(s, names[i]) == 0) return (tf_log_level)i;
    if (strcasecmp(s, "json") == 0) return TF_LOG_TRACE; /* TF_LOG=json means trace */
    return TF_LOG_OFF;
}

void tf_log_init(void)
{
    const char *v = getenv("TF_LOG_PROVIDER");
    if (!v || !*v) v = getenv("TF_LOG");
    g_level = (v && *v) ? parse_level(v) : TF_LOG_OFF;
}

bool tf_log_enabled(tf_log_level level)
{
    return level >= g_level && g_level != TF_LOG_OFF;
}

typedef struct {
    char buf[4096];
    size_t len;
} line_buf;

static void put(line_buf *b, const char *s, size_t n)
{
    if (b->len + n >= sizeof b->buf - 2) n = sizeof b->buf - 2 - b->len; /* truncate long lines */
    memcpy(b->buf + b->len, s, n);
    b->len += n;
}

static void put_json_string(line_buf *b, const char *s)
{
    put(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char esc[8];
        if (*p == '"' || *p == '\\') {
            esc[0] = '\\';
            esc[1] = (char)*p;
            put(b, esc, 2);
        } else if (*p < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", *p);
            put(b, esc, 6);
        } else {
            put(b, (const char *)p, 1);
        }
    }
    put(b, "\"", 1);
}

static void put_pair(line_buf *b, const char *k, const char *v)
{
    put(b, ",", 1);
    put_json_string(b, k);
    put(b, ":", 1);
    put_json_string(b, v ? v : "");
}

void tf_log(tf_log_level level, const char *message, ...)
{
    static const char *names[] = {"trace", "debug", "info", "warn", "error"};
    if (!tf_log_enabled(level)) return;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char stamp[64];
    size_t n = strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(stamp + n, sizeof stamp - n, ".%06ldZ", ts.tv_nsec / 1000);

    line_buf b = {.len = 0};
    put(&b, "{\"@level\":", 10);
    put_json_string(&b, names[level]);
    put_pair(&b, "@message", message);
    put_pair(&b, "@module", "provider");
    put_pair(&b, "@timestamp", stamp);
    va_list ap;
    va_start(ap, message);
    for (;;) {
        const char *k = va_arg(ap, const char *);
        if (!k) break;
        put_pair(&b, k, va_arg(ap, const char *));
    }
    va_end(ap);
    b.buf[b.len++] = '}';
    b.buf[b.len++] = '\n';
    ssize_t w = write(STDERR_FILENO, b.buf, b.len);
    (void)w;
}
