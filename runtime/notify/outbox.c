/* The outbox's SQL (see outbox.h). */
#include "notify/outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "store/db.h"


/* The due rows are found through the partial index outbox_due (ORDER BY
 * next_attempt_at is its order, so the scan stops after n rows) and then
 * updated by ctid: locked by FOR UPDATE, they cannot move within the
 * statement. (Joining back on (tenant, id) made the planner hash-join a
 * sequential scan of the whole outbox on every claim.) Attempt numbers
 * only grow (a parked or released attempt deletes its deliveries row when
 * it takes its number back), so the attempt's row is new: a plain INSERT. */
static const char CLAIM[] =
    "WITH due AS ("
    "  SELECT ctid FROM outbox"
    "   WHERE status = 'pending' AND next_attempt_at <= LEAST(now(), $4::timestamptz)"
    "     AND ($5::text IS NULL OR tenant = $5::text)"
    "     AND ($6::boolean IS NULL OR (lease_owner IS NOT NULL) = $6::boolean)"
    "   ORDER BY next_attempt_at LIMIT $1::int FOR UPDATE SKIP LOCKED),"
    " claimed AS ("
    "  UPDATE outbox o SET lease_owner = $2::text, lease_until = now() + make_interval(secs => $3::float8),"
    "         next_attempt_at = now() + make_interval(secs => $3::float8), attempts = o.attempts + 1"
    "   WHERE o.ctid = ANY (ARRAY(SELECT ctid FROM due))"
    "  RETURNING o.tenant, o.id, o.attempts, o.round_start, o.account_id, o.kind, o.connector,"
    "            COALESCE(o.payload->>'channel', o.payload->>'target', o.payload->>'template'),"
    "            o.dedupe_key, o.payload::text, extract(epoch FROM o.created_at)::bigint),"
    " started AS ("
    "  INSERT INTO deliveries (tenant, outbox_id, attempt, worker) SELECT tenant, id, attempts, $2::text FROM claimed"
    "  RETURNING tenant, outbox_id, ctid)"
    " SELECT c.*, s.ctid::text FROM claimed c JOIN started s ON s.tenant = c.tenant AND s.outbox_id = c.id";

static const char RECORD[] =
    "WITH d AS ("
    "  UPDATE deliveries SET finished_at = now(), ok = ($4::text = 'sent'), http_status = $5::int, error = $6::text,"
    "         response = $7::text, latency_ms = $8::int, connector = $9::text"
    "   WHERE tenant = $1::text AND outbox_id = $2::bigint AND attempt = $3::int)"
    " UPDATE outbox SET"
    "  status = CASE $4::text WHEN 'sent' THEN 'sent' WHEN 'dead' THEN 'dead' ELSE 'pending' END,"
    "  sent_at = CASE WHEN $4::text = 'sent' THEN now() ELSE sent_at END,"
    "  next_attempt_at = CASE $4::text WHEN 'retry' THEN now() + make_interval(secs => $10::float8)"
    "                    WHEN 'hold' THEN 'infinity'::timestamptz ELSE next_attempt_at END,"
    "  held_by = CASE WHEN $4::text = 'hold' THEN $9::text END,"
    "  lease_owner = NULL, lease_until = NULL,"
    "  last_error = CASE WHEN $4::text = 'sent' THEN NULL ELSE $6::text END,"
    "  max_attempts = GREATEST($11::int, 1)"
    " WHERE tenant = $1::text AND id = $2::bigint AND status = 'pending'"
    "   AND ($4::text = 'sent' OR (attempts = $3::int AND lease_owner = $12::text))";

/* A row routed to a disabled connector: the attempt did not happen. Held
 * if the connector is still disabled (it holds rows), else due again now. */
