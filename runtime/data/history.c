/* Loading events and metrics, then grouping them per account with a
 * counting sort (stable, so equal times keep file order). */
#include "data/history.h"

#include <pthread.h>
#include <stdatomic.h>
#include <strings.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/fields.h"
#include "data/flatjson.h"
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
    uint32_t field_at[TEND_FLAT_MAX]; /* metric field by column position, a cache */
    tend_flat_record scan;            /* add_metric_row's scratch */
    tend_strmap texts;                /* short user / data text -> its offset in strings */
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

/* Exports usually list an account's items together: the last account
 * interned is checked before hashing. */
static uint32_t intern_account(tend_account_index *ix, const char *id, size_t len) {
    if (ix->n && ix->last < ix->n) {
        const char *prev = ix->names[ix->last];
        if (strncmp(prev, id, len) == 0 && prev[len] == '\0') return ix->last;
    }
    ix->last = intern_name(&ix->ids, &ix->names, &ix->n, id, len);
    return ix->last;
}

/* Users and data objects repeat (a few dozen distinct texts among
 * hundreds of thousands of events): a short text is kept once and shared.
 * Past TEXTS_INTERNED distinct ones, or past TEXT_INTERNED bytes, each is
 * kept as it comes, so unique texts cost no map entry. */
#define TEXTS_INTERNED 16384
#define TEXT_INTERNED 64

static uint32_t add_string(tend_history *h, const char *s, size_t len) {
    uint32_t off = (uint32_t)h->strings.len;
    staging *st = stage_of(h);
    int share = st && len <= TEXT_INTERNED && st->texts.count < TEXTS_INTERNED;
    if (share) {
        uint32_t seen = tend_strmap_intern(&st->texts, s, len, off);
        if (seen != off) return seen;
    }
    tend_buf_add(&h->strings, s, len);
    tend_buf_addc(&h->strings, '\0');
    return off;
}


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
        !flat_time(r, "at", &at) || !tend_flat_finite(r))
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
    if (data && (tend_flat_scan(data->text, data->len, &inner) != 0 || !tend_flat_finite(&inner)))
        return 0; /* nested data, or a number jansson refuses */
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

/* Stages one metrics row of account: the numbers of r (other fields are
 * skipped), as of day. */
static void stage_metrics(tend_history *h, const char *account, size_t alen, int64_t day,
                          const tend_flat_record *r) {
    staging *s = stage_of(h);
    s->rows = grow(s->rows, &s->cap_rows, s->nrows + 1, sizeof *s->rows);
    staged_row *row = &s->rows[s->nrows++];
    row->account = intern_account(&h->m_index, account, alen);
    row->row.day = day;
    row->row.first = (uint32_t)h->nvalues;
    row->row.count = 0;
    for (int i = 0; i < r->n; i++) {
        const tend_flat_field *f = &r->f[i];
        if (f->type != FLAT_NUMBER) continue;
        h->values = grow(h->values, &s->cap_values, h->nvalues + 1, sizeof *h->values);
        /* Rows repeat their columns in the same order: try the field seen at
         * this position in the previous row before hashing. */
        uint32_t field = s->field_at[i];
        if (field >= h->nfields || strncmp(h->field_names[field], f->key, f->klen) != 0 ||
            h->field_names[field][f->klen] != '\0')
            s->field_at[i] = field = intern_name(&h->fields, &h->field_names, &h->nfields, f->key, f->klen);
        h->values[h->nvalues].field = field;
        h->values[h->nvalues].value = f->num;
        h->nvalues++;
        row->row.count++;
    }
}

static int add_metric_flat(tend_history *h, const tend_flat_record *r) {
    const char *id;
    size_t idlen;
    int64_t day;
    if (!flat_string(r, "account_id", &id, &idlen) || !flat_time(r, "date", &day) || !tend_flat_finite(r)) return 0;
    for (int i = 0; i < r->n; i++) {
        const tend_flat_field *f = &r->f[i];
        if (f->type != FLAT_NUMBER && f->type != FLAT_NULL &&
            !((f->klen == 10 && !memcmp(f->key, "account_id", 10)) || (f->klen == 4 && !memcmp(f->key, "date", 4))))
            return 0;
    }
    stage_metrics(h, id, idlen, day - (((day % 86400) + 86400) % 86400), r);
    return 1;
}

