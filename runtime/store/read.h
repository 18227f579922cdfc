/* Reading what runs stored (explain, status): one statement with text
 * parameters, failures as one line, and stored result objects brought back
 * to the shape `tend eval` prints (jsonb keeps no key order). */
#ifndef TEND_STORE_READ_H
#define TEND_STORE_READ_H

#include <jansson.h>
#include <libpq-fe.h>

#include "base/status.h"

/* A timestamptz column as ISO-8601 UTC text ("2026-11-22T02:00:00Z"),
 * whatever the session's TimeZone: SQL text for a select list. */
#define TEND_SQL_ISO(col) "to_char((" col ") AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* Runs sql with n text parameters. On failure: "what: <server message>",
 * TEND_EDB (database unavailable, exit 4), or TEND_EPLAYBOOK (exit 3, a
 * configuration error) when a table or column is missing, with the hint to
 * run 'tend db migrate'. *out is the result to PQclear on success. */
tend_status tend_read_exec(PGconn *c, const char *what, const char *sql, int n, const char *const *params,
                           PGresult **out, tend_error *err);

/* The same failure for a result r (may be NULL: the connection's error). */
tend_status tend_read_fail(PGconn *c, const PGresult *r, const char *what, tend_error *err);

/* Whether the tenant exists. */
tend_status tend_read_tenant_exists(PGconn *c, const char *tenant, int *exists, tend_error *err);

/* A stored result (the text of a jsonb column) with the keys in the order
 * `tend eval` prints them: the contract's top-level keys first, trace
 * entries, intents, scorecards and health in their own order, any other
 * object sorted by key. NULL if text is not a JSON object. */
json_t *tend_read_result(const char *text);

/* Dumps a value with the reals as `tend eval` writes them (8.3, never
 * 8.3000000000000007). Free with free(). */
char *tend_read_dump(const json_t *v);

#endif
