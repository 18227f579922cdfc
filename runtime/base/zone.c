/* IANA time zones from the system's compiled tzdata: a TZif file (RFC 8536,
 * versions 1-3) gives the transitions, and the POSIX TZ string of its
 * footer the rule for every time after the last one. The process's TZ and
 * localtime() are never used, so zones are plain values any thread may read. */
#include "base/zone.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/isotime.h"

#define ZONE_NAME_MAX 128
#define ZONE_FILE_MAX (1024 * 1024)

/* A day of the year in a POSIX TZ rule: Jn (1-365, no Feb 29), n (0-365),
 * or Mm.w.d (day d of week w of month m, w = 5 the last). */
typedef struct {
    char kind; /* 'J', 'N' or 'M' */
    int day, month, week, wday;
    int32_t secs; /* local time of day of the change, -167h..167h */
} zone_date;

typedef struct {
    int present, has_dst;
    int32_t std_off, dst_off; /* UTC offsets, east positive */
    zone_date start, end;     /* start in standard time, end in daylight time */
} zone_rule;

struct tend_zone {
    char name[ZONE_NAME_MAX];
    size_t ntrans, ntypes;
    int64_t *trans;       /* ascending UTC instants */
    unsigned char *index; /* type in effect from trans[i] */
    int32_t *utoff;       /* per type */
    zone_rule rule;       /* after the last transition */
    int32_t off_min, off_max;
};

static int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

/* ---- the POSIX TZ string ------------------------------------------------------------- */

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

