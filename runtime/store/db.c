/* Connections: where to connect, masking secrets in what is printed, and
 * turning libpq's failure into one line. */
#include "store/db.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store/migrate.h"

tend_status tend_db_target_resolve(tend_db_target *t, tend_error *err) {
    memset(t, 0, sizeof *t);
    tend_status st = tend_pg_home_resolve(&t->home, err);
    if (st != TEND_OK) return st;
    const char *url = getenv("TEND_DATABASE_URL");
    if (url && *url) {
        t->url = url;
        tend_db_mask_url(url, t->shown, sizeof t->shown);
    } else {
        t->embedded = 1;
        snprintf(t->shown, sizeof t->shown, "%s", t->home.socket);
    }
    return TEND_OK;
}

/* Notices (e.g. from DDL) are not for the user of a CLI. */
static void quiet(void *arg, const char *message) {
    (void)arg;
    (void)message;
}

/* url: TEND_DATABASE_URL, whose secrets must not show in the message. */
static tend_status finish(PGconn *c, const char *url, const char *shown, const char *hint, PGconn **out,
                          tend_error *err) {
    if (!c) return tend_fail(err, TEND_EDB, "cannot connect to %s: out of memory", shown);
    if (PQstatus(c) != CONNECTION_OK) {
        char reason[512], safe[512];
        tend_db_reason(PQerrorMessage(c), reason, sizeof reason);
        tend_db_scrub(url ? url : "", reason, safe, sizeof safe);
        PQfinish(c);
        return tend_fail(err, TEND_EDB, "cannot connect to %s: %s%s", shown, safe, hint);
    }
    PQsetNoticeProcessor(c, quiet, NULL);
    *out = c;
    return TEND_OK;
}

tend_status tend_db_connect_embedded(const tend_pg_home *h, const char *dbname, PGconn **out, tend_error *err) {
    const char *keys[] = {"host", "port", "user", "dbname", "application_name", "connect_timeout", NULL};
    const char *vals[] = {h->data, TEND_PG_PORT, TEND_PG_USER, dbname, "tend", "10", NULL};
    char shown[PATH_MAX + 64];
    snprintf(shown, sizeof shown, "the embedded database at %s", h->socket);
    return finish(PQconnectdbParams(keys, vals, 0), NULL, shown, " (start it with 'tend db up')", out, err);
}

tend_status tend_db_connect(const tend_db_target *t, PGconn **out, tend_error *err) {
    *out = NULL;
    if (t->embedded) return tend_db_connect_embedded(&t->home, TEND_PG_DATABASE, out, err);
    /* Later entries win: the URL's own settings override these defaults. */
    const char *timeout = getenv("PGCONNECT_TIMEOUT");
    const char *keys[] = {"application_name", "connect_timeout", "dbname", NULL};
    const char *vals[] = {"tend", timeout && *timeout ? timeout : "10", t->url, NULL};
    char shown[sizeof t->shown + 32];
    snprintf(shown, sizeof shown, "%s (TEND_DATABASE_URL)", t->shown);
    return finish(PQconnectdbParams(keys, vals, 1), t->url, shown, "", out, err);
}

/* The schema must be this tend's: no pending migrations, no conflict. */
static tend_status check_schema(PGconn *c, tend_error *err) {
    tend_schema s;
    tend_status st = tend_schema_read(c, &s, err);
    if (st != TEND_OK) return st;
    if (s.conflict[0]) st = tend_fail(err, TEND_EPLAYBOOK, "%s", s.conflict);
    else if (s.npending)
        st = tend_fail(err, TEND_EPLAYBOOK,
                       "the database schema is at version %d, %zu migration%s pending: run 'tend db migrate'",
                       s.version, s.npending, s.npending == 1 ? "" : "s");
    tend_schema_free(&s);
    return st;
}

tend_status tend_db_open(PGconn **out, tend_error *err) {
    tend_db_target target;
    PGconn *c = NULL;
    *out = NULL;
    tend_status st = tend_db_target_resolve(&target, err);
    if (st == TEND_OK) st = tend_db_connect(&target, &c, err);
    if (st == TEND_OK) st = check_schema(c, err);
    if (st == TEND_OK) st = tend_db_exec(c, "setting the session's time zone", "SET TimeZone = 'UTC'", 0, NULL, NULL, err);
    if (st != TEND_OK) {
        PQfinish(c);
        return st;
    }
    *out = c;
    return TEND_OK;
}

static const char *first_line(const char *msg, char *buf, size_t cap) {
    size_t n = strcspn(msg, "\n");
    while (n > 0 && isspace((unsigned char)msg[n - 1])) n--;
    if (n == 0) msg = "unknown error", n = strlen(msg);
    snprintf(buf, cap, "%.*s", (int)n, msg);
    return buf;
}

const char *tend_db_reason(const char *msg, char *buf, size_t cap) {
    if (!msg) msg = "";
    const char *f = strstr(msg, "failed: ");
    const char *nl = strchr(msg, '\n');
    if (f && (!nl || f < nl)) msg = f + 8;
    return first_line(msg, buf, cap);
}

