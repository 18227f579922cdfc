/* What `tend status` reads: a job's latest run, that run's evaluations and
 * the intents it created, and the accounts at risk by their latest result. */
#ifndef TEND_STORE_RUN_REPORT_H
#define TEND_STORE_RUN_REPORT_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stddef.h>

#include "base/status.h"

typedef struct {
    long long id;
    char schedule[128], job[128];
    char occurrence[32], started_at[32], finished_at[32]; /* ISO-8601 UTC; finished_at empty while running */
    char status[16];                                      /* running, succeeded, failed */
    char playbook[160];                                   /* digest; empty if not recorded */
    double seconds;                                       /* finished - started, or now - started */
    long long accounts, failed; /* while not finished: the evaluations stored so far */
    int live;                   /* running and a live worker holds one of its shards */
    int shards, shards_left;
} tend_run_info;

/* The latest run (by started_at) whose job or schedule is `job`, backfills
 * left out; *found is 0 when there is none. */
tend_status tend_run_latest(PGconn *c, const char *tenant, const char *job, tend_run_info *run, int *found,
                            tend_error *err);

/* The last run of `job` that finished (succeeded or partial, not a
 * backfill): its occurrence and finish time (ISO-8601) and how many hours
 * ago it finished; *found 0 when none did. */
tend_status tend_run_last_finished(PGconn *c, const char *tenant, const char *job, char occurrence[32],
                                   char finished_at[32], double *hours_ago, int *found, tend_error *err);

/* Calls each(ud, text, len) with every result object of the run, ordered by
 * account id, one row at a time (a run of any size fits in memory). */
tend_status tend_run_each_result(PGconn *c, const char *tenant, long long run,
                                 void (*each)(void *ud, const char *text, size_t len), void *ud, tend_error *err);

/* The intents the run created: outbox rows with its run_id and tasks with
 * its created_run_id, counted as [{"kind", "status", "count"}] by kind
 * ("task" for tasks), then status. */
tend_status tend_run_intents(PGconn *c, const char *tenant, long long run, json_t **out, tend_error *err);

/* The accounts whose latest result has `flag` or a health band `band`:
 * [{"account_id", "run_id", "result"}], lowest health score first, then by
 * account id. */
tend_status tend_run_at_risk(PGconn *c, const char *tenant, const char *flag, const char *band, json_t **out,
                             tend_error *err);

#endif
