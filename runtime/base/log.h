/* Structured logs for operators: one line per event, as text for a
 * terminal or as JSON Lines for a log pipeline (`--log-format text|json`),
 * to the stream the logger was made with (stderr). A logger is an object
 * handed to what logs: no hidden global. A NULL logger logs nothing.
 *
 * JSON: {"ts":"2026-11-22T02:00:00.123Z","level":"info","msg":"…",
 *        "tenant":"acme","run":42,…}
 * text: 2026-11-22T02:00:00.123Z info msg tenant=acme run=42
 *
 * What goes in a field is the caller's promise: ids, counts, durations,
 * statuses; never a secret (tokens, passwords, URLs with credentials) nor
 * customer data beyond ids. Lines from several threads never interleave. */
#ifndef TEND_BASE_LOG_H
#define TEND_BASE_LOG_H

#include <stddef.h>
#include <stdio.h>

typedef enum { TEND_LOG_DEBUG, TEND_LOG_INFO, TEND_LOG_WARN, TEND_LOG_ERROR } tend_log_level;
typedef enum { TEND_LOG_TEXT, TEND_LOG_JSON } tend_log_format;

typedef enum { TEND_LOG_FIELD_STR, TEND_LOG_FIELD_INT, TEND_LOG_FIELD_NUM } tend_log_field_kind;
typedef struct {
    const char *key;
    tend_log_field_kind kind;
    const char *str; /* NULL: the field is left out */
    long long i;
    double num;
} tend_log_field;

#define TEND_LOG_S(k, v) ((tend_log_field){.key = (k), .kind = TEND_LOG_FIELD_STR, .str = (v)})
#define TEND_LOG_I(k, v) ((tend_log_field){.key = (k), .kind = TEND_LOG_FIELD_INT, .i = (long long)(v)})
#define TEND_LOG_N(k, v) ((tend_log_field){.key = (k), .kind = TEND_LOG_FIELD_NUM, .num = (double)(v)})

typedef struct tend_log tend_log;

/* Logs at `min` and above to out (not closed by tend_log_free). */
tend_log *tend_log_new(FILE *out, tend_log_format format, tend_log_level min);
void tend_log_free(tend_log *l);

/* "text" or "json"; "debug", "info", "warn", "error". Return 0 on success. */
int tend_log_format_parse(const char *s, tend_log_format *out);
int tend_log_level_parse(const char *s, tend_log_level *out);

void tend_log_emit(tend_log *l, tend_log_level level, const char *msg, const tend_log_field *fields, size_t n);

/* A line without fields. */
#define tend_log_msg(l, level, msg) tend_log_emit((l), (level), (msg), NULL, 0)
/* tend_log(l, TEND_LOG_INFO, "run finished", TEND_LOG_S("tenant", t), TEND_LOG_I("run", id)); */
#define tend_log(l, level, msg, ...)                                                                             \
    tend_log_emit((l), (level), (msg), (const tend_log_field[]){__VA_ARGS__},                                    \
                  sizeof((const tend_log_field[]){__VA_ARGS__}) / sizeof(tend_log_field))

#endif
