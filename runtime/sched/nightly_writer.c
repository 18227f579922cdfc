/* The nightly result writer: one transaction per batch of results, on a
 * thread and connection of its own (see nightly_parts.h). While it writes
 * one batch the pipeline fills the next; a full batch waits for the one
 * before it, so at most two are in memory. */
#include <stdlib.h>
#include <string.h>

#include "eval/intents.h"
#include "store/copy.h"
#include "store/db.h"
#include "sched/nightly_parts.h"

static long long affected(PGresult *r) { return strtoll(PQcmdTuples(r), NULL, 10); }

/* Runs one statement of the batch and adds what it changed to *counter. */
static tend_status exec_count(PGconn *c, const char *sql, int n, const char *const *p, long long *counter,
                              tend_error *err) {
    PGresult *r;
    tend_status rc = tend_db_exec(c, "nightly", sql, n, p, counter ? &r : NULL, err);
    if (rc == TEND_OK && counter) {
        *counter += affected(r);
        PQclear(r);
    }
    return rc;
}

/* One batch in one transaction: every row derived in SQL from the stored
 * result object, so what is stored is exactly what `tend eval` prints. */
static tend_status write_batch(nightly_writer *w, const tend_buf *rows, const char *queued, tend_error *err) {
    PGconn *c = w->c;
    tend_nightly_stats *st = w->st;
    const char *p4[4] = {w->o->tenant, w->run_id, w->now, w->digest};
    const char *p5[4] = {w->o->tenant, w->run_id, w->now, st->occurrence};
    const char *pq[3] = {w->o->tenant, w->run_id, queued};
    tend_status rc = tend_db_exec(c, "nightly", "BEGIN", 0, NULL, NULL, err);
    if (rc == TEND_OK)
        rc = tend_db_exec(c, "nightly",
                          "CREATE TEMP TABLE IF NOT EXISTS batch_results (result jsonb NOT NULL, "
                          "account_id text GENERATED ALWAYS AS (result->>'account_id') STORED, "
                          "failed boolean GENERATED ALWAYS AS (jsonb_array_length(result->'errors') > 0) STORED) "
                          "ON COMMIT DELETE ROWS",
                          0, NULL, NULL, err);
    if (rc == TEND_OK)
        rc = tend_copy_rows(c, "nightly", "COPY batch_results (result) FROM STDIN", rows->data, rows->len, err);
    /* Each account once per run: the stream leaves out accounts the run
     * already stored (a resumed shard), and --force removed them first. */
    if (rc == TEND_OK)
        rc = exec_count(c,
                        "INSERT INTO evaluations (tenant, run_id, account_id, evaluated_at, playbook, failed, result) "
                        "SELECT $1, $2::bigint, account_id, $3::timestamptz, $4, failed, result FROM batch_results",
                        4, p4, NULL, err);
    /* A backfill keeps its evaluations for history and nothing else: the
     * present (state, open stages, the ledger) is not rolled back to the
     * past, and nothing is queued to be sent now about then. */
    if (w->backfill) goto commit;
    /* Stage history changes only when stages change: close what was left... */
    if (rc == TEND_OK)
        rc = exec_count(c,
                        "UPDATE stage_history h SET exited_at = $3::timestamptz, exited_run_id = $2::bigint "
                        "FROM batch_results b WHERE h.tenant = $1 AND h.account_id = b.account_id "
                        "AND h.exited_at IS NULL AND NOT b.failed AND h.entered_at <= $3::timestamptz "
                        "AND NOT (h.stage = ANY (ARRAY(SELECT jsonb_array_elements_text(b.result->'stages'))))",
                        3, p4, &st->stage_changes, err);
    /* ...and open what was entered. */
    if (rc == TEND_OK)
        rc = exec_count(c,
                        "INSERT INTO stage_history (tenant, account_id, stage, entered_at, entered_run_id) "
                        "SELECT $1, b.account_id, s, $3::timestamptz, $2::bigint "
                        "FROM batch_results b, jsonb_array_elements_text(b.result->'stages') s WHERE NOT b.failed "
                        "ON CONFLICT (tenant, account_id, stage) WHERE exited_at IS NULL DO NOTHING",
                        3, p4, &st->stage_changes, err);
    if (rc == TEND_OK)
        rc = exec_count(c,
                        "INSERT INTO account_state (tenant, account_id, segment, touch, stages, flags, health_score, "
                        "health_band, last_run_id, last_evaluated_at, updated_at) "
                        "SELECT $1, account_id, result->>'segment', result->>'touch', "
                        "ARRAY(SELECT jsonb_array_elements_text(result->'stages')), "
                        "ARRAY(SELECT jsonb_array_elements_text(result->'flags')), "
                        "(result->'health'->>'score')::numeric, result->'health'->>'band', $2::bigint, "
                        "$3::timestamptz, now() FROM batch_results WHERE NOT failed "
                        "ON CONFLICT (tenant, account_id) DO UPDATE SET segment = EXCLUDED.segment, "
                        "touch = EXCLUDED.touch, stages = EXCLUDED.stages, flags = EXCLUDED.flags, "
                        "health_score = EXCLUDED.health_score, health_band = EXCLUDED.health_band, "
                        "last_run_id = EXCLUDED.last_run_id, last_evaluated_at = EXCLUDED.last_evaluated_at, "
                        "updated_at = now()",
                        3, p4, NULL, err);
    /* Every intent once: the dedupe key is unique per tenant. */
    if (rc == TEND_OK)
        rc = exec_count(c,
                        "INSERT INTO tasks (tenant, dedupe_key, account_id, title, owner, due_at, data, "
                        "created_run_id) SELECT $1, a->>'key', b.account_id, a->>'title', a->>'owner', "
                        "CASE WHEN a->>'due' ~ '^\\d{4}-\\d{2}-\\d{2}' THEN (a->>'due')::timestamptz END, "
                        "CASE WHEN jsonb_typeof(a->'data') = 'object' THEN a->'data' ELSE '{}' END, $2::bigint "
                        "FROM batch_results b, jsonb_array_elements(b.result->'actions') a "
                        "WHERE NOT b.failed AND a->>'kind' = 'task' ON CONFLICT (tenant, dedupe_key) DO NOTHING",
                        2, p4, &st->tasks, err);
    if (rc == TEND_OK)
        rc = exec_count(c,
                        "INSERT INTO outbox (tenant, dedupe_key, account_id, run_id, kind, connector, payload) "
                        "SELECT $1, a->>'key', b.account_id, $2::bigint, a->>'kind', a->>'connector', a "
                        "FROM batch_results b, jsonb_array_elements(b.result->'actions') a "
                        "WHERE NOT b.failed AND a->>'kind' = ANY ($3::text[]) "
                        "ON CONFLICT (tenant, dedupe_key) DO NOTHING",
                        3, pq, &st->outbox, err);
    /* The ledger: which rules acted, for frequency caps on later nights. */
    if (rc == TEND_OK)
        rc = exec_count(c,
                        "INSERT INTO rule_fires (tenant, account_id, rule, key, fired_at, run_id) "
                        "SELECT $1, b.account_id, e->>'rule', $4, $3::timestamptz, $2::bigint "
                        "FROM batch_results b, jsonb_array_elements(b.result->'trace') e "
                        "WHERE NOT b.failed AND (e->>'fired')::boolean ON CONFLICT DO NOTHING",
                        4, p5, NULL, err);
commit:
    if (rc == TEND_OK) rc = tend_db_exec(c, "nightly", "COMMIT", 0, NULL, NULL, err);
    else PQclear(PQexec(c, "ROLLBACK"));
    return rc;
}

