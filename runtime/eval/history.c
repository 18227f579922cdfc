/* Loading events and metrics, then grouping them per account with a
 * counting sort (stable, so equal times keep file order). */
#include "eval/history.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/fields.h"
#include "eval/flatjson.h"
#include "base/isotime.h"

/* While loading, each item remembers its account; finish() groups them. */
typedef struct { uint32_t account; tend_event ev; } staged_event;
typedef struct { uint32_t account; tend_metric_row row; } staged_row;

typedef struct {
    staged_event *events;
    size_t nevents, cap_events;
    staged_row *rows;
    size_t nrows, cap_rows;
    size_t cap_values;
} staging;

void tend_history_init(tend_history *h) {
    memset(h, 0, sizeof *h);
    h->staging = calloc(1, sizeof(staging));
    if (!h->staging) abort();
}

static staging *stage_of(tend_history *h) { return h->staging; }

static void *grow(void *p, size_t *cap, size_t need, size_t size) {
    if (need <= *cap) return p;
    size_t c = *cap ? *cap * 2 : 1024;
    while (c < need) c *= 2;
    p = realloc(p, c * size);
    if (!p) abort();
    *cap = c;
    return p;
}

/* Interns a name of len bytes into m, keeping index -> name in *names. */
static uint32_t intern_name(tend_strmap *m, char ***names, size_t *n, const char *s, size_t len) {
    uint32_t i = tend_strmap_intern(m, s, len, (uint32_t)*n);
    if (i == *n) {
        if ((*n & (*n - 1)) == 0) { /* grow at powers of two */
            *names = realloc(*names, (*n ? *n * 2 : 1) * sizeof **names);
            if (!*names) abort();
        }
        (*names)[*n] = strndup(s, len);
        (*n)++;
    }
    return i;
}

static uint32_t intern_account(tend_account_index *ix, const char *id, size_t len) {
    return intern_name(&ix->ids, &ix->names, &ix->n, id, len);
}

static uint32_t add_string(tend_history *h, const char *s, size_t len) {
    uint32_t off = (uint32_t)h->strings.len;
    tend_buf_add(&h->strings, s, len);
    tend_buf_addc(&h->strings, '\0');
    return off;
}

typedef tend_status (*add_fn)(tend_history *h, json_t *obj, int from_csv, tend_error *err);

static tend_status add_event(tend_history *h, json_t *obj, int from_csv, tend_error *err) {
    tend_event_fields f;
    if (tend_event_fields_read(obj, from_csv, &f, err) != TEND_OK) return TEND_EINPUT;
    staging *s = stage_of(h);
    s->events = grow(s->events, &s->cap_events, s->nevents + 1, sizeof *s->events);
    staged_event *e = &s->events[s->nevents++];
    e->account = intern_account(&h->ev_index, f.account_id, strlen(f.account_id));
    e->ev.at = f.at;
    e->ev.type = intern_name(&h->types, &h->type_names, &h->ntypes, f.type, strlen(f.type));
    e->ev.user = f.user ? add_string(h, f.user, strlen(f.user)) : TEND_NONE;
    e->ev.data = TEND_NONE;
    if (f.data && json_object_size(f.data) > 0) {
        char *text = json_dumps(f.data, JSON_COMPACT | JSON_SORT_KEYS);
        if (text) {
            e->ev.data = add_string(h, text, strlen(text));
            free(text);
        }
    }
    return TEND_OK;
}

static tend_status add_metric(tend_history *h, json_t *obj, int from_csv, tend_error *err) {
    tend_metric_fields f;
    if (tend_metric_fields_read(obj, from_csv, &f, err) != TEND_OK) return TEND_EINPUT;
    staging *s = stage_of(h);
    s->rows = grow(s->rows, &s->cap_rows, s->nrows + 1, sizeof *s->rows);
    staged_row *r = &s->rows[s->nrows++];
    r->account = intern_account(&h->m_index, f.account_id, strlen(f.account_id));
    r->row.day = f.day;
    r->row.first = (uint32_t)h->nvalues;
    r->row.count = 0;
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v) {
        if (!strcmp(k, "account_id") || !strcmp(k, "date")) continue;
        h->values = grow(h->values, &s->cap_values, h->nvalues + 1, sizeof *h->values);
        h->values[h->nvalues].field = intern_name(&h->fields, &h->field_names, &h->nfields, k, strlen(k));
        h->values[h->nvalues].value = json_number_value(v);
        h->nvalues++;
        r->row.count++;
    }
    return TEND_OK;
}

/* ---- the fast path: flat JSON lines, no jansson -------------------------- */

typedef int (*flat_fn)(tend_history *h, const tend_flat_record *r);