typedef enum { EVENTS, METRICS } item_kind;

/* Reserve from the input's size so arrays never move while loading: a
 * generous guess costs address space, not memory, until it is used. */
static void reserve(tend_history *h, item_kind kind, size_t bytes) {
    staging *s = stage_of(h);
    size_t lines = bytes / 40 + 1;
    if (kind == EVENTS) {
        s->events = grow(s->events, &s->cap_events, s->nevents + lines, sizeof *s->events);
    } else {
        s->rows = grow(s->rows, &s->cap_rows, s->nrows + lines, sizeof *s->rows);
        h->values = grow(h->values, &s->cap_values, h->nvalues + bytes / 8, sizeof *h->values);
    }
}

/* One input line: the flat fast path, else jansson (which also words the
 * error). Returns 1 if added, 0 if rejected with e set. */
static int add_line(tend_history *h, item_kind kind, tend_format fmt, const tend_csv_header *hd, const char *text,
                    size_t len, tend_flat_record *fr, tend_error *e) {
    if (fmt == TEND_FMT_JSONL && tend_flat_scan(text, len, fr) == 0 &&
        (kind == EVENTS ? add_event_flat(h, fr) : add_metric_flat(h, fr)))
        return 1;
    json_t *obj = tend_record_decode(fmt, hd, text, len, e);
    int ok = obj && (kind == EVENTS ? add_event : add_metric)(h, obj, fmt == TEND_FMT_CSV, e) == TEND_OK;
    json_decref(obj);
    return ok;
}

static tend_status load(tend_history *h, const char *path, tend_format fmt, item_kind kind, tend_load_stats *st,
                        tend_error *err) {
    tend_reader r;
    tend_status rc = tend_reader_open(&r, path, fmt, err);
    if (rc != TEND_OK) return rc;
    const char *text;
    size_t len;
    long line;
    int more;
    tend_error e;
    tend_flat_record *fr = malloc(sizeof *fr);
    if (!fr) abort();
    struct stat fst;
    if (r.f != stdin && fstat(fileno(r.f), &fst) == 0 && fst.st_size > 0) reserve(h, kind, (size_t)fst.st_size);
    while ((more = tend_reader_next(&r, &text, &len, &line, err)) == 1) {
        if (add_line(h, kind, r.format, &r.header, text, len, fr, &e)) {
            st->loaded++;
        } else {
            tend_buf_printf(&st->report, "%s:%ld: %s\n", path, line, e.msg);
            st->rejected++;
        }
    }
    free(fr);
    tend_reader_close(&r);
    return more < 0 ? TEND_EIO : TEND_OK;
}

tend_status tend_history_load_events(tend_history *h, const char *path, tend_format fmt, tend_load_stats *st,
                                     tend_error *err) {
    return load(h, path, fmt, EVENTS, st, err);
}

tend_status tend_history_load_metrics(tend_history *h, const char *path, tend_format fmt, tend_load_stats *st,
                                      tend_error *err) {
    return load(h, path, fmt, METRICS, st, err);
}

void tend_history_add_event_row(tend_history *h, const char *account, const char *type, int64_t at,
                                const char *user, const char *data_json) {
    staging *s = stage_of(h);
    s->events = grow(s->events, &s->cap_events, s->nevents + 1, sizeof *s->events);
    staged_event *e = &s->events[s->nevents++];
    e->account = intern_account(&h->ev_index, account, strlen(account));
    e->ev.at = at;
    e->ev.type = intern_name(&h->types, &h->type_names, &h->ntypes, type, strlen(type));
    e->ev.user = user ? add_string(h, user, strlen(user)) : TEND_NONE;
    /* An empty object is no data at all. */
    int empty = !data_json || strspn(data_json, "{} \t") == strlen(data_json);
    e->ev.data = empty ? TEND_NONE : add_string(h, data_json, strlen(data_json));
}

tend_status tend_history_add_metric_row(tend_history *h, const char *account, int64_t day, const char *metrics_json,
                                        tend_error *err) {
    tend_flat_record *r = &stage_of(h)->scan;
    if (tend_flat_scan(metrics_json, strlen(metrics_json), r) != 0)
        return tend_fail(err, TEND_EINPUT, "account '%s': metrics of %lld are not a flat JSON object", account,
                         (long long)day);
    stage_metrics(h, account, strlen(account), day, r);
    return TEND_OK;
}

