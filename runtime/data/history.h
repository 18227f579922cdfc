/* The history of every account: events and daily metrics loaded from
 * files, grouped by account and ordered by time, read-only once finished so
 * any number of evaluation threads share it. The timeline (what a rule sees
 * of one account) is a view into it.
 *
 * Events and metrics are two stores, each with its own account index. */
#ifndef TEND_HISTORY_H
#define TEND_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/status.h"
#include "base/strmap.h"
#include "data/record.h"

#define TEND_NONE UINT32_MAX

typedef struct {
    int64_t at;
    uint32_t type; /* index into type names */
    uint32_t user; /* offset into strings, or TEND_NONE */
    uint32_t data; /* offset of the data object's JSON text, or TEND_NONE */
} tend_event;

/* Packed: a metric file holds millions of values, and 12 bytes instead of
 * 16 each is a quarter less memory to fill while loading. */
typedef struct __attribute__((packed)) {
    uint32_t field;
    double value;
} tend_metric_value;

typedef struct {
    int64_t day;
    uint32_t first, count; /* range of values */
} tend_metric_row;

/* One account's slices of both stores (counts are 0 when it has none). */
typedef struct {
    uint32_t ev_first, ev_count, m_first, m_count;
} tend_account_history;

/* Account id -> the range of its items in one store. */
typedef struct {
    tend_strmap ids;   /* id -> index */
    char **names;      /* index -> id */
    size_t n;
    uint32_t *first, *count; /* per index, after finish */
    uint32_t last;           /* the index interned last (a cache) */
} tend_account_index;

typedef struct {
    tend_account_index ev_index, m_index;
    tend_event *events;
    size_t nevents;
    tend_metric_row *rows;
    size_t nrows;
    tend_metric_value *values;
    size_t nvalues;
    tend_strmap types, fields; /* name -> index */
    char **type_names, **field_names;
    size_t ntypes, nfields;
    tend_buf strings; /* NUL-terminated users and data JSON */
    void *staging;    /* loading state, freed by tend_history_finish */
} tend_history;

/* Counts of what loading found. */
typedef struct {
    size_t loaded, rejected;
    tend_buf report; /* "FILE:LINE: reason" per rejected line */
} tend_load_stats;

void tend_history_init(tend_history *h);
/* Loads events / metrics from path (JSONL or CSV). Malformed lines are
 * reported in st->report, counted and skipped. */
tend_status tend_history_load_events(tend_history *h, const char *path, tend_format fmt, tend_load_stats *st,
                                     tend_error *err);
tend_status tend_history_load_metrics(tend_history *h, const char *path, tend_format fmt, tend_load_stats *st,
                                      tend_error *err);
/* Loads both files (either may be NULL) and finishes h. With jobs > 1,
 * JSON Lines files are split into byte ranges loaded by that many threads
 * and joined in file order (same result, same messages). */
tend_status tend_history_load_files(tend_history *h, const char *events, const char *metrics, tend_format fmt,
                                    int jobs, tend_load_stats *ev, tend_load_stats *me, tend_error *err);
/* Adds one event / metric row given as a JSON object (tests, `tend test`). */
tend_status tend_history_add_event(tend_history *h, json_t *obj, tend_error *err);
tend_status tend_history_add_metric(tend_history *h, json_t *obj, tend_error *err);
/* Groups what was loaded by account; h is read-only afterwards. */
/* Adds what the database holds: an event (data as JSON text, may be NULL)
 * and a day's metrics (a flat JSON object of numbers). */
void tend_history_add_event_row(tend_history *h, const char *account, const char *type, int64_t at,
                                const char *user, const char *data_json);
tend_status tend_history_add_metric_row(tend_history *h, const char *account, int64_t day, const char *metrics_json,
                                        tend_error *err);
void tend_history_finish(tend_history *h);
void tend_history_free(tend_history *h);

/* Fills out with the account's slices; returns 0 if it has no history. */
int tend_history_find(const tend_history *h, const char *account_id, tend_account_history *out);
/* Index of an event type / metric field, or TEND_NONE if never seen. */
uint32_t tend_history_type(const tend_history *h, const char *name);
uint32_t tend_history_field(const tend_history *h, const char *name);
const char *tend_history_string(const tend_history *h, uint32_t off);

#endif
