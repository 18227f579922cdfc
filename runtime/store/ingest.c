/* Ingest (see ingest.h): records -> COPY text -> a temporary staging table
 * -> accounts, events or metrics_daily in one transaction.
 *
 * The staging tables have the target's column types, so COPY parses each
 * value once and the statement that stores the rows only moves them. Values
 * that reach the server are canonical, so the same record read from JSON
 * Lines or CSV, by the fast path or by jansson, gives the same row: times as
 * "YYYY-MM-DDTHH:MM:SSZ", dates as "YYYY-MM-DD" (UTC), numbers as the
 * integer or the shortest text that reads back as the same double, JSON
 * objects written by json_put below. */
#include "store/ingest.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/isotime.h"
#include "base/jsontext.h"
#include "base/keyset.h"
#include "data/fields.h"
#include "data/flatjson.h"
#include "store/copy.h"
#include "store/db.h"

/* COPY data is sent in pieces of about this size. */
#define COPY_CHUNK (256 * 1024)
/* A first load of events remembers this many dedupe keys at most (32 bytes
 * each) unless told otherwise; a longer file goes through the staging table. */
#define EVENTS_REMEMBERED (2u << 20)

struct tend_ingest {
    tend_ingest_opts o;
    tend_reader r;
    tend_buf copy;  /* COPY text not yet sent */
    tend_buf json;  /* scratch: one JSON value */
    tend_buf num;   /* scratch: one number or id */
    tend_flat_record *flat, *inner;
    int direct; /* rows go straight into their table: they lead with the tenant */
    int quiet;  /* a second pass over the input: its rejections were reported */
    int retry;  /* the first-load attempts failed: go straight to the upsert */
    tend_keyset seen; /* a first load of events: the dedupe keys sent so far */
    int dedupe;       /* drop events whose key was sent (see keep_event) */
    int overflow;     /* more keys than `seen` may hold: use the staging table */
    size_t dups;      /* events dropped as repeats of earlier lines */
    struct handoff *handoff; /* parsing on its own thread: where its COPY text goes */
};

const char *tend_ingest_kind_name(tend_ingest_kind k) {
    return k == TEND_INGEST_ACCOUNTS ? "accounts" : k == TEND_INGEST_EVENTS ? "events" : "metrics";
}

int tend_ingest_kind_parse(const char *s, tend_ingest_kind *out) {
    if (!strcmp(s, "accounts")) *out = TEND_INGEST_ACCOUNTS;
    else if (!strcmp(s, "events")) *out = TEND_INGEST_EVENTS;
    else if (!strcmp(s, "metrics")) *out = TEND_INGEST_METRICS;
    else return -1;
    return 0;
}

/* ---- canonical text ------------------------------------------------------ */

static void put_int(tend_buf *b, long long v) {
    char tmp[24], *p = tmp + sizeof tmp;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do *--p = (char)('0' + u % 10); while (u /= 10);
    if (v < 0) *--p = '-';
    tend_buf_add(b, p, (size_t)(tmp + sizeof tmp - p));
}

/* Integral values as integers, others as the shortest %g that reads back
 * as the same double (valid JSON and valid numeric input). */
static void put_double(tend_buf *b, double d) {
    if (d >= -9007199254740992.0 && d <= 9007199254740992.0 && d == (double)(long long)d) {
        put_int(b, (long long)d);
        return;
    }
    char tmp[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, d);
        if (prec == 17 || strtod(tmp, NULL) == d) break;
    }
    tend_buf_adds(b, tmp);
}

/* A jansson value as JSON text (jsonb orders keys itself). */
static void json_put(tend_buf *b, json_t *v) {
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        const char *k;
        json_t *x;
        int first = 1;
        tend_buf_addc(b, '{');
        json_object_foreach(v, k, x) {
            if (!first) tend_buf_addc(b, ',');
            first = 0;
            tend_json_quote(b, k, strlen(k));
            tend_buf_addc(b, ':');
            json_put(b, x);
        }
        tend_buf_addc(b, '}');
        break;
    }
    case JSON_ARRAY: {
        tend_buf_addc(b, '[');
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i) tend_buf_addc(b, ',');
            json_put(b, json_array_get(v, i));
        }
        tend_buf_addc(b, ']');
        break;
    }
    case JSON_STRING: tend_json_quote(b, json_string_value(v), json_string_length(v)); break;
    case JSON_INTEGER: put_int(b, (long long)json_integer_value(v)); break;
    case JSON_REAL: put_double(b, json_real_value(v)); break;
    case JSON_TRUE: tend_buf_adds(b, "true"); break;
    case JSON_FALSE: tend_buf_adds(b, "false"); break;
    case JSON_NULL: tend_buf_adds(b, "null"); break;
    }
}

/* A scalar of a flat record as JSON text. */
static void flat_put(tend_buf *b, const tend_flat_field *f) {
    switch (f->type) {
    case FLAT_STRING: tend_json_quote(b, f->text, f->len); break;
    case FLAT_NUMBER:
        if (f->is_int) put_int(b, f->ival);
        else put_double(b, f->num);
        break;
    case FLAT_TRUE: tend_buf_adds(b, "true"); break;
    case FLAT_FALSE: tend_buf_adds(b, "false"); break;
    default: tend_buf_adds(b, "null"); break;
    }
}

/* ---- COPY text format: one row per line, tab between columns ------------- */

static void copy_col(tend_buf *b, const char *s, size_t len) {
    tend_buf_addc(b, '\t');
    tend_copy_text(b, s, len);
}

static void copy_null(tend_buf *b) { tend_buf_add(b, "\t\\N", 3); }

static void copy_str(tend_buf *b, const char *s) {
    if (s) copy_col(b, s, strlen(s));
    else copy_null(b);
}

/* The time range both tend and PostgreSQL read: years 1 to 9999. */
#define EPOCH_MIN (-62135596800LL) /* 0001-01-01T00:00:00Z */
#define EPOCH_MAX 253402300799LL   /* 9999-12-31T23:59:59Z */

static int time_col(tend_buf *b, int64_t t, int date_only, const char *name, tend_error *err) {
    if (t < EPOCH_MIN || t > EPOCH_MAX) {
        tend_fail(err, TEND_EINPUT, "field '%s': outside the years 1 to 9999 (UTC)", name);
        return -1;
    }
    char s[21];
    if (date_only) tend_date_format(t, s);
    else tend_time_format(t, s);
    copy_col(b, s, strlen(s));
    return 0;
}

