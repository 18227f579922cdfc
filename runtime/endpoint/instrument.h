/* What the rest of tend records into tend's metrics (base/metrics.h,
 * tend_ops_metrics), in one place, so the names and labels stay the ones
 * /metrics documents. `tend serve` wires these in: the delivery loop's
 * on_attempt, the nightly run's end and its result lines. Each call with
 * a NULL ops does nothing. */
#ifndef TEND_ENDPOINT_INSTRUMENT_H
#define TEND_ENDPOINT_INSTRUMENT_H

#include <stddef.h>

#include "base/metrics.h"
#include "notify/outbox.h"

/* One delivery attempt: tend_deliveries_total{connector,status} (status:
 * sent, retry, dead, held, parked) and, when it was sent over the wire,
 * tend_delivery_duration_seconds{connector}. */
void tend_instrument_attempt(const tend_ops_metrics *ops, const tend_attempt *a);

/* The shape of tend_deliver_opts.on_attempt, with ud the tend_ops_metrics. */
void tend_instrument_on_attempt(void *ops, const tend_outbox_row *row, const tend_attempt *a);

/* A job run that finished: tend_runs_total{job,status},
 * tend_run_duration_seconds{job}, and its accounts evaluated and failed
 * per tenant. status: "ok", "failed", "skipped". */
void tend_instrument_run(const tend_ops_metrics *ops, const char *job, const char *tenant, const char *status,
                         double seconds, size_t evaluated, size_t failed);

/* One evaluation result line (the JSON `tend eval` prints): every rule its
 * trace says fired counts in tend_rule_fires_total{tenant,rule}. A line
 * that does not parse counts nothing. */
void tend_instrument_result(const tend_ops_metrics *ops, const char *tenant, const char *line, size_t len);

/* An event that arrived at `arrived` (epoch seconds) led to an outbox row
 * created at `queued`: tend_event_to_outbox_seconds. */
void tend_instrument_event_to_outbox(const tend_ops_metrics *ops, double arrived, double queued);

/* A shard lease taken over from a worker whose lease ran out. */
void tend_instrument_lease_takeover(const tend_ops_metrics *ops);

#endif
