/* ISO-8601 times and durations, independent of the TZ environment: the
 * host's clock is the only time a playbook sees (--now makes runs
 * reproducible), and every time in tend is UTC seconds since the epoch. */
#ifndef TEND_ISOTIME_H
#define TEND_ISOTIME_H

#include <stddef.h>
#include <stdint.h>

/* Parses "2026-11-20", "2026-11-20T10:00:00Z", "…T10:00", "…T10:00:00.5+02:00",
 * with 'T' or ' ' between date and time; no zone means UTC. Returns 0 on
 * success, -1 if s[0..len) is not such a time. */
int tend_time_parse(const char *s, size_t len, int64_t *epoch);

/* "2026-11-20T10:00:00Z" (21 bytes with the NUL). */
void tend_time_format(int64_t epoch, char out[21]);
/* "2026-11-20" (11 bytes with the NUL). */
void tend_date_format(int64_t epoch, char out[11]);

/* "90s", "30m", "24h", "7d", "2w", or a bare number of days. Returns 0 on
 * success, -1 otherwise. */
int tend_duration_parse(const char *s, int64_t *seconds);

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant). */
int64_t tend_days_from_civil(int64_t y, unsigned m, unsigned d);
/* Its inverse: the date of a day number. */
void tend_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);
/* 28-31 days in month m (1-12) of year y. */
int tend_days_in_month(int64_t y, int m);

#endif