static int flat_string(const tend_flat_record *r, const char *key, const char **s, size_t *len) {
    const tend_flat_field *f = tend_flat_get(r, key);
    if (!f || f->type != FLAT_STRING || f->len == 0) return 0;
    *s = f->text;
    *len = f->len;
    return 1;
}

static int flat_time(const tend_flat_record *r, const char *key, int64_t *at) {
    const char *s;
    size_t len;
    return flat_string(r, key, &s, &len) && tend_time_parse(s, len, at) == 0;
}

/* Returns 1 if the event was added; 0 declines (the jansson path decides,
 * and reports the exact problem). */
static int add_event_flat(tend_history *h, const tend_flat_record *r) {
    const char *id, *type, *user = NULL;
    size_t idlen, typelen, userlen = 0;
    int64_t at;
    if (!flat_string(r, "account_id", &id, &idlen) || !flat_string(r, "type", &type, &typelen) ||
        !flat_time(r, "at", &at))
        return 0;
    const tend_flat_field *data = NULL;
    for (int i = 0; i < r->n; i++) {
        const tend_flat_field *f = &r->f[i];
        if (f->klen == 4 && !memcmp(f->key, "user", 4)) {
            if (f->type == FLAT_STRING) { user = f->text; userlen = f->len; }
            else if (f->type != FLAT_NULL) return 0;
        } else if (f->klen == 4 && !memcmp(f->key, "data", 4)) {
            if (f->type == FLAT_OBJECT) data = f;
            else if (f->type != FLAT_NULL) return 0;
        } else if (!((f->klen == 10 && !memcmp(f->key, "account_id", 10)) || (f->klen == 4 && !memcmp(f->key, "type", 4)) ||
                     (f->klen == 2 && !memcmp(f->key, "at", 2)) || (f->klen == 2 && !memcmp(f->key, "id", 2)))) {
            return 0; /* extra fields move into data: the full path does that */
        }
    }
    tend_flat_record inner;
    if (data && tend_flat_scan(data->text, data->len, &inner) != 0) return 0; /* nested data */
    staging *s = stage_of(h);
    s->events = grow(s->events, &s->cap_events, s->nevents + 1, sizeof *s->events);
    staged_event *e = &s->events[s->nevents++];
    e->account = intern_account(&h->ev_index, id, idlen);
    e->ev.at = at;
    e->ev.type = intern_name(&h->types, &h->type_names, &h->ntypes, type, typelen);
    e->ev.user = user ? add_string(h, user, userlen) : TEND_NONE;
    /* A flat object's text is valid JSON as it stands: keep it verbatim. */
    e->ev.data = data && inner.n > 0 ? add_string(h, data->text, data->len) : TEND_NONE;
    return 1;
}

static int add_metric_flat(tend_history *h, const tend_flat_record *r) {
    const char *id;
    size_t idlen;
    int64_t day;
    if (!flat_string(r, "account_id", &id, &idlen) || !flat_time(r, "date", &day)) return 0;
    for (int i = 0; i < r->n; i++) {
        const tend_flat_field *f = &r->f[i];
        if (f->type != FLAT_NUMBER && f->type != FLAT_NULL &&
            !((f->klen == 10 && !memcmp(f->key, "account_id", 10)) || (f->klen == 4 && !memcmp(f->key, "date", 4))))
            return 0;
    }
    staging *s = stage_of(h);
    s->rows = grow(s->rows, &s->cap_rows, s->nrows + 1, sizeof *s->rows);
    staged_row *row = &s->rows[s->nrows++];
    row->account = intern_account(&h->m_index, id, idlen);
    row->row.day = day - (((day % 86400) + 86400) % 86400);
    row->row.first = (uint32_t)h->nvalues;
    row->row.count = 0;
    for (int i = 0; i < r->n; i++) {
        const tend_flat_field *f = &r->f[i];
        if (f->type != FLAT_NUMBER) continue;
        h->values = grow(h->values, &s->cap_values, h->nvalues + 1, sizeof *h->values);
        h->values[h->nvalues].field = intern_name(&h->fields, &h->field_names, &h->nfields, f->key, f->klen);
        h->values[h->nvalues].value = f->num;
        h->nvalues++;
        row->row.count++;
    }
    return 1;
}

