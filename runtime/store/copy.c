/* COPY ... FROM STDIN: escaping and the protocol (see copy.h). */
#include "store/copy.h"

#include <stdio.h>

#include "store/db.h"

void tend_copy_text(tend_buf *b, const char *s, size_t len) {
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c != '\\' && c != '\n' && c != '\r' && c != '\t') continue;
        tend_buf_add(b, s + run, i - run);
        run = i + 1;
        char esc[2] = {'\\', c == '\\' ? '\\' : c == '\n' ? 'n' : c == '\r' ? 'r' : 't'};
        tend_buf_add(b, esc, 2);
    }
    tend_buf_add(b, s + run, len - run);
}

static tend_status copy_fail(tend_error *err, const char *what, const char *step, const PGresult *r, const PGconn *c) {
    char why[512];
    tend_db_error(r, c, why, sizeof why);
    return tend_fail(err, TEND_EDB, "%s%s%s: %s", what ? what : "", what ? ": " : "", step, why);
}

tend_status tend_copy_start(PGconn *c, const char *what, const char *sql, tend_error *err) {
    PGresult *r = PQexec(c, sql);
    tend_status st = PQresultStatus(r) == PGRES_COPY_IN ? TEND_OK : copy_fail(err, what, "starting COPY", r, c);
    PQclear(r);
    return st;
}

tend_status tend_copy_send(PGconn *c, const char *what, const char *data, size_t len, tend_error *err) {
    if (len == 0 || PQputCopyData(c, data, (int)len) == 1) return TEND_OK;
    return copy_fail(err, what, "sending rows", NULL, c);
}

tend_status tend_copy_end(PGconn *c, const char *what, const char *abort_msg, char state[6], tend_error *err) {
    tend_status st = TEND_OK;
    if (PQputCopyEnd(c, abort_msg) != 1) st = copy_fail(err, what, "sending rows", NULL, c);
    PGresult *r;
    while ((r = PQgetResult(c))) {
        if (st == TEND_OK && !abort_msg && PQresultStatus(r) != PGRES_COMMAND_OK) {
            const char *code = PQresultErrorField(r, PG_DIAG_SQLSTATE);
            if (state) snprintf(state, 6, "%s", code ? code : "");
            st = copy_fail(err, what, "copying rows", r, c);
        }
        PQclear(r);
    }
    return st;
}

tend_status tend_copy_rows(PGconn *c, const char *what, const char *sql, const char *rows, size_t len,
                           tend_error *err) {
    tend_status st = tend_copy_start(c, what, sql, err);
    if (st != TEND_OK) return st;
    st = tend_copy_send(c, what, rows, len, err);
    if (st == TEND_OK) return tend_copy_end(c, what, NULL, NULL, err);
    tend_error ignored; /* the first failure is the one to report */
    tend_copy_end(c, what, "tend: sending rows failed", NULL, &ignored);
    return st;
}
