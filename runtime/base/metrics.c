/* The metrics registry (see metrics.h). Families keep their series in a
 * small array searched linearly: a family has a handful of series (per
 * status, per connector, per rule), and a lookup is cheaper than hashing
 * the label values would be. */
#include "base/metrics.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LABELS 8

typedef struct {
    char **values; /* the family's label count */
    double value;  /* counter, gauge; a histogram's sum */
    unsigned long long count; /* histogram */
    unsigned long long *buckets; /* histogram: per bound, not cumulative */
} series;

struct tend_metric {
    tend_metrics *reg;
    tend_metric_type type;
    char *name, *help;
    char *labels[MAX_LABELS];
    size_t nlabels;
    double *bounds;
    size_t nbounds;
    series *s;
    size_t n, cap;
};

typedef struct {
    tend_metrics_collector fn;
    void *ud;
} collector;

struct tend_metrics {
    pthread_mutex_t mu;
    tend_metric **f;
    size_t n, cap;
    collector *c;
    size_t nc;
};

/* 1 ms to 10 s: what a request, a delivery or a run usually takes. */
static const double default_bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

static char *dup(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (!d) abort();
    return memcpy(d, s, n);
}

tend_metrics *tend_metrics_new(void) {
    tend_metrics *m = calloc(1, sizeof *m);
    if (!m) abort();
    pthread_mutex_init(&m->mu, NULL);
    return m;
}

static void series_free(tend_metric *f, series *s) {
    for (size_t i = 0; i < f->nlabels; i++) free(s->values[i]);
    free(s->values);
    free(s->buckets);
}

static void family_free(tend_metric *f) {
    for (size_t i = 0; i < f->n; i++) series_free(f, &f->s[i]);
    for (size_t i = 0; i < f->nlabels; i++) free(f->labels[i]);
    free(f->s);
    free(f->bounds);
    free(f->name);
    free(f->help);
    free(f);
}

void tend_metrics_free(tend_metrics *m) {
    if (!m) return;
    for (size_t i = 0; i < m->n; i++) family_free(m->f[i]);
    free(m->f);
    free(m->c);
    pthread_mutex_destroy(&m->mu);
    free(m);
}

/* [a-zA-Z_:][a-zA-Z0-9_:]* for names; labels without ':' and not "__…". */
static int valid_name(const char *s, size_t len, int label) {
    if (len == 0) return 0;
    if (label && len >= 2 && s[0] == '_' && s[1] == '_') return 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (!label && c == ':') ||
                 (i > 0 && c >= '0' && c <= '9');
        if (!ok) return 0;
    }
    return 1;
}