static const char PARK[] =
    "WITH d AS (DELETE FROM deliveries WHERE tenant = $1::text AND outbox_id = $2::bigint AND attempt = $3::int),"
    " s AS (SELECT EXISTS (SELECT 1 FROM outbox WHERE held_by = $4::text AND status = 'pending') AS disabled)"
    " UPDATE outbox SET attempts = attempts - 1, lease_owner = NULL, lease_until = NULL,"
    "  next_attempt_at = CASE WHEN s.disabled THEN 'infinity'::timestamptz ELSE now() END,"
    "  held_by = CASE WHEN s.disabled THEN $4::text END,"
    "  last_error = CASE WHEN s.disabled THEN 'held: connector ' || $4::text || ' is disabled' ELSE last_error END"
    " FROM s WHERE tenant = $1::text AND id = $2::bigint AND status = 'pending' AND attempts = $3::int"
    "   AND lease_owner = $5::text";

/* Many attempts' results in one statement (one array element per
 * attempt): the same updates as RECORD, fenced the same way. The attempts'
 * deliveries rows are found by the ctids the claim returned ($13; a row
 * moved meanwhile is left unfinished, which only `tend outbox show`
 * sees): a young deliveries table's statistics otherwise make the
 * planner scan all of it for every batch. */
static const char RECORD_MANY[] =
    "WITH r AS (SELECT * FROM unnest($1::text[], $2::bigint[], $3::int[], $4::text[], $5::int[], $6::text[],"
    "    $7::text[], $8::int[], $9::text[], $10::float8[], $11::int[])"
    "  AS r(tenant, id, attempt, outcome, http_status, error, response, latency_ms, connector, delay, max_attempts)),"
    " d AS ("
    "  UPDATE deliveries d SET finished_at = now(), ok = (r.outcome = 'sent'), http_status = r.http_status,"
    "         error = r.error, response = r.response, latency_ms = r.latency_ms, connector = r.connector"
    "    FROM r WHERE d.ctid = ANY ($13::tid[]) AND d.tenant = r.tenant AND d.outbox_id = r.id"
    "     AND d.attempt = r.attempt)"
    " UPDATE outbox o SET"
    "  status = CASE r.outcome WHEN 'sent' THEN 'sent' WHEN 'dead' THEN 'dead' ELSE 'pending' END,"
    "  sent_at = CASE WHEN r.outcome = 'sent' THEN now() ELSE o.sent_at END,"
    "  next_attempt_at = CASE r.outcome WHEN 'retry' THEN now() + make_interval(secs => r.delay)"
    "                    WHEN 'hold' THEN 'infinity'::timestamptz ELSE o.next_attempt_at END,"
    "  held_by = CASE WHEN r.outcome = 'hold' THEN r.connector END,"
    "  lease_owner = NULL, lease_until = NULL,"
    "  last_error = CASE WHEN r.outcome = 'sent' THEN NULL ELSE r.error END,"
    "  max_attempts = GREATEST(r.max_attempts, 1)"
    " FROM r WHERE o.tenant = r.tenant AND o.id = r.id AND o.status = 'pending'"
    "   AND (r.outcome = 'sent' OR (o.attempts = r.attempt AND o.lease_owner = $12::text))";

/* Rows claimed but never sent (a stop, or a lease too short to start them
 * in): the attempt is undone and the row is due again now, if this worker
 * still holds it. */
static const char RELEASE_MANY[] =
    "WITH r AS (SELECT * FROM unnest($1::text[], $2::bigint[], $3::int[]) AS r(tenant, id, attempt)),"
    " o AS ("
    "  UPDATE outbox o SET attempts = o.attempts - 1, lease_owner = NULL, lease_until = NULL, next_attempt_at = now()"
    "    FROM r WHERE o.tenant = r.tenant AND o.id = r.id AND o.status = 'pending' AND o.attempts = r.attempt"
    "     AND o.lease_owner = $4::text"
    "  RETURNING o.tenant, o.id, r.attempt)"
    " DELETE FROM deliveries d USING o WHERE d.tenant = o.tenant AND d.outbox_id = o.id AND d.attempt = o.attempt";

