/* Cron expressions and IANA zones: a table of expressions x zones x days
 * around daylight-saving changes against times computed independently
 * (cron_cases.h, from Python's zoneinfo by cron_cases.py), the DST rules
 * and the DOM/DOW OR rule spelled out, errors that name the field, zone
 * names that cannot leave the zone folder, and TZif files that lie. */
#include <stdlib.h>

#include "base/cron.h"
#include "base/isotime.h"
#include "base/zone.h"
#include "check.h"
#include "cron_cases.h"

static int64_t at(const char *iso) {
    int64_t t = 0;
    if (tend_time_parse(iso, strlen(iso), &t)) fprintf(stderr, "bad time in the test: %s\n", iso);
    return t;
}

/* The n-th occurrence after `from` as local ISO-8601 ("" on error). */
static const char *nth(const char *expr, const char *zone, const char *from, int n, char out[TEND_ZONE_TIME_MAX]) {
    tend_cron *c = NULL;
    tend_zone *z = NULL;
    tend_error err = {0};
    int64_t t = at(from);
    strcpy(out, "");
    if (tend_cron_parse(expr, &c, &err) || tend_zone_load(zone, &z, &err)) {
        fprintf(stderr, "%s / %s: %s\n", expr, zone, err.msg);
        goto done;
    }
    for (int i = 0; i < n; i++)
        if (tend_cron_next(c, z, t, &t, &err)) {
            fprintf(stderr, "%s: %s\n", expr, err.msg);
            goto done;
        }
    tend_zone_format(z, t, out);
done:
    tend_cron_free(c);
    tend_zone_free(z);
    return out;
}

static void table(void) {
    size_t n = sizeof cron_cases / sizeof *cron_cases;
    for (size_t i = 0; i < n; i++) {
        const struct cron_case *k = &cron_cases[i];
        tend_cron *c = NULL;
        tend_zone *z = NULL;
        tend_error err = {0};
        CHECK(tend_cron_parse(k->expr, &c, &err) == TEND_OK);
        CHECK(tend_zone_load(k->zone, &z, &err) == TEND_OK);
        if (!c || !z) {
            fprintf(stderr, "  case %zu: %s\n", i, err.msg);
            tend_cron_free(c);
            tend_zone_free(z);
            continue;
        }
        int64_t t = at(k->from);
        for (size_t j = 0; j < sizeof k->want / sizeof *k->want; j++) {
            char got[TEND_ZONE_TIME_MAX] = "";
            if (tend_cron_next(c, z, t, &t, &err) == TEND_OK) tend_zone_format(z, t, got);
            if (strcmp(got, k->want[j])) {
                fprintf(stderr, "\"%s\" in %s after %s, #%zu:\n", k->expr, k->zone, k->from, j + 1);
                CHECK_STR(got, k->want[j]);
                break;
            }
            check_passed++;
        }
        tend_cron_free(c);
        tend_zone_free(z);
    }
    printf("%zu table cases\n", n);
}

