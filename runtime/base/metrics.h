/* A metrics registry and its Prometheus text exposition (version 0.0.4):
 * counters, gauges and histograms, each a family of series told apart by
 * label values. No globals: whoever exposes metrics creates a registry and
 * hands it to whatever records into it. Every call is thread-safe (one
 * mutex per registry; recording is a lookup and an add).
 *
 * Names follow Prometheus conventions: counters end in `_total`, durations
 * are `_seconds`; a name or label that breaks the exposition's grammar is
 * refused when the family is defined, so a typo fails at start, not at
 * scrape time. */
#ifndef TEND_BASE_METRICS_H
#define TEND_BASE_METRICS_H

#include <stddef.h>

#include "base/buf.h"
#include "base/status.h"

typedef struct tend_metrics tend_metrics;
typedef struct tend_metric tend_metric; /* one family: a name, a type, label names */

typedef enum { TEND_METRIC_COUNTER, TEND_METRIC_GAUGE, TEND_METRIC_HISTOGRAM } tend_metric_type;

/* Label values, in the family's label order: TEND_LABELS("webhook", "sent"). */
#define TEND_LABELS(...) ((const char *const[]){__VA_ARGS__, NULL})

tend_metrics *tend_metrics_new(void);
void tend_metrics_free(tend_metrics *m);

/* Defines a family. `labels` is a comma-separated list of label names
 * ("connector,status") or NULL. A histogram's `bounds` are its buckets'
 * upper bounds, ascending (NULL: 1 ms to 10 s, for latencies). Defining a
 * name again with the same type and labels returns the same family. NULL,
 * with err set, for a bad name, a bad label or a clash. */
tend_metric *tend_metrics_define(tend_metrics *m, tend_metric_type type, const char *name, const char *help,
                                 const char *labels, const double *bounds, size_t nbounds, tend_error *err);

/* Recording. `values` holds exactly the family's label count (NULL when it
 * has none); a wrong count is ignored and returns -1. Counters only grow
 * (a negative add is ignored, -1). */
int tend_metric_add(tend_metric *f, const char *const *values, double v);     /* counter, gauge */
int tend_metric_set(tend_metric *f, const char *const *values, double v);     /* gauge */
int tend_metric_observe(tend_metric *f, const char *const *values, double v); /* histogram */
/* Forgets every series of a gauge family: a collector that reads a state
 * (outbox depth per status) starts each scrape from nothing, so a status
 * that is gone disappears. */
void tend_metric_clear(tend_metric *f);
/* A series' value (a histogram's count); 0 when it does not exist. */
double tend_metric_get(tend_metric *f, const char *const *values);

/* Collectors run at the start of every exposition, in the order added,
 * outside the registry's lock (they record through the calls above). */
typedef tend_status (*tend_metrics_collector)(void *ud, tend_metrics *m, tend_error *err);
void tend_metrics_on_expose(tend_metrics *m, tend_metrics_collector fn, void *ud);

/* Runs the collectors, then appends every family in definition order as
 * Prometheus text to out. A failing collector does not stop the others or
 * the exposition: the first failure is returned (its metrics are left as
 * they were). */
tend_status tend_metrics_expose(tend_metrics *m, tend_buf *out, tend_error *err);

/* ---- the metrics tend exposes (issue "Operating tend") ----------------- */

typedef struct {
    tend_metric *build_info;          /* gauge {version} = 1 */
    tend_metric *runs;                /* counter {job,status}: nightly runs finished */
    tend_metric *run_seconds;         /* histogram {job}: a run's duration */
    tend_metric *accounts_evaluated;  /* counter {tenant} */
    tend_metric *accounts_failed;     /* counter {tenant} */
    tend_metric *rule_fires;          /* counter {tenant,rule} */
    tend_metric *event_to_outbox;     /* histogram: an event's arrival to its intent's outbox row */
    tend_metric *outbox_depth;        /* gauge {status}: read from the database at scrape time */
    tend_metric *deliveries;          /* counter {connector,status}: attempts by outcome */
    tend_metric *delivery_seconds;    /* histogram {connector}: a sent attempt's latency */
    tend_metric *lease_takeovers;     /* counter: shard leases taken over from a dead worker */
    tend_metric *http_requests;       /* counter {route,code} */
    tend_metric *http_seconds;        /* histogram {route} */
    tend_metric *ingested;            /* counter {kind,result}: records posted (stored, unchanged, rejected) */
} tend_ops_metrics;

/* Defines every family above in m and sets build_info for `version`. */
tend_status tend_ops_metrics_define(tend_metrics *m, const char *version, tend_ops_metrics *out, tend_error *err);

#endif