static tend_status db_fail(PGconn *c, PGresult *r, const char *what, tend_error *err) {
    char msg[512];
    tend_db_error(r, c, msg, sizeof msg);
    PQclear(r);
    return tend_fail(err, TEND_EDB, "outbox: %s: %s", what, msg);
}

tend_status tend_outbox_query(PGconn *c, const char *sql, int n, const char *const *params, PGresult **out,
                              tend_error *err) {
    return tend_db_exec(c, "outbox: query", sql, n, params, out, err);
}

static tend_status exec_prepared(PGconn *c, const char *name, int n, const char *const *params, tend_error *err) {
    PGresult *r = PQexecPrepared(c, name, n, params, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
        return db_fail(c, r, name, err);
    PQclear(r);
    return TEND_OK;
}

#define OUTBOX_TIME(col) "to_char(" col ", 'YYYY-MM-DD HH24:MI:SS')"

tend_status tend_outbox_list(PGconn *c, const char *state, const char *tenant, const char *limit, PGresult **out,
                             tend_error *err) {
    const char *p[3] = {state, tenant, limit};
    return tend_db_exec(
        c, "outbox: list",
        "SELECT o.id, o.tenant, s.state, o.attempts - o.round_start, COALESCE(o.held_by, o.connector),"
        " CASE WHEN o.status = 'pending' AND o.held_by IS NULL THEN " OUTBOX_TIME("o.next_attempt_at") " ELSE '-' END,"
        " o.dedupe_key, COALESCE(CASE WHEN s.state IN ('quiet', 'capped') THEN o.policy_reason END, o.last_error, ''),"
        " o.max_attempts - o.round_start"
        " FROM outbox o JOIN outbox_state s USING (tenant, id)"
        " WHERE ($1::text IS NULL OR s.state = $1::text) AND ($2::text IS NULL OR o.tenant = $2::text)"
        " ORDER BY o.created_at DESC, o.id DESC LIMIT $3::int",
        3, p, out, err);
}

tend_status tend_outbox_show(PGconn *c, const char *id, PGresult **out, tend_error *err) {
    const char *p[1] = {id};
    return tend_db_exec(c, "outbox: show",
                        "SELECT o.id, o.tenant, o.account_id, s.state, o.attempts, o.round_start, o.max_attempts,"
                        " o.kind, o.connector, o.dedupe_key, " OUTBOX_TIME("o.created_at") ", "
                        OUTBOX_TIME("o.next_attempt_at") ", " OUTBOX_TIME("o.sent_at") ", o.last_error, o.held_by,"
                        " o.lease_owner, " OUTBOX_TIME("o.lease_until") ", jsonb_pretty(o.payload), o.run_id,"
                        " o.policy_reason, " OUTBOX_TIME("o.held_until") ", o.contact"
                        " FROM outbox o JOIN outbox_state s USING (tenant, id) WHERE o.id = $1::bigint",
                        1, p, out, err);
}

tend_status tend_outbox_attempts(PGconn *c, const char *tenant, const char *id, PGresult **out, tend_error *err) {
    const char *p[2] = {tenant, id};
    return tend_db_exec(c, "outbox: show",
                        "SELECT attempt, " OUTBOX_TIME("started_at") ", COALESCE(connector, '-'),"
                        " CASE WHEN ok THEN 'ok' WHEN ok IS NULL THEN 'unfinished' ELSE 'failed' END,"
                        " COALESCE(http_status::text, '-'), COALESCE(latency_ms::text || ' ms', '-'),"
                        " COALESCE(error, ''), COALESCE(response, ''), COALESCE(worker, '-')"
                        " FROM deliveries WHERE tenant = $1::text AND outbox_id = $2::bigint ORDER BY attempt",
                        2, p, out, err);
}

tend_status tend_outbox_connect(PGconn **out, tend_error *err) { return tend_db_open(out, err); }

tend_status tend_outbox_prepare(PGconn *c, tend_error *err) {
    static const struct {
        const char *name, *sql;
    } stmts[] = {{"tend_claim", CLAIM},
                   {"tend_record", RECORD},
                   {"tend_record_many", RECORD_MANY},
                   {"tend_release_many", RELEASE_MANY},
                   {"tend_park", PARK}};
    PQclear(PQexec(c, "SET TimeZone = 'UTC'"));
    /* Claims and results need not wait for the WAL flush: a commit lost in a
     * server crash only sends a message again, with the same id (the rows
     * themselves were queued with a synchronous commit). */
    PQclear(PQexec(c, "SET synchronous_commit = off"));
    /* Every statement here reaches its rows through an index or by ctid;
     * the statistics of a young outbox or deliveries table (empty when
     * last analyzed) otherwise make the planner scan the whole table for
     * every batch, which costs more with each batch delivered. */
    PQclear(PQexec(c, "SET enable_seqscan = off"));
    for (size_t i = 0; i < sizeof stmts / sizeof stmts[0]; i++) {
        PGresult *r = PQprepare(c, stmts[i].name, stmts[i].sql, 0, NULL);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) return db_fail(c, r, "prepare", err);
        PQclear(r);
    }
    return TEND_OK;
}

