/* utctime.h — the UTC calendar fields of a Unix time, without glibc's gmtime_r: its first call
 * runs tzset, which reads /etc/localtime (7 system calls and a stdio buffer) although UTC needs no
 * time zone; a provider life lives milliseconds and needs the date once, for its certificate. */
#ifndef UTCTIME_H
#define UTCTIME_H

#include <time.h>

/* Fills tm_year, tm_mon, tm_mday, tm_hour, tm_min and tm_sec of *tm (proleptic Gregorian, as
 * gmtime_r); the other fields are set to 0. Any time_t, before 1970 too. */
void utc_fields(time_t t, struct tm *tm);

#endif
