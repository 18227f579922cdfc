/* A few database connections shared by the endpoint's request threads.
 * A connection found broken when it comes back is dropped, so the next
 * request connects afresh: a database that went away and came back is
 * used again without a restart. */
#ifndef TEND_ENDPOINT_POOL_H
#define TEND_ENDPOINT_POOL_H

#include <libpq-fe.h>

#include "base/status.h"

typedef struct tend_pool tend_pool;

/* Resolves where to connect (TEND_DATABASE_URL or the embedded cluster);
 * connects only when a connection is asked for. */
tend_status tend_pool_new(int size, tend_pool **out, tend_error *err);
void tend_pool_free(tend_pool *p);

/* A connection, waiting while all `size` are in use; TEND_EDB when a new
 * one cannot be made. */
tend_status tend_pool_get(tend_pool *p, PGconn **out, tend_error *err);
/* Gives it back (a broken one is closed). */
void tend_pool_put(tend_pool *p, PGconn *c);

#endif
