/* The nightly run: occurrence claim, the account stream, the batch writer. */
#include "store/nightly.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/isotime.h"
#include "eval/history.h"
#include "eval/runner.h"
#include "store/db.h"

/* ---- small helpers -------------------------------------------------------- */

/* Runs sql with text parameters; TEND_EDB with the server's message on failure. */
static tend_status exec(PGconn *c, const char *sql, int n, const char *const *params, PGresult **out,
                        tend_error *err) {
    PGresult *r = PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0);
    ExecStatusType s = PQresultStatus(r);
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
        char msg[512];
        tend_db_error(r, c, msg, sizeof msg);
        PQclear(r);
        return tend_fail(err, TEND_EDB, "nightly: %s", msg);
    }
    if (out) *out = r;
    else PQclear(r);
    return TEND_OK;
}

static long long affected(PGresult *r) { return strtoll(PQcmdTuples(r), NULL, 10); }

/* ---- the occurrence ----------------------------------------------------------- */

/* Claims (tenant, "nightly", occurrence) in job_runs: a new run, or the one
 * that failed or died before, or (with force) the one that succeeded. */
static tend_status claim(PGconn *c, const tend_nightly_opts *o, const char *digest, tend_nightly_stats *st,
                         tend_error *err) {
    const char *p[3] = {o->tenant, st->occurrence, digest};
    PGresult *r;
    tend_status rc = exec(c, "INSERT INTO tenants (id, name) VALUES ($1, $1) ON CONFLICT DO NOTHING", 1, p, NULL, err);
    if (rc != TEND_OK) return rc;
    rc = exec(c,
              "INSERT INTO job_runs (tenant, schedule, job, occurrence, playbook) "
              "VALUES ($1, 'nightly', 'nightly', $2::date, $3) "
              "ON CONFLICT (tenant, schedule, occurrence) DO NOTHING RETURNING id",
              3, p, &r, err);
    if (rc != TEND_OK) return rc;
    if (PQntuples(r) == 1) {
        st->run_id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        PQclear(r);
        return TEND_OK;
    }
    PQclear(r);
    rc = exec(c,
              "SELECT id, status, started_at < now() - interval '6 hours' FROM job_runs "
              "WHERE tenant = $1 AND schedule = 'nightly' AND occurrence = $2::date",
              2, p, &r, err);
    if (rc != TEND_OK) return rc;
    st->run_id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    const char *status = PQgetvalue(r, 0, 1);
    int stale = PQgetvalue(r, 0, 2)[0] == 't';
    if (!strcmp(status, "succeeded") && !o->force) {
        st->skipped = 1;
    } else if (!strcmp(status, "running") && !stale && !o->force) {
        rc = tend_fail(err, TEND_EINPUT,
                       "the %s occurrence is being run (run %" PRId64 "); if that process died, run again with --force",
                       st->occurrence, st->run_id);
    }
    PQclear(r);
    if (rc != TEND_OK || st->skipped) return rc;
    char id[32];
    snprintf(id, sizeof id, "%" PRId64, st->run_id);
    const char *q[3] = {id, digest, o->tenant};
    return exec(c,
                "UPDATE job_runs SET status = 'running', started_at = now(), finished_at = NULL, playbook = $2 "
                "WHERE tenant = $3 AND id = $1::bigint",
                3, q, NULL, err);
}

/* ---- the account stream: a slice of accounts with their history ---------------- */

typedef struct slice {
    tend_history h;
    int refs;      /* records handed out and not yet released */
    int exhausted; /* every record of the slice handed out */
    struct slice *next;
} slice;

typedef struct {
    PGconn *c;
    const tend_nightly_opts *o;
    char from[21];      /* history window start, ISO */
    char from_day[11];
    char after[4096];   /* keyset: the last account id handed out */
    char run_id[32];    /* this run's fires are not "earlier" fires */
    PGresult *rows;     /* the current slice's accounts */
    int row, nrows;
    slice *current, *live;
    long n;
    int done;
} stream;

static void free_slice(slice *s) {
    tend_history_free(&s->h);
    free(s);
}

static void drop_dead(stream *s) {
    for (slice **p = &s->live; *p;) {
        if ((*p)->exhausted && (*p)->refs == 0) {
            slice *dead = *p;
            *p = dead->next;
            free_slice(dead);
        } else {
            p = &(*p)->next;
        }
    }
}

