/* A run's life in job_runs and shard_leases (migrations 002 and 010): the
 * occurrence claimed once, its accounts split into shards by hashtext(id)
 * ranges, each shard owned by one worker at a time through a session-level
 * advisory lock on the worker's lease connection (so a worker that dies
 * loses it at once, and the next one takes the shard over unattended), a
 * heartbeat on the lease, and the run finished by whoever completes its
 * last shard. Every function runs on the connection it is given; the lease
 * functions must all use the same (lease) connection, which holds the
 * locks. */
#ifndef TEND_STORE_RUNS_H
#define TEND_STORE_RUNS_H

#include <libpq-fe.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/status.h"

/* pg_try_advisory_lock(TEND_SHARD_LOCK_CLASS, lock_key): "tens". */
#define TEND_SHARD_LOCK_CLASS "1952804467"

/* SQL: shard_leases row `s` is held by a live worker (its lock is taken). */
#define TEND_SHARD_LIVE(s)                                                                                \
    "EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2"     \
    " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"                  \
    " AND l.classid = " TEND_SHARD_LOCK_CLASS "::oid AND l.objid = (" s ".lock_key)::oid)"

typedef enum {
    TEND_RUN_WORK,    /* the occurrence has shards left: claim them */
    TEND_RUN_DONE,    /* it already finished (succeeded or partial) */
    TEND_RUN_BUSY,    /* --force while workers of the run are alive */
} tend_run_claim;

typedef struct {
    const char *tenant, *schedule, *job;
    const char *occurrence; /* ISO-8601 time of the occurrence */
    const char *digest;     /* the playbook's */
    int force;              /* run a finished occurrence again (refused while owned) */
    int shards;             /* for a new run (or a forced one): how many; 0: by account count */
    int live;               /* evaluations of the present (tend serve's events): never a backfill */
} tend_run_want;

typedef struct {
    int64_t id;
    int fresh;    /* this call created the run */
    int backfill; /* older than today or than a stored run: queues nothing */
    int shards;
    char status[16]; /* before the claim */
    char owners[256]; /* for BUSY: who holds its shards */
} tend_run_row;

/* Finds or creates the (tenant, schedule, occurrence) run and says what to
 * do with it. A run that failed, was interrupted, or whose workers died
 * while it was "running" is resumed (status back to running). With force,
 * a finished run's evaluations are removed and its shards reset, unless a
 * live worker still holds one (BUSY). */
tend_status tend_runs_claim(PGconn *c, const tend_run_want *w, tend_run_claim *out, tend_run_row *run,
                            tend_error *err);

typedef struct {
    int shard;
    int64_t hash_lo, hash_hi; /* hashtext(id) in [lo, hi) */
    char lock_key[16];
    int attempts;
    int taken_over; /* it was running under a worker that is gone (a lease takeover) */
} tend_shard;

typedef enum {
    TEND_SHARD_CLAIMED, /* *sh is ours: its lock is held on c */
    TEND_SHARD_NONE,    /* every shard not done is owned by a live worker */
    TEND_SHARD_ALL_DONE /* nothing left */
} tend_shard_claim;

/* Claims the first shard not done whose owner is gone (its lock free),
 * FOR UPDATE SKIP LOCKED, and takes its lock; owner names this worker
 * ("host:pid"); lease_seconds is how long the lease lasts without a
 * heartbeat. */
tend_status tend_shard_claim_next(PGconn *c, const char *tenant, int64_t run, const char *owner, int lease_seconds,
                                  tend_shard_claim *out, tend_shard *sh, tend_error *err);

/* Renews the lease (lease_until, heartbeat_at) of a shard this worker owns. */
tend_status tend_shard_heartbeat(PGconn *c, const char *tenant, int64_t run, int shard, int lease_seconds,
                                 tend_error *err);

typedef struct {
    int run_finished; /* this worker completed the run's last shard */
    char status[16];  /* then: succeeded or partial */
    long long accounts, failed;
} tend_run_outcome;

/* Marks the shard done (rejected: records that never became accounts),
 * releases its lock, and when no shard is left finishes the run: status
 * succeeded, or partial when some evaluation failed; accounts and failed
 * counted from the stored evaluations. */
tend_status tend_shard_done(PGconn *c, const char *tenant, int64_t run, const tend_shard *sh, long rejected,
                            tend_run_outcome *out, tend_error *err);

/* Gives the shard back unfinished (pending, no owner) and releases its
 * lock: what it committed stays, the next worker does the rest. */
tend_status tend_shard_release(PGconn *c, const char *tenant, int64_t run, const tend_shard *sh, tend_error *err);

/* Marks the run `status` (interrupted, failed) unless a live worker still
 * holds one of its shards; *marked says whether it did. */
tend_status tend_runs_stop(PGconn *c, const char *tenant, int64_t run, const char *status, int *marked,
                           tend_error *err);

/* Appends column col of every row of r to out as a text[] literal
 * ({"a","b\\"c"}), for `= ANY ($n::text[])`. */
void tend_runs_text_array(const PGresult *r, int col, tend_buf *out);

/* TEND_EPLAYBOOK (exit 3, configuration) when the database's schema is
 * not this tend's: migrations pending ("run 'tend db migrate'") or an
 * applied one that differs. */
tend_status tend_runs_schema_ready(PGconn *c, tend_error *err);

#endif