static const char *tz_date(const char *s, zone_date *d) {
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

/* "<-03>3", "EST5EDT,M3.2.0,M11.1.0", "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0". */
static int tz_parse(const char *s, zone_rule *r) {
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
static int64_t rule_instant(const zone_date *d, int64_t y, int32_t off) {
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
static void rule_changes(const zone_rule *r, int64_t y, rule_change out[6]) {
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
    tend_civil_from_days(floor_div(t, 86400), &y, &m, &d);
    return y;
}

static int32_t rule_offset(const zone_rule *r, int64_t t) {
    if (!r->has_dst) return r->std_off;
    rule_change ch[6];
    rule_changes(r, year_of(t), ch);
    int dst = !ch[0].to_dst; /* before the first change: the state it leaves */
    for (int i = 0; i < 6 && ch[i].at <= t; i++) dst = ch[i].to_dst;
    return dst ? r->dst_off : r->std_off;
}

static int rule_after(const zone_rule *r, int64_t t, int64_t *when, int32_t *offset) {
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

/* ---- the zone ------------------------------------------------------------------------ */

/* The last transition at or before t, or -1 before the first. */
static ptrdiff_t trans_at(const tend_zone *z, int64_t t) {
    size_t lo = 0, hi = z->ntrans;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (z->trans[mid] <= t) lo = mid + 1;
        else hi = mid;
    }
    return (ptrdiff_t)lo - 1;
}

int tend_zone_offset(const tend_zone *z, int64_t t) {
    if (!z) return 0;
    ptrdiff_t i = trans_at(z, t);
    if (z->rule.present && (size_t)(i + 1) == z->ntrans && (z->ntrans == 0 || t > z->trans[i]))
        return rule_offset(&z->rule, t);
    return z->utoff[i < 0 ? 0 : z->index[i]]; /* before the first transition: type 0 (RFC 8536 3.2) */
}

int tend_zone_transition_after(const tend_zone *z, int64_t t, int64_t *when, int32_t *offset) {
    if (!z) return 0;
    ptrdiff_t i = trans_at(z, t);
    if ((size_t)(i + 1) < z->ntrans) {
        *when = z->trans[i + 1];
        *offset = z->utoff[z->index[i + 1]];
        return 1;
    }
    return z->rule.present ? rule_after(&z->rule, t, when, offset) : 0;
}

void tend_zone_offset_range(const tend_zone *z, int32_t *min, int32_t *max) {
    *min = z ? z->off_min : 0;
    *max = z ? z->off_max : 0;
}

const char *tend_zone_name(const tend_zone *z) { return z ? z->name : "UTC"; }

void tend_zone_format(const tend_zone *z, int64_t t, char out[TEND_ZONE_TIME_MAX]) {
    int32_t off = tend_zone_offset(z, t);
    int64_t local = t + off, y;
    unsigned mo, d;
    tend_civil_from_days(floor_div(local, 86400), &y, &mo, &d);
    int64_t s = local - floor_div(local, 86400) * 86400;
    int32_t a = off < 0 ? -off : off;
    int n = snprintf(out, TEND_ZONE_TIME_MAX, "%04lld-%02u-%02uT%02d:%02d:%02d%c%02d:%02d", (long long)y, mo, d,
                     (int)(s / 3600), (int)(s / 60 % 60), (int)(s % 60), off < 0 ? '-' : '+', (int)(a / 3600),
                     (int)(a / 60 % 60));
    if (a % 60 && n > 0 && n < TEND_ZONE_TIME_MAX - 3) /* local mean time: keep the seconds */
        snprintf(out + n, (size_t)(TEND_ZONE_TIME_MAX - n), ":%02d", (int)(a % 60));
}

void tend_zone_free(tend_zone *z) {
    if (!z) return;
    free(z->trans);
    free(z->index);
    free(z->utoff);
    free(z);
}

static tend_zone *zone_new(const char *name) {
    tend_zone *z = calloc(1, sizeof *z);
    if (z) snprintf(z->name, sizeof z->name, "%s", name);
    return z;
}

static tend_zone *zone_utc(void) {
    tend_zone *z = zone_new("UTC");
    if (!z) return NULL;
    z->ntypes = 1;
    if (!(z->utoff = calloc(1, sizeof *z->utoff))) {
        tend_zone_free(z);
        return NULL;
    }
    return z;
}

/* ---- TZif ---------------------------------------------------------------------------- */

static uint32_t be32(const unsigned char *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p) { return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4)); }

typedef struct {
    int version;
    uint32_t isut, isstd, leap, time, type, chars;
} tzif_header;

static int tzif_header_read(const unsigned char *p, size_t len, tzif_header *h) {
    if (len < 44 || memcmp(p, "TZif", 4)) return -1;
    h->version = p[4] ? p[4] - '0' : 1;
    h->isut = be32(p + 20), h->isstd = be32(p + 24), h->leap = be32(p + 28);
    h->time = be32(p + 32), h->type = be32(p + 36), h->chars = be32(p + 40);
    return 0;
}

/* The size of a data block whose times take tsize bytes (4 in v1, 8 after). */
static size_t tzif_block(const tzif_header *h, size_t tsize) {
    return (size_t)h->time * tsize + h->time + (size_t)h->type * 6 + h->chars + (size_t)h->leap * (tsize + 4) +
           h->isstd + h->isut;
}

tend_status tend_zone_parse(const char *name, const unsigned char *data, size_t len, tend_zone **out,
                            tend_error *err) {
    tzif_header h;
    tend_zone *z = NULL;
    const char *why = NULL;
    *out = NULL;
    if (tzif_header_read(data, len, &h)) {
        why = "not a compiled time zone file (TZif)";
        goto fail;
    }
    if (h.time > 100000 || h.type > 256 || h.chars > 100000 || h.leap > 100000 || h.isstd > 256 || h.isut > 256) {
        why = "implausible counts in the TZif header";
        goto fail;
    }
    size_t at = 44, tsize = 4;
    if (len - 44 < tzif_block(&h, 4)) {
        why = "truncated TZif data";
        goto fail;
    }
    if (h.version >= 2) { /* skip the 32-bit block: the 64-bit one follows with its own header */
        at += tzif_block(&h, 4);
        if (tzif_header_read(data + at, len - at, &h) || h.time > 100000 || h.type > 256 || h.chars > 100000 ||
            h.leap > 100000 || h.isstd > 256 || h.isut > 256) {
            why = "bad second TZif header";
            goto fail;
        }
        at += 44, tsize = 8;
        if (len - at < tzif_block(&h, 8)) {
            why = "truncated TZif data";
            goto fail;
        }
    }
    if (h.type == 0) {
        why = "no local time types";
        goto fail;
    }
    if (h.leap) {
        why = "leap-second zones (right/) are not supported";
        goto fail;
    }
    if (!(z = zone_new(name)) || !(z->utoff = calloc(h.type, sizeof *z->utoff)) ||
        (h.time && (!(z->trans = calloc(h.time, sizeof *z->trans)) || !(z->index = calloc(h.time, 1))))) {
        why = "out of memory";
        goto fail;
    }
    z->ntrans = h.time, z->ntypes = h.type;
    const unsigned char *p = data + at;
    for (size_t i = 0; i < h.time; i++, p += tsize) {
        z->trans[i] = tsize == 8 ? be64(p) : (int32_t)be32(p);
        if (i && z->trans[i] <= z->trans[i - 1]) {
            why = "transition times out of order";
            goto fail;
        }
    }
    for (size_t i = 0; i < h.time; i++, p++) {
        if (*p >= h.type) {
            why = "a transition names an unknown type";
            goto fail;
        }
        z->index[i] = *p;
    }
    for (size_t i = 0; i < h.type; i++, p += 6) {
        int32_t off = (int32_t)be32(p);
        if (off <= -90000 || off >= 93600) { /* RFC 8536: -89999..93599 */
            why = "a UTC offset out of range";
            goto fail;
        }
        z->utoff[i] = off;
    }
    at += tzif_block(&h, tsize);
    if (h.version >= 2 && at < len) { /* footer: "\n" TZ string "\n" */
        const unsigned char *nl = at + 1 < len ? memchr(data + at + 1, '\n', len - at - 1) : NULL;
        if (data[at] != '\n' || !nl) {
            why = "bad TZif footer";
            goto fail;
        }
        size_t n = (size_t)(nl - (data + at + 1));
        char tz[256];
        if (n >= sizeof tz) {
            why = "TZ string in the footer too long";
            goto fail;
        }
        memcpy(tz, data + at + 1, n);
        tz[n] = 0;
        if (n && tz_parse(tz, &z->rule)) {
            why = "unreadable TZ string in the footer";
            goto fail;
        }
    }
    z->off_min = z->off_max = z->utoff[0];
    for (size_t i = 1; i < z->ntypes; i++) {
        if (z->utoff[i] < z->off_min) z->off_min = z->utoff[i];
        if (z->utoff[i] > z->off_max) z->off_max = z->utoff[i];
    }
    if (z->rule.present) {
        int32_t o[2] = {z->rule.std_off, z->rule.dst_off};
        for (int i = 0; i < 2; i++) {
            if (o[i] < z->off_min) z->off_min = o[i];
            if (o[i] > z->off_max) z->off_max = o[i];
        }
    }
    *out = z;
    return TEND_OK;
fail:
    tend_zone_free(z);
    return tend_fail(err, TEND_EPLAYBOOK, "time zone '%s': %s", name, why);
}

/* "America/Sao_Paulo", "Etc/GMT+3", "America/Port-au-Prince": letters,
 * digits, '_', '+', '-' in '/'-separated parts, none empty, none starting
 * with '-'. No '.', so no way out of the zone folder. */
static int zone_name_ok(const char *name) {
    size_t n = strlen(name);
    if (!n || n >= ZONE_NAME_MAX - 1) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        int start = i == 0 || name[i - 1] == '/';
        if (c == '/') {
            if (start || i + 1 == n) return 0;
        } else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                     c == '+' || (c == '-' && !start)))
            return 0;
    }
    return 1;
}

