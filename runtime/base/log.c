/* Structured logs (see log.h): each line is built in a buffer, then
 * written with one fwrite under the stream's lock, so threads never
 * interleave. */
#include "base/log.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/jsontext.h"

struct tend_log {
    FILE *out;
    tend_log_format format;
    tend_log_level min;
};

static const char *const level_name[] = {"debug", "info", "warn", "error"};

tend_log *tend_log_new(FILE *out, tend_log_format format, tend_log_level min) {
    tend_log *l = malloc(sizeof *l);
    if (!l) abort();
    *l = (tend_log){out, format, min};
    return l;
}

void tend_log_free(tend_log *l) { free(l); }

int tend_log_format_parse(const char *s, tend_log_format *out) {
    if (!strcmp(s, "text")) *out = TEND_LOG_TEXT;
    else if (!strcmp(s, "json")) *out = TEND_LOG_JSON;
    else return -1;
    return 0;
}

int tend_log_level_parse(const char *s, tend_log_level *out) {
    for (int i = 0; i < 4; i++)
        if (!strcmp(s, level_name[i])) {
            *out = (tend_log_level)i;
            return 0;
        }
    return -1;
}

/* Now, UTC, to the millisecond: 2026-11-22T02:00:00.123Z. */
static void timestamp(tend_buf *b) {
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    tend_buf_printf(b, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                    tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
}

/* Text that is not UTF-8 is logged with its bad bytes as '?': a log line
 * must stay valid JSON whatever a caller passes. */
static void json_str(tend_buf *b, const char *s) {
    size_t len = strlen(s);
    if (tend_utf8_valid(s, len)) {
        tend_json_quote(b, s, len);
        return;
    }
    char *t = malloc(len + 1);
    if (!t) abort();
    for (size_t i = 0; i <= len; i++) t[i] = (unsigned char)s[i] >= 0x80 ? '?' : s[i];
    tend_json_quote(b, t, len);
    free(t);
}

static void number(tend_buf *b, double v) {
    if (!isfinite(v)) tend_buf_adds(b, "null");
    else tend_buf_printf(b, "%.6g", v);
}

/* A text value is quoted when it holds a space, a quote or '='. */
static void text_str(tend_buf *b, const char *s) {
    if (*s && !strpbrk(s, " \t\n\"=")) {
        tend_buf_adds(b, s);
        return;
    }
    json_str(b, s);
}

void tend_log_emit(tend_log *l, tend_log_level level, const char *msg, const tend_log_field *fields, size_t n) {
    if (!l || level < l->min) return;
    tend_buf b = {0};
    int json = l->format == TEND_LOG_JSON;
    if (json) {
        tend_buf_adds(&b, "{\"ts\":\"");
        timestamp(&b);
        tend_buf_printf(&b, "\",\"level\":\"%s\",\"msg\":", level_name[level]);
        json_str(&b, msg);
    } else {
        timestamp(&b);
        tend_buf_printf(&b, " %s %s", level_name[level], msg);
    }
    for (size_t i = 0; i < n; i++) {
        const tend_log_field *f = &fields[i];
        if (f->kind == TEND_LOG_FIELD_STR && !f->str) continue;
        if (json) {
            tend_buf_addc(&b, ',');
            json_str(&b, f->key);
            tend_buf_addc(&b, ':');
        } else {
            tend_buf_printf(&b, " %s=", f->key);
        }
        switch (f->kind) {
        case TEND_LOG_FIELD_STR:
            if (json) json_str(&b, f->str);
            else text_str(&b, f->str);
            break;
        case TEND_LOG_FIELD_INT: tend_buf_printf(&b, "%lld", f->i); break;
        case TEND_LOG_FIELD_NUM: number(&b, f->num); break;
        }
    }
    tend_buf_adds(&b, json ? "}\n" : "\n");
    flockfile(l->out);
    fwrite(b.data, 1, b.len, l->out);
    fflush(l->out);
    funlockfile(l->out);
    tend_buf_free(&b);
}
