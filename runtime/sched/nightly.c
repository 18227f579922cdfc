/* The nightly run: the occurrence claim, its shards taken one at a time
 * under a lease (store/runs.c) with a heartbeat thread, and for each shard
 * the account stream and result writer (nightly_stream.c,
 * nightly_writer.c) around the evaluation. */
#include "sched/nightly.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/isotime.h"
#include "sched/nightly_parts.h"
#include "store/db.h"
#include "store/read.h"
#include "store/runs.h"

/* ---- the lease connection and its heartbeat ----------------------------------- */

typedef struct {
    PGconn *c;
    const tend_nightly_opts *o;
    int64_t run;
    pthread_t thread;
    pthread_mutex_t mu; /* the connection: claims, heartbeats, releases take turns */
    pthread_cond_t changed;
    int shard; /* the shard being worked on, -1: none */
    int closing;
    int lease;
} lease_keeper;

static void *heartbeat_main(void *ud) {
    lease_keeper *k = ud;
    pthread_mutex_lock(&k->mu);
    while (!k->closing) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += k->lease / 3 > 0 ? k->lease / 3 : 1;
        pthread_cond_timedwait(&k->changed, &k->mu, &until);
        if (k->closing || k->shard < 0) continue;
        tend_error e;
        /* A failed heartbeat is not fatal here: the writer on the same
         * server finds out soon enough; the lease then runs out. */
        (void)tend_shard_heartbeat(k->c, k->o->tenant, k->run, k->shard, k->lease, &e);
    }
    pthread_mutex_unlock(&k->mu);
    return NULL;
}

/* ---- one shard ------------------------------------------------------------------ */

/* Evaluates what is left of the shard; *cut when the stop flag ended it. */
static tend_status run_shard(PGconn *streamc, PGconn *writec, const tend_nightly_opts *o, const tend_shard *sh,
                             const char *digest, tend_nightly_stats *st, int *cut, tend_buf *problems,
                             tend_error *err) {
    nightly_writer w = {.c = writec, .o = o, .st = st, .backfill = st->backfill};
    snprintf(w.digest, sizeof w.digest, "%s", digest);
    snprintf(w.run_id, sizeof w.run_id, "%" PRId64, st->run_id);
    tend_time_format(o->now, w.now);

    nightly_stream s;
    nightly_stream_init(&s, streamc, o);
    snprintf(s.run_id, sizeof s.run_id, "%s", w.run_id);
    snprintf(s.hash_lo, sizeof s.hash_lo, "%" PRId64, sh->hash_lo);
    snprintf(s.hash_hi, sizeof s.hash_hi, "%" PRId64, sh->hash_hi);
    /* Events: all of them unless limited (J3 evidence of a go-live years
     * ago still decides the stage); metrics: daily rows, a year by default;
     * nothing after the evaluation time. */
    int64_t ev_from = o->history_days > 0 ? o->now - (int64_t)o->history_days * 86400 : INT64_C(-62135596800);
    int metric_days = o->history_days > 0 ? o->history_days : 400;
    tend_time_format(ev_from, s.from);
    tend_date_format(o->now - (int64_t)metric_days * 86400, s.from_day);
    snprintf(s.until, sizeof s.until, "%s", w.now);
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
    tend_status rc = tend_run_eval(&ro, &rs, problems, err);
    tend_error werr;
    tend_status wrc = nightly_writer_finish(&w, &werr);
    if (rc == TEND_OK && wrc != TEND_OK) {
        *err = werr;
        rc = wrc;
    }
    *cut = s.cut;
    nightly_stream_destroy(&s);
    st->accounts += rs.accounts;
    st->evaluated += rs.evaluated;
    st->failed += rs.failed + rs.population_failed;
    st->rejected += rs.rejected;
    return rc;
}

/* ---- the run ----------------------------------------------------------------------- */

static int stopping(const tend_nightly_opts *o) { return o->stop && *o->stop; }

static void pause_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Shards one after another until none is left for this worker. */
static tend_status work(PGconn *streamc, PGconn *writec, lease_keeper *k, const tend_nightly_opts *o,
                        const char *digest, tend_nightly_stats *st, tend_buf *problems, tend_error *err) {
    tend_status rc = TEND_OK;
    int tries = 0;
    while (rc == TEND_OK && !stopping(o)) {
        tend_shard sh;
        tend_shard_claim got;
        pthread_mutex_lock(&k->mu);
        rc = tend_shard_claim_next(k->c, o->tenant, st->run_id, o->owner, k->lease, &got, &sh, err);
        if (rc == TEND_OK && got == TEND_SHARD_CLAIMED) {
            k->shard = sh.shard;
            st->takeovers += sh.taken_over;
        }
        pthread_mutex_unlock(&k->mu);
        if (rc != TEND_OK || got == TEND_SHARD_ALL_DONE) break;
        if (got == TEND_SHARD_NONE) {
            /* Left to live workers, or rows another claimer held for an
             * instant: look twice more before saying so. */
            if (++tries > 2) {
                if (st->shards_done == 0) st->busy = 1;
                break;
            }
            pause_ms(200);
            continue;
        }
        tries = 0;
        int cut = 0;
        size_t rejected = st->rejected;
        rc = run_shard(streamc, writec, o, &sh, digest, st, &cut, problems, err);
        pthread_mutex_lock(&k->mu);
        k->shard = -1;
        tend_error e2;
        tend_status rc2;
        if (rc == TEND_OK && !cut) {
            tend_run_outcome out;
            rc2 = tend_shard_done(k->c, o->tenant, st->run_id, &sh, (long)(st->rejected - rejected), &out, &e2);
            if (rc2 == TEND_OK) {
                st->shards_done++;
                if (out.run_finished) {
                    st->finished = 1;
                    snprintf(st->run_status, sizeof st->run_status, "%s", out.status);
                    st->run_accounts = out.accounts;
                    st->run_failed = out.failed;
                }
            }
        } else {
            rc2 = tend_shard_release(k->c, o->tenant, st->run_id, &sh, &e2);
            if (rc == TEND_OK && cut) st->interrupted = 1;
        }
        pthread_mutex_unlock(&k->mu);
        if (rc == TEND_OK && rc2 != TEND_OK) {
            *err = e2;
            rc = rc2;
        }
    }
    if (rc == TEND_OK && stopping(o)) st->interrupted = 1;
    return rc;
}

