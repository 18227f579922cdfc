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
#include <stdint.h>

#include "base/status.h"
#include "eval/playbook.h"

typedef struct {
    const char *tenant;
    const char *playbook_dir;
    tend_playbook_opts playbook;
    int64_t now;
    int jobs;
    int force;           /* run an occurrence that already succeeded again */
    int history_days;    /* events and metrics this far back (0: all events, a year of metrics) */
    int slice;           /* accounts loaded (with their history) at a time */
    int batch;           /* results written per transaction */
    /* Called on the calling thread with each result line, in order. */
    void (*on_result)(void *ud, const char *line, size_t len);
    void *on_result_ud;
} tend_nightly_opts;

typedef struct {
    int64_t run_id;
    int skipped; /* the occurrence already ran (and --force was not given) */
    char occurrence[11];
    size_t accounts, evaluated, failed, rejected;
    long long tasks, outbox, stage_changes;
} tend_nightly_stats;

/* stream: a connection only for reading accounts; write: for everything
 * else. Problems with the playbook land in problems (TEND_EPLAYBOOK). */
tend_status tend_nightly_run(PGconn *stream, PGconn *write, const tend_nightly_opts *o, tend_nightly_stats *st,
                             tend_buf *problems, tend_error *err);

#endif