static void line_col(tend_buf *b, long line) { put_int(b, line); }

/* A staged row starts with its line; a row copied straight into its table
 * (see first_load) with the tenant. */
static void lead_cols(tend_ingest *in, long line, const char *tenant, size_t len) {
    if (in->direct) {
        tend_copy_text(&in->copy, tenant, len);
    } else {
        line_col(&in->copy, line);
        copy_col(&in->copy, tenant, len);
    }
}

/* ---- accounts: tend_account_normalize, and a fast path below ------------- */

typedef enum { C_TEXT, C_NUMBER, C_BOOL, C_DATE } column_type;

static const struct {
    const char *name;
    column_type type;
} account_columns[] = {
    {"name", C_TEXT},          {"employees", C_NUMBER},          {"acv", C_NUMBER},
    {"industry", C_TEXT},      {"technical", C_BOOL},            {"product_type", C_TEXT},
    {"locale", C_TEXT},        {"licensed_users", C_NUMBER},     {"contract_signed_at", C_DATE},
    {"onboarding_target_at", C_DATE}, {"renewal_date", C_DATE},  {"csm", C_TEXT},
    {"champion", C_TEXT},
};
#define N_ACCOUNT_COLUMNS (sizeof account_columns / sizeof account_columns[0])

static int account_full(tend_ingest *in, const char *text, size_t len, long line, tend_error *err) {
    tend_buf *b = &in->copy;
    int from_csv = in->r.format == TEND_FMT_CSV;
    json_t *raw = tend_record_decode(in->r.format, &in->r.header, text, len, err);
    json_t *acc = raw ? tend_account_normalize(raw, from_csv, err) : NULL;
    json_decref(raw);
    if (!acc) return -1;
    int rc = -1;
    const char *tenant = json_string_value(json_object_get(acc, "tenant"));
    const char *id = json_string_value(json_object_get(acc, "id"));
    if (!tenant || !*tenant) tenant = in->o.tenant;
    lead_cols(in, line, tenant, strlen(tenant));
    copy_str(b, id);
    for (size_t i = 0; i < N_ACCOUNT_COLUMNS; i++) {
        json_t *v = json_object_get(acc, account_columns[i].name);
        if (!v) {
            copy_null(b);
            continue;
        }
        switch (account_columns[i].type) {
        case C_TEXT: copy_str(b, json_string_value(v)); break;
        case C_NUMBER:
            in->num.len = 0;
            if (json_is_integer(v)) put_int(&in->num, (long long)json_integer_value(v));
            else put_double(&in->num, json_number_value(v));
            copy_col(b, in->num.data, in->num.len);
            break;
        case C_BOOL: copy_col(b, json_is_true(v) ? "t" : "f", 1); break;
        case C_DATE: {
            const char *s = json_string_value(v);
            int64_t t;
            if (!s || tend_time_parse(s, strlen(s), &t) != 0) { /* normalize checked it */
                tend_fail(err, TEND_EINPUT, "field '%s': expected an ISO-8601 date", account_columns[i].name);
                goto done;
            }
            if (time_col(b, t, 1, account_columns[i].name, err)) goto done;
            break;
        }
        }
    }
    in->json.len = 0;
    json_put(&in->json, json_object_get(acc, "attrs"));
    copy_col(b, in->json.data, in->json.len);
    tend_buf_addc(b, '\n');
    rc = 0;
done:
    json_decref(acc);
    return rc;
}

/* ---- events --------------------------------------------------------------- */

/* line, id, account_id, type, at, user_id, data. */
static int event_columns(tend_ingest *in, long line, const char *id, size_t idlen, const char *account, size_t alen,
                         const char *type, size_t tlen, int64_t at, const char *user, size_t ulen, tend_error *err) {
    tend_buf *b = &in->copy;
    if (in->direct) tend_copy_text(b, in->o.tenant, strlen(in->o.tenant));
    else line_col(b, line);
    if (id && idlen) copy_col(b, id, idlen);
    else copy_null(b);
    copy_col(b, account, alen);
    copy_col(b, type, tlen);
    if (time_col(b, at, 0, "at", err)) return -1;
    if (user) copy_col(b, user, ulen);
    else copy_null(b);
    copy_col(b, in->json.data, in->json.len);
    tend_buf_addc(b, '\n');
    return 0;
}

/* jansson refuses a number that overflows a double; the scanner gives inf. */
static int flat_finite(const tend_flat_field *f) { return f->type != FLAT_NUMBER || f->is_int || isfinite(f->num); }

static int key_is(const tend_flat_field *f, const char *k) {
    size_t n = strlen(k);
    return f->klen == n && !memcmp(f->key, k, n);
}

static int flat_text(const tend_flat_record *r, const char *key, const char **s, size_t *len) {
    const tend_flat_field *f = tend_flat_get(r, key);
    if (!f || f->type != FLAT_STRING || f->len == 0) return 0;
    *s = f->text;
    *len = f->len;
    return 1;
}

/* An event id: a string, or an integer written in decimal. */
static void flat_id(tend_ingest *in, const tend_flat_field *f, const char **id, size_t *len) {
    if (f->type == FLAT_STRING) {
        *id = f->text, *len = f->len;
    } else if (f->type == FLAT_NUMBER && f->is_int) {
        in->num.len = 0;
        put_int(&in->num, f->ival);
        *id = in->num.data, *len = in->num.len;
    }
}

/* The fast path, taken only where the jansson path would accept the line
 * and store the same row. Returns 1 if the row was written, 0 to decline. */
