/* The POSIX TZ rule of a zone's footer (tzrule.h): parsed once, then the
 * offset at any instant and the next change, computed for the years around
 * it. */
#include "base/tzrule.h"

#include <string.h>

#include "base/isotime.h"

static const char *tz_name(const char *s) {
    if (*s == '<') {
        const char *e = strchr(s, '>');
        return e && e - s >= 4 ? e + 1 : NULL;
    }
    const char *p = s;
    while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')) p++;
    return p - s >= 3 ? p : NULL;
}

/* [+-]hh[:mm[:ss]] with hours up to max_h; returns the end or NULL. */
static const char *tz_hms(const char *s, int max_h, int32_t *out) {
    int sign = 1, h = 0, m = 0, sec = 0, n = 0;
    if (*s == '+' || *s == '-') sign = *s++ == '-' ? -1 : 1;
    while (*s >= '0' && *s <= '9' && n < 3) h = h * 10 + (*s++ - '0'), n++;
    if (!n || h > max_h) return NULL;
    for (int part = 0; part < 2 && *s == ':'; part++) {
        s++;
        if (s[0] < '0' || s[0] > '5' || s[1] < '0' || s[1] > '9') return NULL;
        int v = (s[0] - '0') * 10 + (s[1] - '0');
        if (part == 0) m = v;
        else sec = v;
        s += 2;
    }
    *out = sign * (h * 3600 + m * 60 + sec);
    return s;
}

static const char *tz_number(const char *s, int lo, int hi, int *out) {
    int v = 0, n = 0;
    while (*s >= '0' && *s <= '9' && n < 4) v = v * 10 + (*s++ - '0'), n++;
    if (!n || v < lo || v > hi) return NULL;
    *out = v;
    return s;
}

static const char *tz_date(const char *s, tend_tz_date *d) {
    memset(d, 0, sizeof *d);
    d->secs = 7200; /* 02:00 by default */
    if (*s == 'J') {
        d->kind = 'J';
        s = tz_number(s + 1, 1, 365, &d->day);
    } else if (*s == 'M') {
        d->kind = 'M';
        s = tz_number(s + 1, 1, 12, &d->month);
        if (s && *s == '.') s = tz_number(s + 1, 1, 5, &d->week);
        else s = NULL;
        if (s && *s == '.') s = tz_number(s + 1, 0, 6, &d->wday);
        else s = NULL;
    } else {
        d->kind = 'N';
        s = tz_number(s, 0, 365, &d->day);
    }
    if (s && *s == '/') s = tz_hms(s + 1, 167, &d->secs);
    return s;
}

int tend_tz_rule_parse(const char *s, tend_tz_rule *r) {
    int32_t off;
    memset(r, 0, sizeof *r);
    if (!(s = tz_name(s)) || !(s = tz_hms(s, 24, &off))) return -1;
    r->std_off = r->dst_off = -off; /* POSIX offsets are west-positive */
    r->present = 1;
    if (!*s) return 0;
    if (!(s = tz_name(s))) return -1;
    r->has_dst = 1;
    r->dst_off = r->std_off + 3600;
    if (*s && *s != ',') {
        if (!(s = tz_hms(s, 24, &off))) return -1;
        r->dst_off = -off;
    }
    if (!*s) { /* no rule: the US rule, as glibc assumes */
        s = ",M3.2.0,M11.1.0";
    }
    if (*s != ',' || !(s = tz_date(s + 1, &r->start)) || *s != ',' || !(s = tz_date(s + 1, &r->end))) return -1;
    return *s ? -1 : 0;
}

/* The instant (UTC) of date d in year y, its local time read with offset off. */
static int64_t rule_instant(const tend_tz_date *d, int64_t y, int32_t off) {
    int64_t jan1 = tend_days_from_civil(y, 1, 1), day;
    int leap = tend_days_in_month(y, 2) == 29;
    if (d->kind == 'J') day = jan1 + d->day - 1 + (leap && d->day >= 60);
    else if (d->kind == 'N') day = jan1 + d->day;
    else {
        int64_t first = tend_days_from_civil(y, (unsigned)d->month, 1);
        int wday1 = (int)((first % 7 + 7 + 4) % 7); /* 1970-01-01 was a Thursday */
        day = first + (d->wday - wday1 + 7) % 7 + (int64_t)(d->week - 1) * 7;
        while (day >= first + tend_days_in_month(y, d->month)) day -= 7;
    }
    return day * 86400 + d->secs - off;
}

typedef struct {
    int64_t at;
    int to_dst;
} rule_change;

/* The changes of years y-1..y+1, in time order; at one instant an end sorts
 * before a start, so a zone on daylight time all year stays on it. */
static void rule_changes(const tend_tz_rule *r, int64_t y, rule_change out[6]) {
    for (int i = 0; i < 3; i++) {
        out[2 * i] = (rule_change){rule_instant(&r->start, y - 1 + i, r->std_off), 1};
        out[2 * i + 1] = (rule_change){rule_instant(&r->end, y - 1 + i, r->dst_off), 0};
    }
    for (int i = 1; i < 6; i++)
        for (int j = i; j > 0 && (out[j].at < out[j - 1].at || (out[j].at == out[j - 1].at && !out[j].to_dst));
             j--) {
            rule_change tmp = out[j];
            out[j] = out[j - 1], out[j - 1] = tmp;
        }
}

static int64_t year_of(int64_t t) {
    int64_t y;
    unsigned m, d;
    tend_civil_from_days(tend_floor_div(t, 86400), &y, &m, &d);
    return y;
}

int32_t tend_tz_rule_offset(const tend_tz_rule *r, int64_t t) {
    if (!r->has_dst) return r->std_off;
    rule_change ch[6];
    rule_changes(r, year_of(t), ch);
    int dst = !ch[0].to_dst; /* before the first change: the state it leaves */
    for (int i = 0; i < 6 && ch[i].at <= t; i++) dst = ch[i].to_dst;
    return dst ? r->dst_off : r->std_off;
}

int tend_tz_rule_after(const tend_tz_rule *r, int64_t t, int64_t *when, int32_t *offset) {
    if (!r->has_dst) return 0;
    rule_change ch[6];
    rule_changes(r, year_of(t), ch);
    for (int i = 0; i < 6; i++)
        if (ch[i].at > t) {
            *when = ch[i].at;
            *offset = ch[i].to_dst ? r->dst_off : r->std_off;
            return 1;
        }
    return 0;
}
