/* Applying the embedded migrations. */
#include "store/migrate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "store/db.h"

/* pg_advisory_xact_lock key: "tend" in ASCII. */
#define MIGRATION_LOCK "1952804452"

void tend_schema_free(tend_schema *s) {
    free(s->pending);
    s->pending = NULL;
    s->npending = 0;
}

static const tend_migration *embedded(int version) {
    for (size_t i = 0; i < tend_migration_count; i++)
        if (tend_migrations[i].version == version) return &tend_migrations[i];
    return NULL;
}

static tend_status failure(PGresult *r, PGconn *c, const char *what, tend_error *err) {
    char why[512];
    return tend_fail(err, TEND_EDB, "%s: %s", what, tend_db_error(r, c, why, sizeof why));
}

/* Compares schema_migrations (a result of version, name, checksum; NULL:
 * no such table) with the embedded migrations. */
static tend_status compare(PGresult *rows, tend_schema *s) {
    size_t n = rows ? (size_t)PQntuples(rows) : 0;
    char *seen = tend_calloc(tend_migration_count, 1);
    s->pending = tend_calloc(tend_migration_count, sizeof *s->pending);
    s->applied = n;
    for (size_t i = 0; i < n; i++) {
        int v = atoi(PQgetvalue(rows, (int)i, 0));
        const char *name = PQgetvalue(rows, (int)i, 1), *sum = PQgetvalue(rows, (int)i, 2);
        if (v > s->version) s->version = v;
        const tend_migration *m = embedded(v);
        if (!m) {
            if (!s->conflict[0])
                snprintf(s->conflict, sizeof s->conflict,
                         "the database has migration %03d_%s, which this tend does not know "
                         "(it was migrated by a newer tend)",
                         v, name);
            continue;
        }
        seen[m - tend_migrations] = 1;
        if (strcmp(sum, m->checksum) != 0 && !s->conflict[0])
            snprintf(s->conflict, sizeof s->conflict,
                     "migration %s was applied with checksum %.12s..., this tend's is %.12s...: an applied "
                     "migration must not change (restore it, and put the change in a new migration)",
                     m->file, sum, m->checksum);
    }
    for (size_t i = 0; i < tend_migration_count; i++)
        if (!seen[i]) s->pending[s->npending++] = &tend_migrations[i];
    free(seen);
    return TEND_OK;
}

static const char select_applied[] = "SELECT version, name, checksum FROM schema_migrations ORDER BY version";

tend_status tend_schema_read(PGconn *c, tend_schema *s, tend_error *err) {
    memset(s, 0, sizeof *s);
    PGresult *r = PQexec(c, "SELECT to_regclass('schema_migrations') IS NOT NULL");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        tend_status st = failure(r, c, "reading the schema version", err);
        PQclear(r);
        return st;
    }
    int exists = PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    if (!exists) return compare(NULL, s);
    r = PQexec(c, select_applied);
    tend_status st = PQresultStatus(r) == PGRES_TUPLES_OK ? compare(r, s) : failure(r, c, "reading schema_migrations", err);
    PQclear(r);
    return st;
}

/* One statement (or script) that returns no rows. */
static tend_status exec(PGconn *c, const char *sql, const char *what, tend_error *err) {
    PGresult *r = PQexec(c, sql);
    tend_status st = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK
                         ? TEND_OK
                         : failure(r, c, what, err);
    PQclear(r);
    return st;
}

/* "001_x.sql:12: message": the line from the error's character position. */
static tend_status migration_failure(PGresult *r, PGconn *c, const tend_migration *m, tend_error *err) {
    char why[512];
    tend_db_error(r, c, why, sizeof why);
    const char *pos = r ? PQresultErrorField(r, PG_DIAG_STATEMENT_POSITION) : NULL;
    if (!pos) return tend_fail(err, TEND_EDB, "migration %s: %s", m->file, why);
    long chars = atol(pos), line = 1;
    for (size_t i = 0; i < m->len && chars > 1; i++) {
        unsigned char b = (unsigned char)m->sql[i];
        if ((b & 0xC0) == 0x80) continue; /* UTF-8 continuation: same character */
        if (b == '\n') line++;
        chars--;
    }
    return tend_fail(err, TEND_EDB, "migration %s:%ld: %s", m->file, line, why);
}

static tend_status apply(PGconn *c, const tend_migration *m, tend_error *err) {
    PGresult *r = PQexec(c, m->sql);
    tend_status st = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK
                         ? TEND_OK
                         : migration_failure(r, c, m, err);
    PQclear(r);
    if (st != TEND_OK) return st;
    char version[16];
    snprintf(version, sizeof version, "%d", m->version);
    const char *params[] = {version, m->name, m->checksum};
    r = PQexecParams(c, "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", 3, NULL,
                     params, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) st = failure(r, c, "recording the migration", err);
    PQclear(r);
    return st;
}

tend_status tend_schema_migrate(PGconn *c, tend_schema *done, tend_error *err) {
    memset(done, 0, sizeof *done);
    tend_status st = exec(c, "BEGIN", "starting the migration", err);
    if (st != TEND_OK) return st;
    /* The lock first: the CREATE below and the reading of what is applied
     * then see every earlier migrator's committed work. */
    if ((st = exec(c, "SELECT pg_advisory_xact_lock(" MIGRATION_LOCK ")", "taking the migration lock", err)) ||
        (st = exec(c,
                   "CREATE TABLE IF NOT EXISTS schema_migrations ("
                   " version integer PRIMARY KEY,"
                   " name text NOT NULL,"
                   " checksum text NOT NULL,"
                   " applied_at timestamptz NOT NULL DEFAULT now())",
                   "creating schema_migrations", err)))
        goto rollback;
    PGresult *r = PQexec(c, select_applied);
    st = PQresultStatus(r) == PGRES_TUPLES_OK ? compare(r, done) : failure(r, c, "reading schema_migrations", err);
    PQclear(r);
    if (st != TEND_OK) goto rollback;
    if (done->conflict[0]) {
        st = tend_fail(err, TEND_EPLAYBOOK, "%s", done->conflict);
        goto rollback;
    }
    for (size_t i = 0; i < done->npending; i++)
        if ((st = apply(c, done->pending[i], err)) != TEND_OK) goto rollback;
    if ((st = exec(c, "COMMIT", "committing the migration", err)) != TEND_OK) goto rollback;
    for (size_t i = 0; i < done->npending; i++)
        if (done->pending[i]->version > done->version) done->version = done->pending[i]->version;
    done->applied += done->npending;
    return TEND_OK;
rollback:
    PQclear(PQexec(c, "ROLLBACK"));
    tend_schema_free(done);
    return st;
}
