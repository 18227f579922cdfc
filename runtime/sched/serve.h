/* `tend serve`: one long-running process per machine, any number of them
 * on one PostgreSQL, no coordinator of its own. For every tenant it serves:
 *
 *   - schedules: the playbook's `schedule` declarations; a due occurrence
 *     is run as a shared nightly occurrence (sched/nightly.h), so however
 *     many processes see it due, it runs once (one job_runs row, each
 *     account evaluated once across them); after downtime the latest
 *     missed occurrence runs once;
 *   - events: accounts woken by new events (migration 011's trigger, so
 *     tend ingest and plain SQL INSERTs alike) are claimed FOR UPDATE SKIP
 *     LOCKED, re-evaluated as of now and their results written as a
 *     nightly run writes them (same ledger, same dedupe keys); woken by
 *     LISTEN tend_events, with polling as the fallback;
 *   - delivery: tend deliver's loop over the tenant's outbox.
 *
 * The playbook is evaluated from a private copy of its folder, made when
 * it was validated: editing the files changes nothing until SIGHUP, which
 * validates the new files and keeps the old ones if they fail. */
#ifndef TEND_SCHED_SERVE_H
#define TEND_SCHED_SERVE_H

#include <signal.h>
#include <stdio.h>

#include "base/log.h"
#include "base/metrics.h"
#include "base/status.h"
#include "eval/playbook.h"
#include "store/db.h"

typedef struct {
    const char *name;       /* the tenant */
    const char *playbook;   /* its playbook folder */
    const char *connectors; /* its connector settings file, or NULL (the playbook's) */
} tend_serve_tenant;

typedef struct {
    const tend_serve_tenant *tenants;
    size_t ntenants;
    int schedules, events, deliver; /* the roles this process takes */
    tend_playbook_opts playbook;
    const char *owner;     /* "host:pid" */
    const char *data_dir;  /* $TEND_HOME: playbook copies, the file connector */
    double poll_seconds;   /* the events fallback when no NOTIFY comes (default 1) */
    int jobs;              /* Lua states for scheduled runs (default 1) */
    FILE *log;             /* one line per thing done (stderr), when logger is NULL */
    tend_log *logger;      /* structured lines (base/log.h) instead of log */
    /* Where runs, accounts, rule fires, event-to-outbox latency and
     * deliveries are counted (endpoint/instrument.h). May be NULL. */
    const tend_ops_metrics *ops;
    /* 1: stop claiming, finish or give back, return. Set by a handler. */
    const volatile sig_atomic_t *stop;
    /* Set by SIGHUP: reload the playbooks (cleared when done). */
    volatile sig_atomic_t *reload;
    /* Where an HTTP endpoint (or anything else living as long as serve)
     * starts and stops: called once each on the main thread, start before
     * the first claim, stop after the last. May be NULL. */
    tend_status (*on_start)(void *ud, tend_error *err);
    void (*on_stop)(void *ud);
    void *ud;
} tend_serve_opts;

/* Runs until *o->stop; TEND_OK after a clean stop. A playbook that does
 * not load at start is TEND_EPLAYBOOK (problems in the log). */
tend_status tend_serve_run(const tend_db_target *db, const tend_serve_opts *o, tend_error *err);

#endif
