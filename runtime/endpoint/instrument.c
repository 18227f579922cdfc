/* Recording into tend's metrics (see instrument.h). */
#include "endpoint/instrument.h"

#include <jansson.h>

static const char *outcome_name(tend_outcome o) {
    switch (o) {
    case TEND_OUTCOME_SENT: return "sent";
    case TEND_OUTCOME_RETRY: return "retry";
    case TEND_OUTCOME_DEAD: return "dead";
    case TEND_OUTCOME_HOLD: return "held";
    case TEND_OUTCOME_PARK: return "parked";
    }
    return "unknown";
}

void tend_instrument_attempt(const tend_ops_metrics *ops, const tend_attempt *a) {
    if (!ops || !a) return;
    const char *connector = a->connector ? a->connector : "unroutable";
    tend_metric_add(ops->deliveries, TEND_LABELS(connector, outcome_name(a->outcome)), 1);
    if (a->latency_ms >= 0) tend_metric_observe(ops->delivery_seconds, TEND_LABELS(connector), a->latency_ms / 1000.0);
}

void tend_instrument_on_attempt(void *ops, const tend_outbox_row *row, const tend_attempt *a) {
    (void)row;
    tend_instrument_attempt(ops, a);
}

void tend_instrument_run(const tend_ops_metrics *ops, const char *job, const char *tenant, const char *status,
                         double seconds, size_t evaluated, size_t failed) {
    if (!ops) return;
    tend_metric_add(ops->runs, TEND_LABELS(job, status), 1);
    tend_metric_observe(ops->run_seconds, TEND_LABELS(job), seconds);
    tend_metric_add(ops->accounts_evaluated, TEND_LABELS(tenant), (double)evaluated);
    tend_metric_add(ops->accounts_failed, TEND_LABELS(tenant), (double)failed);
}

void tend_instrument_result(const tend_ops_metrics *ops, const char *tenant, const char *line, size_t len) {
    if (!ops) return;
    json_t *r = json_loadb(line, len, 0, NULL);
    json_t *trace = json_object_get(r, "trace");
    for (size_t i = 0; i < json_array_size(trace); i++) {
        json_t *t = json_array_get(trace, i);
        const char *rule = json_string_value(json_object_get(t, "rule"));
        if (rule && json_is_true(json_object_get(t, "fired")))
            tend_metric_add(ops->rule_fires, TEND_LABELS(tenant, rule), 1);
    }
    json_decref(r);
}

void tend_instrument_event_to_outbox(const tend_ops_metrics *ops, double arrived, double queued) {
    if (!ops || queued < arrived) return;
    tend_metric_observe(ops->event_to_outbox, NULL, queued - arrived);
}

void tend_instrument_lease_takeover(const tend_ops_metrics *ops) {
    if (ops) tend_metric_add(ops->lease_takeovers, NULL, 1);
}
