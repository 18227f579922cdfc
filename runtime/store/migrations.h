/* The schema's migrations, embedded in the binary at build time from
 * runtime/store/migrations/NNN_name.sql (embed_migrations.cmake generates
 * the table), so an installed tend needs no source tree. */
#ifndef TEND_STORE_MIGRATIONS_H
#define TEND_STORE_MIGRATIONS_H

#include <stddef.h>

typedef struct {
    int version;          /* NNN of the file name */
    const char *name;     /* the rest of the name: "tenants_inputs" */
    const char *file;     /* "001_tenants_inputs.sql", for messages */
    const char *sql;      /* the file's bytes, NUL-terminated */
    size_t len;
    const char *checksum; /* SHA-256 of the bytes, hex */
} tend_migration;

/* In ascending version order. */
extern const tend_migration tend_migrations[];
extern const size_t tend_migration_count;

#endif