tend_status tend_history_add_event(tend_history *h, json_t *obj, tend_error *err) {
    return add_event(h, obj, 0, err);
}

tend_status tend_history_add_metric(tend_history *h, json_t *obj, tend_error *err) {
    return add_metric(h, obj, 0, err);
}

static void free_index(tend_account_index *ix);

/* ---- parallel loading: byte ranges of JSON Lines files ------------------- */

/* A byte range of one file, loaded into a history of its own. A chunk
 * holds the lines that start in [start, end); their numbers are counted
 * from the chunk's first line and made absolute once every chunk is done. */
typedef struct {
    const char *path;
    item_kind kind;
    off_t start, end;
    tend_history part;
    long lines;
    tend_buf report; /* "<line in chunk>\t<message>\n" */
    size_t loaded, rejected;
    int io_error;
} chunk;

static void load_range(chunk *c) {
    tend_history_init(&c->part);
    FILE *f = fopen(c->path, "r");
    if (!f) {
        c->io_error = 1;
        return;
    }
    char *buf = NULL;
    size_t cap = 0;
    ssize_t n;
    off_t off = c->start;
    /* Skip the tail of the line that started in the previous chunk. */
    if (c->start > 0) {
        if (fseeko(f, c->start - 1, SEEK_SET) != 0 || (n = getline(&buf, &cap, f)) < 0) n = 0;
        off = c->start - 1 + n;
    }
    tend_flat_record *fr = malloc(sizeof *fr);
    if (!fr) abort();
    reserve(&c->part, c->kind, (size_t)(c->end - c->start));
    while (off < c->end && (n = getline(&buf, &cap, f)) > 0) {
        off += n;
        c->lines++;
        size_t len = (size_t)n;
        while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r')) len--;
        size_t k = 0;
        while (k < len && (buf[k] == ' ' || buf[k] == '\t')) k++;
        if (k == len) continue; /* blank */
        tend_error e;
        if (add_line(&c->part, c->kind, TEND_FMT_JSONL, NULL, buf, len, fr, &e)) {
            c->loaded++;
        } else {
            tend_buf_printf(&c->report, "%ld\t%s\n", c->lines, e.msg);
            c->rejected++;
        }
    }
    if (ferror(f)) c->io_error = 1;
    free(fr);
    free(buf);
    fclose(f);
}

typedef struct {
    chunk *chunks;
    size_t n;
    atomic_size_t next;
} chunk_queue;

static void *chunk_worker(void *arg) {
    chunk_queue *q = arg;
    for (size_t i; (i = atomic_fetch_add(&q->next, 1)) < q->n;) load_range(&q->chunks[i]);
    return NULL;
}

/* Appends what a chunk loaded to h, re-numbering its accounts, types and
 * fields through small maps (one hash per distinct name, not per item). */
/* The first chunk of a kind moves in whole: pointers change hands. */
static void take(tend_history *h, tend_history *p, item_kind kind) {
    staging *s = stage_of(h), *o = stage_of(p);
    if (kind == EVENTS) {
        free_index(&h->ev_index);
        h->ev_index = p->ev_index;
        memset(&p->ev_index, 0, sizeof p->ev_index);
        free(s->events);
        s->events = o->events, s->nevents = o->nevents, s->cap_events = o->cap_events;
        o->events = NULL, o->nevents = 0;
        tend_strmap_free(&h->types);
        for (size_t i = 0; i < h->ntypes; i++) free(h->type_names[i]);
        free(h->type_names);
        h->types = p->types, h->type_names = p->type_names, h->ntypes = p->ntypes;
        memset(&p->types, 0, sizeof p->types), p->type_names = NULL, p->ntypes = 0;
        tend_buf_free(&h->strings);
        h->strings = p->strings;
        memset(&p->strings, 0, sizeof p->strings);
        tend_strmap t = s->texts; /* the offsets p's map holds are into p's strings, now h's */
        s->texts = o->texts;
        o->texts = t;
    } else {
        free_index(&h->m_index);
        h->m_index = p->m_index;
        memset(&p->m_index, 0, sizeof p->m_index);
        free(s->rows);
        s->rows = o->rows, s->nrows = o->nrows, s->cap_rows = o->cap_rows;
        o->rows = NULL, o->nrows = 0;
        free(h->values);
        h->values = p->values, h->nvalues = p->nvalues, s->cap_values = o->cap_values;
        p->values = NULL, p->nvalues = 0;
        tend_strmap_free(&h->fields);
        for (size_t i = 0; i < h->nfields; i++) free(h->field_names[i]);
        free(h->field_names);
        h->fields = p->fields, h->field_names = p->field_names, h->nfields = p->nfields;
        memset(&p->fields, 0, sizeof p->fields), p->field_names = NULL, p->nfields = 0;
    }
    tend_history_free(p);
}