/* Loads the next slice of accounts and the history of exactly those. */
static tend_status load_slice(stream *s, tend_error *err) {
    char limit[16];
    snprintf(limit, sizeof limit, "%d", s->o->slice > 0 ? s->o->slice : 1000);
    const char *p[3] = {s->o->tenant, s->after, limit};
    if (s->rows) PQclear(s->rows);
    s->rows = NULL;
    tend_status rc = exec(s->c,
        "SELECT id, json_build_object('id', id, 'tenant', tenant, 'name', name, 'employees', employees, "
        "'acv', acv, 'industry', industry, 'technical', technical, 'product_type', product_type, "
        "'locale', locale, 'licensed_users', licensed_users, 'contract_signed_at', contract_signed_at, "
        "'onboarding_target_at', onboarding_target_at, 'renewal_date', renewal_date, 'csm', csm, "
        "'champion', champion, 'attrs', attrs)::text "
        "FROM accounts WHERE tenant = $1 AND id > $2 ORDER BY id LIMIT $3::int",
        3, p, &s->rows, err);
    if (rc != TEND_OK) return rc;
    s->nrows = PQntuples(s->rows);
    s->row = 0;
    if (s->nrows == 0) {
        s->done = 1;
        return TEND_OK;
    }
    slice *sl = calloc(1, sizeof *sl);
    if (!sl) abort();
    tend_history_init(&sl->h);
    const char *q[4] = {s->o->tenant, PQgetvalue(s->rows, 0, 0), PQgetvalue(s->rows, s->nrows - 1, 0), s->from};
    PGresult *r = NULL;
    rc = exec(s->c,
              "SELECT account_id, type, extract(epoch FROM at)::bigint, user_id, data::text FROM events "
              "WHERE tenant = $1 AND account_id BETWEEN $2 AND $3 AND at > $4::timestamptz",
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
        rc = exec(s->c,
                  "SELECT account_id, 'tend:fired:' || rule, extract(epoch FROM max(fired_at))::bigint FROM rule_fires "
                  "WHERE tenant = $1 AND account_id BETWEEN $2 AND $3 AND run_id IS DISTINCT FROM $4::bigint "
                  "GROUP BY account_id, rule",
                  4, l, &r, err);
    for (int i = 0; rc == TEND_OK && i < PQntuples(r); i++)
        tend_history_add_event_row(&sl->h, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
                                   strtoll(PQgetvalue(r, i, 2), NULL, 10), NULL, NULL);
    PQclear(r);
    r = NULL;
    const char *m[4] = {q[0], q[1], q[2], s->from_day};
    if (rc == TEND_OK)
        rc = exec(s->c,
                  "SELECT account_id, (date - DATE '1970-01-01') * 86400, metrics::text FROM metrics_daily "
                  "WHERE tenant = $1 AND account_id BETWEEN $2 AND $3 AND date > $4::date",
                  4, m, &r, err);
    for (int i = 0; rc == TEND_OK && i < PQntuples(r); i++) {
        tend_error e;
        /* A metrics row that is not flat numbers cannot come from ingest;
         * skip it rather than fail the run. */
        tend_history_add_metric_row(&sl->h, PQgetvalue(r, i, 0), strtoll(PQgetvalue(r, i, 1), NULL, 10),
                                    PQgetvalue(r, i, 2), &e);
    }
    PQclear(r);
    tend_history_finish(&sl->h);
    if (rc != TEND_OK) {
        free_slice(sl);
        return rc;
    }
    snprintf(s->after, sizeof s->after, "%s", PQgetvalue(s->rows, s->nrows - 1, 0));
    if (s->current) s->current->exhausted = 1;
    sl->next = s->live;
    s->live = sl;
    s->current = sl;
    drop_dead(s);
    return TEND_OK;
}

static tend_status stream_open(void *ud, tend_error *err) {
    stream *s = ud;
    (void)err;
    s->after[0] = '\0';
    s->done = 0;
    s->n = 0;
    if (s->rows) PQclear(s->rows);
    s->rows = NULL;
    s->row = s->nrows = 0;
    return TEND_OK;
}

static int stream_next(void *ud, const char **text, size_t *len, long *n, const tend_history **h, tend_error *err) {
    stream *s = ud;
    if (s->row >= s->nrows) {
        if (s->done) return 0;
        if (load_slice(s, err) != TEND_OK) return -1;
        if (s->done) {
            if (s->current) s->current->exhausted = 1;
            drop_dead(s);
            return 0;
        }
    }
    *text = PQgetvalue(s->rows, s->row, 1);
    *len = (size_t)PQgetlength(s->rows, s->row, 1);
    *n = ++s->n;
    *h = &s->current->h;
    s->current->refs++;
    s->row++;
    return 1;
}

static void stream_release(void *ud, const tend_history *h) {
    stream *s = ud;
    for (slice *sl = s->live; sl; sl = sl->next)
        if (&sl->h == h) {
            sl->refs--;
            break;
        }
    drop_dead(s);
}

static void stream_close(void *ud) {
    stream *s = ud;
    if (s->rows) PQclear(s->rows);
    s->rows = NULL;
    while (s->live) {
        slice *next = s->live->next;
        free_slice(s->live);
        s->live = next;
    }
    s->current = NULL;
}

/* ---- the writer: one transaction per batch of results ------------------------- */

typedef struct {
    PGconn *c;
    const tend_nightly_opts *o;
    tend_nightly_stats *st;
    char run_id[32], now[21], digest[80];
    tend_buf copy; /* batch_results rows in COPY text format */
    int pending;
    tend_status failed;
    tend_error err;
} writer;

/* COPY text format: backslash is the escape; JSON lines hold no raw tabs
 * or newlines (the encoder escapes control characters). */
static void copy_field(tend_buf *b, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\') tend_buf_addc(b, '\\');
        tend_buf_addc(b, s[i]);
    }
}

