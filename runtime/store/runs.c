/* job_runs and shard_leases: claiming an occurrence, its shards, their
 * leases and locks, and finishing the run (see runs.h). */
#include "store/runs.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db.h"
#include "store/migrate.h"

/* Shard i of n: an equal slice of hashtext's int4 range. */
static const char MAKE_SHARDS[] =
    "INSERT INTO shard_leases (tenant, run_id, shard, hash_lo, hash_hi) "
    "SELECT $1, $2::bigint, i, -2147483648 + i * 4294967296 / $3::bigint, "
    "       -2147483648 + (i + 1) * 4294967296 / $3::bigint "
    "  FROM generate_series(0, $3::bigint - 1) i ON CONFLICT DO NOTHING";

/* By default about 2,000 accounts a shard, at most 64 shards. */
static const char SHARD_COUNT[] =
    "SELECT CASE WHEN $2::int > 0 THEN $2::int "
    "ELSE greatest(1, least(64, ceil((SELECT count(*) FROM accounts WHERE tenant = $1) / 2000.0)))::int END";

static const char INSERT_RUN[] =
    "INSERT INTO job_runs (tenant, schedule, job, occurrence, playbook, shards, backfill) "
    "VALUES ($1, $2, $3, $4::timestamptz, $5, $6::int, NOT $7::boolean AND EXISTS (SELECT 1 FROM job_runs "
    "        WHERE tenant = $1 AND schedule = $2 AND NOT backfill AND occurrence > $4::timestamptz)) "
    "ON CONFLICT (tenant, schedule, occurrence) DO NOTHING RETURNING id, backfill, shards";

static const char FIND_RUN[] =
    "SELECT id, status, backfill, shards, "
    "       (SELECT string_agg(DISTINCT coalesce(s.owner, '?'), ', ') FROM shard_leases s "
    "         WHERE s.tenant = r.tenant AND s.run_id = r.id AND s.status <> 'done' AND " TEND_SHARD_LIVE("s") ") "
    "  FROM job_runs r WHERE tenant = $1 AND schedule = $2 AND occurrence = $3::timestamptz FOR NO KEY UPDATE";

static void id_text(int64_t id, char out[32]) { snprintf(out, 32, "%" PRId64, id); }

static tend_status in_tx(PGconn *c, tend_status rc, tend_error *err) {
    if (rc == TEND_OK) return tend_db_exec(c, "runs", "COMMIT", 0, NULL, NULL, err);
    PQclear(PQexec(c, "ROLLBACK"));
    return rc;
}

static tend_status make_shards(PGconn *c, const char *tenant, const char *run, int n, tend_error *err) {
    char ns[16];
    snprintf(ns, sizeof ns, "%d", n);
    const char *p[3] = {tenant, run, ns};
    return tend_db_exec(c, "runs: shards", MAKE_SHARDS, 3, p, NULL, err);
}

