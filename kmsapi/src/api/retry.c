/* retry.c — the retry policy of research/phala-api.md §1.2 (which answers are retried, for which
 * methods, and how long to wait: Retry-After as seconds or an HTTP date, else min(2^n s, 20 s)),
 * the cancellation token, and a sleep that a cancel interrupts within one slice. */
#include "api/pkx_client.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define PKX_BACKOFF_CAP_MS 20000L
#define PKX_SLEEP_SLICE_MS 20L
/* Retry-After beyond a day is treated as a day; the call's deadline bounds it much earlier. */
#define PKX_RETRY_AFTER_MAX_MS (86400L * 1000L)

int pk_cancel_new(pk_cancel **out)
{
    if (!out) return -1;
    pk_cancel *c = malloc(sizeof *c);
    if (!c) return -1;
    atomic_init(&c->requested, false);
    *out = c;
    return 0;
}

void pk_cancel_free(pk_cancel *c)
{
    free(c);
}
void pk_cancel_trigger(pk_cancel *c)
{
    if (c) atomic_store(&c->requested, true);
}
void pk_cancel_reset(pk_cancel *c)
{
    if (c) atomic_store(&c->requested, false);
}
bool pk_cancel_requested(const pk_cancel *c)
{
    return c && atomic_load(&((pk_cancel *)c)->requested);
}

int pkx_retry_after_parse(const char *value, time_t now, long *delay_ms)
{
    if (!value || !delay_ms) return -1;
    while (*value == ' ' || *value == '\t') value++;
    size_t n = strlen(value);
    while (n && (value[n - 1] == ' ' || value[n - 1] == '\t' || value[n - 1] == '\r' ||
                 value[n - 1] == '\n'))
        n--;
    if (n == 0) return -1;

    bool digits = true;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)value[i])) digits = false;
    if (digits) {
        if (n > 9) { /* larger than any sane wait: clamp rather than overflow */
            *delay_ms = PKX_RETRY_AFTER_MAX_MS;
            return 0;
        }
        long secs = strtol(value, NULL, 10);
        *delay_ms = secs * 1000L > PKX_RETRY_AFTER_MAX_MS ? PKX_RETRY_AFTER_MAX_MS : secs * 1000L;
        return 0;
    }

    /* HTTP-date (RFC 9110: IMF-fixdate, plus the obsolete forms curl_getdate also reads). Require a
     * letter-led weekday or month so that stray numbers such as "1.5" or "-3" count as garbage. */
    if (!isalpha((unsigned char)value[0])) return -1;
    char buf[64];
    if (n >= sizeof buf) return -1;
    memcpy(buf, value, n);
    buf[n] = '\0';
    time_t when = curl_getdate(buf, NULL);
    if (when == (time_t)-1) return -1;
    if (when <= now) {
        *delay_ms = 0;
        return 0;
    }
    double d = difftime(when, now) * 1000.0;
    *delay_ms = d > (double)PKX_RETRY_AFTER_MAX_MS ? PKX_RETRY_AFTER_MAX_MS : (long)d;
    return 0;
}

long pkx_backoff_ms(int retry)
{
    if (retry < 0) retry = 0;
    if (retry >= 5) return PKX_BACKOFF_CAP_MS; /* 2^5 s already exceeds the cap */
    long ms = 1000L << retry;
    return ms > PKX_BACKOFF_CAP_MS ? PKX_BACKOFF_CAP_MS : ms;
}

bool pkx_retry_status(int status, bool has_error_code, bool idempotent)
{
    /* A 409 that names an error_code is a deterministic business error, not "busy". */
    if (status == 409) return !has_error_code;
    if (status == 429 || status == 503) return true;
    if (idempotent && status >= 500 && status <= 599) return true;
    return false;
}

bool pkx_retry_transport(pk_error_kind kind, bool idempotent)
{
    return idempotent && (kind == PK_ERR_NETWORK || kind == PK_ERR_TIMEOUT);
}

long long pkx_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000LL + ts.tv_nsec / 1000000LL;
}

int pkx_sleep_cancellable(long ms, const pk_cancel *cancel)
{
    long long end = pkx_now_ms() + ms;
    for (;;) {
        if (pk_cancel_requested(cancel)) return -1;
        long long left = end - pkx_now_ms();
        if (left <= 0) return 0;
        long slice = left < PKX_SLEEP_SLICE_MS ? (long)left : PKX_SLEEP_SLICE_MS;
        struct timespec ts = {.tv_sec = 0, .tv_nsec = slice * 1000000L};
        while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
        }
    }
}