static tend_status flush(writer *w) {
    if (w->pending == 0 || w->failed != TEND_OK) return w->failed;
    PGconn *c = w->c;
    tend_error *err = &w->err;
    const char *t = w->o->tenant, *run = w->run_id, *now = w->now;
    PGresult *r;
    tend_status rc = exec(c, "BEGIN", 0, NULL, NULL, err);
    if (rc == TEND_OK)
        rc = exec(c,
                  "CREATE TEMP TABLE IF NOT EXISTS batch_results (result jsonb NOT NULL, "
                  "account_id text GENERATED ALWAYS AS (result->>'account_id') STORED, "
                  "failed boolean GENERATED ALWAYS AS (jsonb_array_length(result->'errors') > 0) STORED) "
                  "ON COMMIT DELETE ROWS",
                  0, NULL, NULL, err);
    if (rc == TEND_OK) {
        r = PQexec(c, "COPY batch_results (result) FROM STDIN");
        if (PQresultStatus(r) != PGRES_COPY_IN) rc = tend_fail(err, TEND_EDB, "nightly: COPY: %s", PQerrorMessage(c));
        PQclear(r);
    }
    if (rc == TEND_OK) {
        if (PQputCopyData(c, w->copy.data, (int)w->copy.len) != 1 || PQputCopyEnd(c, NULL) != 1)
            rc = tend_fail(err, TEND_EDB, "nightly: COPY: %s", PQerrorMessage(c));
        while ((r = PQgetResult(c))) {
            if (rc == TEND_OK && PQresultStatus(r) != PGRES_COMMAND_OK)
                rc = tend_fail(err, TEND_EDB, "nightly: COPY: %s", PQresultErrorMessage(r));
            PQclear(r);
        }
    }
    const char *p4[4] = {t, run, now, w->digest};
    if (rc == TEND_OK)
        rc = exec(c,
                  "INSERT INTO evaluations (tenant, run_id, account_id, evaluated_at, playbook, failed, result) "
                  "SELECT $1, $2::bigint, account_id, $3::timestamptz, $4, failed, result FROM batch_results "
                  "ON CONFLICT (tenant, run_id, account_id) DO UPDATE SET evaluated_at = EXCLUDED.evaluated_at, "
                  "playbook = EXCLUDED.playbook, failed = EXCLUDED.failed, result = EXCLUDED.result",
                  4, p4, NULL, err);
    /* Stage history changes only when stages change: close what was left... */
    if (rc == TEND_OK) {
        rc = exec(c,
                  "UPDATE stage_history h SET exited_at = $3::timestamptz, exited_run_id = $2::bigint "
                  "FROM batch_results b WHERE h.tenant = $1 AND h.account_id = b.account_id "
                  "AND h.exited_at IS NULL AND NOT b.failed AND h.entered_at <= $3::timestamptz "
                  "AND NOT (h.stage = ANY (ARRAY(SELECT jsonb_array_elements_text(b.result->'stages'))))",
                  3, p4, &r, err);
        if (rc == TEND_OK) w->st->stage_changes += affected(r), PQclear(r);
    }
    /* ...and open what was entered. */
    if (rc == TEND_OK) {
        rc = exec(c,
                  "INSERT INTO stage_history (tenant, account_id, stage, entered_at, entered_run_id) "
                  "SELECT $1, b.account_id, s, $3::timestamptz, $2::bigint "
                  "FROM batch_results b, jsonb_array_elements_text(b.result->'stages') s WHERE NOT b.failed "
                  "ON CONFLICT (tenant, account_id, stage) WHERE exited_at IS NULL DO NOTHING",
                  3, p4, &r, err);
        if (rc == TEND_OK) w->st->stage_changes += affected(r), PQclear(r);
    }
    if (rc == TEND_OK)
        rc = exec(c,
                  "INSERT INTO account_state (tenant, account_id, segment, touch, stages, flags, health_score, "
                  "health_band, last_run_id, last_evaluated_at, updated_at) "
                  "SELECT $1, account_id, result->>'segment', result->>'touch', "
                  "ARRAY(SELECT jsonb_array_elements_text(result->'stages')), "
                  "ARRAY(SELECT jsonb_array_elements_text(result->'flags')), "
                  "(result->'health'->>'score')::numeric, result->'health'->>'band', $2::bigint, $3::timestamptz, now() "
                  "FROM batch_results WHERE NOT failed "
                  "ON CONFLICT (tenant, account_id) DO UPDATE SET segment = EXCLUDED.segment, touch = EXCLUDED.touch, "
                  "stages = EXCLUDED.stages, flags = EXCLUDED.flags, health_score = EXCLUDED.health_score, "
                  "health_band = EXCLUDED.health_band, last_run_id = EXCLUDED.last_run_id, "
                  "last_evaluated_at = EXCLUDED.last_evaluated_at, updated_at = now()",
                  3, p4, NULL, err);
    /* Every intent once: the dedupe key is unique per tenant. */
    if (rc == TEND_OK) {
        rc = exec(c,
                  "INSERT INTO tasks (tenant, dedupe_key, account_id, title, owner, due_at, data, created_run_id) "
                  "SELECT $1, a->>'key', b.account_id, a->>'title', a->>'owner', "
                  "CASE WHEN a->>'due' ~ '^\\d{4}-\\d{2}-\\d{2}' THEN (a->>'due')::timestamptz END, "
                  "CASE WHEN jsonb_typeof(a->'data') = 'object' THEN a->'data' ELSE '{}' END, $2::bigint "
                  "FROM batch_results b, jsonb_array_elements(b.result->'actions') a "
                  "WHERE NOT b.failed AND a->>'kind' = 'task' ON CONFLICT (tenant, dedupe_key) DO NOTHING",
                  2, p4, &r, err);
        if (rc == TEND_OK) w->st->tasks += affected(r), PQclear(r);
    }
    if (rc == TEND_OK) {
        rc = exec(c,
                  "INSERT INTO outbox (tenant, dedupe_key, account_id, run_id, kind, connector, payload) "
                  "SELECT $1, a->>'key', b.account_id, $2::bigint, a->>'kind', a->>'connector', a "
                  "FROM batch_results b, jsonb_array_elements(b.result->'actions') a "
                  "WHERE NOT b.failed AND a->>'kind' IN ('email', 'notify', 'webhook') "
                  "ON CONFLICT (tenant, dedupe_key) DO NOTHING",
                  2, p4, &r, err);
        if (rc == TEND_OK) w->st->outbox += affected(r), PQclear(r);
    }
    /* The ledger: which rules acted, for frequency caps on later nights. */
    const char *p5[4] = {t, run, now, w->st->occurrence};
    if (rc == TEND_OK)
        rc = exec(c,
                  "INSERT INTO rule_fires (tenant, account_id, rule, key, fired_at, run_id) "
                  "SELECT $1, b.account_id, e->>'rule', $4, $3::timestamptz, $2::bigint "
                  "FROM batch_results b, jsonb_array_elements(b.result->'trace') e "
                  "WHERE NOT b.failed AND (e->>'fired')::boolean ON CONFLICT DO NOTHING",
                  4, p5, NULL, err);
    if (rc == TEND_OK) rc = exec(c, "COMMIT", 0, NULL, NULL, err);
    else PQclear(PQexec(c, "ROLLBACK"));
    w->copy.len = 0;
    w->pending = 0;
    w->failed = rc;
    return rc;
}

