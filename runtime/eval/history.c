/* Loading events and metrics, then grouping them per account with a
 * counting sort (stable, so equal times keep file order). */
#include "eval/history.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/fields.h"

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

static uint32_t intern_account(tend_history *h, const char *id) {
    uint32_t i = tend_strmap_intern(&h->accounts, id, strlen(id), (uint32_t)h->naccounts);
    if (i == h->naccounts) h->naccounts++;
    return i;
}

static uint32_t intern_name(tend_strmap *m, char ***names, size_t *n, const char *s) {
    uint32_t i = tend_strmap_intern(m, s, strlen(s), (uint32_t)*n);
    if (i == *n) {
        *names = realloc(*names, (*n + 1) * sizeof **names);
        if (!*names) abort();
        (*names)[*n] = strdup(s);
        (*n)++;
    }
    return i;
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
    e->account = intern_account(h, f.account_id);
    e->ev.at = f.at;
    e->ev.type = intern_name(&h->types, &h->type_names, &h->ntypes, f.type);
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
    r->account = intern_account(h, f.account_id);
    r->row.day = f.day;
    r->row.first = (uint32_t)h->nvalues;
    r->row.count = 0;
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v) {
        if (!strcmp(k, "account_id") || !strcmp(k, "date")) continue;
        h->values = grow(h->values, &s->cap_values, h->nvalues + 1, sizeof *h->values);
        h->values[h->nvalues].field = intern_name(&h->fields, &h->field_names, &h->nfields, k);
        h->values[h->nvalues].value = json_number_value(v);
        h->nvalues++;
        r->row.count++;
    }
    return TEND_OK;
}

static tend_status load(tend_history *h, const char *path, tend_format fmt, add_fn add, tend_load_stats *st,
                        tend_error *err) {
    tend_reader r;
    tend_status rc = tend_reader_open(&r, path, fmt, err);
    if (rc != TEND_OK) return rc;
    const char *text;
    size_t len;
    long line;
    int more;
    tend_error e;
    while ((more = tend_reader_next(&r, &text, &len, &line, err)) == 1) {
        json_t *obj = tend_record_decode(r.format, &r.header, text, len, &e);
        if (obj && add(h, obj, r.format == TEND_FMT_CSV, &e) == TEND_OK) {
            st->loaded++;
        } else {
            fprintf(stderr, "%s:%ld: %s\n", path, line, e.msg);
            st->rejected++;
        }
        json_decref(obj);
    }
    tend_reader_close(&r);
    return more < 0 ? TEND_EIO : TEND_OK;
}

tend_status tend_history_load_events(tend_history *h, const char *path, tend_format fmt, tend_load_stats *st,
                                     tend_error *err) {
    return load(h, path, fmt, add_event, st, err);
}

tend_status tend_history_load_metrics(tend_history *h, const char *path, tend_format fmt, tend_load_stats *st,
                                      tend_error *err) {
    return load(h, path, fmt, add_metric, st, err);
}

tend_status tend_history_add_event(tend_history *h, json_t *obj, tend_error *err) {
    return add_event(h, obj, 0, err);
}

tend_status tend_history_add_metric(tend_history *h, json_t *obj, tend_error *err) {
    return add_metric(h, obj, 0, err);
}

void tend_history_finish(tend_history *h) {
    staging *s = stage_of(h);
    tend_account_history *per = calloc(h->naccounts ? h->naccounts : 1, sizeof *per);
    if (!per) abort();
    /* Counting sort by account: count, prefix-sum, place. */
    for (size_t i = 0; i < s->nevents; i++) per[s->events[i].account].ev_count++;
    for (size_t i = 0; i < s->nrows; i++) per[s->rows[i].account].m_count++;
    uint32_t ev = 0, m = 0;
    for (size_t a = 0; a < h->naccounts; a++) {
        per[a].ev_first = ev;
        ev += per[a].ev_count;
        per[a].m_first = m;
        m += per[a].m_count;
        per[a].ev_count = per[a].m_count = 0;
    }
    h->events = malloc((s->nevents ? s->nevents : 1) * sizeof *h->events);
    h->rows = malloc((s->nrows ? s->nrows : 1) * sizeof *h->rows);
    if (!h->events || !h->rows) abort();
    for (size_t i = 0; i < s->nevents; i++) {
        tend_account_history *p = &per[s->events[i].account];
        h->events[p->ev_first + p->ev_count++] = s->events[i].ev;
    }
    for (size_t i = 0; i < s->nrows; i++) {
        tend_account_history *p = &per[s->rows[i].account];
        h->rows[p->m_first + p->m_count++] = s->rows[i].row;
    }
    h->nevents = s->nevents;
    h->nrows = s->nrows;
    /* Within an account, order by time; inputs are usually sorted already,
     * so insertion sort is linear in practice and stable. */
    for (size_t a = 0; a < h->naccounts; a++) {
        tend_event *e = h->events + per[a].ev_first;
        for (uint32_t i = 1; i < per[a].ev_count; i++) {
            tend_event x = e[i];
            uint32_t j = i;
            while (j > 0 && e[j - 1].at > x.at) { e[j] = e[j - 1]; j--; }
            e[j] = x;
        }
        tend_metric_row *r = h->rows + per[a].m_first;
        for (uint32_t i = 1; i < per[a].m_count; i++) {
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
    h->per_account = per;
}

void tend_history_free(tend_history *h) {
    if (h->staging) tend_history_finish(h);
    tend_strmap_free(&h->accounts);
    tend_strmap_free(&h->types);
    tend_strmap_free(&h->fields);
    for (size_t i = 0; i < h->ntypes; i++) free(h->type_names[i]);
    for (size_t i = 0; i < h->nfields; i++) free(h->field_names[i]);
    free(h->type_names);
    free(h->field_names);
    free(h->per_account);
    free(h->events);
    free(h->rows);
    free(h->values);
    tend_buf_free(&h->strings);
    memset(h, 0, sizeof *h);
}

const tend_account_history *tend_history_find(const tend_history *h, const char *account_id) {
    uint32_t i = tend_strmap_get(&h->accounts, account_id, strlen(account_id));
    return i == UINT32_MAX ? NULL : &h->per_account[i];
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