const char *tend_db_error(const PGresult *r, const PGconn *c, char *buf, size_t cap) {
    const char *m = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!m || !*m) m = c ? PQerrorMessage(c) : "";
    return first_line(m, buf, cap);
}

/* Where the secrets of a connection string are: [start, end) spans. */
typedef struct {
    const char *start, *end;
} span;

#define MAX_SECRETS 8

static int word_start(const char *url, const char *p) {
    return p == url || p[-1] == '?' || p[-1] == '&' || isspace((unsigned char)p[-1]);
}

static size_t find_secrets(const char *url, span *out) {
    size_t n = 0;
    const char *p = url;
    /* scheme://user:secret@host...: the secret runs to the last '@' of the
     * authority (a password may hold a raw '/' or '@'). */
    if (!strncmp(url, "postgresql://", 13) || !strncmp(url, "postgres://", 11)) {
        const char *auth = strstr(url, "://") + 3;
        const char *end = auth + strcspn(auth, "?#");
        const char *at = NULL;
        for (const char *q = auth; q < end; q++)
            if (*q == '@') at = q;
        const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
        if (colon) {
            out[n++] = (span){colon + 1, at};
            p = at;
        }
    }
    /* password=secret (query parameter or keyword/value), or
     * password = 'sec ret' with quotes and backslash escapes. */
    for (; *p && n < MAX_SECRETS; p++) {
        if ((*p != 'p' && *p != 'P') || strncasecmp(p, "password", 8) || !word_start(url, p)) continue;
        const char *q = p + 8;
        while (*q == ' ' || *q == '\t') q++;
        if (*q != '=') continue;
        q++;
        while (*q == ' ' || *q == '\t') q++;
        const char *start = q;
        if (*q == '\'') {
            for (q++; *q && *q != '\''; q++)
                if (*q == '\\' && q[1]) q++;
            if (*q) q++;
        } else {
            while (*q && *q != '&' && *q != '#' && !isspace((unsigned char)*q)) q++;
        }
        out[n++] = (span){start, q};
        p = q - 1;
    }
    return n;
}

/* Appends n bytes of s to out (bounded). */
static void put(char *out, size_t cap, size_t *o, const char *s, size_t n) {
    while (n-- && *o + 1 < cap) out[(*o)++] = *s++;
    out[*o < cap ? *o : cap - 1] = 0;
}

void tend_db_mask_url(const char *url, char *out, size_t cap) {
    if (cap == 0) return;
    out[0] = 0;
    span sec[MAX_SECRETS];
    size_t n = find_secrets(url, sec), o = 0;
    const char *p = url;
    for (size_t i = 0; i < n; i++) {
        put(out, cap, &o, p, (size_t)(sec[i].start - p));
        put(out, cap, &o, "***", 3);
        p = sec[i].end;
    }
    put(out, cap, &o, p, strlen(p));
}

/* libpq quotes the values it cannot parse ("invalid integer value "se" for
 * connection option "port"" when a raw '/' in a password cuts the URL);
 * a quoted value that is part of a secret is masked. */
void tend_db_scrub(const char *url, const char *msg, char *out, size_t cap) {
    if (cap == 0) return;
    out[0] = 0;
    span sec[MAX_SECRETS];
    size_t n = find_secrets(url, sec), o = 0;
    const char *p = msg, *q, *close;
    while ((q = strchr(p, '"')) && (close = strchr(q + 1, '"'))) {
        size_t len = (size_t)(close - q - 1);
        int secret = 0;
        for (size_t i = 0; i < n && len && !secret; i++)
            for (const char *s = sec[i].start; s + len <= sec[i].end && !secret; s++)
                secret = !memcmp(s, q + 1, len);
        put(out, cap, &o, p, (size_t)(q + 1 - p));
        if (secret) put(out, cap, &o, "***", 3);
        else put(out, cap, &o, q + 1, len);
        put(out, cap, &o, "\"", 1);
        p = close + 1;
    }
    put(out, cap, &o, p, strlen(p));
}

tend_status tend_db_exec_state(PGconn *c, const char *what, const char *sql, int n, const char *const *params,
                               PGresult **out, char state[6], tend_error *err) {
    PGresult *r = PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0);
    ExecStatusType s = PQresultStatus(r);
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
        char msg[512];
        tend_db_error(r, c, msg, sizeof msg);
        const char *code = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
        if (state) snprintf(state, 6, "%s", code ? code : "");
        PQclear(r);
        return tend_fail(err, TEND_EDB, "%s: %s", what, msg);
    }
    if (out) *out = r;
    else PQclear(r);
    return TEND_OK;
}

tend_status tend_db_exec(PGconn *c, const char *what, const char *sql, int n, const char *const *params,
                         PGresult **out, tend_error *err) {
    return tend_db_exec_state(c, what, sql, n, params, out, NULL, err);
}
