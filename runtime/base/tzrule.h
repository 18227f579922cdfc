/* The POSIX TZ string of a TZif footer (RFC 8536 3.3, POSIX 8.3 with the
 * RFC's extensions: hours up to 167 and negative in rule times): the rule
 * a zone follows after the last transition its file lists. */
#ifndef TEND_BASE_TZRULE_H
#define TEND_BASE_TZRULE_H

#include <stdint.h>

/* A day of the year in a POSIX TZ rule: Jn (1-365, no Feb 29), n (0-365),
 * or Mm.w.d (day d of week w of month m, w = 5 the last). */
typedef struct {
    char kind; /* 'J', 'N' or 'M' */
    int day, month, week, wday;
    int32_t secs; /* local time of day of the change, -167h..167h */
} tend_tz_date;

typedef struct {
    int present, has_dst;
    int32_t std_off, dst_off; /* UTC offsets, east positive */
    tend_tz_date start, end;  /* start in standard time, end in daylight time */
} tend_tz_rule;

/* Parses "<-03>3", "EST5EDT,M3.2.0,M11.1.0", "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0".
 * Returns 0, or -1 when s is not such a string. */
int tend_tz_rule_parse(const char *s, tend_tz_rule *r);
/* The UTC offset the rule gives at instant t. */
int32_t tend_tz_rule_offset(const tend_tz_rule *r, int64_t t);
/* The first change strictly after t and the offset from then on; 0 when
 * the rule has no daylight time. */
int tend_tz_rule_after(const tend_tz_rule *r, int64_t t, int64_t *when, int32_t *offset);

#endif