static int event_flat(tend_ingest *in, const tend_flat_record *r, long line, tend_error *err, int *failed) {
    const char *account, *type, *user = NULL, *id = NULL, *at_text;
    size_t alen, tlen, ulen = 0, idlen = 0, atlen;
    int64_t at;
    if (!flat_text(r, "account_id", &account, &alen) || !flat_text(r, "type", &type, &tlen) ||
        !flat_text(r, "at", &at_text, &atlen) || tend_time_parse(at_text, atlen, &at) != 0)
        return 0;
    const tend_flat_field *data = NULL, *idf = NULL;
    for (int i = 0; i < r->n; i++) {
        const tend_flat_field *f = &r->f[i];
        if (key_is(f, "user")) {
            if (f->type == FLAT_STRING) user = f->text, ulen = f->len;
            else if (f->type != FLAT_NULL) return 0;
        } else if (key_is(f, "data")) {
            if (f->type == FLAT_OBJECT) data = f;
            else if (f->type != FLAT_NULL) return 0;
        } else if (key_is(f, "id")) {
            if (f->type == FLAT_OBJECT || f->type == FLAT_ARRAY) return 0; /* jansson validates it */
            idf = f;
        } else if (!key_is(f, "account_id") && !key_is(f, "type") && !key_is(f, "at")) {
            return 0; /* fields outside the contract move into data: jansson does that */
        }
    }
    in->json.len = 0;
    tend_buf_addc(&in->json, '{');
    if (data) {
        if (tend_flat_scan(data->text, data->len, in->inner) != 0) return 0;
        for (int i = 0; i < in->inner->n; i++) {
            const tend_flat_field *f = &in->inner->f[i];
            if (f->type == FLAT_OBJECT || f->type == FLAT_ARRAY || !flat_finite(f)) return 0; /* jansson */
            if (i) tend_buf_addc(&in->json, ',');
            tend_json_quote(&in->json, f->key, f->klen);
            tend_buf_addc(&in->json, ':');
            flat_put(&in->json, f);
        }
    }
    tend_buf_addc(&in->json, '}');
    if (idf) flat_id(in, idf, &id, &idlen);
    *failed = event_columns(in, line, id, idlen, account, alen, type, tlen, at, user, ulen, err) != 0;
    return 1;
}

static int event_full(tend_ingest *in, const char *text, size_t len, long line, tend_error *err) {
    json_t *obj = tend_record_decode(in->r.format, &in->r.header, text, len, err);
    if (!obj) return -1;
    int rc = -1;
    tend_event_fields f;
    if (tend_event_fields_read(obj, in->r.format == TEND_FMT_CSV, &f, err) != TEND_OK) goto done;
    const char *id = f.id;
    size_t idlen = id ? strlen(id) : 0;
    json_t *idv = json_object_get(obj, "id");
    if (json_is_integer(idv)) {
        in->num.len = 0;
        put_int(&in->num, (long long)json_integer_value(idv));
        id = in->num.data, idlen = in->num.len;
    }
    in->json.len = 0;
    if (f.data) json_put(&in->json, f.data);
    else tend_buf_adds(&in->json, "{}");
    rc = event_columns(in, line, id, idlen, f.account_id, strlen(f.account_id), f.type, strlen(f.type), f.at, f.user,
                       f.user ? strlen(f.user) : 0, err);
done:
    json_decref(obj);
    return rc;
}

static int event_row(tend_ingest *in, const char *text, size_t len, long line, tend_error *err) {
    int failed = 0;
    if (in->r.format == TEND_FMT_JSONL && tend_flat_scan(text, len, in->flat) == 0 &&
        event_flat(in, in->flat, line, err, &failed))
        return failed ? -1 : 0;
    return event_full(in, text, len, line, err);
}

/* The accounts' fast path: a flat record whose every value already has its
 * field's type (what tend_account_normalize would keep as it is); anything
 * to coerce, an `attrs` object or a nested value declines. Returns 1 if the
 * row was written (*failed: but rejected), 0 to decline. */
static int account_flat(tend_ingest *in, const tend_flat_record *r, long line, tend_error *err, int *failed) {
    const tend_flat_field *col[N_ACCOUNT_COLUMNS] = {0}, *id = NULL, *tenant = NULL;
    int nattrs = 0;
    in->json.len = 0;
    tend_buf_addc(&in->json, '{');
    for (int i = 0; i < r->n; i++) {
        const tend_flat_field *f = &r->f[i];
        if (f->type == FLAT_NULL) continue; /* normalize drops nulls, known or not */
        if (f->type == FLAT_OBJECT || f->type == FLAT_ARRAY || !flat_finite(f)) return 0;
        if (key_is(f, "id") || key_is(f, "tenant")) {
            if (f->type != FLAT_STRING && !(f->type == FLAT_NUMBER && f->is_int)) return 0;
            *(key_is(f, "id") ? &id : &tenant) = f;
            continue;
        }
        size_t k = 0;
        while (k < N_ACCOUNT_COLUMNS && !key_is(f, account_columns[k].name)) k++;
        if (k == N_ACCOUNT_COLUMNS) {
            if (key_is(f, "attrs")) return 0;
            if (nattrs++) tend_buf_addc(&in->json, ',');
            tend_json_quote(&in->json, f->key, f->klen);
            tend_buf_addc(&in->json, ':');
            flat_put(&in->json, f);
            continue;
        }
        int64_t t;
        switch (account_columns[k].type) {
        case C_TEXT: if (f->type != FLAT_STRING && !(f->type == FLAT_NUMBER && f->is_int)) return 0; break;
        case C_NUMBER: if (f->type != FLAT_NUMBER || f->num < 0) return 0; break; /* counts: normalize rejects < 0 */
        case C_BOOL: if (f->type != FLAT_TRUE && f->type != FLAT_FALSE) return 0; break;
        case C_DATE: if (f->type != FLAT_STRING || tend_time_parse(f->text, f->len, &t) != 0) return 0; break;
        }
        col[k] = f;
    }
    tend_buf_addc(&in->json, '}');
    if (!id || (id->type == FLAT_STRING && id->len == 0)) return 0; /* jansson words it */
    tend_buf *b = &in->copy;
    /* An integer where a string belongs becomes its decimal text. */
    in->num.len = 0;
    if (!tenant || (tenant->type == FLAT_STRING && tenant->len == 0))
        lead_cols(in, line, in->o.tenant, strlen(in->o.tenant));
    else if (tenant->type == FLAT_STRING)
        lead_cols(in, line, tenant->text, tenant->len);
    else {
        put_int(&in->num, tenant->ival);
        lead_cols(in, line, in->num.data, in->num.len);
    }
    if (id->type == FLAT_STRING) {
        copy_col(b, id->text, id->len);
    } else {
        in->num.len = 0;
        put_int(&in->num, id->ival);
        copy_col(b, in->num.data, in->num.len);
    }
    for (size_t k = 0; k < N_ACCOUNT_COLUMNS; k++) {
        const tend_flat_field *f = col[k];
        int64_t t;
        if (!f) {
            copy_null(b);
            continue;
        }
        switch (account_columns[k].type) {
        case C_TEXT:
        case C_NUMBER:
            if (f->type == FLAT_STRING) {
                copy_col(b, f->text, f->len);
            } else {
                in->num.len = 0;
                if (f->is_int) put_int(&in->num, f->ival);
                else put_double(&in->num, f->num);
                copy_col(b, in->num.data, in->num.len);
            }
            break;
        case C_BOOL: copy_col(b, f->type == FLAT_TRUE ? "t" : "f", 1); break;
        case C_DATE:
            tend_time_parse(f->text, f->len, &t);
            if (time_col(b, t, 1, account_columns[k].name, err)) {
                *failed = 1;
                return 1;
            }
            break;
        }
    }
    copy_col(b, in->json.data, in->json.len);
    tend_buf_addc(b, '\n');
    return 1;
}

