/* endpoint/instrument: what a delivery attempt, a run and a result line
 * record in tend's metrics. */
#include <string.h>

#include "base/metrics.h"
#include "check.h"
#include "endpoint/instrument.h"

int main(void) {
    tend_error err;
    tend_metrics *m = tend_metrics_new();
    tend_ops_metrics ops;
    CHECK(tend_ops_metrics_define(m, "test", &ops, &err) == TEND_OK);

    tend_attempt sent = {.outcome = TEND_OUTCOME_SENT, .latency_ms = 120, .connector = "webhook"};
    tend_attempt retry = {.outcome = TEND_OUTCOME_RETRY, .latency_ms = 30, .connector = "webhook"};
    tend_attempt parked = {.outcome = TEND_OUTCOME_PARK, .latency_ms = -1, .connector = NULL};
    tend_instrument_on_attempt(&ops, NULL, &sent);
    tend_instrument_on_attempt(&ops, NULL, &sent);
    tend_instrument_attempt(&ops, &retry);
    tend_instrument_attempt(&ops, &parked);
    tend_instrument_attempt(NULL, &sent); /* no metrics: nothing */
    CHECK(tend_metric_get(ops.deliveries, TEND_LABELS("webhook", "sent")) == 2);
    CHECK(tend_metric_get(ops.deliveries, TEND_LABELS("webhook", "retry")) == 1);
    CHECK(tend_metric_get(ops.deliveries, TEND_LABELS("unroutable", "parked")) == 1);
    CHECK(tend_metric_get(ops.delivery_seconds, TEND_LABELS("webhook")) == 3); /* observations */
    CHECK(tend_metric_get(ops.delivery_seconds, TEND_LABELS("unroutable")) == 0);

    tend_instrument_run(&ops, "nightly", "acme", "ok", 42.5, 1000, 3);
    CHECK(tend_metric_get(ops.runs, TEND_LABELS("nightly", "ok")) == 1);
    CHECK(tend_metric_get(ops.accounts_evaluated, TEND_LABELS("acme")) == 1000);
    CHECK(tend_metric_get(ops.accounts_failed, TEND_LABELS("acme")) == 3);

    const char *line = "{\"account_id\":\"a\",\"trace\":[{\"rule\":\"no_login_7d\",\"fired\":true},"
                       "{\"rule\":\"renewal\",\"fired\":false},{\"rule\":\"no_login_7d\",\"fired\":true}]}";
    tend_instrument_result(&ops, "acme", line, strlen(line));
    tend_instrument_result(&ops, "acme", "not json", 8);
    CHECK(tend_metric_get(ops.rule_fires, TEND_LABELS("acme", "no_login_7d")) == 2);
    CHECK(tend_metric_get(ops.rule_fires, TEND_LABELS("acme", "renewal")) == 0);

    tend_instrument_event_to_outbox(&ops, 100, 100.25);
    tend_instrument_event_to_outbox(&ops, 100, 99); /* a clock step back: not counted */
    CHECK(tend_metric_get(ops.event_to_outbox, NULL) == 1);
    tend_instrument_lease_takeover(&ops);
    CHECK(tend_metric_get(ops.lease_takeovers, NULL) == 1);
    tend_metrics_free(m);
    return check_report();
}