static void dst_rules(void) {
    char out[TEND_ZONE_TIME_MAX];
    /* New York springs forward at 02:00 on 2026-03-08: 02:30 runs once, at 03:30. */
    CHECK_STR(nth("30 2 * * *", "America/New_York", "2026-03-08T05:00:00Z", 1, out), "2026-03-08T03:30:00-04:00");
    CHECK_STR(nth("30 2 * * *", "America/New_York", "2026-03-08T05:00:00Z", 2, out), "2026-03-09T02:30:00-04:00");
    /* ... and falls back at 02:00 on 2026-11-01: 01:30 runs once, at the first 01:30 (EDT). */
    CHECK_STR(nth("30 1 * * *", "America/New_York", "2026-11-01T04:00:00Z", 1, out), "2026-11-01T01:30:00-04:00");
    CHECK_STR(nth("30 1 * * *", "America/New_York", "2026-11-01T04:00:00Z", 2, out), "2026-11-02T01:30:00-05:00");
    /* Asked from inside the second 01:30 hour, the first one is past: the next day. */
    CHECK_STR(nth("30 1 * * *", "America/New_York", "2026-11-01T06:10:00Z", 1, out), "2026-11-02T01:30:00-05:00");
    /* Asked after the change but before the shifted time, the shifted run still comes. */
    CHECK_STR(nth("30 2 * * *", "America/New_York", "2026-03-08T07:10:00Z", 1, out), "2026-03-08T03:30:00-04:00");
    /* Lord Howe's half-hour change: 02:15 on 2026-10-04 is skipped, runs at 02:45 (+11). */
    CHECK_STR(nth("15 2 * * *", "Australia/Lord_Howe", "2026-10-03T12:00:00Z", 1, out), "2026-10-04T02:45:00+11:00");
    /* Sao Paulo's 2018 change skipped midnight itself: a daily job ran at 01:00. */
    CHECK_STR(nth("@daily", "America/Sao_Paulo", "2018-11-03T12:00:00Z", 1, out), "2018-11-04T01:00:00-02:00");
    /* Kathmandu: +05:45 today. */
    CHECK_STR(nth("0 9 * * *", "Asia/Kathmandu", "2026-01-01T00:00:00Z", 1, out), "2026-01-01T09:00:00+05:45");
}

static void dom_dow(void) {
    char out[TEND_ZONE_TIME_MAX];
    /* Both restricted: the 13th OR a Friday. 2026-02-13 is a Friday; 2026-02-20 a Friday; 2026-03-13 too. */
    CHECK_STR(nth("0 9 13 * 5", "UTC", "2026-02-01T00:00:00Z", 1, out), "2026-02-06T09:00:00+00:00");
    CHECK_STR(nth("0 9 13 * 5", "UTC", "2026-02-01T00:00:00Z", 2, out), "2026-02-13T09:00:00+00:00");
    CHECK_STR(nth("0 9 13 * 5", "UTC", "2026-02-01T00:00:00Z", 3, out), "2026-02-20T09:00:00+00:00");
    /* The 1st or any Monday: 2026-06-01 is a Monday, then 06-08, ... 07-01 (a Wednesday). */
    CHECK_STR(nth("0 9 1 * mon", "UTC", "2026-06-28T00:00:00Z", 1, out), "2026-06-29T09:00:00+00:00");
    CHECK_STR(nth("0 9 1 * mon", "UTC", "2026-06-28T00:00:00Z", 2, out), "2026-07-01T09:00:00+00:00");
    /* A day field starting with '*' makes it AND: odd days that are Mondays. */
    CHECK_STR(nth("0 9 */2 * mon", "UTC", "2026-06-01T10:00:00Z", 1, out), "2026-06-15T09:00:00+00:00");
    /* 7 and sun are Sunday; 2026-06-07 is a Sunday. */
    CHECK_STR(nth("0 0 * * 7", "UTC", "2026-06-01T00:00:00Z", 1, out), "2026-06-07T00:00:00+00:00");
    CHECK_STR(nth("0 0 * * SUN", "UTC", "2026-06-01T00:00:00Z", 1, out), "2026-06-07T00:00:00+00:00");
    CHECK_STR(nth("0 0 * * 5-7", "UTC", "2026-06-06T00:00:00Z", 1, out), "2026-06-07T00:00:00+00:00");
    /* Names in ranges and steps. */
    CHECK_STR(nth("0 0 1 feb-dec/3 *", "UTC", "2026-01-01T00:00:00Z", 2, out), "2026-05-01T00:00:00+00:00");
    CHECK_STR(nth("@yearly", "UTC", "2026-01-01T00:00:00Z", 1, out), "2027-01-01T00:00:00+00:00");
    CHECK_STR(nth("@weekly", "UTC", "2026-06-01T00:00:00Z", 1, out), "2026-06-07T00:00:00+00:00");
    CHECK_STR(nth("0 0 29 2 *", "UTC", "2026-01-01T00:00:00Z", 1, out), "2028-02-29T00:00:00+00:00");
}

