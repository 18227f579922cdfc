/* What `tend explain ACCOUNT` reads: the account's latest evaluation (or
 * the one of a given run), the one before it, and where each intent of the
 * latest stands in the outbox or the tasks (matched by dedupe key). */
#ifndef TEND_STORE_EXPLAIN_H
#define TEND_STORE_EXPLAIN_H

#include <jansson.h>
#include <libpq-fe.h>

#include "base/status.h"

typedef struct {
    long long run_id;
    char evaluated_at[32]; /* ISO-8601 UTC */
    int failed;
    char schedule[128];    /* the run's schedule ("nightly"); empty if unknown */
    char occurrence[32];   /* the run's occurrence, ISO-8601 UTC */
    json_t *result;        /* the result object in `tend eval` order; NULL: none */
} tend_stored_eval;

typedef enum {
    TEND_EXPLAIN_FOUND,
    TEND_EXPLAIN_NO_TENANT,     /* no such tenant */
    TEND_EXPLAIN_NO_ACCOUNT,    /* neither an account nor an evaluation by that id */
    TEND_EXPLAIN_NOT_EVALUATED, /* the account exists, no evaluation yet */
    TEND_EXPLAIN_NO_RUN,        /* the run asked for does not exist */
    TEND_EXPLAIN_NOT_IN_RUN,    /* the run exists and did not evaluate the account */
} tend_explain_found;

typedef struct {
    tend_explain_found found;
    tend_stored_eval current, previous; /* previous.result NULL: the first evaluation */
    /* One object per intent of current, in order: key, kind, rule, then
     * queue ("outbox", "tasks" or null) and that row's id, run_id, status
     * and times (outbox: attempts, max_attempts, next_attempt_at, sent_at,
     * last_error, connector, and the send policy's held_until,
     * policy_reason and quiet: waiting for the end of quiet hours; tasks:
     * owner, due_at, closed_at). */
    json_t *delivery;
} tend_explain;

/* run: 0 for the latest evaluation. TEND_OK with x->found saying what was
 * there; a failing statement is TEND_EDB (or TEND_EPLAYBOOK for a schema
 * that lacks the tables). Free x with tend_explain_free either way. */
tend_status tend_explain_load(PGconn *c, const char *tenant, const char *account, long long run, tend_explain *x,
                              tend_error *err);
void tend_explain_free(tend_explain *x);

#endif
