/* Cron expressions and IANA time zones: when a schedule is due.
 *
 * Expressions have Vixie-cron's five fields (minute hour day-of-month month
 * day-of-week) with lists, ranges, steps, month and weekday names, 7 for
 * Sunday, the day-of-month / day-of-week OR rule when both are restricted,
 * and the macros @hourly @daily @weekly @monthly @yearly (@annually,
 * @midnight). Zones are read from the system's compiled tzdata (TZif,
 * RFC 8536) and the POSIX TZ string of its footer; the process's TZ and
 * localtime() are never consulted, so every function here is thread-safe
 * and a parsed expression or loaded zone may be shared between threads.
 *
 * Daylight saving: a wall time the clocks skip runs once, shifted forward
 * by the gap (02:30 on a spring-forward night runs at 03:30); a wall time
 * the clocks repeat runs once, at its first occurrence. */
#ifndef TEND_BASE_CRON_H
#define TEND_BASE_CRON_H

#include <stdint.h>

#include "base/status.h"

typedef struct tend_cron tend_cron; /* a parsed expression */
typedef struct tend_zone tend_zone; /* an IANA zone read from TZif */

/* Parses expr; on failure returns TEND_EPLAYBOOK with a message naming the
 * field and what it expected ("hour: 25 is out of range 0-23"). */
tend_status tend_cron_parse(const char *expr, tend_cron **out, tend_error *err);
void tend_cron_free(tend_cron *c);

/* Loads the zone `name` ("America/Sao_Paulo") from the system's tzdata
 * ($TZDIR, else /usr/share/zoneinfo). NULL, "" or "UTC" give UTC without
 * touching the disk. A name that is not a zone name (absolute, "..",
 * characters outside [A-Za-z0-9/_+-]) or not a TZif file fails with
 * TEND_EPLAYBOOK naming it. */
tend_status tend_zone_load(const char *name, tend_zone **out, tend_error *err);
void tend_zone_free(tend_zone *z);
/* The name it was loaded as ("UTC" for the default). */
const char *tend_zone_name(const tend_zone *z);

/* The first occurrence strictly after `after` (UTC seconds since the epoch)
 * in zone z (NULL = UTC), with the DST rules above applied. Fails with
 * TEND_EUSAGE for an `after` outside the years 1-9996, and TEND_EPLAYBOOK
 * for an expression that never matches (tend_cron_parse refuses those). */
tend_status tend_cron_next(const tend_cron *c, const tend_zone *z, int64_t after,
                           int64_t *next, tend_error *err);

/* UTC offset in seconds at instant t (-10800 in Sao Paulo), for printing. */
int tend_zone_offset(const tend_zone *z, int64_t t);

/* t as local ISO-8601 with its offset, "2026-03-08T03:30:00-04:00"
 * (26 bytes with the NUL); "Z" is never used, UTC prints "+00:00". */
#define TEND_ZONE_TIME_MAX 32
void tend_zone_format(const tend_zone *z, int64_t t, char out[TEND_ZONE_TIME_MAX]);

#endif
