/* COPY ... FROM STDIN, the bulk path into PostgreSQL (ingest, the nightly
 * writer): the text format's escaping and the protocol's steps, with a
 * failure as one line ("what: step: the server's message"). */
#ifndef TEND_STORE_COPY_H
#define TEND_STORE_COPY_H

#include <libpq-fe.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/status.h"

/* Appends s as one column of COPY text: backslash, newline, carriage
 * return and tab escaped. */
void tend_copy_text(tend_buf *b, const char *s, size_t len);

/* Starts `COPY ... FROM STDIN` (sql). what prefixes a failure ("nightly"),
 * NULL: none. */
tend_status tend_copy_start(PGconn *c, const char *what, const char *sql, tend_error *err);
/* Sends rows (whole lines of COPY text). */
tend_status tend_copy_send(PGconn *c, const char *what, const char *data, size_t len, tend_error *err);
/* Ends the COPY (abandons it with abort_msg when not NULL) and reads its
 * result; a failure's SQLSTATE goes to state when given. */
tend_status tend_copy_end(PGconn *c, const char *what, const char *abort_msg, char state[6], tend_error *err);
/* The three in one: rows (whole lines of COPY text) copied by sql. */
tend_status tend_copy_rows(PGconn *c, const char *what, const char *sql, const char *rows, size_t len,
                           tend_error *err);

#endif