tend_status tend_nightly_run(PGconn *streamc, PGconn *writec, PGconn *leasec, const tend_nightly_opts *o,
                             tend_nightly_stats *st, tend_buf *problems, tend_error *err) {
    memset(st, 0, sizeof *st);
    tend_date_format(o->now, st->occurrence);
    PQclear(PQexec(streamc, "SET TimeZone = 'UTC'"));
    PQclear(PQexec(writec, "SET TimeZone = 'UTC'"));
    PQclear(PQexec(leasec, "SET TimeZone = 'UTC'"));
    int exists = 0;
    tend_status rc = tend_read_tenant_exists(leasec, o->tenant, &exists, err);
    if (rc != TEND_OK) return rc;
    if (!exists)
        return tend_fail(err, TEND_EPLAYBOOK, "no tenant '%s' in the database (tend ingest accounts --tenant %s adds it)",
                         o->tenant, o->tenant);
    /* Open the playbook first: a broken one must not claim the occurrence
     * (unless the caller validated it already and knows its digest). */
    char digest[80];
    int population = 0;
    if (o->digest) {
        snprintf(digest, sizeof digest, "%s", o->digest);
    } else {
        tend_playbook *probe;
        rc = tend_playbook_open(o->playbook_dir, &o->playbook, &probe, problems, err);
        if (rc != TEND_OK) return rc;
        snprintf(digest, sizeof digest, "%s", tend_playbook_digest(probe));
        /* Facts about the whole account set need every account in one pass. */
        population = tend_playbook_has_population(probe);
        tend_playbook_close(probe);
    }

    tend_run_want want = {
        .tenant = o->tenant,
        .schedule = o->schedule ? o->schedule : "nightly",
        .job = o->job ? o->job : "nightly",
        .occurrence = o->occurrence ? o->occurrence : st->occurrence, /* the date: midnight UTC */
        .live = o->live,
        .digest = digest,
        .force = o->force,
        .shards = population ? 1 : o->shards,
    };
    tend_run_claim claim;
    tend_run_row run;
    rc = tend_runs_claim(leasec, &want, &claim, &run, err);
    if (rc != TEND_OK) return rc;
    st->run_id = run.id;
    st->backfill = run.backfill;
    snprintf(st->prior_status, sizeof st->prior_status, "%s", run.status);
    if (claim == TEND_RUN_DONE) {
        st->skipped = 1;
        return TEND_OK;
    }
    if (claim == TEND_RUN_BUSY) {
        st->busy = 1;
        snprintf(st->owners, sizeof st->owners, "%s", run.owners);
        return TEND_OK;
    }

    lease_keeper k = {.c = leasec, .o = o, .run = run.id, .shard = -1,
                      .lease = o->lease_seconds > 0 ? o->lease_seconds : 60};
    pthread_mutex_init(&k.mu, NULL);
    pthread_cond_init(&k.changed, NULL);
    int beating = pthread_create(&k.thread, NULL, heartbeat_main, &k) == 0;
    rc = work(streamc, writec, &k, o, digest, st, problems, err);
    if (beating) {
        pthread_mutex_lock(&k.mu);
        k.closing = 1;
        pthread_cond_broadcast(&k.changed);
        pthread_mutex_unlock(&k.mu);
        pthread_join(k.thread, NULL);
    }
    pthread_mutex_destroy(&k.mu);
    pthread_cond_destroy(&k.changed);

    /* A stop or a failure (not of the database) says so in the run, unless
     * other workers still carry it on. */
    if (!st->finished && (st->interrupted || (rc != TEND_OK && rc != TEND_EDB))) {
        tend_error e2;
        int marked;
        (void)tend_runs_stop(leasec, o->tenant, run.id, rc == TEND_OK ? "interrupted" : "failed", &marked, &e2);
    }
    if (st->busy) {
        tend_error e2;
        PGresult *r = NULL;
        char id[32];
        snprintf(id, sizeof id, "%" PRId64, run.id);
        const char *p[2] = {o->tenant, id};
        if (tend_db_exec(leasec, "nightly", "SELECT coalesce(string_agg(DISTINCT owner, ', '), '') FROM shard_leases "
                                            "WHERE tenant = $1 AND run_id = $2::bigint AND status = 'running'",
                         2, p, &r, &e2) == TEND_OK) {
            snprintf(st->owners, sizeof st->owners, "%s", PQgetvalue(r, 0, 0));
            PQclear(r);
        }
    }
    return rc;
}
