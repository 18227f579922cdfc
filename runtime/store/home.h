/* Where the embedded PostgreSQL cluster lives: $TEND_HOME (default .tend in
 * the current folder) holds pg/, which holds the data folder (also the
 * folder of the Unix socket: no TCP) and the server's log. */
#ifndef TEND_STORE_HOME_H
#define TEND_STORE_HOME_H

#include <limits.h>

#include "base/status.h"

#define TEND_PG_PORT "5432"   /* only names the socket file: there is no TCP */
#define TEND_PG_USER "tend"   /* the cluster's superuser */
#define TEND_PG_DATABASE "tend"

typedef struct {
    char home[PATH_MAX];   /* absolute $TEND_HOME */
    char pg[PATH_MAX];     /* home/pg */
    char data[PATH_MAX];   /* home/pg/data: PGDATA, and where the socket is */
    char log[PATH_MAX];    /* home/pg/server.log */
    char socket[PATH_MAX]; /* data/.s.PGSQL.5432 */
} tend_pg_home;

/* Fills h from TEND_HOME or the current folder; creates nothing. */
tend_status tend_pg_home_resolve(tend_pg_home *h, tend_error *err);

/* Whether the socket's path fits a Unix socket address (sun_path). */
int tend_pg_home_socket_fits(const tend_pg_home *h);

#endif