/* The parse fails with TEND_EPLAYBOOK and a message containing `part`. */
static int refuses(const char *expr, const char *part) {
    tend_cron *c = NULL;
    tend_error err = {0};
    tend_status st = tend_cron_parse(expr, &c, &err);
    int ok = st == TEND_EPLAYBOOK && !c && strstr(err.msg, part);
    if (!ok) fprintf(stderr, "\"%s\": got status %d, '%s'; want '%s'\n", expr, st, err.msg, part);
    tend_cron_free(c);
    return ok;
}

static void errors(void) {
    CHECK(refuses("0 25 * * *", "hour: 25 is out of range 0-23"));
    CHECK(refuses("60 * * * *", "minute: 60 is out of range 0-59"));
    CHECK(refuses("0 0 0 * *", "day-of-month: 0 is out of range 1-31"));
    CHECK(refuses("0 0 * 13 *", "month: 13 is out of range 1-12"));
    CHECK(refuses("0 0 * * 8", "day-of-week: 8 is out of range 0-7"));
    CHECK(refuses("0 0 * foo *", "month: 'foo' is not valid (expected a month 1-12 or jan-dec"));
    CHECK(refuses("0 0 * * fry", "day-of-week: 'fry' is not valid (expected a weekday 0-7"));
    CHECK(refuses("0 0 * * mon-", "day-of-week: 'mon-' is not valid"));
    CHECK(refuses("0 0 * jan *x", "day-of-week"));
    CHECK(refuses("*/0 * * * *", "minute: bad step in '*/0' (expected '/N' with N from 1 to 59)"));
    CHECK(refuses("5/15 * * * *", "minute: '5/15' has a step without a range"));
    CHECK(refuses("0 5-1 * * *", "hour: range 5-1 goes backwards"));
    CHECK(refuses("0 0 1,,2 * *", "day-of-month: '1,,2' is not valid"));
    CHECK(refuses("0 0 * *", "4 fields (expected 5: minute hour day-of-month month day-of-week"));
    CHECK(refuses("0 0 * * * *", "6 fields (expected 5"));
    CHECK(refuses("", "0 fields"));
    CHECK(refuses("@reboot", "unknown macro '@reboot' (expected @hourly, @daily, @weekly, @monthly or @yearly)"));
    CHECK(refuses("@daily 5", "unknown macro"));
    CHECK(refuses("0 0 30 2 *", "day-of-month: no chosen day exists in the chosen months"));
    CHECK(refuses("0 0 31 4,6,9,11 *", "day-of-month: no chosen day"));
    CHECK(refuses("0 0 99999999999 * *", "day-of-month"));
    /* The OR rule makes "30 February or any Monday" possible. */
    tend_cron *c = NULL;
    tend_error err = {0};
    CHECK(tend_cron_parse("0 0 30 2 mon", &c, &err) == TEND_OK);
    tend_cron_free(c);
    c = NULL;
    CHECK(tend_cron_parse("  @HOURLY ", &c, &err) == TEND_OK);
    tend_cron_free(c);
}

static int zone_refused(const char *name, const char *part) {
    tend_zone *z = NULL;
    tend_error err = {0};
    tend_status st = tend_zone_load(name, &z, &err);
    int ok = st == TEND_EPLAYBOOK && !z && strstr(err.msg, part);
    if (!ok) fprintf(stderr, "zone '%s': got %d '%s', want '%s'\n", name, st, err.msg, part);
    tend_zone_free(z);
    return ok;
}