tend_status tend_runs_claim(PGconn *c, const tend_run_want *w, tend_run_claim *out, tend_run_row *run,
                            tend_error *err) {
    memset(run, 0, sizeof *run);
    *out = TEND_RUN_WORK;
    char want[16], n[16], id[32];
    snprintf(want, sizeof want, "%d", w->shards);
    PGresult *r = NULL;
    tend_status rc = tend_db_exec(c, "runs", "BEGIN", 0, NULL, NULL, err);
    const char *pc[2] = {w->tenant, want};
    if (rc == TEND_OK) rc = tend_db_exec(c, "runs: counting accounts", SHARD_COUNT, 2, pc, &r, err);
    if (rc == TEND_OK) {
        snprintf(n, sizeof n, "%s", PQgetvalue(r, 0, 0));
        PQclear(r);
        r = NULL;
    }
    const char *p[7] = {w->tenant, w->schedule, w->job, w->occurrence, w->digest, n, w->live ? "true" : "false"};
    if (rc == TEND_OK) rc = tend_db_exec(c, "runs: claiming the occurrence", INSERT_RUN, 7, p, &r, err);
    if (rc == TEND_OK && PQntuples(r) == 1) {
        run->fresh = 1;
        run->id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        run->backfill = PQgetvalue(r, 0, 1)[0] == 't';
        run->shards = atoi(PQgetvalue(r, 0, 2));
        snprintf(run->status, sizeof run->status, "new");
        PQclear(r);
        id_text(run->id, id);
        return in_tx(c, make_shards(c, w->tenant, id, run->shards, err), err);
    }
    if (r) PQclear(r);
    r = NULL;
    const char *f[3] = {w->tenant, w->schedule, w->occurrence};
    if (rc == TEND_OK) rc = tend_db_exec(c, "runs: reading the occurrence", FIND_RUN, 3, f, &r, err);
    if (rc != TEND_OK) return in_tx(c, rc, err);
    run->id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    snprintf(run->status, sizeof run->status, "%s", PQgetvalue(r, 0, 1));
    run->backfill = PQgetvalue(r, 0, 2)[0] == 't';
    run->shards = atoi(PQgetvalue(r, 0, 3));
    int owned = !PQgetisnull(r, 0, 4);
    if (owned) snprintf(run->owners, sizeof run->owners, "%s", PQgetvalue(r, 0, 4));
    PQclear(r);
    id_text(run->id, id);
    int finished = !strcmp(run->status, "succeeded") || !strcmp(run->status, "partial");
    const char *q[4] = {w->tenant, id, w->digest, n};
    if (w->force && owned) {
        *out = TEND_RUN_BUSY;
    } else if (w->force) {
        /* Everything again: what the run stored is replaced account by
         * account as the shards are done anew. */
        rc = tend_db_exec(c, "runs: --force", "DELETE FROM evaluations WHERE tenant = $1 AND run_id = $2::bigint", 2,
                          q, NULL, err);
        if (rc == TEND_OK)
            rc = tend_db_exec(c, "runs: --force", "DELETE FROM shard_leases WHERE tenant = $1 AND run_id = $2::bigint",
                              2, q, NULL, err);
        if (rc == TEND_OK)
            rc = tend_db_exec(c, "runs: --force",
                              "UPDATE job_runs SET status = 'running', started_at = now(), finished_at = NULL, "
                              "playbook = $3, shards = $4::int, accounts = 0, failed = 0 "
                              "WHERE tenant = $1 AND id = $2::bigint",
                              4, q, NULL, err);
        run->shards = atoi(n);
        if (rc == TEND_OK) rc = make_shards(c, w->tenant, id, run->shards, err);
    } else if (finished) {
        *out = TEND_RUN_DONE;
    } else {
        /* Resumed or joined: the shards not done are claimed by whoever
         * comes; a run from before shards existed gets them now. */
        rc = tend_db_exec(c, "runs: resuming",
                          "UPDATE job_runs SET status = 'running', finished_at = NULL "
                          "WHERE tenant = $1 AND id = $2::bigint AND status <> 'running'",
                          2, q, NULL, err);
        if (rc == TEND_OK) rc = make_shards(c, w->tenant, id, run->shards, err);
    }
    return in_tx(c, rc, err);
}

