/* Schema migrations: the embedded migrations (migrations.h) against the
 * schema_migrations table (version, name, checksum, applied_at). */
#ifndef TEND_STORE_MIGRATE_H
#define TEND_STORE_MIGRATE_H

#include <libpq-fe.h>
#include <stddef.h>

#include "base/status.h"
#include "store/migrations.h"

typedef struct {
    int version;                     /* highest applied version; 0: none */
    size_t applied;                  /* rows in schema_migrations */
    const tend_migration **pending;  /* embedded and not applied, in order */
    size_t npending;
    char conflict[1024];             /* non-empty: an applied migration differs from
                                        this tend's, or this tend does not know it */
} tend_schema;

void tend_schema_free(tend_schema *s);

/* Reads where the database stands (without changing it). */
tend_status tend_schema_read(PGconn *c, tend_schema *s, tend_error *err);

/* Applies every pending migration in one transaction, serialized across
 * processes by pg_advisory_xact_lock; re-running is a no-op. On success
 * `done` is the schema now, and done->pending lists what this call applied
 * (none when it was up to date). A conflict (a changed checksum, a version
 * this tend does not know) applies nothing: TEND_EPLAYBOOK, the CLI's
 * exit 3 for configuration errors. A failing statement: TEND_EDB, with the
 * migration file and line. */
tend_status tend_schema_migrate(PGconn *c, tend_schema *done, tend_error *err);

#endif