void tend_outbox_row_free(tend_outbox_row *r) {
    free(r->tenant), free(r->account_id), free(r->kind), free(r->connector), free(r->name), free(r->key),
        free(r->payload);
    memset(r, 0, sizeof *r);
}

static char *dup_or_null(const PGresult *r, int row, int col) {
    return PQgetisnull(r, row, col) ? NULL : strdup(PQgetvalue(r, row, col));
}

tend_status tend_outbox_claim_send(PGconn *c, const char *worker, int n, double lease_s, const char *cutoff,
                                   const char *tenant, int orphans, tend_error *err) {
    char nbuf[16], lbuf[32];
    snprintf(nbuf, sizeof nbuf, "%d", n);
    snprintf(lbuf, sizeof lbuf, "%.3f", lease_s);
    const char *p[6] = {nbuf, worker, lbuf, cutoff, tenant, orphans < 0 ? NULL : orphans ? "true" : "false"};
    if (!PQsendQueryPrepared(c, "tend_claim", 6, p, NULL, NULL, 0)) return db_fail(c, NULL, "claim", err);
    return TEND_OK;
}

tend_status tend_outbox_claim_rows(PGconn *c, PGresult *r, tend_outbox_row **rows, size_t *nrows, tend_error *err) {
    if (PQresultStatus(r) != PGRES_TUPLES_OK) return db_fail(c, r, "claim", err);
    int got = PQntuples(r);
    if (got > 0) {
        tend_outbox_row *grown = tend_realloc(*rows, (*nrows + (size_t)got) * sizeof *grown);
        *rows = grown;
        for (int i = 0; i < got; i++) {
            tend_outbox_row *o = &grown[(*nrows)++];
            o->tenant = strdup(PQgetvalue(r, i, 0));
            o->id = strtoll(PQgetvalue(r, i, 1), NULL, 10);
            o->attempt = atoi(PQgetvalue(r, i, 2));
            o->round_start = atoi(PQgetvalue(r, i, 3));
            o->account_id = strdup(PQgetvalue(r, i, 4));
            o->kind = strdup(PQgetvalue(r, i, 5));
            o->connector = dup_or_null(r, i, 6);
            o->name = dup_or_null(r, i, 7);
            o->key = strdup(PQgetvalue(r, i, 8));
            o->payload = strdup(PQgetvalue(r, i, 9));
            o->created_at = strtoll(PQgetvalue(r, i, 10), NULL, 10);
            snprintf(o->attempt_ctid, sizeof o->attempt_ctid, "%s", PQgetvalue(r, i, 11));
        }
    }
    PQclear(r);
    return TEND_OK;
}