tend_status tend_zone_load(const char *name, tend_zone **out, tend_error *err) {
    *out = NULL;
    if (!name || !*name || !strcmp(name, "UTC")) {
        if (!(*out = zone_utc())) return tend_fail(err, TEND_EMEMORY, "time zone: out of memory");
        return TEND_OK;
    }
    if (!zone_name_ok(name))
        return tend_fail(err, TEND_EPLAYBOOK,
                         "time zone '%s': not an IANA zone name (expected one like \"America/Sao_Paulo\")", name);
    const char *dir = getenv("TZDIR");
    if (!dir || !*dir) dir = "/usr/share/zoneinfo";
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    tend_status st = TEND_OK;
    unsigned char *data = NULL;
    FILE *f = fopen(path, "rb");
    struct stat sb;
    if (!f || fstat(fileno(f), &sb) || !S_ISREG(sb.st_mode)) {
        st = tend_fail(err, TEND_EPLAYBOOK, "time zone '%s': unknown (no such zone in %s)", name, dir);
        goto done;
    }
    if (sb.st_size > ZONE_FILE_MAX || !(data = malloc((size_t)sb.st_size + 1))) {
        st = tend_fail(err, TEND_EPLAYBOOK, "time zone '%s': %s is too large", name, path);
        goto done;
    }
    size_t len = fread(data, 1, (size_t)sb.st_size, f);
    if (ferror(f)) {
        st = tend_fail(err, TEND_EIO, "time zone '%s': %s: %s", name, path, strerror(errno));
        goto done;
    }
    st = tend_zone_parse(name, data, len, out, err);
done:
    if (f) fclose(f);
    free(data);
    return st;
}
