/* The nightly run: the occurrence claim, and the account stream and result
 * writer (nightly_stream.c, nightly_writer.c) around the evaluation. */
#include "sched/nightly.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/isotime.h"
#include "store/db.h"
#include "sched/nightly_parts.h"

/* ---- the occurrence ----------------------------------------------------------- */

/* Claims (tenant, "nightly", occurrence) in job_runs: a new run, or the one
 * that failed or died before, or (with force) the one that succeeded. */
static tend_status claim(PGconn *c, const tend_nightly_opts *o, const char *digest, tend_nightly_stats *st,
                         int *fresh, tend_error *err) {
    const char *p[3] = {o->tenant, st->occurrence, digest};
    PGresult *r;
    tend_status rc = tend_db_exec(c, "nightly", "INSERT INTO tenants (id, name) VALUES ($1, $1) ON CONFLICT DO NOTHING",
                                  1, p, NULL, err);
    if (rc != TEND_OK) return rc;
    rc = tend_db_exec(c, "nightly",
              "INSERT INTO job_runs (tenant, schedule, job, occurrence, playbook) "
              "VALUES ($1, 'nightly', 'nightly', $2::date, $3) "
              "ON CONFLICT (tenant, schedule, occurrence) DO NOTHING RETURNING id",
              3, p, &r, err);
    if (rc != TEND_OK) return rc;
    *fresh = PQntuples(r) == 1;
    if (*fresh) {
        st->run_id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        PQclear(r);
        return TEND_OK;
    }
    PQclear(r);
    rc = tend_db_exec(c, "nightly",
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
    return tend_db_exec(c, "nightly",
                "UPDATE job_runs SET status = 'running', started_at = now(), finished_at = NULL, playbook = $2 "
                "WHERE tenant = $3 AND id = $1::bigint",
                3, q, NULL, err);
}

/* ---- the run ----------------------------------------------------------------------- */

static tend_status finish_run(PGconn *c, const tend_nightly_opts *o, const tend_nightly_stats *st, int ok,
                              tend_error *err) {
    char run[32], accounts[32], failed[32];
    snprintf(run, sizeof run, "%" PRId64, st->run_id);
    snprintf(accounts, sizeof accounts, "%zu", st->accounts);
    snprintf(failed, sizeof failed, "%zu", st->failed + st->rejected);
    const char *p[5] = {o->tenant, run, ok ? "succeeded" : "failed", accounts, failed};
    return tend_db_exec(c, "nightly",
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
    nightly_writer w = {.c = writec, .o = o, .st = st};
    snprintf(w.digest, sizeof w.digest, "%s", tend_playbook_digest(probe));
    tend_playbook_close(probe);
    if ((rc = claim(writec, o, w.digest, st, &w.fresh_run, err)) != TEND_OK || st->skipped) return rc;
    snprintf(w.run_id, sizeof w.run_id, "%" PRId64, st->run_id);
    tend_time_format(o->now, w.now);

    nightly_stream s;
    nightly_stream_init(&s, streamc, o);
    snprintf(s.run_id, sizeof s.run_id, "%s", w.run_id);
    /* Events: all of them unless limited (J3 evidence of a go-live years
     * ago still decides the stage); metrics: daily rows, a year by default. */
    int64_t ev_from = o->history_days > 0 ? o->now - (int64_t)o->history_days * 86400 : INT64_C(-62135596800);
    int metric_days = o->history_days > 0 ? o->history_days : 400;
    tend_time_format(ev_from, s.from);
    tend_date_format(o->now - (int64_t)metric_days * 86400, s.from_day);
    tend_account_source src = nightly_stream_source(&s);
    tend_run_opts ro = {
        .playbook_dir = o->playbook_dir,
        .playbook = o->playbook,
        .source = &src,
        .now = o->now,
        .jobs = o->jobs,
        .emit = nightly_writer_line,
        .emit_ud = &w,
    };
    tend_run_stats rs;
    nightly_writer_start(&w);
    rc = tend_run_eval(&ro, &rs, problems, err);
    tend_error werr;
    tend_status wrc = nightly_writer_finish(&w, &werr);
    if (rc == TEND_OK && wrc != TEND_OK) {
        *err = werr;
        rc = wrc;
    }
    nightly_stream_destroy(&s);
    st->accounts = rs.accounts;
    st->evaluated = rs.evaluated;
    st->failed = rs.failed + rs.population_failed;
    st->rejected = rs.rejected;
    tend_error ferr;
    tend_status frc = finish_run(writec, o, st, rc == TEND_OK, &ferr);
    if (rc == TEND_OK && frc != TEND_OK) {
        *err = ferr;
        rc = frc;
    }
    return rc;
}