static void zones(void) {
    CHECK(zone_refused("../../etc/passwd", "not an IANA zone name"));
    CHECK(zone_refused("/etc/passwd", "not an IANA zone name"));
    CHECK(zone_refused("America/../../../etc/passwd", "not an IANA zone name"));
    CHECK(zone_refused("America//New_York", "not an IANA zone name"));
    CHECK(zone_refused("America/New_York/", "not an IANA zone name"));
    CHECK(zone_refused("-rf", "not an IANA zone name"));
    CHECK(zone_refused("Mars/Olympus_Mons", "unknown"));
    CHECK(zone_refused("America", "unknown")); /* a folder, not a zone */
    tend_zone *z = NULL;
    tend_error err = {0};
    CHECK(tend_zone_load(NULL, &z, &err) == TEND_OK && !strcmp(tend_zone_name(z), "UTC"));
    CHECK(tend_zone_offset(z, 0) == 0);
    tend_zone_free(z);
    z = NULL;
    CHECK(tend_zone_load("Etc/GMT+3", &z, &err) == TEND_OK && tend_zone_offset(z, 0) == -3 * 3600);
    tend_zone_free(z);
    z = NULL;
    CHECK(tend_zone_load("America/Port-au-Prince", &z, &err) == TEND_OK);
    tend_zone_free(z);
    z = NULL;
    /* Offsets straight from the file and from its footer rule (2091 is past any table). */
    CHECK(tend_zone_load("America/Sao_Paulo", &z, &err) == TEND_OK);
    CHECK(tend_zone_offset(z, at("2026-07-01T00:00:00Z")) == -3 * 3600);
    CHECK(tend_zone_offset(z, at("2018-12-01T00:00:00Z")) == -2 * 3600);
    CHECK(tend_zone_offset(z, at("1900-01-01T00:00:00Z")) == -(3 * 3600 + 6 * 60 + 28)); /* local mean time */
    char out[TEND_ZONE_TIME_MAX];
    tend_zone_format(z, at("1900-01-01T00:00:00Z"), out);
    CHECK_STR(out, "1899-12-31T20:53:32-03:06:28");
    tend_zone_free(z);
    z = NULL;
    CHECK(tend_zone_load("America/New_York", &z, &err) == TEND_OK);
    CHECK(tend_zone_offset(z, at("2091-03-11T06:59:59Z")) == -5 * 3600);
    CHECK(tend_zone_offset(z, at("2091-03-11T07:00:00Z")) == -4 * 3600);
    CHECK(tend_zone_offset(z, at("2091-11-04T05:59:59Z")) == -4 * 3600);
    CHECK(tend_zone_offset(z, at("2091-11-04T06:00:00Z")) == -5 * 3600);
    tend_zone_free(z);
    z = NULL;
    CHECK(tend_zone_load("Australia/Lord_Howe", &z, &err) == TEND_OK);
    CHECK(tend_zone_offset(z, at("2091-07-01T00:00:00Z")) == 10 * 3600 + 1800);
    CHECK(tend_zone_offset(z, at("2091-12-01T00:00:00Z")) == 11 * 3600);
    tend_zone_free(z);
}

/* TZif images that lie about their sizes are refused, never read past. */
static void bad_tzif(void) {
    tend_zone *z = NULL;
    tend_error err = {0};
    unsigned char buf[200] = "TZif2";
    CHECK(tend_zone_parse("x", (const unsigned char *)"TZ", 2, &z, &err) == TEND_EPLAYBOOK && !z);
    CHECK(tend_zone_parse("x", buf, 44, &z, &err) == TEND_EPLAYBOOK && strstr(err.msg, "bad second TZif header"));
    unsigned char empty[44] = "TZif";
    CHECK(tend_zone_parse("x", empty, sizeof empty, &z, &err) == TEND_EPLAYBOOK &&
          strstr(err.msg, "no local time types"));
    buf[35] = 200; /* 200 transitions in a 200-byte file */
    buf[39] = 1;
    CHECK(tend_zone_parse("x", buf, sizeof buf, &z, &err) == TEND_EPLAYBOOK && strstr(err.msg, "truncated"));
    memset(buf + 20, 0xff, 24); /* counts of four billion */
    CHECK(tend_zone_parse("x", buf, sizeof buf, &z, &err) == TEND_EPLAYBOOK && strstr(err.msg, "implausible"));
    /* A v1 file: one type, +01:00, no transitions; footer absent. */
    unsigned char v1[54] = "TZif";
    v1[39] = 1, v1[43] = 4;
    v1[44 + 2] = 0x0e, v1[44 + 3] = 0x10;
    CHECK(tend_zone_parse("v1", v1, sizeof v1, &z, &err) == TEND_OK && tend_zone_offset(z, 0) == 3600);
    tend_zone_free(z);
}