static int account_row(tend_ingest *in, const char *text, size_t len, long line, tend_error *err) {
    int failed = 0;
    if (in->r.format == TEND_FMT_JSONL && tend_flat_scan(text, len, in->flat) == 0 &&
        account_flat(in, in->flat, line, err, &failed))
        return failed ? -1 : 0;
    return account_full(in, text, len, line, err);
}

/* ---- metrics -------------------------------------------------------------- */

static int metric_flat(tend_ingest *in, const tend_flat_record *r, long line, tend_error *err, int *failed) {
    const char *account, *date_text;
    size_t alen, dlen;
    int64_t day;
    if (!flat_text(r, "account_id", &account, &alen) || !flat_text(r, "date", &date_text, &dlen) ||
        tend_time_parse(date_text, dlen, &day) != 0)
        return 0;
    in->json.len = 0;
    tend_buf_addc(&in->json, '{');
    int n = 0;
    for (int i = 0; i < r->n; i++) {
        const tend_flat_field *f = &r->f[i];
        if (key_is(f, "account_id") || key_is(f, "date") || f->type == FLAT_NULL) continue;
        if (f->type != FLAT_NUMBER || !flat_finite(f)) return 0; /* jansson words the error */
        if (n++) tend_buf_addc(&in->json, ',');
        tend_json_quote(&in->json, f->key, f->klen);
        tend_buf_addc(&in->json, ':');
        flat_put(&in->json, f);
    }
    tend_buf_addc(&in->json, '}');
    tend_buf *b = &in->copy;
    if (in->direct) tend_copy_text(b, in->o.tenant, strlen(in->o.tenant));
    else line_col(b, line);
    copy_col(b, account, alen);
    *failed = time_col(b, day, 1, "date", err) != 0;
    if (*failed) return 1;
    copy_col(b, in->json.data, in->json.len);
    tend_buf_addc(b, '\n');
    return 1;
}

static int metric_full(tend_ingest *in, const char *text, size_t len, long line, tend_error *err) {
    json_t *obj = tend_record_decode(in->r.format, &in->r.header, text, len, err);
    if (!obj) return -1;
    int rc = -1;
    tend_metric_fields f;
    if (tend_metric_fields_read(obj, in->r.format == TEND_FMT_CSV, &f, err) != TEND_OK) goto done;
    in->json.len = 0;
    tend_buf_addc(&in->json, '{');
    const char *k;
    json_t *v;
    int n = 0;
    json_object_foreach(obj, k, v) {
        if (!strcmp(k, "account_id") || !strcmp(k, "date")) continue;
        if (n++) tend_buf_addc(&in->json, ',');
        tend_json_quote(&in->json, k, strlen(k));
        tend_buf_addc(&in->json, ':');
        json_put(&in->json, v);
    }
    tend_buf_addc(&in->json, '}');
    tend_buf *b = &in->copy;
    if (in->direct) tend_copy_text(b, in->o.tenant, strlen(in->o.tenant));
    else line_col(b, line);
    copy_col(b, f.account_id, strlen(f.account_id));
    if (time_col(b, f.day, 1, "date", err)) goto done;
    copy_col(b, in->json.data, in->json.len);
    tend_buf_addc(b, '\n');
    rc = 0;
done:
    json_decref(obj);
    return rc;
}

static int metric_row(tend_ingest *in, const char *text, size_t len, long line, tend_error *err) {
    int failed = 0;
    if (in->r.format == TEND_FMT_JSONL && tend_flat_scan(text, len, in->flat) == 0 &&
        metric_flat(in, in->flat, line, err, &failed))
        return failed ? -1 : 0;
    return metric_full(in, text, len, line, err);
}

/* ---- SQL ------------------------------------------------------------------ */

/* Staging tables, typed like their tables: each value is parsed once, by
 * COPY. `line` orders records with the same key (the last one wins).
 * Each is kept per connection (ON COMMIT DELETE ROWS) rather than created
 * per transaction: creating one costs about half of a single-row ingest
 * (catalog rows, a new file, dropping it at commit). The DO block creates
 * it only when the session has none yet (a rolled-back transaction takes
 * a table it created with it); IF NOT EXISTS would say a NOTICE each time.
 * Rows of a rolled-back transaction are dead, never seen by the next. */
#define STAGING(name, columns)                                                                       \
    "DO $$BEGIN IF to_regclass('pg_temp." name "') IS NULL THEN CREATE TEMP TABLE " name " " columns \
    " ON COMMIT DELETE ROWS; END IF; END$$"
static const char *const staging_sql[] = {
    [TEND_INGEST_ACCOUNTS] = STAGING(
        "tend_ingest_accounts",
        "(line bigint, tenant text, id text, name text, employees numeric,"
        " acv numeric, industry text, technical boolean, product_type text, locale text, licensed_users numeric,"
        " contract_signed_at date, onboarding_target_at date, renewal_date date, csm text, champion text,"
        " attrs jsonb)"),
    [TEND_INGEST_EVENTS] = STAGING("tend_ingest_events", "(line bigint, id text, account_id text, type text,"
                                                         " at timestamptz, user_id text, data jsonb)"),
    [TEND_INGEST_METRICS] = STAGING("tend_ingest_metrics", "(line bigint, account_id text, date date,"
                                                           " metrics jsonb)"),
};
#undef STAGING

static const char *const copy_sql[] = {
    [TEND_INGEST_ACCOUNTS] = "COPY tend_ingest_accounts FROM STDIN",
    [TEND_INGEST_EVENTS] = "COPY tend_ingest_events FROM STDIN",
    [TEND_INGEST_METRICS] = "COPY tend_ingest_metrics FROM STDIN",
};

