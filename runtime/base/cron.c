/* Cron expressions (Vixie cron's five fields) and their next occurrence in
 * an IANA zone. A schedule's occurrences are the instants of its matching
 * wall times: a wall time the clocks skip is read with the offset before
 * the change (shifted forward by the gap), a repeated one at its first
 * instant; next() is the earliest such instant after a given one. */
#include "base/cron.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/isotime.h"
#include "base/zone.h"

struct tend_cron {
    uint64_t minute; /* bit n: minute n (0-59) */
    uint32_t hour;   /* 0-23 */
    uint32_t dom;    /* 1-31 */
    uint16_t month;  /* 1-12 */
    uint8_t dow;     /* 0-6, Sunday 0 (7 folds into 0) */
    /* A field written from '*' (also with a step): Vixie cron then requires
     * both day fields to match; when both are restricted, either may. */
    int dom_star, dow_star;
};

typedef struct {
    const char *name;
    int lo, hi;
    const char *const *names; /* names[i] stands for lo + i */
    const char *expects;
} cron_field;

static const char *const month_names[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                          "jul", "aug", "sep", "oct", "nov", "dec", NULL};
static const char *const wday_names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL};

static const cron_field fields[5] = {
    {"minute", 0, 59, NULL, "a minute 0-59"},
    {"hour", 0, 23, NULL, "an hour 0-23"},
    {"day-of-month", 1, 31, NULL, "a day of the month 1-31"},
    {"month", 1, 12, month_names, "a month 1-12 or jan-dec"},
    {"day-of-week", 0, 7, wday_names, "a weekday 0-7 or sun-sat"},
};

