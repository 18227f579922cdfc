/* ISO-8601 parsing and formatting by arithmetic (no timegm, no TZ). */
#include "base/isotime.h"

#include <stdio.h>
#include <stdlib.h>

int64_t tend_days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void tend_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int digits(const char *s, size_t len, size_t at, int n, int *out) {
    if (at + (size_t)n > len) return -1;
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = s[at + (size_t)i];
        if (c < '0' || c > '9') return -1;
        v = v * 10 + (c - '0');
    }
    *out = v;
    return 0;
}

int tend_days_in_month(int64_t y, int m) {
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dm[m - 1];
}

int tend_time_parse(const char *s, size_t len, int64_t *epoch) {
    int y, mo, d, h = 0, mi = 0, sec = 0;
    if (digits(s, len, 0, 4, &y) || len < 10 || s[4] != '-' || digits(s, len, 5, 2, &mo) || s[7] != '-' ||
        digits(s, len, 8, 2, &d))
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > tend_days_in_month(y, mo)) return -1;
    size_t i = 10;
    int64_t offset = 0;
    if (i < len) {
        if (s[i] != 'T' && s[i] != ' ' && s[i] != 't') return -1;
        i++;
        if (digits(s, len, i, 2, &h) || i + 2 >= len || s[i + 2] != ':' || digits(s, len, i + 3, 2, &mi)) return -1;
        i += 5;
        if (i < len && s[i] == ':') {
            if (digits(s, len, i + 1, 2, &sec)) return -1;
            i += 3;
            if (i < len && (s[i] == '.' || s[i] == ',')) {
                i++;
                size_t start = i;
                while (i < len && s[i] >= '0' && s[i] <= '9') i++;
                if (i == start) return -1;
            }
        }
        if (h > 23 || mi > 59 || sec > 60) return -1;
        if (i < len) {
            if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == len) {
                i++;
            } else if (s[i] == '+' || s[i] == '-') {
                int oh, om = 0;
                int sign = s[i] == '-' ? -1 : 1;
                if (digits(s, len, i + 1, 2, &oh)) return -1;
                size_t j = i + 3;
                if (j < len && s[j] == ':') j++;
                if (j < len && digits(s, len, j, 2, &om)) return -1;
                if (j < len) j += 2;
                if (j != len || oh > 23 || om > 59) return -1;
                offset = sign * (oh * 3600 + om * 60);
                i = len;
            } else {
                return -1;
            }
        }
    }
    if (i != len) return -1;
    *epoch = tend_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec - offset;
    return 0;
}

static int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

void tend_time_format(int64_t epoch, char out[21]) {
    int64_t days = floor_div(epoch, 86400), rem = epoch - days * 86400, y;
    unsigned m, d;
    tend_civil_from_days(days, &y, &m, &d);
    /* Years outside 0..9999 are clamped: ISO-8601 without extensions. */
    int yy = y < 0 ? 0 : y > 9999 ? 9999 : (int)y;
    snprintf(out, 21, "%04d-%02u-%02uT%02u:%02u:%02uZ", yy, m % 13, d % 32, (unsigned)(rem / 3600) % 24,
             (unsigned)(rem / 60 % 60), (unsigned)(rem % 60));
}

void tend_date_format(int64_t epoch, char out[11]) {
    int64_t y;
    unsigned m, d;
    tend_civil_from_days(floor_div(epoch, 86400), &y, &m, &d);
    int yy = y < 0 ? 0 : y > 9999 ? 9999 : (int)y;
    snprintf(out, 11, "%04d-%02u-%02u", yy, m % 13, d % 32);
}

int tend_duration_parse(const char *s, int64_t *seconds) {
    char *end;
    double v = strtod(s, &end);
    if (end == s || v < 0) return -1;
    double unit;
    switch (*end) {
    case 0: case 'd': unit = 86400; break;
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'w': unit = 7 * 86400; break;
    default: return -1;
    }
    if (*end && end[1]) return -1;
    *seconds = (int64_t)(v * unit);
    return 0;
}