static const char *const tenants_sql[] = {
    [TEND_INGEST_ACCOUNTS] = ("INSERT INTO tenants (id, name) SELECT DISTINCT tenant, tenant FROM tend_ingest_accounts"
                              " ON CONFLICT (id) DO NOTHING"), /* parentheses: one string, for clang */
    [TEND_INGEST_EVENTS] = "INSERT INTO tenants (id, name) VALUES ($1, $1) ON CONFLICT (id) DO NOTHING",
    [TEND_INGEST_METRICS] = "INSERT INTO tenants (id, name) VALUES ($1, $1) ON CONFLICT (id) DO NOTHING",
};

/* How staged accounts and metrics are stored: `insert` from rows s (%s:
 * the staging table, or the last record of each key), `conflict` updates
 * the rows that differ, `unchanged` leaves out rows stored as they are (so
 * they are not even locked; only where keys are unique, see upsert).
 * `any`: does the table hold rows of the tenant(s) yet. */
typedef struct {
    const char *insert, *unchanged, *conflict, *all, *last, *any;
} store_sql;

#define ACCOUNT_COLUMNS                                                                                       \
    "name, employees, acv, industry, technical, product_type, locale, licensed_users, contract_signed_at," \
    " onboarding_target_at, renewal_date, csm, champion, attrs"

static const store_sql accounts_sql = {
    "INSERT INTO accounts AS a (tenant, id, " ACCOUNT_COLUMNS ") SELECT tenant, id, " ACCOUNT_COLUMNS " FROM %s",
    " WHERE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.tenant = s.tenant AND a.id = s.id"
    " AND (a.name, a.employees, a.acv, a.industry, a.technical, a.product_type, a.locale, a.licensed_users,"
    " a.contract_signed_at, a.onboarding_target_at, a.renewal_date, a.csm, a.champion, a.attrs)"
    " IS NOT DISTINCT FROM (s.name, s.employees, s.acv, s.industry, s.technical, s.product_type, s.locale,"
    " s.licensed_users, s.contract_signed_at, s.onboarding_target_at, s.renewal_date, s.csm, s.champion, s.attrs))",
    " ON CONFLICT (tenant, id) DO UPDATE SET name = EXCLUDED.name, employees = EXCLUDED.employees,"
    " acv = EXCLUDED.acv, industry = EXCLUDED.industry, technical = EXCLUDED.technical,"
    " product_type = EXCLUDED.product_type, locale = EXCLUDED.locale, licensed_users = EXCLUDED.licensed_users,"
    " contract_signed_at = EXCLUDED.contract_signed_at, onboarding_target_at = EXCLUDED.onboarding_target_at,"
    " renewal_date = EXCLUDED.renewal_date, csm = EXCLUDED.csm, champion = EXCLUDED.champion,"
    " attrs = EXCLUDED.attrs, updated_at = now()"
    " WHERE (a.name, a.employees, a.acv, a.industry, a.technical, a.product_type, a.locale, a.licensed_users,"
    " a.contract_signed_at, a.onboarding_target_at, a.renewal_date, a.csm, a.champion, a.attrs)"
    " IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.employees, EXCLUDED.acv, EXCLUDED.industry, EXCLUDED.technical,"
    " EXCLUDED.product_type, EXCLUDED.locale, EXCLUDED.licensed_users, EXCLUDED.contract_signed_at,"
    " EXCLUDED.onboarding_target_at, EXCLUDED.renewal_date, EXCLUDED.csm, EXCLUDED.champion, EXCLUDED.attrs)",
    "tend_ingest_accounts s",
    "(SELECT DISTINCT ON (tenant, id) * FROM tend_ingest_accounts ORDER BY tenant, id, line DESC) s",
    "SELECT EXISTS (SELECT 1 FROM (SELECT DISTINCT tenant FROM tend_ingest_accounts) t"
    " WHERE EXISTS (SELECT 1 FROM accounts a WHERE a.tenant = t.tenant))",
};

static const store_sql metrics_sql = {
    "INSERT INTO metrics_daily AS m (tenant, account_id, date, metrics) SELECT $1, account_id, date, metrics FROM %s",
    " WHERE NOT EXISTS (SELECT 1 FROM metrics_daily m WHERE m.tenant = $1 AND m.account_id = s.account_id"
    " AND m.date = s.date AND m.metrics = s.metrics)",
    " ON CONFLICT (tenant, account_id, date) DO UPDATE SET metrics = EXCLUDED.metrics, updated_at = now()"
    " WHERE m.metrics IS DISTINCT FROM EXCLUDED.metrics",
    "tend_ingest_metrics s",
    "(SELECT DISTINCT ON (account_id, date) * FROM tend_ingest_metrics ORDER BY account_id, date, line DESC) s",
    "SELECT EXISTS (SELECT 1 FROM metrics_daily WHERE tenant = $1)",
};

/* Without a conflict target, DO NOTHING covers every unique index: both
 * partial dedupe indexes (by id; else by account, type, at, user, data),
 * and a record repeated in the input goes in once. A temporary table is
 * scanned in the order it was filled (no synchronized scans of local
 * buffers), so seq follows the input. */
static const char events_insert[] =
    "INSERT INTO events (tenant, id, account_id, type, at, user_id, data)"
    " SELECT $1, id, account_id, type, at, user_id, data FROM tend_ingest_events"
    " ON CONFLICT DO NOTHING";

/* tend_db_exec_state, and *rows its row count (or, for a query, whether
 * its first value is true) when rows is set. */