int tend_outbox_ready(PGconn *c, PGresult **out, tend_error *err, tend_status *rc) {
    *out = NULL;
    *rc = TEND_OK;
    if (!PQconsumeInput(c)) {
        *rc = db_fail(c, NULL, "reading an answer", err);
        return 1;
    }
    if (PQisBusy(c)) return 0;
    PGresult *r, *first = NULL;
    while ((r = PQgetResult(c))) { /* a statement answers with one result, then NULL */
        if (first) PQclear(r);
        else first = r;
    }
    *out = first;
    return 1;
}

tend_status tend_outbox_wait(PGconn *c, PGresult **out, tend_error *err) {
    PGresult *r, *first = NULL;
    while ((r = PQgetResult(c))) {
        if (first) PQclear(r);
        else first = r;
    }
    if (!first) return tend_fail(err, TEND_EDB, "outbox: no answer: %s", PQerrorMessage(c));
    *out = first;
    return TEND_OK;
}

tend_status tend_outbox_claim(PGconn *c, const char *worker, int n, double lease_s, const char *cutoff,
                              const char *tenant, tend_outbox_row **rows, size_t *nrows, tend_error *err) {
    PGresult *r = NULL; /* set when rc is TEND_OK; GCC -O2 cannot tell */
    tend_status rc = tend_outbox_claim_send(c, worker, n, lease_s, cutoff, tenant, -1, err);
    if (rc == TEND_OK) rc = tend_outbox_wait(c, &r, err);
    if (rc == TEND_OK) rc = tend_outbox_claim_rows(c, r, rows, nrows, err);
    return rc;
}

/* PostgreSQL array literals, built element by element: {"a","b",NULL}. */
static void array_sep(tend_buf *b) { tend_buf_addc(b, b->len ? ',' : '{'); }

static void array_text(tend_buf *b, const char *s) {
    array_sep(b);
    if (!s) {
        tend_buf_adds(b, "NULL");
        return;
    }
    tend_buf_addc(b, '"');
    for (const char *p = s; *p; p++) {
        if (*p == '"' || *p == '\\') tend_buf_addc(b, '\\');
        tend_buf_addc(b, *p);
    }
    tend_buf_addc(b, '"');
}

static void array_long(tend_buf *b, long long v, int null) {
    array_sep(b);
    if (null) tend_buf_adds(b, "NULL");
    else tend_buf_printf(b, "%lld", v);
}

static const char *array_end(tend_buf *b) {
    if (!b->len) tend_buf_addc(b, '{');
    tend_buf_addc(b, '}');
    return tend_buf_cstr(b);
}

static const char *const OUTCOME[] = {"sent", "retry", "dead", "hold", "park"};

static tend_status record_one(PGconn *c, const char *worker, const tend_attempt *a, tend_error *err) {
    char id[32], attempt[16], status[16], latency[16], delay[32], maxa[16];
    const tend_outbox_row *row = a->row;
    snprintf(id, sizeof id, "%lld", row->id);
    snprintf(attempt, sizeof attempt, "%d", row->attempt);
    if (a->outcome == TEND_OUTCOME_PARK) {
        const char *p[5] = {row->tenant, id, attempt, a->connector, worker};
        return exec_prepared(c, "tend_park", 5, p, err);
    }
    snprintf(status, sizeof status, "%ld", a->http_status);
    snprintf(latency, sizeof latency, "%ld", a->latency_ms);
    snprintf(delay, sizeof delay, "%.3f", a->delay);
    snprintf(maxa, sizeof maxa, "%d", a->max_attempts);
    const char *p[12] = {row->tenant,
                         id,
                         attempt,
                         OUTCOME[a->outcome],
                         a->http_status ? status : NULL,
                         a->error,
                         a->response,
                         a->latency_ms >= 0 ? latency : NULL,
                         a->connector,
                         delay,
                         maxa,
                         worker};
    return exec_prepared(c, "tend_record", 12, p, err);
}

