/* utctime.c — see utctime.h. Days are counted in 400-year eras of 146097 days, from 0000-03-01 so
 * that a leap day falls at the end of its year; the month follows from the day of that year. */
#include "utctime.h"

#include <stdint.h>
#include <string.h>

#define SECONDS_PER_DAY   86400
#define DAYS_PER_ERA      146097 /* 400 Gregorian years */
#define DAYS_0000_TO_1970 719468 /* from 0000-03-01 to 1970-01-01 */

void utc_fields(time_t t, struct tm *tm)
{
    memset(tm, 0, sizeof *tm);
    int64_t s = (int64_t)t;
    int64_t days = s / SECONDS_PER_DAY, rem = s % SECONDS_PER_DAY;
    if (rem < 0) rem += SECONDS_PER_DAY, days--;
    tm->tm_hour = (int)(rem / 3600);
    tm->tm_min = (int)(rem % 3600 / 60);
    tm->tm_sec = (int)(rem % 60);

    days += DAYS_0000_TO_1970;
    int64_t era = (days >= 0 ? days : days - (DAYS_PER_ERA - 1)) / DAYS_PER_ERA;
    int64_t day_of_era = days - era * DAYS_PER_ERA; /* 0..146096 */
    int64_t year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    int64_t month_from_march = (5 * day_of_year + 2) / 153; /* 0 = March .. 11 = February */
    int64_t month = month_from_march < 10 ? month_from_march + 3 : month_from_march - 9;
    int64_t year = year_of_era + era * 400 + (month <= 2);
    tm->tm_mday = (int)(day_of_year - (153 * month_from_march + 2) / 5 + 1);
    tm->tm_mon = (int)(month - 1);
    tm->tm_year = (int)(year - 1900);
}