static tend_status load(tend_history *h, const char *path, tend_format fmt, add_fn add, flat_fn flat,
                        tend_load_stats *st, tend_error *err) {
    tend_reader r;
    tend_status rc = tend_reader_open(&r, path, fmt, err);
    if (rc != TEND_OK) return rc;
    const char *text;
    size_t len;
    long line;
    int more;
    tend_error e;
    tend_flat_record *flatrec = malloc(sizeof *flatrec);
    if (!flatrec) abort();
    while ((more = tend_reader_next(&r, &text, &len, &line, err)) == 1) {
        if (r.format == TEND_FMT_JSONL && tend_flat_scan(text, len, flatrec) == 0 && flat(h, flatrec)) {
            st->loaded++;
            continue;
        }
        json_t *obj = tend_record_decode(r.format, &r.header, text, len, &e);
        if (obj && add(h, obj, r.format == TEND_FMT_CSV, &e) == TEND_OK) {
            st->loaded++;
        } else {
            tend_buf_printf(&st->report, "%s:%ld: %s\n", path, line, e.msg);
            st->rejected++;
        }
        json_decref(obj);
    }
    free(flatrec);
    tend_reader_close(&r);
    return more < 0 ? TEND_EIO : TEND_OK;
}

tend_status tend_history_load_events(tend_history *h, const char *path, tend_format fmt, tend_load_stats *st,
                                     tend_error *err) {
    return load(h, path, fmt, add_event, add_event_flat, st, err);
}

tend_status tend_history_load_metrics(tend_history *h, const char *path, tend_format fmt, tend_load_stats *st,
                                      tend_error *err) {
    return load(h, path, fmt, add_metric, add_metric_flat, st, err);
}

tend_status tend_history_add_event(tend_history *h, json_t *obj, tend_error *err) {
    return add_event(h, obj, 0, err);
}

tend_status tend_history_add_metric(tend_history *h, json_t *obj, tend_error *err) {
    return add_metric(h, obj, 0, err);
}

/* Moves other's metrics (loaded on another thread; no events) into h,
 * whose metrics store is empty: pointers change hands, nothing is copied. */
static void take_metrics(tend_history *h, tend_history *other) {
    staging *s = stage_of(h), *o = stage_of(other);
    free(s->rows);
    free(h->values);
    tend_strmap_free(&h->fields);
    free(h->field_names);
    free(h->m_index.names);
    tend_strmap_free(&h->m_index.ids);
    s->rows = o->rows;
    s->nrows = o->nrows;
    s->cap_rows = o->cap_rows;
    s->cap_values = o->cap_values;
    h->values = other->values;
    h->nvalues = other->nvalues;
    h->fields = other->fields;
    h->field_names = other->field_names;
    h->nfields = other->nfields;
    h->m_index = other->m_index;
    o->rows = NULL;
    o->nrows = 0;
    other->values = NULL;
    other->nvalues = 0;
    memset(&other->fields, 0, sizeof other->fields);
    other->field_names = NULL;
    other->nfields = 0;
    memset(&other->m_index, 0, sizeof other->m_index);
    tend_history_free(other);
}

typedef struct {
    tend_history h;
    const char *path;
    tend_format fmt;
    tend_load_stats *st;
    tend_error err;
    tend_status rc;
} metrics_job;

static void *load_metrics_job(void *arg) {
    metrics_job *j = arg;
    j->rc = tend_history_load_metrics(&j->h, j->path, j->fmt, j->st, &j->err);
    return NULL;
}

tend_status tend_history_load_files(tend_history *h, const char *events, const char *metrics, tend_format fmt,
                                    int parallel, tend_load_stats *ev, tend_load_stats *me, tend_error *err) {
    tend_status rc = TEND_OK;
    pthread_t t;
    metrics_job *j = NULL;
    /* Metrics load on a second thread into their own history, then merge. */
    if (parallel && events && metrics && strcmp(events, "-") && strcmp(metrics, "-")) {
        j = calloc(1, sizeof *j);
        if (!j) abort();
        tend_history_init(&j->h);
        *j = (metrics_job){.h = j->h, .path = metrics, .fmt = fmt, .st = me};
        if (pthread_create(&t, NULL, load_metrics_job, j) != 0) {
            tend_history_free(&j->h);
            free(j);
            j = NULL;
        }
    }
    if (events) rc = tend_history_load_events(h, events, fmt, ev, err);
    if (j) {
        pthread_join(t, NULL);
        if (rc == TEND_OK && j->rc != TEND_OK) {
            *err = j->err;
            rc = j->rc;
        }
        take_metrics(h, &j->h);
        free(j);
    } else if (rc == TEND_OK && metrics) {
        rc = tend_history_load_metrics(h, metrics, fmt, me, err);
    }
    tend_history_finish(h);
    return rc;
}

/* Counting sort of n items by account (stable); fills the index's ranges
 * and returns the permutation as the destination slot of each item. */
