/* The nightly account stream: slices of accounts, each with exactly its own
 * history, read ahead by a thread of their own (see nightly_parts.h). At
 * most READ_AHEAD slices wait (one keeps the pipeline fed), so memory stays
 * bounded by the slice size, not by the number of accounts. */
#include <stdlib.h>
#include <string.h>

#include "data/history.h"
#include "store/db.h"
#include "store/runs.h"
#include "sched/nightly_parts.h"

#define READ_AHEAD 1

struct nightly_slice {
    PGresult *rows; /* id, account JSON */
    int nrows;
    tend_history h;
    int refs;      /* records handed out and not yet released */
    int exhausted; /* every record handed out */
    nightly_slice *next;
};

static void free_slice(nightly_slice *sl) {
    if (sl->rows) PQclear(sl->rows);
    tend_history_free(&sl->h);
    free(sl);
}

/* Reads the slice of the shard after (after_hash, after) in (hashtext(id),
 * id) order, leaving out the accounts this run already stored, and the
 * history of exactly its accounts up to the evaluation time; *out is NULL
 * when no account is left. */
static tend_status read_slice(nightly_stream *s, const char *after_hash, const char *after, nightly_slice **out,
                              tend_error *err) {
    char limit[16];
    snprintf(limit, sizeof limit, "%d", s->o->slice > 0 ? s->o->slice : 1000);
    const char *p[8] = {s->o->tenant, after_hash, after, s->hash_hi, s->run_id, limit, s->hash_lo, s->o->accounts};
    *out = NULL;
    nightly_slice *sl = calloc(1, sizeof *sl);
    if (!sl) abort();
    tend_history_init(&sl->h);
    tend_status rc = tend_db_exec(s->c, "nightly",
        "SELECT id, json_build_object('id', id, 'tenant', tenant, 'name', name, 'employees', employees, "
        "'acv', acv, 'industry', industry, 'technical', technical, 'product_type', product_type, "
        "'locale', locale, 'licensed_users', licensed_users, 'contract_signed_at', contract_signed_at, "
        "'onboarding_target_at', onboarding_target_at, 'renewal_date', renewal_date, 'csm', csm, "
        "'champion', champion, 'attrs', attrs)::text, hashtext(id) "
        "FROM accounts a WHERE tenant = $1 AND hashtext(id) >= $7::bigint AND hashtext(id) < $4::bigint "
        "AND (hashtext(id), id) > ($2::int, $3::text) "
        "AND NOT EXISTS (SELECT 1 FROM evaluations e WHERE e.tenant = $1 AND e.run_id = $5::bigint "
        "                AND e.account_id = a.id) "
        "AND ($8::text[] IS NULL OR id = ANY ($8::text[])) "
        "ORDER BY hashtext(id), id LIMIT $6::int",
        8, p, &sl->rows, err);
    if (rc != TEND_OK || (sl->nrows = PQntuples(sl->rows)) == 0) {
        free_slice(sl);
        return rc;
    }
    tend_buf ids = {0};
    tend_runs_text_array(sl->rows, 0, &ids);
    const char *q[4] = {s->o->tenant, tend_buf_cstr(&ids), s->until, s->from};
    PGresult *r = NULL;
    rc = tend_db_exec(s->c, "nightly",
                      "SELECT account_id, type, extract(epoch FROM at)::bigint, user_id, data::text FROM events "
                      "WHERE tenant = $1 AND account_id = ANY ($2::text[]) AND at > $4::timestamptz "
                      "AND at <= $3::timestamptz",
                      4, q, &r, err);
    for (int i = 0; rc == TEND_OK && i < PQntuples(r); i++)
        tend_history_add_event_row(&sl->h, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
                                   strtoll(PQgetvalue(r, i, 2), NULL, 10),
                                   PQgetisnull(r, i, 3) ? NULL : PQgetvalue(r, i, 3), PQgetvalue(r, i, 4));
    PQclear(r);
    r = NULL;
    /* The frequency-cap ledger, as "tend:fired:<rule>" events (engine.lua);
     * a rerun of this occurrence does not see its own fires. */
    const char *l[4] = {q[0], q[1], q[2], s->run_id};
    if (rc == TEND_OK)
        rc = tend_db_exec(s->c, "nightly",
                          "SELECT account_id, 'tend:fired:' || rule, extract(epoch FROM max(fired_at))::bigint "
                          "FROM rule_fires WHERE tenant = $1 AND account_id = ANY ($2::text[]) "
                          "AND fired_at <= $3::timestamptz "
                          "AND run_id IS DISTINCT FROM $4::bigint GROUP BY account_id, rule",
                          4, l, &r, err);
    for (int i = 0; rc == TEND_OK && i < PQntuples(r); i++)
        tend_history_add_event_row(&sl->h, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
                                   strtoll(PQgetvalue(r, i, 2), NULL, 10), NULL, NULL);
    PQclear(r);
    r = NULL;
    const char *m[4] = {q[0], q[1], q[2], s->from_day};
    if (rc == TEND_OK)
        rc = tend_db_exec(s->c, "nightly",
                          "SELECT account_id, (date - DATE '1970-01-01') * 86400, metrics::text FROM metrics_daily "
                          "WHERE tenant = $1 AND account_id = ANY ($2::text[]) AND date > $4::date "
                          "AND date <= ($3::timestamptz AT TIME ZONE 'UTC')::date",
                          4, m, &r, err);
    for (int i = 0; rc == TEND_OK && i < PQntuples(r); i++) {
        tend_error e;
        /* A metrics row that is not flat numbers cannot come from ingest;
         * skip it rather than fail the run. */
        tend_history_add_metric_row(&sl->h, PQgetvalue(r, i, 0), strtoll(PQgetvalue(r, i, 1), NULL, 10),
                                    PQgetvalue(r, i, 2), &e);
    }
    PQclear(r);
    tend_buf_free(&ids);
    tend_history_finish(&sl->h);
    if (rc != TEND_OK) {
        free_slice(sl);
        return rc;
    }
    *out = sl;
    return TEND_OK;
}