/* Until tests/fuzz exists: a fixed-seed mutation loop over a real TZif file
 * and over expressions built from cron's alphabet. Nothing may crash, hang
 * or read out of bounds (run under ASan); whatever parses must answer. */
static uint64_t rng = 0x9E3779B97F4A7C15u;
static uint64_t next_rand(void) {
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return rng;
}

static void mutations(void) {
    FILE *f = fopen("/usr/share/zoneinfo/America/New_York", "rb");
    unsigned char orig[8192], buf[8192];
    size_t len = f ? fread(orig, 1, sizeof orig, f) : 0;
    if (f) fclose(f);
    CHECK(len > 100);
    int parsed = 0;
    for (int round = 0; round < 3000 && len; round++) {
        memcpy(buf, orig, len);
        size_t n = len;
        for (int k = 1 + (int)(next_rand() % 4); k > 0; k--) buf[next_rand() % n] = (unsigned char)next_rand();
        if (round % 3 == 0) n = next_rand() % len; /* truncated too */
        tend_zone *z = NULL;
        tend_error err = {0};
        if (tend_zone_parse("fuzz", buf, n, &z, &err) == TEND_OK) {
            parsed++;
            int64_t t = (int64_t)(next_rand() % 4000000000u) - 1000000000;
            (void)tend_zone_offset(z, t);
            tend_cron *c = NULL;
            if (tend_cron_parse("*/7 1-3 * * *", &c, &err) == TEND_OK) {
                int64_t nx;
                CHECK(tend_cron_next(c, z, t, &nx, &err) != TEND_OK || nx > t);
            }
            tend_cron_free(c);
            tend_zone_free(z);
        } else CHECK(z == NULL && err.msg[0]);
    }
    CHECK(parsed > 0);
    static const char alphabet[] = "0123456789*/-, @abcdefghijklmnopqrstuvwxyz\t";
    int ok = 0;
    for (int round = 0; round < 20000; round++) {
        char expr[40];
        size_t n = next_rand() % (sizeof expr - 1);
        for (size_t i = 0; i < n; i++) expr[i] = alphabet[next_rand() % (sizeof alphabet - 1)];
        expr[n] = 0;
        if (round % 2) { /* mostly well-formed: five fields of digits and operators */
            int lo = (int)(next_rand() % 62), d1 = 1 + (int)(next_rand() % 31);
            snprintf(expr, sizeof expr, "%d-%d */%d %d-%d * %d,%d", lo, lo + (int)(next_rand() % 8),
                     (int)(next_rand() % 25), d1, d1 + (int)(next_rand() % 5), (int)(next_rand() % 9),
                     (int)(next_rand() % 8));
        }
        tend_cron *c = NULL;
        tend_error err = {0};
        if (tend_cron_parse(expr, &c, &err) == TEND_OK) {
            int64_t nx;
            ok++;
            CHECK(tend_cron_next(c, NULL, 1795312800, &nx, &err) == TEND_OK && nx > 1795312800);
        } else CHECK(c == NULL && strstr(err.msg, "cron"));
        tend_cron_free(c);
    }
    CHECK(ok > 0);
    printf("mutations: %d of 3000 damaged zone files parsed, %d of 20000 expressions\n", parsed, ok);
    /* Instants tend cannot print are refused, not overflowed. */
    tend_cron *c = NULL;
    tend_error err = {0};
    int64_t nx;
    CHECK(tend_cron_parse("@daily", &c, &err) == TEND_OK);
    CHECK(tend_cron_next(c, NULL, INT64_MAX, &nx, &err) == TEND_EUSAGE);
    CHECK(tend_cron_next(c, NULL, INT64_MIN, &nx, &err) == TEND_EUSAGE);
    tend_cron_free(c);
}

int main(void) {
    table();
    mutations();
    dst_rules();
    dom_dow();
    errors();
    zones();
    bad_tzif();
    return check_report();
}
