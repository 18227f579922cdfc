/* ISO-8601 parsing/formatting and durations. */
#include "base/isotime.h"
#include "check.h"

static int parses(const char *s, int64_t want) {
    int64_t e;
    return tend_time_parse(s, strlen(s), &e) == 0 && e == want;
}

static int rejects(const char *s) {
    int64_t e;
    return tend_time_parse(s, strlen(s), &e) != 0;
}

int main(void) {
    CHECK(parses("1970-01-01", 0));
    CHECK(parses("2026-11-22T02:00:00Z", 1795312800));
    CHECK(parses("2026-11-22", 1795305600));
    CHECK(parses("2026-11-22T02:00", 1795312800));
    CHECK(parses("2026-11-22 02:00:00", 1795312800));
    CHECK(parses("2026-11-22T04:00:00+02:00", 1795312800));
    CHECK(parses("2026-11-21T21:00:00-0500", 1795312800));
    CHECK(parses("2026-11-22T02:00:00.750Z", 1795312800));
    CHECK(parses("2024-02-29", 1709164800));
    CHECK(rejects("2025-02-29"));
    CHECK(rejects("2026-13-01"));
    CHECK(rejects("2026-11-22T25:00:00Z"));
    CHECK(rejects("2026-11-22T02:00:00Q"));
    CHECK(rejects("22/11/2026"));
    CHECK(rejects(""));
    CHECK(rejects("2026-11-22T"));

    char out[21], day[11];
    tend_time_format(1795312800, out);
    CHECK_STR(out, "2026-11-22T02:00:00Z");
    tend_time_format(-1, out);
    CHECK_STR(out, "1969-12-31T23:59:59Z");
    tend_date_format(1795312800, day);
    CHECK_STR(day, "2026-11-22");

    int64_t s;
    CHECK(tend_duration_parse("7d", &s) == 0 && s == 7 * 86400);
    CHECK(tend_duration_parse("24h", &s) == 0 && s == 86400);
    CHECK(tend_duration_parse("2w", &s) == 0 && s == 14 * 86400);
    CHECK(tend_duration_parse("30m", &s) == 0 && s == 1800);
    CHECK(tend_duration_parse("3", &s) == 0 && s == 3 * 86400);
    CHECK(tend_duration_parse("7x", &s) != 0);
    CHECK(tend_duration_parse("d", &s) != 0);
    CHECK(tend_duration_parse("7dd", &s) != 0);
    /* Found by fuzz/isotime: values that do not fit an int64_t are refused. */
    CHECK(tend_duration_parse("1e40d", &s) != 0);
    CHECK(tend_duration_parse("0000000004000000000000000000000000000000000009", &s) != 0);
    CHECK(tend_duration_parse("nan", &s) != 0);
    CHECK(tend_duration_parse("inf", &s) != 0);
    return check_report();
}
