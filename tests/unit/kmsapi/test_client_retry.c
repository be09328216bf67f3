/* test_client_retry.c — the retry policy of research/phala-api.md §1.2: Retry-After (seconds, HTTP
 * date, garbage), the min(2^n s, 20 s) schedule, which statuses and transport failures are retried
 * for which methods, and the cancellable sleep. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "api/pkx_http.h"
#include "common/pkx_clock.h"

Test(client_retry, retry_after_seconds)
{
    long ms = -1;
    cr_assert_eq(pkx_retry_after_parse("0", 0, &ms), 0);
    cr_assert_eq(ms, 0);
    cr_assert_eq(pkx_retry_after_parse("1", 0, &ms), 0);
    cr_assert_eq(ms, 1000);
    cr_assert_eq(pkx_retry_after_parse("  120 \r\n", 0, &ms), 0);
    cr_assert_eq(ms, 120000);
    cr_assert_eq(pkx_retry_after_parse("99999999999999999999", 0, &ms), 0, "huge is clamped");
    cr_assert_eq(ms, 86400L * 1000L);
}

Test(client_retry, retry_after_http_date)
{
    /* Sun, 06 Nov 1994 08:49:37 GMT = 784111777 (RFC 9110's example). */
    long ms = -1;
    cr_assert_eq(pkx_retry_after_parse("Sun, 06 Nov 1994 08:49:37 GMT", 784111777 - 5, &ms), 0);
    cr_assert_eq(ms, 5000);
    cr_assert_eq(pkx_retry_after_parse("Sun, 06 Nov 1994 08:49:37 GMT", 784111777 + 100, &ms), 0);
    cr_assert_eq(ms, 0, "a date in the past means retry now");
    /* obsolete RFC 850 form is read too */
    cr_assert_eq(pkx_retry_after_parse("Sunday, 06-Nov-94 08:49:40 GMT", 784111777, &ms), 0);
    cr_assert_eq(ms, 3000);
}

Test(client_retry, retry_after_garbage_is_rejected)
{
    const char *bad[] = {"", "   ", "soon", "1.5", "-3", "10s", "0x10", "Sun, 99 Foo 1994", NULL};
    long ms;
    for (int i = 0; bad[i]; i++)
        cr_assert_eq(pkx_retry_after_parse(bad[i], 0, &ms), -1, "\"%s\"", bad[i]);
    cr_assert_eq(pkx_retry_after_parse(NULL, 0, &ms), -1);
}

Test(client_retry, backoff_schedule_doubles_up_to_twenty_seconds)
{
    long want[] = {1000, 2000, 4000, 8000, 16000, 20000, 20000, 20000};
    for (int i = 0; i < 8; i++) cr_assert_eq(pkx_backoff_ms(i), want[i], "retry %d", i);
    cr_assert_eq(pkx_backoff_ms(1000), 20000);
    cr_assert_eq(pkx_backoff_ms(-1), 1000);
}

Test(client_retry, statuses_retried_for_every_method)
{
    for (int idem = 0; idem < 2; idem++) {
        cr_assert(pkx_retry_status(409, false, idem), "409 without error_code");
        cr_assert_not(pkx_retry_status(409, true, idem), "409 with error_code is final");
        cr_assert(pkx_retry_status(429, false, idem));
        cr_assert(pkx_retry_status(503, false, idem));
        cr_assert(pkx_retry_status(503, true, idem));
        cr_assert_not(pkx_retry_status(400, false, idem));
        cr_assert_not(pkx_retry_status(404, false, idem));
        cr_assert_not(pkx_retry_status(422, false, idem));
        cr_assert_not(pkx_retry_status(465, false, idem));
        cr_assert_not(pkx_retry_status(302, false, idem));
    }
}

Test(client_retry, other_5xx_only_for_gets)
{
    cr_assert(pkx_retry_status(500, false, true));
    cr_assert(pkx_retry_status(502, true, true));
    cr_assert(pkx_retry_status(504, false, true));
    cr_assert_not(pkx_retry_status(500, false, false));
    cr_assert_not(pkx_retry_status(502, false, false));
}

Test(client_retry, transport_failures_only_for_gets)
{
    cr_assert(pkx_retry_transport(PK_ERR_NETWORK, true));
    cr_assert(pkx_retry_transport(PK_ERR_TIMEOUT, true));
    cr_assert_not(pkx_retry_transport(PK_ERR_NETWORK, false));
    cr_assert_not(pkx_retry_transport(PK_ERR_TLS, true));
    cr_assert_not(pkx_retry_transport(PK_ERR_CANCELLED, true));
    cr_assert_not(pkx_retry_transport(PK_ERR_DECODE, true));
}

Test(client_retry, sleep_runs_its_course)
{
    long long t0 = pkx_now_ms();
    cr_assert_eq(pkx_sleep_cancellable(60, NULL), 0);
    cr_assert_geq(pkx_now_ms() - t0, 60);
}

static void *trigger_later(void *arg)
{
    struct timespec ts = {0, 100 * 1000000L};
    nanosleep(&ts, NULL);
    pk_cancel_trigger(arg);
    return NULL;
}

Test(client_retry, sleep_is_cut_short_by_cancel_from_another_thread)
{
    pk_cancel *c;
    cr_assert_eq(pk_cancel_new(&c), 0);
    cr_assert_not(pk_cancel_requested(c));
    pthread_t th;
    pthread_create(&th, NULL, trigger_later, c);
    long long t0 = pkx_now_ms();
    cr_assert_eq(pkx_sleep_cancellable(10000, c), -1);
    long long took = pkx_now_ms() - t0;
    pthread_join(th, NULL);
    cr_assert_lt(took, 300, "took %lld ms", took);
    cr_assert(pk_cancel_requested(c));
    pk_cancel_reset(c);
    cr_assert_not(pk_cancel_requested(c));
    pk_cancel_free(c);
}
