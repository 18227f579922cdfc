/* The nightly health evaluation against PostgreSQL (DESIGN "Persistence"):
 * claim the occurrence, stream accounts a slice at a time with the history
 * window the playbook needs, evaluate them in N Lua states, and write each
 * batch of results in one transaction — evaluations, account state, stage
 * history, tasks, outbox rows and the frequency-cap ledger — all derived in
 * SQL from the stored result object, so what is stored is exactly what
 * `tend eval` prints. Idempotent per occurrence. */
#ifndef TEND_STORE_NIGHTLY_H
#define TEND_STORE_NIGHTLY_H

#include <libpq-fe.h>
#include <signal.h>
#include <stdint.h>

#include "base/status.h"
#include "eval/playbook.h"

typedef struct {
    const char *tenant;
    const char *playbook_dir;
    tend_playbook_opts playbook;
    int64_t now;
    int jobs;
    const char *schedule; /* the occurrence's schedule (default "nightly") */
    const char *job;      /* what it runs (default "nightly") */
    const char *occurrence; /* ISO time naming the occurrence (default: the UTC date of now) */
    const char *accounts; /* only these accounts, a text[] literal (tend serve's woken accounts) */
    int live;             /* evaluations of the present: never treated as a backfill */
    const char *digest;   /* the playbook already validated (tend serve): not opened twice */
    int force;           /* run an occurrence that already finished again (refused while owned) */
    int shards;          /* for a new run: how many shards (0: about 2,000 accounts each) */
    const char *owner;   /* this worker in shard_leases ("host:pid") */
    int lease_seconds;   /* a shard's lease without a heartbeat (default 60) */
    /* Set (by a signal handler) to stop: no new account or shard starts,
     * what was handed out is finished and written, the shard is given back
     * and the run marked interrupted. */
    const volatile sig_atomic_t *stop;
    int history_days;    /* events and metrics this far back (0: all events, a year of metrics) */
    int slice;           /* accounts loaded (with their history) at a time */
    int batch;           /* results written per transaction */
    /* Called on the calling thread with each result line, in order. */
    void (*on_result)(void *ud, const char *line, size_t len);
    void *on_result_ud;
} tend_nightly_opts;

typedef struct {
    int64_t run_id;
    int skipped;     /* the occurrence already ran (and --force was not given) */
    int busy;        /* live workers own what is left of it (or --force while they do) */
    int interrupted; /* stopped by o->stop; the run is marked interrupted unless others go on */
    int backfill;    /* an occurrence older than one already run: evaluations only */
    int finished;    /* this worker finished the run: run_status, run_accounts, run_failed */
    char occurrence[11];
    char prior_status[16]; /* the run's status before this worker came */
    char run_status[16];
    char owners[256];      /* busy: the workers that own it */
    int shards_done;       /* by this worker */
    int takeovers;         /* shards this worker took over from a worker that was gone */
    long long run_accounts, run_failed;
    size_t accounts, evaluated, failed, rejected; /* this worker's */
    long long tasks, outbox, stage_changes;
} tend_nightly_stats;

/* stream: a connection only for reading accounts; write: for the results;
 * lease: for the occurrence, its shards and their locks (held by this
 * session while a shard is worked on). Problems with the playbook land in
 * problems (TEND_EPLAYBOOK); so does a tenant that does not exist. */
tend_status tend_nightly_run(PGconn *stream, PGconn *write, PGconn *lease, const tend_nightly_opts *o,
                             tend_nightly_stats *st, tend_buf *problems, tend_error *err);

#endif
