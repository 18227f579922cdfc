/* The history of every account: events and daily metrics loaded from
 * files, grouped by account and ordered by time, read-only once loaded so
 * any number of evaluation threads share it. The timeline (what a rule sees
 * of one account) is a view into it. */
#ifndef TEND_HISTORY_H
#define TEND_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/status.h"
#include "base/strmap.h"
#include "eval/record.h"

#define TEND_NONE UINT32_MAX

typedef struct {
    int64_t at;
    uint32_t type; /* index into type names */
    uint32_t user; /* offset into strings, or TEND_NONE */
    uint32_t data; /* offset of the data object's JSON text, or TEND_NONE */
} tend_event;

typedef struct {
    uint32_t field;
    double value;
} tend_metric_value;

typedef struct {
    int64_t day;
    uint32_t first, count; /* range of values */
} tend_metric_row;

typedef struct {
    uint32_t ev_first, ev_count, m_first, m_count;
} tend_account_history;

typedef struct {
    tend_strmap accounts; /* id -> index into per_account */
    tend_account_history *per_account;
    size_t naccounts;
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

/* Counts of what loading found; rejected lines were reported on stderr. */
typedef struct {
    size_t loaded, rejected;
} tend_load_stats;

void tend_history_init(tend_history *h);
/* Loads events / metrics from path (JSONL or CSV). Malformed lines are
 * reported "FILE:LINE: reason" on stderr, counted and skipped. Call
 * tend_history_finish once all files are in. */
tend_status tend_history_load_events(tend_history *h, const char *path, tend_format fmt, tend_load_stats *st,
                                     tend_error *err);
tend_status tend_history_load_metrics(tend_history *h, const char *path, tend_format fmt, tend_load_stats *st,
                                      tend_error *err);
/* Adds one event / metric row given as a JSON object (tests, `tend test`). */
tend_status tend_history_add_event(tend_history *h, json_t *obj, tend_error *err);
tend_status tend_history_add_metric(tend_history *h, json_t *obj, tend_error *err);
void tend_history_finish(tend_history *h);
void tend_history_free(tend_history *h);

/* The account's history, or NULL if it has none. */
const tend_account_history *tend_history_find(const tend_history *h, const char *account_id);
/* Index of an event type / metric field, or TEND_NONE if never seen. */
uint32_t tend_history_type(const tend_history *h, const char *name);
uint32_t tend_history_field(const tend_history *h, const char *name);
const char *tend_history_string(const tend_history *h, uint32_t off);

#endif