/* The read-ahead thread: slices in key order until none is left, an error,
 * or the consumer closes the stream. */
static void *read_ahead(void *ud) {
    nightly_stream *s = ud;
    char after[4096] = "", after_hash[24];
    snprintf(after_hash, sizeof after_hash, "%s", s->hash_lo);
    for (;;) {
        pthread_mutex_lock(&s->mu);
        while (s->nready >= READ_AHEAD && !s->stop) pthread_cond_wait(&s->changed, &s->mu);
        int stop = s->stop;
        pthread_mutex_unlock(&s->mu);
        if (stop) break;
        nightly_slice *sl;
        tend_error err;
        tend_status rc = read_slice(s, after_hash, after, &sl, &err);
        if (sl) {
            snprintf(after, sizeof after, "%s", PQgetvalue(sl->rows, sl->nrows - 1, 0));
            snprintf(after_hash, sizeof after_hash, "%s", PQgetvalue(sl->rows, sl->nrows - 1, 2));
        }
        pthread_mutex_lock(&s->mu);
        if (rc != TEND_OK) {
            s->failed = rc;
            s->err = err;
        }
        if (sl) {
            if (s->ready_tail) s->ready_tail->next = sl;
            else s->ready_head = sl;
            s->ready_tail = sl;
            s->nready++;
        } else {
            s->eof = 1;
        }
        pthread_cond_broadcast(&s->changed);
        pthread_mutex_unlock(&s->mu);
        if (!sl) break;
    }
    return NULL;
}

static void drop_dead(nightly_stream *s) {
    for (nightly_slice **p = &s->live; *p;) {
        if ((*p)->exhausted && (*p)->refs == 0) {
            nightly_slice *dead = *p;
            *p = dead->next;
            free_slice(dead);
        } else {
            p = &(*p)->next;
        }
    }
}