tend_status tend_shard_claim_next(PGconn *c, const char *tenant, int64_t run, const char *owner, int lease_seconds,
                                  tend_shard_claim *out, tend_shard *sh, tend_error *err) {
    char id[32], lease[16];
    id_text(run, id);
    snprintf(lease, sizeof lease, "%d", lease_seconds);
    const char *p[2] = {tenant, id};
    PGresult *r = NULL;
    *out = TEND_SHARD_NONE;
    tend_status rc = tend_db_exec(c, "runs", "BEGIN", 0, NULL, NULL, err);
    /* Rows another claimer is looking at are skipped; of the rest, the
     * first whose lock we get (its owner, if any, is gone) is ours. */
    if (rc == TEND_OK)
        rc = tend_db_exec(c, "runs: claiming a shard",
                          "SELECT shard, hash_lo, hash_hi, lock_key, attempts, lease_until < now(), status = 'running' "
                          "FROM shard_leases "
                          "WHERE tenant = $1 AND run_id = $2::bigint AND status <> 'done' "
                          "ORDER BY shard FOR UPDATE SKIP LOCKED",
                          2, p, &r, err);
    int rows = rc == TEND_OK ? PQntuples(r) : 0, got = 0;
    for (int i = 0; rc == TEND_OK && i < rows && !got; i++) {
        const char *k[1] = {PQgetvalue(r, i, 3)};
        PGresult *l;
        rc = tend_db_exec(c, "runs: locking a shard", "SELECT pg_try_advisory_lock(" TEND_SHARD_LOCK_CLASS ", $1::int)",
                          1, k, &l, err);
        if (rc != TEND_OK) break;
        got = PQgetvalue(l, 0, 0)[0] == 't';
        PQclear(l);
        if (!got && PQgetvalue(r, i, 5)[0] == 't') {
            /* Its lease ran out yet its session holds the lock: a host cut
             * off from the network whose session the server has not closed
             * yet, or a hung process. End that session; the lock is free
             * when it is gone (the next claim, or a worker after us). */
            PGresult *t = PQexecParams(c,
                                       "SELECT pg_terminate_backend(l.pid) FROM pg_locks l WHERE l.locktype = 'advisory'"
                                       " AND l.granted AND l.objsubid = 2 AND l.classid = " TEND_SHARD_LOCK_CLASS "::oid"
                                       " AND l.objid = ($1::int)::oid"
                                       " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
                                       1, NULL, k, NULL, NULL, 0);
            PQclear(t);
        }
        if (!got) continue;
        sh->shard = atoi(PQgetvalue(r, i, 0));
        sh->hash_lo = strtoll(PQgetvalue(r, i, 1), NULL, 10);
        sh->hash_hi = strtoll(PQgetvalue(r, i, 2), NULL, 10);
        snprintf(sh->lock_key, sizeof sh->lock_key, "%s", PQgetvalue(r, i, 3));
        sh->attempts = atoi(PQgetvalue(r, i, 4)) + 1;
        sh->taken_over = PQgetvalue(r, i, 6)[0] == 't';
    }
    if (r) PQclear(r);
    if (rc == TEND_OK && got) {
        char shard[16];
        snprintf(shard, sizeof shard, "%d", sh->shard);
        const char *q[5] = {tenant, id, shard, owner, lease};
        rc = tend_db_exec(c, "runs: claiming a shard",
                          "UPDATE shard_leases SET status = 'running', owner = $4, attempts = attempts + 1, "
                          "lease_until = now() + $5::int * interval '1 second', heartbeat_at = now(), "
                          "started_at = coalesce(started_at, now()) "
                          "WHERE tenant = $1 AND run_id = $2::bigint AND shard = $3::int",
                          5, q, NULL, err);
        *out = TEND_SHARD_CLAIMED;
        if (rc != TEND_OK) {
            const char *k[1] = {sh->lock_key};
            PQclear(PQexecParams(c, "SELECT pg_advisory_unlock(" TEND_SHARD_LOCK_CLASS ", $1::int)", 1, NULL, k, NULL,
                                 NULL, 0));
        }
        return in_tx(c, rc, err);
    }
    if (rc == TEND_OK && rows == 0) {
        /* Nothing we could lock: left to live workers, or nothing left
         * (rows locked by another claimer this instant count as left). */
        rc = tend_db_exec(c, "runs: claiming a shard",
                          "SELECT count(*) FROM shard_leases WHERE tenant = $1 AND run_id = $2::bigint "
                          "AND status <> 'done'",
                          2, p, &r, err);
        if (rc == TEND_OK) {
            if (!strcmp(PQgetvalue(r, 0, 0), "0")) *out = TEND_SHARD_ALL_DONE;
            PQclear(r);
        }
    }
    return in_tx(c, rc, err);
}

