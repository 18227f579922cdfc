/* Connecting to PostgreSQL: TEND_DATABASE_URL when it is set (any
 * PostgreSQL 13+, a URL or a keyword/value string), otherwise the embedded
 * cluster's Unix socket under $TEND_HOME. A database that cannot be reached
 * is TEND_EDB (exit 4) with one line naming what was tried, the password
 * masked. */
#ifndef TEND_STORE_DB_H
#define TEND_STORE_DB_H

#include <libpq-fe.h>
#include <stddef.h>

#include "base/status.h"
#include "store/home.h"

typedef struct {
    int embedded;        /* 1: no TEND_DATABASE_URL, the embedded cluster */
    const char *url;     /* TEND_DATABASE_URL (from the environment) */
    char shown[PATH_MAX + 64]; /* what is tried, safe to print: masked URL or socket */
    tend_pg_home home;   /* the embedded cluster's paths (resolved either way) */
} tend_db_target;

tend_status tend_db_target_resolve(tend_db_target *t, tend_error *err);

/* The one way a command opens its database: the target (TEND_DATABASE_URL
 * or the embedded cluster), a connection, a schema that is this tend's (an
 * applied migration that differs, or one pending: TEND_EPLAYBOOK, exit 3,
 * "run 'tend db migrate'"), and the session's TimeZone set to UTC. */
tend_status tend_db_open(PGconn **out, tend_error *err);

/* Connects to the target's database (no schema check: `tend db`). */
tend_status tend_db_connect(const tend_db_target *t, PGconn **out, tend_error *err);

/* Connects to a database of the embedded cluster (`tend db up` creates the
 * tend database from "postgres"). */
tend_status tend_db_connect_embedded(const tend_pg_home *h, const char *dbname, PGconn **out, tend_error *err);

/* Copies a connection URL or keyword/value string with its password
 * replaced by "***" (user:secret@ in a URL, password=... anywhere). */
void tend_db_mask_url(const char *url, char *out, size_t cap);

/* Copies msg with every double-quoted value that is part of a secret of
 * url masked (libpq quotes the values it cannot parse). */
void tend_db_scrub(const char *url, const char *msg, char *out, size_t cap);

/* The first line of libpq's error text without "connection to server ...
 * failed: " in front: "Connection refused". Into buf. */
const char *tend_db_reason(const char *pq_message, char *buf, size_t cap);

/* A failed statement's message (the server's primary message, else the
 * connection's), one line, into buf. */
const char *tend_db_error(const PGresult *r, const PGconn *c, char *buf, size_t cap);

/* Runs sql with n text parameters. On failure TEND_EDB, "what: the
 * server's message". On success the result goes to *out (the caller clears
 * it), or is cleared when out is NULL. */
tend_status tend_db_exec(PGconn *c, const char *what, const char *sql, int n, const char *const *params,
                         PGresult **out, tend_error *err);
/* The same, with a failure's SQLSTATE in state when given ("" if none). */
tend_status tend_db_exec_state(PGconn *c, const char *what, const char *sql, int n, const char *const *params,
                               PGresult **out, char state[6], tend_error *err);

#endif
