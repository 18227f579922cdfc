/* base/metrics: families, labels, the Prometheus text, refused names, and
 * counts that stay exact under concurrent recording. */
#include <pthread.h>
#include <string.h>

#include "base/metrics.h"
#include "check.h"

static tend_metric *shared;

static void *hammer(void *ud) {
    (void)ud;
    for (int i = 0; i < 10000; i++) tend_metric_add(shared, TEND_LABELS("webhook", "sent"), 1);
    return NULL;
}

static int has(const tend_buf *b, const char *line) {
    tend_buf copy = {0};
    tend_buf_add(&copy, b->data, b->len);
    int found = strstr(tend_buf_cstr(&copy), line) != NULL;
    tend_buf_free(&copy);
    return found;
}

static tend_status collect(void *ud, tend_metrics *m, tend_error *err) {
    (void)m, (void)err;
    tend_metric *g = ud;
    tend_metric_clear(g);
    tend_metric_set(g, TEND_LABELS("pending"), 3);
    return TEND_OK;
}

int main(void) {
    tend_error err;
    tend_metrics *m = tend_metrics_new();
    tend_metric *c = tend_metrics_define(m, TEND_METRIC_COUNTER, "tend_deliveries_total", "Attempts.",
                                         "connector,status", NULL, 0, &err);
    tend_metric *g = tend_metrics_define(m, TEND_METRIC_GAUGE, "tend_outbox_rows", "Rows \"per\" status\nnow.",
                                         "status", NULL, 0, &err);
    static const double b[] = {0.1, 1};
    tend_metric *h = tend_metrics_define(m, TEND_METRIC_HISTOGRAM, "tend_x_seconds", "X.", NULL, b, 2, &err);
    tend_metric *plain = tend_metrics_define(m, TEND_METRIC_COUNTER, "tend_takeovers_total", "T.", NULL, NULL, 0, &err);
    CHECK(c && g && h && plain);

    /* the same definition again is the same family; a different one fails */
    CHECK(tend_metrics_define(m, TEND_METRIC_COUNTER, "tend_deliveries_total", "x", "connector,status", NULL, 0,
                              &err) == c);
    CHECK(!tend_metrics_define(m, TEND_METRIC_COUNTER, "tend_deliveries_total", "x", "connector", NULL, 0, &err));
    /* conventions and grammar */
    CHECK(!tend_metrics_define(m, TEND_METRIC_COUNTER, "tend_deliveries", "x", NULL, NULL, 0, &err));
    CHECK(strstr(err.msg, "_total") != NULL);
    CHECK(!tend_metrics_define(m, TEND_METRIC_GAUGE, "tend_rows_total", "x", NULL, NULL, 0, &err));
    CHECK(!tend_metrics_define(m, TEND_METRIC_GAUGE, "9rows", "x", NULL, NULL, 0, &err));
    CHECK(!tend_metrics_define(m, TEND_METRIC_GAUGE, "tend_rows", "x", "a-b", NULL, 0, &err));
    CHECK(!tend_metrics_define(m, TEND_METRIC_HISTOGRAM, "tend_y_seconds", "x", "le", NULL, 0, &err));
    static const double bad[] = {1, 0.5};
    CHECK(!tend_metrics_define(m, TEND_METRIC_HISTOGRAM, "tend_z_seconds", "x", NULL, bad, 2, &err));

    /* recording */
    CHECK(tend_metric_add(c, TEND_LABELS("webhook", "sent"), 2) == 0);
    CHECK(tend_metric_add(c, TEND_LABELS("webhook"), 1) == -1);      /* wrong label count */
    CHECK(tend_metric_add(c, TEND_LABELS("webhook", "sent"), -1) == -1); /* counters only grow */
    CHECK(tend_metric_set(c, TEND_LABELS("webhook", "sent"), 9) == -1);  /* not a gauge */
    CHECK(tend_metric_add(c, TEND_LABELS("slack", "a\"b\\c\nd"), 1) == 0);
    CHECK(tend_metric_observe(h, NULL, 0.05) == 0);
    CHECK(tend_metric_observe(h, NULL, 0.5) == 0);
    CHECK(tend_metric_observe(h, NULL, 5) == 0);
    CHECK(tend_metric_get(c, TEND_LABELS("webhook", "sent")) == 2);
    CHECK(tend_metric_get(h, NULL) == 3);

    /* concurrent adds lose nothing */
    shared = c;
    pthread_t t[4];
    for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, hammer, NULL);
    for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
    CHECK(tend_metric_get(c, TEND_LABELS("webhook", "sent")) == 40002);

    tend_metrics_on_expose(m, collect, g);
    tend_metric_set(g, TEND_LABELS("dead"), 1);
    tend_buf out = {0};
    CHECK(tend_metrics_expose(m, &out, &err) == TEND_OK);
    CHECK(has(&out, "# HELP tend_deliveries_total Attempts.\n# TYPE tend_deliveries_total counter\n"));
    CHECK(has(&out, "tend_deliveries_total{connector=\"webhook\",status=\"sent\"} 40002\n"));
    CHECK(has(&out, "tend_deliveries_total{connector=\"slack\",status=\"a\\\"b\\\\c\\nd\"} 1\n"));
    CHECK(has(&out, "# HELP tend_outbox_rows Rows \"per\" status\\nnow.\n"));
    CHECK(has(&out, "tend_outbox_rows{status=\"pending\"} 3\n"));
    CHECK(!has(&out, "status=\"dead\"")); /* the collector cleared it */
    CHECK(has(&out, "tend_x_seconds_bucket{le=\"0.1\"} 1\ntend_x_seconds_bucket{le=\"1\"} 2\n"
                    "tend_x_seconds_bucket{le=\"+Inf\"} 3\ntend_x_seconds_sum 5.55\ntend_x_seconds_count 3\n"));
    CHECK(has(&out, "tend_takeovers_total 0\n")); /* exposed before anything happened */
    tend_buf_free(&out);

    /* tend's own set */
    tend_metrics *m2 = tend_metrics_new();
    tend_ops_metrics ops;
    CHECK(tend_ops_metrics_define(m2, "1.2.3", &ops, &err) == TEND_OK);
    CHECK(ops.build_info && ops.ingested && ops.outbox_depth && ops.delivery_seconds);
    CHECK(tend_metrics_expose(m2, &out, &err) == TEND_OK);
    CHECK(has(&out, "tend_build_info{version=\"1.2.3\"} 1\n"));
    tend_buf_free(&out);
    tend_metrics_free(m2);
    tend_metrics_free(m);
    return check_report();
}