static void group(tend_account_index *ix, const uint32_t *account_of, size_t n, size_t stride, uint32_t *slot) {
    ix->first = calloc(ix->n ? ix->n : 1, sizeof *ix->first);
    ix->count = calloc(ix->n ? ix->n : 1, sizeof *ix->count);
    if (!ix->first || !ix->count) abort();
    for (size_t i = 0; i < n; i++) ix->count[*(const uint32_t *)((const char *)account_of + i * stride)]++;
    uint32_t at = 0;
    for (size_t a = 0; a < ix->n; a++) {
        ix->first[a] = at;
        at += ix->count[a];
        ix->count[a] = 0;
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t a = *(const uint32_t *)((const char *)account_of + i * stride);
        slot[i] = ix->first[a] + ix->count[a]++;
    }
}

void tend_history_finish(tend_history *h) {
    staging *s = stage_of(h);
    if (!s) return;
    uint32_t *slot = malloc((s->nevents > s->nrows ? s->nevents : s->nrows) * sizeof *slot + 1);
    h->events = malloc((s->nevents ? s->nevents : 1) * sizeof *h->events);
    h->rows = malloc((s->nrows ? s->nrows : 1) * sizeof *h->rows);
    if (!slot || !h->events || !h->rows) abort();
    group(&h->ev_index, s->nevents ? &s->events[0].account : NULL, s->nevents, sizeof *s->events, slot);
    for (size_t i = 0; i < s->nevents; i++) h->events[slot[i]] = s->events[i].ev;
    group(&h->m_index, s->nrows ? &s->rows[0].account : NULL, s->nrows, sizeof *s->rows, slot);
    for (size_t i = 0; i < s->nrows; i++) h->rows[slot[i]] = s->rows[i].row;
    h->nevents = s->nevents;
    h->nrows = s->nrows;
    free(slot);
    /* Within an account, order by time; inputs are usually sorted already,
     * so insertion sort is linear in practice, and it is stable. */
    for (size_t a = 0; a < h->ev_index.n; a++) {
        tend_event *e = h->events + h->ev_index.first[a];
        for (uint32_t i = 1; i < h->ev_index.count[a]; i++) {
            tend_event x = e[i];
            uint32_t j = i;
            while (j > 0 && e[j - 1].at > x.at) { e[j] = e[j - 1]; j--; }
            e[j] = x;
        }
    }
    for (size_t a = 0; a < h->m_index.n; a++) {
        tend_metric_row *r = h->rows + h->m_index.first[a];
        for (uint32_t i = 1; i < h->m_index.count[a]; i++) {
            tend_metric_row x = r[i];
            uint32_t j = i;
            while (j > 0 && r[j - 1].day > x.day) { r[j] = r[j - 1]; j--; }
            r[j] = x;
        }
    }
    free(s->events);
    free(s->rows);
    free(s);
    h->staging = NULL;
}

static void free_index(tend_account_index *ix) {
    tend_strmap_free(&ix->ids);
    for (size_t i = 0; i < ix->n; i++) free(ix->names[i]);
    free(ix->names);
    free(ix->first);
    free(ix->count);
}

void tend_history_free(tend_history *h) {
    if (h->staging) {
        staging *s = stage_of(h);
        free(s->events);
        free(s->rows);
        free(s);
    }
    free_index(&h->ev_index);
    free_index(&h->m_index);
    tend_strmap_free(&h->types);
    tend_strmap_free(&h->fields);
    for (size_t i = 0; i < h->ntypes; i++) free(h->type_names[i]);
    for (size_t i = 0; i < h->nfields; i++) free(h->field_names[i]);
    free(h->type_names);
    free(h->field_names);
    free(h->events);
    free(h->rows);
    free(h->values);
    tend_buf_free(&h->strings);
    memset(h, 0, sizeof *h);
}

int tend_history_find(const tend_history *h, const char *account_id, tend_account_history *out) {
    memset(out, 0, sizeof *out);
    size_t len = strlen(account_id);
    uint32_t e = tend_strmap_get(&h->ev_index.ids, account_id, len);
    uint32_t m = tend_strmap_get(&h->m_index.ids, account_id, len);
    if (e != UINT32_MAX && h->ev_index.first) {
        out->ev_first = h->ev_index.first[e];
        out->ev_count = h->ev_index.count[e];
    }
    if (m != UINT32_MAX && h->m_index.first) {
        out->m_first = h->m_index.first[m];
        out->m_count = h->m_index.count[m];
    }
    return out->ev_count || out->m_count;
}

uint32_t tend_history_type(const tend_history *h, const char *name) {
    return tend_strmap_get(&h->types, name, strlen(name));
}

uint32_t tend_history_field(const tend_history *h, const char *name) {
    return tend_strmap_get(&h->fields, name, strlen(name));
}

const char *tend_history_string(const tend_history *h, uint32_t off) {
    return off == TEND_NONE ? NULL : h->strings.data + off;
}