/* Takes each result line as it is emitted (in account order); the account
 * id and whether it failed are read from the stored result by SQL. */
static void on_line(void *ud, const char *line, size_t len) {
    writer *w = ud;
    if (w->o->on_result) w->o->on_result(w->o->on_result_ud, line, len);
    if (w->failed != TEND_OK) return;
    copy_field(&w->copy, line, len > 0 && line[len - 1] == '\n' ? len - 1 : len);
    tend_buf_addc(&w->copy, '\n');
    if (++w->pending >= (w->o->batch > 0 ? w->o->batch : 1000)) flush(w);
}

/* ---- the run ----------------------------------------------------------------------- */

static tend_status finish_run(PGconn *c, const tend_nightly_opts *o, const tend_nightly_stats *st, int ok,
                              tend_error *err) {
    char run[32], accounts[32], failed[32];
    snprintf(run, sizeof run, "%" PRId64, st->run_id);
    snprintf(accounts, sizeof accounts, "%zu", st->accounts);
    snprintf(failed, sizeof failed, "%zu", st->failed + st->rejected);
    const char *p[5] = {o->tenant, run, ok ? "succeeded" : "failed", accounts, failed};
    return exec(c,
                "UPDATE job_runs SET status = $3, finished_at = now(), accounts = $4::int, failed = $5::int "
                "WHERE tenant = $1 AND id = $2::bigint",
                5, p, NULL, err);
}