/* The thread: writes each handed batch; after a failure it keeps taking
 * batches (so the pipeline never blocks) but writes nothing more. */
static void *writer_main(void *ud) {
    nightly_writer *w = ud;
    /* The kinds that go through the outbox, as the stdlib declares them. */
    tend_intents intents;
    tend_buf queued = {0};
    tend_error load_err;
    tend_status loaded = tend_intents_load(w->o->playbook.stdlib_dir, &intents, &load_err);
    if (loaded == TEND_OK) tend_intents_queued_array(&intents, &queued);
    tend_intents_free(&intents);
    pthread_mutex_lock(&w->mu);
    if (loaded != TEND_OK && w->failed == TEND_OK) {
        w->failed = loaded;
        w->err = load_err;
    }
    for (;;) {
        while (!w->busy && !w->closing) pthread_cond_wait(&w->changed, &w->mu);
        if (!w->busy) break;
        tend_status failed = w->failed;
        pthread_mutex_unlock(&w->mu);
        tend_error err;
        tend_status rc = failed == TEND_OK ? write_batch(w, &w->handed, queued.data, &err) : failed;
        pthread_mutex_lock(&w->mu);
        if (failed == TEND_OK && rc != TEND_OK) {
            w->failed = rc;
            w->err = err;
        }
        w->handed.len = 0;
        w->busy = 0;
        pthread_cond_broadcast(&w->changed);
    }
    pthread_mutex_unlock(&w->mu);
    tend_buf_free(&queued);
    return NULL;
}

/* Hands the filled batch to the thread once it is done with the last. */
static void hand_over(nightly_writer *w) {
    if (w->pending == 0) return;
    pthread_mutex_lock(&w->mu);
    while (w->busy) pthread_cond_wait(&w->changed, &w->mu);
    tend_buf t = w->handed;
    w->handed = w->filling;
    w->filling = t;
    w->filling.len = 0;
    w->busy = 1;
    pthread_cond_broadcast(&w->changed);
    pthread_mutex_unlock(&w->mu);
    w->pending = 0;
}

void nightly_writer_start(nightly_writer *w) {
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->changed, NULL);
    w->failed = TEND_OK;
    w->running = pthread_create(&w->thread, NULL, writer_main, w) == 0;
    if (!w->running) w->failed = tend_fail(&w->err, TEND_EMEMORY, "nightly: cannot start the writer thread");
}

void nightly_writer_line(void *ud, const char *line, size_t len) {
    nightly_writer *w = ud;
    if (w->o->on_result) w->o->on_result(w->o->on_result_ud, line, len);
    if (!w->running) return;
    tend_copy_text(&w->filling, line, len > 0 && line[len - 1] == '\n' ? len - 1 : len);
    tend_buf_addc(&w->filling, '\n');
    if (++w->pending >= (w->o->batch > 0 ? w->o->batch : 1000)) hand_over(w);
}

tend_status nightly_writer_finish(nightly_writer *w, tend_error *err) {
    if (w->running) {
        hand_over(w);
        pthread_mutex_lock(&w->mu);
        w->closing = 1;
        pthread_cond_broadcast(&w->changed);
        pthread_mutex_unlock(&w->mu);
        pthread_join(w->thread, NULL);
        w->running = 0;
    }
    tend_buf_free(&w->filling);
    tend_buf_free(&w->handed);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->changed);
    if (w->failed != TEND_OK) *err = w->err;
    return w->failed;
}
