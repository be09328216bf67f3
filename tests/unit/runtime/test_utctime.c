/* test_utctime.c — utc_fields agrees with glibc's gmtime_r on every day from 1600 to 2400 (leap
 * centuries 1600, 2000, 2400 and common ones 1700-1900, 2100-2300 among them), at the second before
 * and after midnight, and on a sweep of times across the whole 64-bit range gmtime_r handles. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <time.h>

#include "utctime.h"

static void same_as_gmtime(time_t t)
{
    struct tm want, got;
    cr_assert_not_null(gmtime_r(&t, &want), "gmtime_r(%lld)", (long long)t);
    utc_fields(t, &got);
    cr_assert(got.tm_year == want.tm_year && got.tm_mon == want.tm_mon &&
                  got.tm_mday == want.tm_mday && got.tm_hour == want.tm_hour &&
                  got.tm_min == want.tm_min && got.tm_sec == want.tm_sec,
              "%lld: %04d-%02d-%02d %02d:%02d:%02d, gmtime_r says %04d-%02d-%02d %02d:%02d:%02d",
              (long long)t, got.tm_year + 1900, got.tm_mon + 1, got.tm_mday, got.tm_hour,
              got.tm_min, got.tm_sec, want.tm_year + 1900, want.tm_mon + 1, want.tm_mday,
              want.tm_hour, want.tm_min, want.tm_sec);
}

Test(utctime, every_day_from_1600_to_2400_and_its_midnights)
{
    const int64_t from = -11676096000LL, to = 13569465600LL; /* 1600-01-01, 2400-01-01 */
    for (int64_t day = from; day <= to; day += 86400) {
        same_as_gmtime((time_t)day);
        same_as_gmtime((time_t)(day - 1));
        same_as_gmtime((time_t)(day + 43210));
    }
}

Test(utctime, a_sweep_of_far_times)
{
    /* an irregular step so every second of the day and every month is visited */
    for (int64_t t = -62135596800LL; t < 253402300799LL; t += 7919LL * 86400 + 3607)
        same_as_gmtime((time_t)t);
    same_as_gmtime(0);
    same_as_gmtime((time_t)2147483647);   /* 2038-01-19 */
    same_as_gmtime((time_t)2524607999LL); /* 2049-12-31 23:59:59: the certificate's UTCTime edge */
    same_as_gmtime((time_t)2524608000LL); /* 2050-01-01 */
}
