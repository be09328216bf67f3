/* retry.c — the retry policy of research/phala-api.md §1.2: which answers are retried, for which
 * methods, and how long to wait (Retry-After as seconds or an HTTP date, else min(2^n s, 20 s)). */
#include "api/pkx_http.h"

#include <ctype.h>
#include <curl/curl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define PKX_BACKOFF_CAP_MS 20000L
/* Retry-After beyond a day is treated as a day; the call's deadline bounds it much earlier. */
#define PKX_RETRY_AFTER_MAX_MS (86400L * 1000L)

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