tend_status tend_shard_heartbeat(PGconn *c, const char *tenant, int64_t run, int shard, int lease_seconds,
                                 tend_error *err) {
    char id[32], s[16], lease[16];
    id_text(run, id);
    snprintf(s, sizeof s, "%d", shard);
    snprintf(lease, sizeof lease, "%d", lease_seconds);
    const char *p[4] = {tenant, id, s, lease};
    return tend_db_exec(c, "runs: heartbeat",
                        "UPDATE shard_leases SET lease_until = now() + $4::int * interval '1 second', "
                        "heartbeat_at = now() WHERE tenant = $1 AND run_id = $2::bigint AND shard = $3::int",
                        4, p, NULL, err);
}

static tend_status unlock(PGconn *c, const tend_shard *sh, tend_error *err) {
    const char *k[1] = {sh->lock_key};
    return tend_db_exec(c, "runs: unlocking a shard", "SELECT pg_advisory_unlock(" TEND_SHARD_LOCK_CLASS ", $1::int)", 1,
                        k, NULL, err);
}

tend_status tend_shard_done(PGconn *c, const char *tenant, int64_t run, const tend_shard *sh, long rejected,
                            tend_run_outcome *out, tend_error *err) {
    char id[32], s[16], rej[32];
    id_text(run, id);
    snprintf(s, sizeof s, "%d", sh->shard);
    snprintf(rej, sizeof rej, "%ld", rejected);
    const char *p[4] = {tenant, id, s, rej};
    PGresult *r = NULL;
    memset(out, 0, sizeof *out);
    tend_status rc = tend_db_exec(c, "runs", "BEGIN", 0, NULL, NULL, err);
    /* The run's row first: two workers finishing their last shards at once
     * take turns, so the second sees the first's shard done. */
    if (rc == TEND_OK)
        rc = tend_db_exec(c, "runs: finishing a shard",
                          "SELECT 1 FROM job_runs WHERE tenant = $1 AND id = $2::bigint FOR NO KEY UPDATE", 2, p, NULL, err);
    if (rc == TEND_OK)
        rc = tend_db_exec(c, "runs: finishing a shard",
                          "UPDATE shard_leases SET status = 'done', finished_at = now(), owner = NULL, "
                          "lease_until = NULL, failed = failed + $4::int, "
                          "accounts = (SELECT count(*) FROM evaluations e, accounts a WHERE e.tenant = $1 "
                          "  AND e.run_id = $2::bigint AND a.tenant = $1 AND a.id = e.account_id "
                          "  AND hashtext(a.id) >= hash_lo AND hashtext(a.id) < hash_hi) "
                          "WHERE tenant = $1 AND run_id = $2::bigint AND shard = $3::int",
                          4, p, NULL, err);
    if (rc == TEND_OK)
        rc = tend_db_exec(c, "runs: finishing the run",
                          "WITH left_ AS (SELECT count(*) n FROM shard_leases WHERE tenant = $1 AND run_id = $2::bigint "
                          "               AND status <> 'done'), "
                          "     ev AS (SELECT count(*) n, count(*) FILTER (WHERE failed) f FROM evaluations "
                          "             WHERE tenant = $1 AND run_id = $2::bigint), "
                          "     rej AS (SELECT coalesce(sum(failed), 0) n FROM shard_leases "
                          "             WHERE tenant = $1 AND run_id = $2::bigint) "
                          "UPDATE job_runs SET status = CASE WHEN ev.f + rej.n > 0 THEN 'partial' ELSE 'succeeded' END, "
                          "       finished_at = now(), accounts = ev.n, failed = ev.f + rej.n "
                          "  FROM left_, ev, rej WHERE tenant = $1 AND id = $2::bigint AND left_.n = 0 "
                          "RETURNING status, accounts, failed",
                          2, p, &r, err);
    if (rc == TEND_OK) {
        if (PQntuples(r) == 1) {
            out->run_finished = 1;
            snprintf(out->status, sizeof out->status, "%s", PQgetvalue(r, 0, 0));
            out->accounts = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
            out->failed = strtoll(PQgetvalue(r, 0, 2), NULL, 10);
        }
        PQclear(r);
    }
    rc = in_tx(c, rc, err);
    /* The lock goes last: until the shard is marked done nobody may take it. */
    tend_error uerr;
    tend_status urc = unlock(c, sh, &uerr);
    if (rc == TEND_OK && urc != TEND_OK) {
        *err = uerr;
        rc = urc;
    }
    return rc;
}

