/* The send policy: the playbook's send_policy { } applied by tend deliver
 * to the rows it has just claimed, before any is sent, across every rule,
 * channel and source of intents.
 *
 *  - quiet hours: a row due while the account's local time (attrs.timezone,
 *    else the policy's default zone) is inside quiet hours is released
 *    unsent (its attempt undone) and due again at the end of them, with
 *    held_until and the reason recorded;
 *  - caps: a row not yet admitted is checked, oldest intent first, against
 *    every cap that applies to it (per contact or per account, of the
 *    kinds named, over a rolling window); one over a cap becomes 'capped'
 *    with the reason (final, never sent); the others are admitted
 *    (admitted_at, contact), and from then on count toward the windows
 *    whether sent yet or still being retried.
 *
 * Counting and admitting happen in one transaction under an advisory lock,
 * so two deliverers cannot both admit the third message of a contact.
 * Every row the policy touches stays in the outbox: nothing is dropped. */
#ifndef TEND_NOTIFY_POLICY_H
#define TEND_NOTIFY_POLICY_H

#include <libpq-fe.h>
#include <stdio.h>

#include "base/buf.h"
#include "base/status.h"
#include "notify/outbox.h"

typedef struct {
    int per_contact;   /* 1: per contact, 0: per account */
    char kinds[256];   /* the kinds it counts, "email/notify" as declared; "": every kind */
    int max;
    double within_s;
    char within[32];   /* as written: "7d" */
    char where[256];   /* file:line of the declaration */
} tend_send_cap;

typedef struct {
    tend_send_cap *caps;
    size_t ncaps;
    int quiet;              /* quiet hours declared */
    int from_min, to_min;   /* minutes after local midnight */
    char quiet_kinds[256];  /* as kinds above; "": every kind */
    char from[8], to[8];
    char timezone[80];      /* the default zone */
    char quiet_where[256];
    FILE *report;           /* unknown account zones are reported here, once each; NULL: not */
    FILE *verbose;          /* a line per held or capped row (tend deliver --verbose); NULL: none */
    /* Zone names already checked against the server this run. */
    char **zones;
    int *zone_ok;
    size_t nzones;
} tend_send_policy;

typedef struct {
    long long held, capped, admitted;
} tend_policy_stats;

/* The policy of the playbook in dir (NULL or a folder without *.lua
 * files: none). *declared says whether there is one. A playbook that does
 * not load is TEND_EPLAYBOOK, its problems ("file:line: message") in
 * problems. */
tend_status tend_policy_load(const char *dir, tend_send_policy *p, int *declared, tend_buf *problems,
                             tend_error *err);

/* Parses the JSON of tend_playbook_send_policy. */
tend_status tend_policy_parse(const char *json, tend_send_policy *p, tend_error *err);

/* Checks the default time zone against the server's: TEND_EPLAYBOOK when
 * it does not know it. */
tend_status tend_policy_check(PGconn *c, tend_send_policy *p, tend_error *err);

/* Applies the policy to rows just claimed by worker: held and capped rows
 * are released in the database, freed and removed from rows (the rest
 * keep their order; *nrows is updated), and counted in st. now: the
 * policy's clock (an ISO time), NULL for the server's. A row whose
 * decision could not be recorded is removed too: its lease runs out and
 * it is claimed again. */
tend_status tend_policy_apply(PGconn *c, tend_send_policy *p, const char *worker, const char *now,
                              tend_outbox_row *rows, size_t *nrows, tend_policy_stats *st, tend_error *err);

void tend_policy_free(tend_send_policy *p);

#endif