static void stop_reading(nightly_stream *s) {
    if (!s->running) return;
    pthread_mutex_lock(&s->mu);
    s->stop = 1;
    pthread_cond_broadcast(&s->changed);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->thread, NULL);
    s->running = 0;
    while (s->ready_head) {
        nightly_slice *next = s->ready_head->next;
        free_slice(s->ready_head);
        s->ready_head = next;
    }
    s->ready_tail = NULL;
    s->nready = 0;
}

static tend_status stream_open(void *ud, tend_error *err) {
    nightly_stream *s = ud;
    stop_reading(s);
    s->stop = s->eof = 0;
    s->failed = TEND_OK;
    s->n = 0;
    s->row = 0;
    s->current = NULL;
    if (pthread_create(&s->thread, NULL, read_ahead, s) != 0)
        return tend_fail(err, TEND_EMEMORY, "nightly: cannot start the account reader thread");
    s->running = 1;
    return TEND_OK;
}

/* The next slice from the read-ahead thread: 1, 0 at the end, -1 on error. */
static int next_slice(nightly_stream *s, tend_error *err) {
    pthread_mutex_lock(&s->mu);
    while (!s->ready_head && !s->eof) pthread_cond_wait(&s->changed, &s->mu);
    nightly_slice *sl = s->ready_head;
    if (sl) {
        s->ready_head = sl->next;
        if (!s->ready_head) s->ready_tail = NULL;
        s->nready--;
        pthread_cond_broadcast(&s->changed);
    }
    tend_status failed = s->failed;
    if (!sl && failed != TEND_OK) *err = s->err;
    pthread_mutex_unlock(&s->mu);
    if (!sl) return failed != TEND_OK ? -1 : 0;
    sl->next = s->live;
    s->live = sl;
    s->current = sl;
    s->row = 0;
    return 1;
}

static int stream_next(void *ud, const char **text, size_t *len, long *n, const tend_history **h, tend_error *err) {
    nightly_stream *s = ud;
    /* Stopping (SIGTERM): the accounts handed out are finished and
     * written; no new one starts. */
    if (s->o->stop && *s->o->stop) {
        s->cut = 1;
        return 0;
    }
    if (!s->current || s->row >= s->current->nrows) {
        if (s->current) {
            /* Its texts were copied by the pipeline; its history lives on
             * until the last of its accounts is released. */
            s->current->exhausted = 1;
            PQclear(s->current->rows);
            s->current->rows = NULL;
            s->current = NULL;
            drop_dead(s);
        }
        int rc = next_slice(s, err);
        if (rc <= 0) return rc;
    }
    nightly_slice *sl = s->current;
    *text = PQgetvalue(sl->rows, s->row, 1);
    *len = (size_t)PQgetlength(sl->rows, s->row, 1);
    *n = ++s->n;
    *h = &sl->h;
    sl->refs++;
    s->row++;
    return 1;
}

static void stream_release(void *ud, const tend_history *h) {
    nightly_stream *s = ud;
    for (nightly_slice *sl = s->live; sl; sl = sl->next)
        if (&sl->h == h) {
            sl->refs--;
            break;
        }
    drop_dead(s);
}

static void stream_close(void *ud) {
    nightly_stream *s = ud;
    stop_reading(s);
    while (s->live) {
        nightly_slice *next = s->live->next;
        free_slice(s->live);
        s->live = next;
    }
    s->current = NULL;
}

void nightly_stream_init(nightly_stream *s, PGconn *c, const tend_nightly_opts *o) {
    memset(s, 0, sizeof *s);
    s->c = c;
    s->o = o;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->changed, NULL);
}

void nightly_stream_destroy(nightly_stream *s) {
    stream_close(s);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->changed);
}

tend_account_source nightly_stream_source(nightly_stream *s) {
    return (tend_account_source){stream_open, stream_next, stream_release, stream_close, s, "accounts"};
}