static void absorb(tend_history *h, tend_history *p, item_kind kind) {
    staging *s = stage_of(h), *o = stage_of(p);
    tend_account_index *pix = kind == EVENTS ? &p->ev_index : &p->m_index;
    tend_account_index *hix = kind == EVENTS ? &h->ev_index : &h->m_index;
    if (hix->n == 0 && (kind == EVENTS ? s->nevents : s->nrows) == 0) {
        take(h, p, kind);
        return;
    }
    uint32_t *acc = malloc((pix->n + 1) * sizeof *acc);
    if (!acc) abort();
    for (size_t a = 0; a < pix->n; a++) acc[a] = intern_account(hix, pix->names[a], strlen(pix->names[a]));
    if (kind == EVENTS) {
        uint32_t *types = malloc((p->ntypes + 1) * sizeof *types);
        if (!types) abort();
        for (size_t t = 0; t < p->ntypes; t++)
            types[t] = intern_name(&h->types, &h->type_names, &h->ntypes, p->type_names[t], strlen(p->type_names[t]));
        uint32_t base = (uint32_t)h->strings.len;
        if (p->strings.len) tend_buf_add(&h->strings, p->strings.data, p->strings.len);
        s->events = grow(s->events, &s->cap_events, s->nevents + o->nevents, sizeof *s->events);
        for (size_t i = 0; i < o->nevents; i++) {
            staged_event e = o->events[i];
            e.account = acc[e.account];
            e.ev.type = types[e.ev.type];
            if (e.ev.user != TEND_NONE) e.ev.user += base;
            if (e.ev.data != TEND_NONE) e.ev.data += base;
            s->events[s->nevents++] = e;
        }
        free(types);
    } else {
        uint32_t *fields = malloc((p->nfields + 1) * sizeof *fields);
        if (!fields) abort();
        for (size_t f = 0; f < p->nfields; f++)
            fields[f] = intern_name(&h->fields, &h->field_names, &h->nfields, p->field_names[f],
                                    strlen(p->field_names[f]));
        uint32_t base = (uint32_t)h->nvalues;
        h->values = grow(h->values, &s->cap_values, h->nvalues + p->nvalues, sizeof *h->values);
        for (size_t v = 0; v < p->nvalues; v++) {
            tend_metric_value x = p->values[v];
            x.field = fields[x.field];
            h->values[h->nvalues++] = x;
        }
        s->rows = grow(s->rows, &s->cap_rows, s->nrows + o->nrows, sizeof *s->rows);
        for (size_t i = 0; i < o->nrows; i++) {
            staged_row r = o->rows[i];
            r.account = acc[r.account];
            r.row.first += base;
            s->rows[s->nrows++] = r;
        }
        free(fields);
    }
    free(acc);
    tend_history_free(p);
}

/* A regular JSON Lines file can be split at any byte; stdin and CSV (a
 * quoted cell may hold a newline) are read in order instead. */
