/* The outbox in SQL: claiming due rows under a lease, recording attempts,
 * and what `tend outbox` reads and changes (see 004_actions.sql and
 * 005_delivery.sql for the columns).
 *
 * Claiming takes due rows with FOR UPDATE SKIP LOCKED (served by the
 * partial index outbox_due) and, in the same statement, leases them
 * (lease_owner, lease_until = next_attempt_at = now() + lease), counts the
 * attempt and inserts its deliveries row. A worker that dies leaves its
 * rows to come due again when the lease runs out. Results are recorded
 * fenced by (attempts, lease_owner), so a worker whose lease expired cannot
 * overwrite a newer attempt; success is recorded unfenced, as it is true
 * whoever holds the row now. */
#ifndef TEND_NOTIFY_OUTBOX_H
#define TEND_NOTIFY_OUTBOX_H

#include <libpq-fe.h>
#include <stddef.h>

#include "base/status.h"

typedef struct {
    char *tenant, *account_id, *kind, *connector, *name, *key, *payload;
    long long id, created_at;
    int attempt, round_start;
    char attempt_ctid[32]; /* where the claim put the attempt's deliveries row */
} tend_outbox_row;

void tend_outbox_row_free(tend_outbox_row *r);

typedef enum {
    TEND_OUTCOME_SENT,
    TEND_OUTCOME_RETRY,
    TEND_OUTCOME_DEAD,
    TEND_OUTCOME_HOLD, /* the connector is gone: hold the row (which disables the connector) */
    TEND_OUTCOME_PARK  /* the connector is disabled: undo the attempt, hold the row */
} tend_outcome;

typedef struct {
    const tend_outbox_row *row;
    tend_outcome outcome;
    double delay;          /* RETRY: seconds until the next attempt */
    int max_attempts;      /* round_start + the connector's schedule length */
    long http_status;      /* 0: none */
    const char *error;     /* NULL: none */
    const char *response;  /* an excerpt of the answer, NULL: none */
    long latency_ms;       /* < 0: not sent */
    const char *connector; /* the connector it went through (NULL: unroutable) */
} tend_attempt;

/* tend_db_open (store/db.h), under the name callers of the outbox used. */
tend_status tend_outbox_connect(PGconn **out, tend_error *err);
/* Prepares the statements on this connection (once). */
tend_status tend_outbox_prepare(PGconn *c, tend_error *err);

/* Claims up to n due rows (due at or before `cutoff`, an ISO time or
 * "infinity"; of `tenant` unless NULL) leased for lease_s seconds to
 * worker. Appends to *rows (grown with realloc). */
tend_status tend_outbox_claim(PGconn *c, const char *worker, int n, double lease_s, const char *cutoff,
                              const char *tenant, tend_outbox_row **rows, size_t *nrows, tend_error *err);

/* Records attempts in one transaction (one statement unless some are
 * parked). */
tend_status tend_outbox_record(PGconn *c, const char *worker, const tend_attempt *a, size_t n, tend_error *err);

/* The same without waiting, for the delivery loop, which sends while the
 * database works: each sends one statement and returns; the caller polls
 * PQsocket(c) and calls tend_outbox_ready() until it returns 1, then
 * hands the result to tend_outbox_claim_rows() (a claim) or
 * tend_outbox_done() (anything else). One statement at a time. */
/* orphans: 1 claims only rows whose last lease ran out with their attempt
 * unrecorded (the deliverer died or hung on them), 0 only the others, -1
 * both. */
tend_status tend_outbox_claim_send(PGconn *c, const char *worker, int n, double lease_s, const char *cutoff,
                                   const char *tenant, int orphans, tend_error *err);
/* Attempts other than TEND_OUTCOME_PARK, as one array-valued statement. */
tend_status tend_outbox_record_send(PGconn *c, const char *worker, const tend_attempt *a, size_t n,
                                    tend_error *err);
/* Claimed rows that were never sent: their attempt is undone and they are
 * due again now (if worker still holds them). */
tend_status tend_outbox_release_send(PGconn *c, const char *worker, const tend_outbox_row *rows, size_t n,
                                     tend_error *err);
/* 1 when the statement has answered (*out its result, NULL if none; *rc
 * an error reading it), 0 while it runs. */
int tend_outbox_ready(PGconn *c, PGresult **out, tend_error *err, tend_status *rc);
/* Blocks until the statement answers. */
tend_status tend_outbox_wait(PGconn *c, PGresult **out, tend_error *err);
/* Appends a claim's rows to *rows; frees r. */
tend_status tend_outbox_claim_rows(PGconn *c, PGresult *r, tend_outbox_row **rows, size_t *nrows, tend_error *err);
/* Checks a statement's result; frees r. */
tend_status tend_outbox_done(PGconn *c, PGresult *r, const char *what, tend_error *err);

/* Connectors disabled by a 410: those holding rows (one per result row). */
tend_status tend_outbox_disabled(PGconn *c, PGresult **out, tend_error *err);

/* Pending rows not held (of tenant unless NULL), and seconds until the
 * earliest is due (0 if one is due now). */
tend_status tend_outbox_pending(PGconn *c, const char *tenant, long long *count, double *next_in, tend_error *err);

/* `tend outbox retry`: a new round for a dead (or pending, or with force a
 * sent) row, due now. *found: 0 no such row, 1 done, 2 sent (not retried
 * without force), 3 being sent right now (leased). */
tend_status tend_outbox_retry(PGconn *c, long long id, int force, int *found, tend_error *err);
/* Every dead row of tenant (NULL: all) gets a new round; *n how many. */
tend_status tend_outbox_retry_dead(PGconn *c, const char *tenant, long long *n, tend_error *err);
/* `tend outbox enable NAME`: re-enable a connector by releasing its held
 * rows (a new round each, due now); *n how many. */
tend_status tend_outbox_enable(PGconn *c, const char *name, long long *n, tend_error *err);

/* What `tend outbox` reads, each row's state from the outbox_state view
 * (migration 008, the one definition of held, quiet and sending).
 * tend_outbox_list: the newest rows first, of state (NULL: any) and tenant
 * (NULL: all), at most limit; columns: id, tenant, state, attempts in this
 * round, connector (or the one holding it), next attempt ("-" unless
 * pending and not held), key, the policy's reason (quiet, capped) or the
 * last error, attempts this round allows.
 * tend_outbox_show: the row id (no tuple: none); columns: id, tenant,
 * account_id, state, attempts, round_start, max_attempts, kind, connector,
 * key, created_at, next_attempt_at, sent_at, last_error, held_by,
 * lease_owner, lease_until, the payload pretty-printed, run_id,
 * policy_reason, held_until, contact (times as "YYYY-MM-DD HH:MM:SS").
 * tend_outbox_attempts: its deliveries rows in order; columns: attempt,
 * started, connector, ok/failed/unfinished, HTTP status, latency, error,
 * answer, worker. */
tend_status tend_outbox_list(PGconn *c, const char *state, const char *tenant, const char *limit, PGresult **out,
                             tend_error *err);
tend_status tend_outbox_show(PGconn *c, const char *id, PGresult **out, tend_error *err);
tend_status tend_outbox_attempts(PGconn *c, const char *tenant, const char *id, PGresult **out, tend_error *err);
/* Runs a query with text parameters; a failure is TEND_EDB with the
 * server's message. Expects tuples when *out is wanted. */
tend_status tend_outbox_query(PGconn *c, const char *sql, int n, const char *const *params, PGresult **out,
                              tend_error *err);

#endif
