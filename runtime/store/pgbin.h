/* Finding PostgreSQL's server programs (initdb, pg_ctl) for the embedded
 * cluster. */
#ifndef TEND_STORE_PGBIN_H
#define TEND_STORE_PGBIN_H

#include <stddef.h>

#include "base/status.h"

/* Fills out with a folder holding both initdb and pg_ctl, trying in order:
 * $TEND_PG_BINDIR (when set, only it); /usr/lib/postgresql/<version>/bin
 * when version is given (a cluster is best run by the version that created
 * it); `pg_config --bindir`; the highest /usr/lib/postgresql/<N>/bin; PATH. */
tend_status tend_pg_bindir(const char *version, char *out, size_t cap, tend_error *err);

#endif
