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

#include "utctime.h"

static tf_log_level g_level = TF_LOG_OFF;

tf_log_level tf_log_level_parse(const char *s)
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
    g_level = (v && *v) ? tf_log_level_parse(v) : TF_LOG_OFF;
}

bool tf_log_enabled(tf_log_level level)
{
    return level >= g_level && g_level != TF_LOG_OFF;
}

#define VALUE_MAX 2048 /* bytes of one logged string; longer ones end in "…" */

/* A JSON string, always complete: escapes are never split, a cut falls on a UTF-8 character
 * boundary, and bytes that are not UTF-8 become U+FFFD (go-plugin parses every line as JSON;
 * a broken one is shown raw, at the wrong level). */
static void put_json_string(tf_buf *b, const char *s)
{
    tf_buf_putc(b, '"');
    const unsigned char *p = (const unsigned char *)s;
    size_t len = strlen(s), used = 0;
    for (size_t i = 0; i < len;) {
        size_t n = tf_utf8_seq_len(p + i, len - i);
        if (used + (n ? n : 1) > VALUE_MAX) {
            tf_buf_puts(b, "\u2026");
            break;
        }
        char esc[8];
        if (n == 0) {
            tf_buf_puts(b, "\ufffd");
            n = 1;
        } else if (p[i] == '"' || p[i] == '\\') {
            esc[0] = '\\', esc[1] = (char)p[i];
            tf_buf_put(b, esc, 2);
        } else if (p[i] < 0x20 || p[i] == 0x7f) {
            snprintf(esc, sizeof esc, "\\u%04x", p[i]);
            tf_buf_puts(b, esc);
        } else {
            tf_buf_put(b, p + i, n);
        }
        used += n;
        i += n;
    }
    tf_buf_putc(b, '"');
}

void tf_log_format(tf_buf *b, tf_log_level level, const char *stamp, const char *message,
                   const char *const *kv, size_t n_kv)
{
    static const char *names[] = {"trace", "debug", "info", "warn", "error"};
    tf_buf_puts(b, "{\"@level\":");
    put_json_string(b, names[level < TF_LOG_OFF ? level : TF_LOG_ERROR]);
    const char *fixed[] = {"@message", message, "@module", "provider", "@timestamp", stamp};
    for (size_t i = 0; i < 6 + n_kv; i += 2) {
        const char *k = i < 6 ? fixed[i] : kv[i - 6], *v = i < 6 ? fixed[i + 1] : kv[i - 5];
        tf_buf_putc(b, ',');
        put_json_string(b, k ? k : "");
        tf_buf_putc(b, ':');
        put_json_string(b, v ? v : "");
    }
    tf_buf_puts(b, "}\n");
}

void tf_log(tf_log_level level, const char *message, ...)
{
    if (!tf_log_enabled(level)) return;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    utc_fields(ts.tv_sec, &tm);
    char stamp[64];
    size_t n = strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(stamp + n, sizeof stamp - n, ".%06ldZ", ts.tv_nsec / 1000);

    const char *kv[32];
    size_t n_kv = 0;
    va_list ap;
    va_start(ap, message);
    for (;;) {
        const char *k = va_arg(ap, const char *);
        if (!k) break;
        const char *v = va_arg(ap, const char *);
        if (n_kv + 2 <= sizeof kv / sizeof kv[0]) kv[n_kv++] = k, kv[n_kv++] = v;
    }
    va_end(ap);
    tf_buf b = {0};
    tf_log_format(&b, level, stamp, message, kv, n_kv);
    ssize_t w = write(STDERR_FILENO, b.data, b.len); /* one write: lines never interleave */
    (void)w;
    tf_buf_free(&b);
}