tend_status tend_outbox_record_send(PGconn *c, const char *worker, const tend_attempt *a, size_t n,
                                    tend_error *err) {
    enum { TENANT, ID, ATTEMPT, OUTCOME_, STATUS, ERROR, RESPONSE, LATENCY, CONNECTOR, DELAY, MAXA, NCOLS };
    tend_buf ctids = {0};
    tend_buf col[NCOLS] = {{0}};
    for (size_t i = 0; i < n; i++) {
        const tend_outbox_row *row = a[i].row;
        array_text(&col[TENANT], row->tenant);
        array_long(&col[ID], row->id, 0);
        array_long(&col[ATTEMPT], row->attempt, 0);
        array_text(&col[OUTCOME_], OUTCOME[a[i].outcome]);
        array_long(&col[STATUS], a[i].http_status, !a[i].http_status);
        array_text(&col[ERROR], a[i].error);
        array_text(&col[RESPONSE], a[i].response);
        array_long(&col[LATENCY], a[i].latency_ms, a[i].latency_ms < 0);
        array_text(&col[CONNECTOR], a[i].connector);
        array_sep(&col[DELAY]);
        tend_buf_printf(&col[DELAY], "%.3f", a[i].delay);
        array_long(&col[MAXA], a[i].max_attempts, 0);
        array_text(&ctids, row->attempt_ctid[0] ? row->attempt_ctid : "(0,0)");
    }
    const char *p[NCOLS + 2];
    for (int k = 0; k < NCOLS; k++) p[k] = array_end(&col[k]);
    p[NCOLS] = worker;
    p[NCOLS + 1] = array_end(&ctids);
    int sent = PQsendQueryPrepared(c, "tend_record_many", NCOLS + 2, p, NULL, NULL, 0);
    for (int k = 0; k < NCOLS; k++) tend_buf_free(&col[k]);
    tend_buf_free(&ctids);
    return sent ? TEND_OK : db_fail(c, NULL, "record", err);
}

tend_status tend_outbox_release_send(PGconn *c, const char *worker, const tend_outbox_row *rows, size_t n,
                                     tend_error *err) {
    tend_buf col[3] = {{0}};
    for (size_t i = 0; i < n; i++) {
        array_text(&col[0], rows[i].tenant);
        array_long(&col[1], rows[i].id, 0);
        array_long(&col[2], rows[i].attempt, 0);
    }
    const char *p[4] = {array_end(&col[0]), array_end(&col[1]), array_end(&col[2]), worker};
    int sent = PQsendQueryPrepared(c, "tend_release_many", 4, p, NULL, NULL, 0);
    for (int k = 0; k < 3; k++) tend_buf_free(&col[k]);
    return sent ? TEND_OK : db_fail(c, NULL, "release", err);
}

tend_status tend_outbox_done(PGconn *c, PGresult *r, const char *what, tend_error *err) {
    if (!r) return tend_fail(err, TEND_EDB, "outbox: %s: no answer", what);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) return db_fail(c, r, what, err);
    PQclear(r);
    return TEND_OK;
}

tend_status tend_outbox_record(PGconn *c, const char *worker, const tend_attempt *a, size_t n, tend_error *err) {
    if (n == 0) return TEND_OK;
    size_t parks = 0;
    for (size_t i = 0; i < n; i++) parks += a[i].outcome == TEND_OUTCOME_PARK;
    PGresult *r = NULL; /* set when rc is TEND_OK; GCC -O2 cannot tell */
    tend_status rc = TEND_OK;
    if (parks == 0) { /* one statement: its own transaction */
        rc = tend_outbox_record_send(c, worker, a, n, err);
        if (rc == TEND_OK) rc = tend_outbox_wait(c, &r, err);
        return rc == TEND_OK ? tend_outbox_done(c, r, "record", err) : rc;
    }
    rc = tend_outbox_query(c, "BEGIN", 0, NULL, NULL, err);
    for (size_t i = 0; i < n && rc == TEND_OK; i++) rc = record_one(c, worker, &a[i], err);
    if (rc == TEND_OK) rc = tend_outbox_query(c, "COMMIT", 0, NULL, NULL, err);
    else PQclear(PQexec(c, "ROLLBACK"));
    return rc;
}