tend_status tend_nightly_run(PGconn *streamc, PGconn *writec, const tend_nightly_opts *o, tend_nightly_stats *st,
                             tend_buf *problems, tend_error *err) {
    memset(st, 0, sizeof *st);
    tend_date_format(o->now, st->occurrence);
    PQclear(PQexec(streamc, "SET TimeZone = 'UTC'"));
    PQclear(PQexec(writec, "SET TimeZone = 'UTC'"));
    /* Open the playbook first: a broken one must not claim the occurrence. */
    tend_playbook *probe;
    tend_status rc = tend_playbook_open(o->playbook_dir, &o->playbook, &probe, problems, err);
    if (rc != TEND_OK) return rc;
    writer w = {.c = writec, .o = o, .st = st, .failed = TEND_OK};
    snprintf(w.digest, sizeof w.digest, "%s", tend_playbook_digest(probe));
    tend_playbook_close(probe);
    if ((rc = claim(writec, o, w.digest, st, err)) != TEND_OK || st->skipped) return rc;
    snprintf(w.run_id, sizeof w.run_id, "%" PRId64, st->run_id);
    tend_time_format(o->now, w.now);

    stream s = {.c = streamc, .o = o};
    snprintf(s.run_id, sizeof s.run_id, "%s", w.run_id);
    /* Events: all of them unless limited (J3 evidence of a go-live years
     * ago still decides the stage); metrics: daily rows, a year by default. */
    int64_t ev_from = o->history_days > 0 ? o->now - (int64_t)o->history_days * 86400 : INT64_C(-62135596800);
    int metric_days = o->history_days > 0 ? o->history_days : 400;
    tend_time_format(ev_from, s.from);
    tend_date_format(o->now - (int64_t)metric_days * 86400, s.from_day);
    tend_account_source src = {stream_open, stream_next, stream_release, stream_close, &s, "accounts"};
    tend_run_opts ro = {
        .playbook_dir = o->playbook_dir,
        .playbook = o->playbook,
        .source = &src,
        .now = o->now,
        .jobs = o->jobs,
        .emit = on_line,
        .emit_ud = &w,
    };
    tend_run_stats rs;
    rc = tend_run_eval(&ro, &rs, problems, err);
    if (rc == TEND_OK) rc = flush(&w);
    if (rc == TEND_OK && w.failed != TEND_OK) {
        *err = w.err;
        rc = w.failed;
    } else if (w.failed != TEND_OK) {
        *err = w.err;
    }
    st->accounts = rs.accounts;
    st->evaluated = rs.evaluated;
    st->failed = rs.failed + rs.population_failed;
    st->rejected = rs.rejected;
    tend_buf_free(&w.copy);
    tend_error ferr;
    tend_status frc = finish_run(writec, o, st, rc == TEND_OK, &ferr);
    if (rc == TEND_OK && frc != TEND_OK) {
        *err = ferr;
        rc = frc;
    }
    return rc;
}