static int ends_with(const char *s, const char *suffix) {
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

static tend_status parse_labels(tend_metric *f, const char *labels, tend_error *err) {
    const char *p = labels;
    while (p && *p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (!valid_name(p, len, 1) || (f->type == TEND_METRIC_HISTOGRAM && len == 2 && !memcmp(p, "le", 2)))
            return tend_fail(err, TEND_EUSAGE, "metric %s: bad label name '%.*s'", f->name, (int)len, p);
        if (f->nlabels == MAX_LABELS) return tend_fail(err, TEND_EUSAGE, "metric %s: too many labels", f->name);
        char *l = malloc(len + 1);
        if (!l) abort();
        memcpy(l, p, len);
        l[len] = 0;
        f->labels[f->nlabels++] = l;
        p = end ? end + 1 : NULL;
    }
    return TEND_OK;
}

static int same_labels(const tend_metric *f, const tend_metric *g) {
    if (f->nlabels != g->nlabels) return 0;
    for (size_t i = 0; i < f->nlabels; i++)
        if (strcmp(f->labels[i], g->labels[i])) return 0;
    return 1;
}

static series *find(tend_metric *f, const char *const *values, int create);

tend_metric *tend_metrics_define(tend_metrics *m, tend_metric_type type, const char *name, const char *help,
                                 const char *labels, const double *bounds, size_t nbounds, tend_error *err) {
    if (!valid_name(name, strlen(name), 0)) {
        tend_fail(err, TEND_EUSAGE, "bad metric name '%s'", name);
        return NULL;
    }
    /* Prometheus conventions: only counters end in _total. */
    if ((type == TEND_METRIC_COUNTER) != ends_with(name, "_total")) {
        tend_fail(err, TEND_EUSAGE, "metric %s: counters, and only counters, end in _total", name);
        return NULL;
    }
    if (!bounds) bounds = default_bounds, nbounds = sizeof default_bounds / sizeof default_bounds[0];
    for (size_t i = 1; type == TEND_METRIC_HISTOGRAM && i < nbounds; i++)
        if (!(bounds[i] > bounds[i - 1])) {
            tend_fail(err, TEND_EUSAGE, "metric %s: bucket bounds must ascend", name);
            return NULL;
        }
    tend_metric *f = calloc(1, sizeof *f);
    if (!f) abort();
    f->reg = m;
    f->type = type;
    f->name = dup(name);
    f->help = dup(help ? help : "");
    if (parse_labels(f, labels, err) != TEND_OK) {
        family_free(f);
        return NULL;
    }
    if (type == TEND_METRIC_HISTOGRAM) {
        f->bounds = malloc(nbounds * sizeof *f->bounds);
        if (!f->bounds) abort();
        memcpy(f->bounds, bounds, nbounds * sizeof *bounds);
        f->nbounds = nbounds;
    }
    pthread_mutex_lock(&m->mu);
    tend_metric *out = f;
    for (size_t i = 0; i < m->n; i++) {
        tend_metric *g = m->f[i];
        if (strcmp(g->name, name)) continue;
        out = g->type == type && same_labels(f, g) ? g : NULL;
        if (!out) tend_fail(err, TEND_EUSAGE, "metric %s: defined twice, differently", name);
        break;
    }
    if (out == f) {
        if (m->n == m->cap) {
            m->cap = m->cap ? 2 * m->cap : 16;
            m->f = realloc(m->f, m->cap * sizeof *m->f);
            if (!m->f) abort();
        }
        m->f[m->n++] = f;
        /* A family without labels has its one series from the start, so
         * it is exposed as 0 before anything happened. */
        if (f->nlabels == 0) find(f, NULL, 1);
    }
    pthread_mutex_unlock(&m->mu);
    if (out != f) family_free(f);
    return out;
}

static size_t count_values(const char *const *values) {
    size_t n = 0;
    while (values && values[n]) n++;
    return n;
}

/* The series for values; created when `create` (under the lock). */
static series *find(tend_metric *f, const char *const *values, int create) {
    for (size_t i = 0; i < f->n; i++) {
        size_t k = 0;
        while (k < f->nlabels && !strcmp(f->s[i].values[k], values[k])) k++;
        if (k == f->nlabels) return &f->s[i];
    }
    if (!create) return NULL;
    if (f->n == f->cap) {
        f->cap = f->cap ? 2 * f->cap : 4;
        f->s = realloc(f->s, f->cap * sizeof *f->s);
        if (!f->s) abort();
    }
    series *s = &f->s[f->n++];
    memset(s, 0, sizeof *s);
    s->values = calloc(f->nlabels + 1, sizeof *s->values);
    if (!s->values) abort();
    for (size_t i = 0; i < f->nlabels; i++) s->values[i] = dup(values[i]);
    if (f->type == TEND_METRIC_HISTOGRAM) {
        s->buckets = calloc(f->nbounds + 1, sizeof *s->buckets);
        if (!s->buckets) abort();
    }
    return s;
}

typedef enum { OP_ADD, OP_SET, OP_OBSERVE } op;

static int record(tend_metric *f, const char *const *values, double v, op o) {
    if (!f || count_values(values) != f->nlabels || isnan(v)) return -1;
    if (o == OP_OBSERVE ? f->type != TEND_METRIC_HISTOGRAM
        : o == OP_SET   ? f->type != TEND_METRIC_GAUGE
                        : f->type == TEND_METRIC_HISTOGRAM || (f->type == TEND_METRIC_COUNTER && v < 0))
        return -1;
    pthread_mutex_lock(&f->reg->mu);
    series *s = find(f, values, 1);
    if (o == OP_ADD) s->value += v;
    else if (o == OP_SET) s->value = v;
    else {
        size_t b = 0;
        while (b < f->nbounds && v > f->bounds[b]) b++;
        s->buckets[b]++;
        s->count++;
        s->value += v;
    }
    pthread_mutex_unlock(&f->reg->mu);
    return 0;
}

int tend_metric_add(tend_metric *f, const char *const *values, double v) { return record(f, values, v, OP_ADD); }
int tend_metric_set(tend_metric *f, const char *const *values, double v) { return record(f, values, v, OP_SET); }
int tend_metric_observe(tend_metric *f, const char *const *values, double v) {
    return record(f, values, v, OP_OBSERVE);
}

void tend_metric_clear(tend_metric *f) {
    if (!f || f->type != TEND_METRIC_GAUGE || f->nlabels == 0) return;
    pthread_mutex_lock(&f->reg->mu);
    for (size_t i = 0; i < f->n; i++) series_free(f, &f->s[i]);
    f->n = 0;
    pthread_mutex_unlock(&f->reg->mu);
}

double tend_metric_get(tend_metric *f, const char *const *values) {
    if (!f || count_values(values) != f->nlabels) return 0;
    pthread_mutex_lock(&f->reg->mu);
    series *s = find(f, values, 0);
    double v = !s ? 0 : f->type == TEND_METRIC_HISTOGRAM ? (double)s->count : s->value;
    pthread_mutex_unlock(&f->reg->mu);
    return v;
}

void tend_metrics_on_expose(tend_metrics *m, tend_metrics_collector fn, void *ud) {
    pthread_mutex_lock(&m->mu);
    m->c = realloc(m->c, (m->nc + 1) * sizeof *m->c);
    if (!m->c) abort();
    m->c[m->nc++] = (collector){fn, ud};
    pthread_mutex_unlock(&m->mu);
}

/* ---- text exposition ------------------------------------------------------ */

/* HELP escapes \ and newline; label values also ". */
static void escaped(tend_buf *b, const char *s, int quote) {
    for (; *s; s++) {
        if (*s == '\\') tend_buf_adds(b, "\\\\");
        else if (*s == '\n') tend_buf_adds(b, "\\n");
        else if (quote && *s == '"') tend_buf_adds(b, "\\\"");
        else tend_buf_addc(b, *s);
    }
}

static void number(tend_buf *b, double v) {
    if (isinf(v)) tend_buf_adds(b, v > 0 ? "+Inf" : "-Inf");
    else if (v == floor(v) && fabs(v) < 9007199254740992.0) tend_buf_printf(b, "%.0f", v);
    else {
        /* the shortest text that reads back as the same double */
        char tmp[40];
        for (int prec = 15; prec <= 17; prec++) {
            snprintf(tmp, sizeof tmp, "%.*g", prec, v);
            if (prec == 17 || strtod(tmp, NULL) == v) break;
        }
        tend_buf_adds(b, tmp);
    }
}

/* name{a="x",b="y"[,le="…"]} value */
static void sample(tend_buf *b, const tend_metric *f, const char *suffix, const series *s, const char *le, double v) {
    tend_buf_adds(b, f->name);
    tend_buf_adds(b, suffix);
    if (f->nlabels || le) {
        tend_buf_addc(b, '{');
        for (size_t i = 0; i < f->nlabels; i++) {
            if (i) tend_buf_addc(b, ',');
            tend_buf_printf(b, "%s=\"", f->labels[i]);
            escaped(b, s->values[i], 1);
            tend_buf_addc(b, '"');
        }
        if (le) tend_buf_printf(b, "%sle=\"%s\"", f->nlabels ? "," : "", le);
        tend_buf_addc(b, '}');
    }
    tend_buf_addc(b, ' ');
    number(b, v);
    tend_buf_addc(b, '\n');
}

static void family(tend_buf *b, const tend_metric *f) {
    static const char *const type_name[] = {"counter", "gauge", "histogram"};
    tend_buf_printf(b, "# HELP %s ", f->name);
    escaped(b, f->help, 0);
    tend_buf_printf(b, "\n# TYPE %s %s\n", f->name, type_name[f->type]);
    for (size_t i = 0; i < f->n; i++) {
        const series *s = &f->s[i];
        if (f->type != TEND_METRIC_HISTOGRAM) {
            sample(b, f, "", s, NULL, s->value);
            continue;
        }
        unsigned long long cum = 0;
        for (size_t k = 0; k < f->nbounds; k++) {
            tend_buf le = {0};
            number(&le, f->bounds[k]);
            cum += s->buckets[k];
            sample(b, f, "_bucket", s, tend_buf_cstr(&le), (double)cum);
            tend_buf_free(&le);
        }
        sample(b, f, "_bucket", s, "+Inf", (double)s->count);
        sample(b, f, "_sum", s, NULL, s->value);
        sample(b, f, "_count", s, NULL, (double)s->count);
    }
}

tend_status tend_metrics_expose(tend_metrics *m, tend_buf *out, tend_error *err) {
    tend_status first = TEND_OK;
    pthread_mutex_lock(&m->mu);
    size_t nc = m->nc;
    collector *c = nc ? malloc(nc * sizeof *c) : NULL;
    if (nc && !c) abort();
    if (nc) memcpy(c, m->c, nc * sizeof *c);
    pthread_mutex_unlock(&m->mu);
    for (size_t i = 0; i < nc; i++) {
        tend_error e;
        tend_status s = c[i].fn(c[i].ud, m, &e);
        if (s != TEND_OK && first == TEND_OK) first = tend_fail(err, s, "%s", e.msg);
    }
    free(c);
    pthread_mutex_lock(&m->mu);
    for (size_t i = 0; i < m->n; i++) family(out, m->f[i]);
    pthread_mutex_unlock(&m->mu);
    return first;
}

/* ---- tend's own metrics ----------------------------------------------------- */

/* Runs take seconds to hours. */
static const double run_bounds[] = {1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200};
/* From an event's arrival to its intent in the outbox: the event-driven path
 * is sub-second, a nightly run up to a day. */
static const double event_bounds[] = {0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 21600, 86400};

tend_status tend_ops_metrics_define(tend_metrics *m, const char *version, tend_ops_metrics *o, tend_error *err) {
    static const struct {
        size_t off;
        tend_metric_type type;
        const char *name, *help, *labels;
        const double *bounds;
        size_t nbounds;
    } defs[] = {
#define OFF(f) offsetof(tend_ops_metrics, f)
        {OFF(build_info), TEND_METRIC_GAUGE, "tend_build_info", "The tend version running (always 1).", "version",
         NULL, 0},
        {OFF(runs), TEND_METRIC_COUNTER, "tend_runs_total", "Job runs finished, by job and status.", "job,status",
         NULL, 0},
        {OFF(run_seconds), TEND_METRIC_HISTOGRAM, "tend_run_duration_seconds", "How long a job run took.", "job",
         run_bounds, sizeof run_bounds / sizeof run_bounds[0]},
        {OFF(accounts_evaluated), TEND_METRIC_COUNTER, "tend_accounts_evaluated_total",
         "Accounts evaluated by job runs.", "tenant", NULL, 0},
        {OFF(accounts_failed), TEND_METRIC_COUNTER, "tend_accounts_failed_total",
         "Accounts whose evaluation failed.", "tenant", NULL, 0},
        {OFF(rule_fires), TEND_METRIC_COUNTER, "tend_rule_fires_total", "Rules that fired, per rule.", "tenant,rule",
         NULL, 0},
        {OFF(event_to_outbox), TEND_METRIC_HISTOGRAM, "tend_event_to_outbox_seconds",
         "From an event's arrival to the outbox row of the intent it caused.", NULL, event_bounds,
         sizeof event_bounds / sizeof event_bounds[0]},
        {OFF(outbox_depth), TEND_METRIC_GAUGE, "tend_outbox_rows", "Outbox rows per status, read at scrape time.",
         "status", NULL, 0},
        {OFF(deliveries), TEND_METRIC_COUNTER, "tend_deliveries_total",
         "Delivery attempts per connector and outcome.", "connector,status", NULL, 0},
        {OFF(delivery_seconds), TEND_METRIC_HISTOGRAM, "tend_delivery_duration_seconds",
         "How long a delivery attempt took, per connector.", "connector", NULL, 0},
        {OFF(lease_takeovers), TEND_METRIC_COUNTER, "tend_lease_takeovers_total",
         "Shard leases taken over from a worker whose lease ran out.", NULL, NULL, 0},
        {OFF(http_requests), TEND_METRIC_COUNTER, "tend_http_requests_total",
         "HTTP requests answered, per route and status code.", "route,code", NULL, 0},
        {OFF(http_seconds), TEND_METRIC_HISTOGRAM, "tend_http_request_duration_seconds",
         "How long the endpoint took to answer, per route.", "route", NULL, 0},
        {OFF(ingested), TEND_METRIC_COUNTER, "tend_ingested_records_total",
         "Records posted to the endpoint, per kind and result (stored, unchanged, rejected).", "kind,result", NULL,
         0},
#undef OFF
    };
    memset(o, 0, sizeof *o);
    for (size_t i = 0; i < sizeof defs / sizeof defs[0]; i++) {
        tend_metric *f = tend_metrics_define(m, defs[i].type, defs[i].name, defs[i].help, defs[i].labels,
                                             defs[i].bounds, defs[i].nbounds, err);
        if (!f) return TEND_EUSAGE;
        *(tend_metric **)((char *)o + defs[i].off) = f;
    }
    tend_metric_set(o->build_info, TEND_LABELS(version ? version : "unknown"), 1);
    return TEND_OK;
}