tend_status tend_outbox_disabled(PGconn *c, PGresult **out, tend_error *err) {
    return tend_outbox_query(c,
                             "SELECT DISTINCT held_by FROM outbox WHERE held_by IS NOT NULL AND status = 'pending'", 0,
                             NULL, out, err);
}

tend_status tend_outbox_pending(PGconn *c, const char *tenant, long long *count, double *next_in, tend_error *err) {
    const char *p[1] = {tenant};
    PGresult *r;
    tend_status rc = tend_outbox_query(c,
                                       "SELECT count(*), COALESCE(GREATEST(extract(epoch FROM min(next_attempt_at) - "
                                       "now()), 0), 0) FROM outbox WHERE status = 'pending' AND held_by IS NULL "
                                       "AND ($1::text IS NULL OR tenant = $1::text)",
                                       1, p, &r, err);
    if (rc != TEND_OK) return rc;
    *count = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    *next_in = strtod(PQgetvalue(r, 0, 1), NULL);
    PQclear(r);
    return TEND_OK;
}

static long long affected(PGresult *r) { return strtoll(PQcmdTuples(r), NULL, 10); }

/* An UPDATE with text parameters; *n the rows it changed. */
static tend_status update(PGconn *c, const char *sql, int np, const char *const *p, long long *n, tend_error *err) {
    PGresult *r;
    tend_status rc = tend_outbox_query(c, sql, np, p, &r, err);
    if (rc == TEND_OK) *n = affected(r), PQclear(r);
    return rc;
}

/* A replayed row: a new round of attempts, due now, unleased, unheld. */
#define NEW_ROUND                                                                                 \
    "status = 'pending', round_start = attempts, held_by = NULL, next_attempt_at = now(),"      \
    " lease_owner = NULL, lease_until = NULL"

tend_status tend_outbox_retry(PGconn *c, long long id, int force, int *found, tend_error *err) {
    char ibuf[32];
    snprintf(ibuf, sizeof ibuf, "%lld", id);
    const char *p[2] = {ibuf, force ? "t" : "f"};
    long long n = 0;
    *found = 0;
    tend_status rc = update(c,
                            "UPDATE outbox SET " NEW_ROUND ", sent_at = CASE WHEN status = 'sent' THEN NULL ELSE sent_at END"
                            " WHERE id = $1::bigint AND (status <> 'sent' OR $2::boolean)"
                            "   AND (lease_until IS NULL OR lease_until < now())",
                            2, p, &n, err);
    if (rc != TEND_OK || n > 0) {
        *found = n > 0;
        return rc;
    }
    PGresult *r;
    rc = tend_outbox_query(c, "SELECT status, lease_until > now() FROM outbox WHERE id = $1::bigint", 1, p, &r, err);
    if (rc != TEND_OK) return rc;
    if (PQntuples(r) == 1) *found = !strcmp(PQgetvalue(r, 0, 1), "t") ? 3 : 2;
    PQclear(r);
    return TEND_OK;
}

tend_status tend_outbox_retry_dead(PGconn *c, const char *tenant, long long *n, tend_error *err) {
    return update(c, "UPDATE outbox SET " NEW_ROUND " WHERE status = 'dead' AND ($1::text IS NULL OR tenant = $1::text)",
                  1, &tenant, n, err);
}

tend_status tend_outbox_enable(PGconn *c, const char *name, long long *n, tend_error *err) {
    return update(c,
                  "UPDATE outbox SET held_by = NULL, next_attempt_at = now(), round_start = attempts"
                  " WHERE held_by = $1::text AND status = 'pending'",
                  1, &name, n, err);
}