static tend_status exec(PGconn *c, const char *sql, const char *param, size_t *rows, char state[6], const char *what,
                        tend_error *err) {
    PGresult *r;
    tend_status st = tend_db_exec_state(c, what, sql, param ? 1 : 0, param ? &param : NULL, rows ? &r : NULL, state, err);
    if (st != TEND_OK || !rows) return st;
    if (PQresultStatus(r) == PGRES_TUPLES_OK) *rows = PQntuples(r) > 0 && PQgetvalue(r, 0, 0)[0] == 't';
    else *rows = (size_t)strtoull(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    return TEND_OK;
}

/* Runs `sql` under a savepoint; if it fails with SQLSTATE `retry`, rolls
 * back to the savepoint and returns 1 (nothing done), else 0 with *st set. */
static int attempt(PGconn *c, const char *sql, const char *param, size_t *rows, const char *retry, const char *what,
                   tend_status *st, tend_error *err) {
    char state[6] = "";
    if ((*st = exec(c, "SAVEPOINT tend_ingest", NULL, NULL, NULL, what, err)) != TEND_OK) return 0;
    *st = exec(c, sql, param, rows, state, what, err);
    if (*st == TEND_OK || strcmp(state, retry) != 0) return 0;
    *st = exec(c, "ROLLBACK TO SAVEPOINT tend_ingest", NULL, NULL, NULL, what, err);
    return *st == TEND_OK;
}

/* Stores accounts or metrics, keeping memory flat (nothing remembers the
 * keys seen). A first load (no rows of the tenant yet) tries a plain
 * INSERT, cheaper than ON CONFLICT, given up at the first unique violation
 * (a key twice in the input, or a concurrent ingest). Otherwise the upsert
 * in input order, which is loading the records one after the other, unless
 * the input changes a row twice (SQLSTATE 21000): then the upsert of the
 * last record of each key (a sort), which ends in the same rows. */
static tend_status upsert(PGconn *c, const store_sql *q, int retry, const char *param, size_t *rows,
                          const char *what, tend_error *err) {
    char head[1024], sql[4096];
    size_t any = 1;
    tend_status st = retry ? TEND_OK : exec(c, q->any, param, &any, NULL, what, err);
    if (st != TEND_OK) return st;
    snprintf(sql, sizeof sql, q->insert, q->all);
    if (!any && !attempt(c, sql, param, rows, "23505", what, &st, err)) return st;
    snprintf(head, sizeof head, q->insert, q->all);
    snprintf(sql, sizeof sql, "%s%s", head, q->conflict);
    if (!attempt(c, sql, param, rows, "21000", what, &st, err)) return st;
    snprintf(head, sizeof head, q->insert, q->last);
    snprintf(sql, sizeof sql, "%s%s%s", head, q->unchanged, q->conflict);
    return exec(c, sql, param, rows, NULL, what, err);
}

static tend_status store(tend_ingest *in, PGconn *c, size_t *rows, tend_error *err) {
    const char *tenant = in->o.tenant;
    tend_status st = exec(c, tenants_sql[in->o.kind], in->o.kind == TEND_INGEST_ACCOUNTS ? NULL : tenant, NULL, NULL,
                          "creating the tenant", err);
    if (st != TEND_OK) return st;
    switch (in->o.kind) {
    case TEND_INGEST_ACCOUNTS:
        return upsert(c, &accounts_sql, in->retry, NULL, rows, "storing accounts", err);
    case TEND_INGEST_EVENTS: return exec(c, events_insert, tenant, rows, NULL, "storing events", err);
    case TEND_INGEST_METRICS:
        return upsert(c, &metrics_sql, in->retry, tenant, rows, "storing metrics", err);
    }
    return TEND_OK;
}

static tend_status send_copy(tend_ingest *in, PGconn *c, tend_error *err) {
    tend_status st = tend_copy_send(c, NULL, in->copy.data, in->copy.len, err);
    if (st == TEND_OK) in->copy.len = 0;
    return st;
}

/* ---- the whole ingest ------------------------------------------------------ */

/* JSON Lines from memory (opts.data): the reader reads a memory stream,
 * which is not a regular file, so it never takes first_load's second pass. */
static tend_status open_memory(tend_ingest *in, tend_error *err) {
    static const char empty[] = "\n"; /* fmemopen refuses a size of 0 */
    const char *name = in->o.path ? in->o.path : "body";
    if (in->o.format == TEND_FMT_CSV) return tend_fail(err, TEND_EUSAGE, "%s: only JSON Lines from memory", name);
    memset(&in->r, 0, sizeof in->r);
    in->r.path = name;
    in->r.format = TEND_FMT_JSONL;
    in->r.f = in->o.data_len ? fmemopen((void *)in->o.data, in->o.data_len, "r") : fmemopen((void *)empty, 1, "r");
    if (!in->r.f) return tend_fail(err, TEND_EIO, "%s: %s", name, strerror(errno));
    in->r.owns_file = 1;
    return TEND_OK;
}

tend_status tend_ingest_open(tend_ingest **out, const tend_ingest_opts *o, tend_error *err) {
    *out = NULL;
    tend_ingest *in = tend_calloc(1, sizeof *in);
    in->o = *o;
    if (!in->o.tenant || !*in->o.tenant) in->o.tenant = "default";
    if (!in->o.report) in->o.report = stderr;
    tend_status st = o->data ? open_memory(in, err) : tend_reader_open(&in->r, o->path, o->format, err);
    if (st != TEND_OK) {
        free(in);
        return st;
    }
    in->flat = tend_malloc(sizeof *in->flat);
    in->inner = tend_malloc(sizeof *in->inner);
    *out = in;
    return TEND_OK;
}

void tend_ingest_close(tend_ingest *in) {
    if (!in) return;
    tend_reader_close(&in->r);
    tend_buf_free(&in->copy);
    tend_buf_free(&in->json);
    tend_buf_free(&in->num);
    free(in->flat);
    free(in->inner);
    free(in);
}

/* A first load copies events straight into their table, so repeats within
 * the file are dropped here as the dedupe indexes would (the first one
 * stays): the same id, or without an id the same account, type, time, user
 * and data text. The row is COPY text "tenant\tid\taccount..."; an id
 * holds no raw tab, so the two kinds of key never meet. Returns 1 to keep
 * the row, 0 for a repeat, -1 when the set is full. A repeat the server
 * sees and this does not (the same data, keys in another order) fails the
 * COPY, and the file goes through the staging table. */
static int keep_event(tend_ingest *in, const char *row, size_t len) {
    const char *end = row + len - 1; /* the '\n' */
    const char *id = memchr(row, '\t', len);
    const char *rest = id ? memchr(id + 1, '\t', (size_t)(end - id - 1)) : NULL;
    if (!rest) return 1;
    id++, rest++;
    int have_id = !(rest - id == 3 && id[0] == '\\' && id[1] == 'N');
    int fresh = have_id ? tend_keyset_add(&in->seen, id, (size_t)(rest - 1 - id))
                        : tend_keyset_add(&in->seen, rest, (size_t)(end - rest));
    return fresh;
}

/* Parsing and sending on separate threads: a full buffer of COPY text is
 * handed over in `slot` while the parser fills another, so the records of
 * a big file are converted while the server stores the previous ones. */
typedef struct handoff {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    tend_buf slot; /* COPY text ready to send, when full */
    int full;      /* slot holds text to send */
    int done;      /* the parser has finished; st holds its outcome */
    int stop;      /* sending failed: the parser stops */
    tend_ingest *in;
    tend_ingest_stats *st;
    size_t *staged;
    tend_status status;
    tend_error err;
} handoff;

static void swap_buf(tend_buf *a, tend_buf *b) {
    tend_buf t = *a;
    *a = *b;
    *b = t;
}

/* Sends the COPY text gathered so far, or hands it to the sending thread. */
static tend_status flush(tend_ingest *in, PGconn *c, tend_error *err) {
    handoff *h = in->handoff;
    if (!h) return send_copy(in, c, err);
    pthread_mutex_lock(&h->mu);
    while (h->full && !h->stop) pthread_cond_wait(&h->cv, &h->mu);
    int stop = h->stop;
    if (!stop) {
        swap_buf(&in->copy, &h->slot); /* the slot's buffer was sent: empty */
        h->full = 1;
        pthread_cond_broadcast(&h->cv);
    }
    pthread_mutex_unlock(&h->mu);
    return stop ? tend_fail(err, TEND_EDB, "sending the rows failed") : TEND_OK;
}

/* Reads every record into the COPY stream; rejected ones are reported. */
static tend_status parse_all(tend_ingest *in, PGconn *c, tend_ingest_stats *st, size_t *staged, tend_error *err) {
    const char *text;
    size_t len;
    long line;
    int more;
    tend_error e;
    while ((more = tend_reader_next(&in->r, &text, &len, &line, err)) == 1) {
        st->read++;
        size_t mark = in->copy.len;
        int rc;
        switch (in->o.kind) {
        case TEND_INGEST_ACCOUNTS: rc = account_row(in, text, len, line, &e); break;
        case TEND_INGEST_EVENTS: rc = event_row(in, text, len, line, &e); break;
        default: rc = metric_row(in, text, len, line, &e); break;
        }
        /* Past the key set's size the rest is only read, for its
         * rejections: the caller starts again through the staging table. */
        int keep = 1;
        if (rc == 0 && in->dedupe) keep = in->overflow ? -1 : keep_event(in, in->copy.data + mark, in->copy.len - mark);
        if (keep < 0) in->overflow = 1;
        if (keep <= 0) {
            in->copy.len = mark;
            if (keep == 0) in->dups++;
        } else if (rc == 0) {
            (*staged)++;
        } else {
            in->copy.len = mark; /* drop the partial row */
            st->rejected++;
            if (!in->quiet && in->o.reject) in->o.reject(in->o.reject_ud, line, e.msg);
            else if (!in->quiet) fprintf(in->o.report, "%s:%ld: %s\n", in->r.path, line, e.msg);
        }
        if (in->copy.len >= COPY_CHUNK) {
            tend_status s = flush(in, c, err);
            if (s != TEND_OK) return s;
        }
        if (in->o.progress && !in->quiet && in->o.progress_every && st->read % in->o.progress_every == 0)
            in->o.progress(in->o.progress_ud, st->read);
    }
    if (more < 0) return TEND_EIO;
    if (in->overflow) return tend_fail(err, TEND_EINPUT, "more events than a first load deduplicates in memory");
    return flush(in, c, err);
}

static void *parser(void *arg) {
    handoff *h = arg;
    tend_status s = parse_all(h->in, NULL, h->st, h->staged, &h->err);
    pthread_mutex_lock(&h->mu);
    h->status = s;
    h->done = 1;
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
    return NULL;
}

/* A regular file at least this big is parsed on a thread of its own. */
#define THREADED_BYTES (4u << 20)

static int big_file(const tend_ingest *in) {
    struct stat fs;
    return !in->o.data && in->r.f && in->r.f != stdin && fstat(fileno(in->r.f), &fs) == 0 && S_ISREG(fs.st_mode) &&
           fs.st_size >= (off_t)THREADED_BYTES;
}

/* parse_all, with the COPY text sent from this thread while another parses
 * (big files), or both here. The callbacks (reject, progress) are called
 * from the parsing thread, one at a time, while this one only sends. */
static tend_status stream(tend_ingest *in, PGconn *c, tend_ingest_stats *st, size_t *staged, tend_error *err) {
    if (!big_file(in)) return parse_all(in, c, st, staged, err);
    handoff h = {.in = in, .st = st, .staged = staged, .status = TEND_OK};
    pthread_t t;
    pthread_mutex_init(&h.mu, NULL);
    pthread_cond_init(&h.cv, NULL);
    in->handoff = &h;
    if (pthread_create(&t, NULL, parser, &h) != 0) {
        in->handoff = NULL;
        pthread_cond_destroy(&h.cv);
        pthread_mutex_destroy(&h.mu);
        return parse_all(in, c, st, staged, err);
    }
    tend_buf sending = {0};
    tend_status sent = TEND_OK;
    for (;;) {
        pthread_mutex_lock(&h.mu);
        while (!h.full && !h.done) pthread_cond_wait(&h.cv, &h.mu);
        int have = h.full;
        if (have) {
            sending.len = 0;
            swap_buf(&sending, &h.slot);
            h.full = 0;
            pthread_cond_broadcast(&h.cv);
        }
        pthread_mutex_unlock(&h.mu);
        if (!have) break;
        if ((sent = tend_copy_send(c, NULL, sending.data, sending.len, err)) != TEND_OK) {
            pthread_mutex_lock(&h.mu);
            h.stop = 1;
            pthread_cond_broadcast(&h.cv);
            pthread_mutex_unlock(&h.mu);
            break;
        }
    }
    pthread_join(t, NULL);
    in->handoff = NULL;
    pthread_cond_destroy(&h.cv);
    pthread_mutex_destroy(&h.mu);
    tend_buf_free(&sending);
    tend_buf_free(&h.slot);
    if (sent != TEND_OK) return sent;
    if (h.status != TEND_OK && err) *err = h.err;
    return h.status;
}

/* Streams the whole input through one COPY that is already started; the
 * count of rows sent goes to *staged. */
static tend_status copy_all(tend_ingest *in, PGconn *c, tend_ingest_stats *st, size_t *staged, char state[6],
                            tend_error *err) {
    memset(st, 0, sizeof *st);
    *staged = 0;
    tend_status s = stream(in, c, st, staged, err);
    if (s != TEND_OK) {
        tend_error ignored;
        tend_copy_end(c, NULL, "tend ingest: input failed", NULL, &ignored);
        return s;
    }
    return tend_copy_end(c, NULL, NULL, state, err);
}

/* A first load (no rows of --tenant yet) from a regular file (which can be
 * read twice) is copied straight into its table, as `psql \copy` would: no
 * staging. A successful COPY stored exactly what the upsert would have:
 * only new rows (events: repeats dropped by keep_event). The transaction (just begun) holds
 * nothing else, so a unique violation (a key twice in the input, or a
 * concurrent ingest) or a foreign key one (an account's tenant that does
 * not exist yet) rolls it all back (no savepoint: a subtransaction slows
 * COPY down) and begins another; the caller then reads the file again
 * through the staging table. Returns 1 when the rows are stored. */
static int first_load(tend_ingest *in, PGconn *c, tend_ingest_stats *st, size_t *staged, tend_status *s,
                      tend_error *err) {
    static const char *const any_sql[] = {
        [TEND_INGEST_ACCOUNTS] = "SELECT EXISTS (SELECT 1 FROM accounts WHERE tenant = $1)",
        [TEND_INGEST_EVENTS] = "SELECT EXISTS (SELECT 1 FROM events WHERE tenant = $1)",
        [TEND_INGEST_METRICS] = "SELECT EXISTS (SELECT 1 FROM metrics_daily WHERE tenant = $1)",
    };
    static const char *const direct_sql[] = {
        [TEND_INGEST_ACCOUNTS] = "COPY accounts (tenant, id, " ACCOUNT_COLUMNS ") FROM STDIN",
        [TEND_INGEST_EVENTS] = "COPY events (tenant, id, account_id, type, at, user_id, data) FROM STDIN",
        [TEND_INGEST_METRICS] = "COPY metrics_daily (tenant, account_id, date, metrics) FROM STDIN",
    };
    const char *what = in->o.kind == TEND_INGEST_ACCOUNTS ? "storing accounts"
           : in->o.kind == TEND_INGEST_EVENTS ? "storing events" : "storing metrics";
    struct stat fs;
    size_t any = 1;
    char state[6] = "";
    if (in->r.f == stdin || fstat(fileno(in->r.f), &fs) != 0 || !S_ISREG(fs.st_mode)) return 0;
    if ((*s = exec(c, any_sql[in->o.kind], in->o.tenant, &any, NULL, what, err)) != TEND_OK || any) return 0;
    if ((*s = exec(c, tenants_sql[TEND_INGEST_METRICS], in->o.tenant, NULL, NULL, "creating the tenant", err)) !=
            TEND_OK ||
        (*s = tend_copy_start(c, NULL, direct_sql[in->o.kind], err)) != TEND_OK)
        return 0;
    in->direct = 1;
    in->dedupe = in->o.kind == TEND_INGEST_EVENTS;
    tend_keyset_init(&in->seen, in->o.remember_events ? in->o.remember_events : EVENTS_REMEMBERED);
    *s = copy_all(in, c, st, staged, state, err);
    in->direct = in->dedupe = 0;
    tend_keyset_free(&in->seen);
    if (*s == TEND_OK && *staged == 0) { /* nothing to store: not even the tenant */
        if ((*s = exec(c, "ROLLBACK", NULL, NULL, NULL, what, err)) == TEND_OK)
            *s = exec(c, "BEGIN", NULL, NULL, NULL, "starting the transaction", err);
    }
    if (*s == TEND_OK || (!in->overflow && strcmp(state, "23505") != 0 && strcmp(state, "23503") != 0)) return 1;
    in->dups = 0;
    in->overflow = 0;
    in->copy.len = 0; /* what the abandoned COPY did not send */
    /* Again, through the staging table, quietly: the rejections are said. */
    if ((*s = exec(c, "ROLLBACK", NULL, NULL, NULL, what, err)) != TEND_OK ||
        (*s = exec(c, "BEGIN", NULL, NULL, NULL, "starting the transaction", err)) != TEND_OK)
        return 1;
    const char *path = in->r.path;
    tend_format fmt = in->r.format;
    tend_reader_close(&in->r);
    if ((*s = tend_reader_open(&in->r, path, fmt, err)) != TEND_OK) return 1;
    in->quiet = in->retry = 1;
    return 0;
}

tend_status tend_ingest_run(tend_ingest *in, PGconn *c, tend_ingest_stats *st, tend_error *err) {
    memset(st, 0, sizeof *st);
    size_t staged = 0, stored = 0;
    tend_status s = TEND_OK;
    if (PQsetClientEncoding(c, "UTF8") != 0)
        return tend_fail(err, TEND_EDB, "setting the client encoding: %s", PQerrorMessage(c));
    if ((s = exec(c, "BEGIN", NULL, NULL, NULL, "starting the transaction", err)) != TEND_OK) return s;
    if (first_load(in, c, st, &staged, &s, err)) {
        if (s != TEND_OK) goto fail;
        stored = staged;
    } else {
        if (s != TEND_OK) goto fail;
        if ((s = exec(c, staging_sql[in->o.kind], NULL, NULL, NULL, "creating the staging table", err)) != TEND_OK ||
            (s = tend_copy_start(c, NULL, copy_sql[in->o.kind], err)) != TEND_OK ||
            (s = copy_all(in, c, st, &staged, NULL, err)) != TEND_OK)
            goto fail;
        if (staged && (s = store(in, c, &stored, err)) != TEND_OK) goto fail;
    }
    st->stored = stored;
    st->unchanged = staged - stored + in->dups;
    if (in->o.before_commit && (s = in->o.before_commit(in->o.commit_ud, c, st, err)) != TEND_OK) goto fail;
    if ((s = exec(c, "COMMIT", NULL, NULL, NULL, "committing", err)) != TEND_OK) {
        st->stored = st->unchanged = 0;
        return s;
    }
    return TEND_OK;
fail:
    if (PQstatus(c) == CONNECTION_OK) PQclear(PQexec(c, "ROLLBACK"));
    st->stored = st->unchanged = 0;
    return s;
}