static const struct {
    const char *name, *expr;
} macros[] = {
    {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
    {"@weekly", "0 0 * * 0"}, {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
    {"@hourly", "0 * * * *"},
};

#define CRON_FIELDS "minute hour day-of-month month day-of-week"
#define CRON_MACROS "@hourly, @daily, @weekly, @monthly or @yearly"

/* A number or (for month and weekday) a three-letter name; advances *s. */
static int field_value(const cron_field *f, const char **s, int *out) {
    const char *p = *s;
    if (isdigit((unsigned char)*p)) {
        long v = 0;
        while (isdigit((unsigned char)*p) && v < 1000) v = v * 10 + (*p++ - '0');
        if (isdigit((unsigned char)*p)) return -1;
        *out = (int)v, *s = p;
        return 0;
    }
    if (!f->names || !isalpha((unsigned char)p[0]) || !isalpha((unsigned char)p[1]) ||
        !isalpha((unsigned char)p[2]) || isalpha((unsigned char)p[3]))
        return -1;
    for (int i = 0; f->names[i]; i++)
        if (tolower((unsigned char)p[0]) == f->names[i][0] && tolower((unsigned char)p[1]) == f->names[i][1] &&
            tolower((unsigned char)p[2]) == f->names[i][2]) {
            *out = f->lo + i, *s = p + 3;
            return 0;
        }
    return -1;
}

/* One field: items separated by ',', each '*', N, N-M, '*' or N-M with
 * '/STEP'. Sets bits lo..hi in *bits. */
static tend_status field_parse(const cron_field *f, const char *text, size_t len, uint64_t *bits, int *star,
                               const char *expr, tend_error *err) {
    char buf[128];
    if (len >= sizeof buf)
        return tend_fail(err, TEND_EPLAYBOOK, "cron \"%s\": %s: too long (expected %s)", expr, f->name, f->expects);
    memcpy(buf, text, len);
    buf[len] = 0;
    *bits = 0;
    *star = buf[0] == '*';
    const char *s = buf;
    for (;;) {
        const char *item = s;
        int lo, hi, step = 1, single = 0;
        if (*s == '*') lo = f->lo, hi = f->hi, s++;
        else {
            if (field_value(f, &s, &lo))
                goto expected;
            hi = lo, single = 1;
            if (*s == '-') {
                s++;
                if (field_value(f, &s, &hi)) goto expected;
                single = 0;
            }
        }
        if (*s == '/') {
            s++;
            if (single)
                return tend_fail(err, TEND_EPLAYBOOK,
                                 "cron \"%s\": %s: '%.*s' has a step without a range (expected '*/N' or 'A-B/N')",
                                 expr, f->name, (int)(strcspn(item, ",")), item);
            long v = 0;
            if (!isdigit((unsigned char)*s)) goto expected_step;
            while (isdigit((unsigned char)*s) && v < 1000) v = v * 10 + (*s++ - '0');
            if (v < 1 || v > f->hi) goto expected_step;
            step = (int)v;
        }
        if (*s && *s != ',') goto expected;
        if (lo < f->lo || lo > f->hi || hi < f->lo || hi > f->hi)
            return tend_fail(err, TEND_EPLAYBOOK, "cron \"%s\": %s: %d is out of range %d-%d (expected %s)", expr,
                             f->name, lo < f->lo || lo > f->hi ? lo : hi, f->lo, f->hi, f->expects);
        if (lo > hi)
            return tend_fail(err, TEND_EPLAYBOOK, "cron \"%s\": %s: range %d-%d goes backwards (expected low-high)",
                             expr, f->name, lo, hi);
        for (int v = lo; v <= hi; v += step) *bits |= (uint64_t)1 << v;
        if (!*s) break;
        s++;
    }
    return TEND_OK;
expected:
    return tend_fail(err, TEND_EPLAYBOOK, "cron \"%s\": %s: '%.*s' is not valid (expected %s, a range A-B, a list, "
                     "'*' or a step '/N')", expr, f->name, (int)len, text, f->expects);
expected_step:
    return tend_fail(err, TEND_EPLAYBOOK, "cron \"%s\": %s: bad step in '%.*s' (expected '/N' with N from 1 to %d)",
                     expr, f->name, (int)len, text, f->hi);
}

/* Whether some chosen day of the month exists in some chosen month (the
 * days must match when a day field is '*'-based: "0 0 30 2 *" never runs). */
static int days_possible(const tend_cron *c) {
    if (!c->dom_star && !c->dow_star) return 1; /* a weekday always comes */
    for (int m = 1; m <= 12; m++)
        if (c->month >> m & 1)
            for (int d = 1; d <= (m == 2 ? 29 : tend_days_in_month(2001, m)); d++)
                if (c->dom >> d & 1) return 1;
    return 0;
}

tend_status tend_cron_parse(const char *expr, tend_cron **out, tend_error *err) {
    *out = NULL;
    if (!expr) return tend_fail(err, TEND_EPLAYBOOK, "cron: no expression (expected 5 fields: " CRON_FIELDS ")");
    const char *text = expr;
    while (isspace((unsigned char)*text)) text++;
    if (*text == '@') {
        size_t n = strcspn(text, " \t\r\n");
        const char *rest = text + n;
        while (isspace((unsigned char)*rest)) rest++;
        const char *found = NULL;
        for (size_t i = 0; i < sizeof macros / sizeof *macros; i++)
            if (strlen(macros[i].name) == n && !strncasecmp(text, macros[i].name, n)) found = macros[i].expr;
        if (!found || *rest)
            return tend_fail(err, TEND_EPLAYBOOK, "cron \"%s\": unknown macro '%.*s' (expected " CRON_MACROS ")",
                             expr, (int)n, text);
        text = found;
    }
    const char *start[6];
    size_t len[6];
    int n = 0;
    for (const char *p = text; *p;) {
        while (isspace((unsigned char)*p)) p++;
        if (!*p) break;
        const char *b = p;
        while (*p && !isspace((unsigned char)*p)) p++;
        if (n < 6) start[n] = b, len[n] = (size_t)(p - b);
        n++;
    }
    if (n != 5)
        return tend_fail(err, TEND_EPLAYBOOK,
                         "cron \"%s\": %d field%s (expected 5: " CRON_FIELDS ", or " CRON_MACROS ")", expr, n,
                         n == 1 ? "" : "s");
    tend_cron *c = calloc(1, sizeof *c);
    if (!c) return tend_fail(err, TEND_EMEMORY, "cron: out of memory");
    uint64_t bits[5];
    int star[5];
    for (int i = 0; i < 5; i++) {
        tend_status st = field_parse(&fields[i], start[i], len[i], &bits[i], &star[i], expr, err);
        if (st) {
            free(c);
            return st;
        }
    }
    c->minute = bits[0], c->hour = (uint32_t)bits[1], c->dom = (uint32_t)bits[2], c->month = (uint16_t)bits[3];
    c->dow = (uint8_t)((bits[4] | bits[4] >> 7) & 0x7f); /* 7 is Sunday too */
    c->dom_star = star[2], c->dow_star = star[4];
    if (!days_possible(c)) {
        free(c);
        return tend_fail(err, TEND_EPLAYBOOK,
                         "cron \"%s\": day-of-month: no chosen day exists in the chosen months (expected a day that "
                         "some chosen month has)", expr);
    }
    *out = c;
    return TEND_OK;
}

void tend_cron_free(tend_cron *c) { free(c); }

static int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

static int day_matches(const tend_cron *c, int64_t days, unsigned d) {
    int wday = (int)(((days % 7) + 7 + 4) % 7); /* 1970-01-01 was a Thursday */
    int dom = c->dom >> d & 1, dow = c->dow >> wday & 1;
    return c->dom_star || c->dow_star ? dom && dow : dom || dow;
}

/* The lowest set bit >= from, or -1. */
static int bit_from(uint64_t bits, int from) {
    if (from > 63) return -1;
    bits &= ~(uint64_t)0 << from;
    return bits ? __builtin_ctzll(bits) : -1;
}

/* The first matching wall time (local seconds, as if UTC) at or after
 * wall; days_possible() guarantees one within a few years. */
static int wall_next(const tend_cron *c, int64_t wall, int64_t *out) {
    int64_t mins = floor_div(wall + 59, 60), days = floor_div(mins, 1440);
    int hour = (int)(mins - days * 1440) / 60, minute = (int)(mins - days * 1440) % 60;
    int64_t y;
    unsigned m, d;
    tend_civil_from_days(days, &y, &m, &d);
    for (int guard = 0; guard < 50000; guard++) {
        if (!(c->month >> m & 1)) { /* the first of the next month */
            days += tend_days_in_month(y, (int)m) - (int)d + 1;
            if (++m > 12) m = 1, y++;
            d = 1, hour = 0, minute = 0;
            continue;
        }
        if (!day_matches(c, days, d)) {
            days++, hour = 0, minute = 0;
            if ((int)++d > tend_days_in_month(y, (int)m)) {
                d = 1;
                if (++m > 12) m = 1, y++;
            }
            continue;
        }
        int h = bit_from(c->hour, hour);
        if (h >= 0 && h != hour) minute = 0;
        int mi = h >= 0 ? bit_from(c->minute, minute) : -1;
        if (mi < 0) { /* nothing left today in this hour or later: try the next hour, else tomorrow */
            if (h >= 0 && h < 23) {
                hour = h + 1, minute = 0;
                continue;
            }
            days++, hour = 0, minute = 0;
            if ((int)++d > tend_days_in_month(y, (int)m)) {
                d = 1;
                if (++m > 12) m = 1, y++;
            }
            continue;
        }
        *out = days * 86400 + (int64_t)h * 3600 + (int64_t)mi * 60;
        return 0;
    }
    return -1;
}

/* The instant of wall time `wall` in z: the first one when the wall time
 * comes twice, and when the clocks skip it, the wall time read with the
 * offset before the change (02:30 on a spring-forward night is 03:30). */
static int64_t wall_instant(const tend_zone *z, int64_t wall) {
    int32_t omin, omax;
    tend_zone_offset_range(z, &omin, &omax);
    int64_t start = wall - omax; /* every answer lies in [wall - omax, wall - omin] */
    int32_t off = tend_zone_offset(z, start), next_off;
    int64_t change;
    for (int guard = 0; guard < 64; guard++) {
        int64_t t = wall - off;
        if (!tend_zone_transition_after(z, start, &change, &next_off) || t < change) return t;
        if (wall - next_off < change) return t; /* skipped: after the change, with the old offset */
        start = change, off = next_off;
    }
    return wall - off;
}

/* Years 1-9999: what ISO-8601 can print, and far from overflowing. */
#define CRON_FIRST ((int64_t)-62135596800)
#define CRON_LAST ((int64_t)253402300799)

tend_status tend_cron_next(const tend_cron *c, const tend_zone *z, int64_t after, int64_t *next, tend_error *err) {
    if (after < CRON_FIRST || after > CRON_LAST - 3 * 366 * 86400)
        return tend_fail(err, TEND_EUSAGE, "cron: %lld is outside the years 1-9996", (long long)after);
    int32_t omin, omax;
    tend_zone_offset_range(z, &omin, &omax);
    /* Wall times are not monotonic in instants around a change (02:30 skipped
     * is later than 03:00), so take the earliest instant over every wall
     * time that can land after `after`, stopping once none can beat it. */
    int64_t wall = after + omin + 1, best = 0;
    int found = 0;
    for (;;) {
        if (wall_next(c, wall, &wall))
            return tend_fail(err, TEND_EPLAYBOOK, "cron: no occurrence within a century after %lld", (long long)after);
        if (found && wall - omax >= best) break;
        int64_t t = wall_instant(z, wall);
        if (t > after && (!found || t < best)) best = t, found = 1;
        wall += 60;
    }
    *next = best;
    return TEND_OK;
}