tend_status tend_shard_release(PGconn *c, const char *tenant, int64_t run, const tend_shard *sh, tend_error *err) {
    char id[32], s[16];
    id_text(run, id);
    snprintf(s, sizeof s, "%d", sh->shard);
    const char *p[3] = {tenant, id, s};
    tend_status rc = tend_db_exec(c, "runs: releasing a shard",
                                  "UPDATE shard_leases SET status = 'pending', owner = NULL, lease_until = NULL "
                                  "WHERE tenant = $1 AND run_id = $2::bigint AND shard = $3::int AND status <> 'done'",
                                  3, p, NULL, err);
    tend_error uerr;
    tend_status urc = unlock(c, sh, &uerr);
    if (rc == TEND_OK && urc != TEND_OK) {
        *err = uerr;
        rc = urc;
    }
    return rc;
}

tend_status tend_runs_stop(PGconn *c, const char *tenant, int64_t run, const char *status, int *marked,
                           tend_error *err) {
    char id[32];
    id_text(run, id);
    const char *p[3] = {tenant, id, status};
    PGresult *r;
    *marked = 0;
    tend_status rc = tend_db_exec(c, "runs: stopping the run",
                                  "UPDATE job_runs r SET status = $3, finished_at = now(), "
                                  "accounts = (SELECT count(*) FROM evaluations e WHERE e.tenant = $1 "
                                  "            AND e.run_id = $2::bigint) "
                                  "WHERE tenant = $1 AND id = $2::bigint AND status = 'running' AND NOT EXISTS "
                                  "(SELECT 1 FROM shard_leases s WHERE s.tenant = $1 AND s.run_id = $2::bigint "
                                  " AND " TEND_SHARD_LIVE("s") ")",
                                  3, p, &r, err);
    if (rc != TEND_OK) return rc;
    *marked = strtol(PQcmdTuples(r), NULL, 10) > 0;
    PQclear(r);
    return TEND_OK;
}

tend_status tend_runs_schema_ready(PGconn *c, tend_error *err) {
    tend_schema s = {0};
    tend_status rc = tend_schema_read(c, &s, err);
    if (rc == TEND_OK && s.conflict[0]) rc = tend_fail(err, TEND_EPLAYBOOK, "the database schema: %s", s.conflict);
    else if (rc == TEND_OK && s.npending)
        rc = tend_fail(err, TEND_EPLAYBOOK,
                       "the database schema is older than this tend (%zu migration%s pending): run 'tend db migrate'",
                       s.npending, s.npending == 1 ? "" : "s");
    tend_schema_free(&s);
    return rc;
}

void tend_runs_text_array(const PGresult *r, int col, tend_buf *out) {
    tend_buf_addc(out, '{');
    for (int i = 0; i < PQntuples(r); i++) {
        if (i) tend_buf_addc(out, ',');
        tend_buf_addc(out, '"');
        for (const char *c = PQgetvalue(r, i, col); *c; c++) {
            if (*c == '"' || *c == '\\') tend_buf_addc(out, '\\');
            tend_buf_addc(out, *c);
        }
        tend_buf_addc(out, '"');
    }
    tend_buf_addc(out, '}');
}