static int splittable(const char *path, off_t *size) {
    struct stat st;
    size_t n = strlen(path);
    if (!strcmp(path, "-") || stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return 0;
    if (n > 4 && !strcasecmp(path + n - 4, ".csv")) return 0;
    *size = st.st_size;
    return 1;
}

/* Splits the files into byte ranges loaded by `jobs` threads, then joins
 * the pieces in file order. Returns 0 (nothing done) if a file cannot be split. */
static int load_parallel(tend_history *h, const char *paths[2], int jobs, tend_load_stats *stats[2]) {
    off_t sizes[2] = {0, 0};
    for (int k = 0; k < 2; k++)
        if (paths[k] && !splittable(paths[k], &sizes[k])) return 0;
    /* Measured on 2 cores: joining pieces of one file copies what was
     * loaded, which costs about what splitting saves; so files load side
     * by side, in as many pieces as there are threads beyond the files. */
    size_t per_file = jobs > 2 ? (size_t)jobs - 1 : 1, n = 0;
    chunk *chunks = calloc(per_file * 2, sizeof *chunks);
    if (!chunks) abort();
    for (int k = 0; k < 2; k++) {
        if (!paths[k]) continue;
        for (size_t i = 0; i < per_file; i++) {
            chunk *c = &chunks[n++];
            c->path = paths[k];
            c->kind = k == 0 ? EVENTS : METRICS;
            c->start = (off_t)((double)sizes[k] * (double)i / (double)per_file);
            c->end = (off_t)((double)sizes[k] * (double)(i + 1) / (double)per_file);
        }
    }
    chunk_queue q = {chunks, n, 0};
    pthread_t *threads = calloc((size_t)jobs, sizeof *threads);
    int started = 0;
    for (int i = 1; i < jobs; i++)
        if (pthread_create(&threads[started], NULL, chunk_worker, &q) == 0) started++;
    chunk_worker(&q);
    for (int i = 0; i < started; i++) pthread_join(threads[i], NULL);
    free(threads);
    long line_base[2] = {0, 0};
    for (size_t i = 0; i < n; i++) {
        chunk *c = &chunks[i];
        int k = c->kind == EVENTS ? 0 : 1;
        tend_load_stats *st = stats[k];
        for (char *p = c->report.data, *nl; p && p < c->report.data + c->report.len; p = nl + 1) {
            nl = strchr(p, '\n');
            char *tab = strchr(p, '\t');
            tend_buf_printf(&st->report, "%s:%ld: %.*s\n", c->path, line_base[k] + strtol(p, NULL, 10),
                            (int)(nl - tab - 1), tab + 1);
        }
        line_base[k] += c->lines;
        st->loaded += c->loaded;
        st->rejected += c->rejected;
        if (c->io_error) {
            tend_buf_printf(&st->report, "%s: read error\n", c->path);
            st->rejected++;
        }
        absorb(h, &c->part, c->kind);
        tend_buf_free(&c->report);
    }
    free(chunks);
    return 1;
}

tend_status tend_history_load_files(tend_history *h, const char *events, const char *metrics, tend_format fmt,
                                    int jobs, tend_load_stats *ev, tend_load_stats *me, tend_error *err) {
    tend_status rc = TEND_OK;
    const char *paths[2] = {events, metrics};
    tend_load_stats *stats[2] = {ev, me};
    if (!(jobs > 1 && fmt != TEND_FMT_CSV && load_parallel(h, paths, jobs, stats))) {
        if (events) rc = tend_history_load_events(h, events, fmt, ev, err);
        if (rc == TEND_OK && metrics) rc = tend_history_load_metrics(h, metrics, fmt, me, err);
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
    /* Each store's staging is freed as soon as it is grouped, before the
     * next store's final array exists: the peak holds one copy of one store
     * at a time, not both stores twice. */
    uint32_t *slot = malloc((s->nevents > s->nrows ? s->nevents : s->nrows) * sizeof *slot + 1);
    h->events = malloc((s->nevents ? s->nevents : 1) * sizeof *h->events);
    if (!slot || !h->events) abort();
    group(&h->ev_index, s->nevents ? &s->events[0].account : NULL, s->nevents, sizeof *s->events, slot);
    for (size_t i = 0; i < s->nevents; i++) h->events[slot[i]] = s->events[i].ev;
    free(s->events);
    s->events = NULL;
    h->rows = malloc((s->nrows ? s->nrows : 1) * sizeof *h->rows);
    if (!h->rows) abort();
    group(&h->m_index, s->nrows ? &s->rows[0].account : NULL, s->nrows, sizeof *s->rows, slot);
    for (size_t i = 0; i < s->nrows; i++) h->rows[slot[i]] = s->rows[i].row;
    free(s->rows);
    s->rows = NULL;
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
    tend_strmap_free(&s->texts);
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
        tend_strmap_free(&s->texts);
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
