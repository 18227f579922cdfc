/* The embedded default cluster (DESIGN "Persistence"): a private PostgreSQL
 * under $TEND_HOME/pg, created with initdb the first time, started and
 * stopped with pg_ctl, reachable only through the Unix socket in its data
 * folder (listen_addresses = ''). As root the server runs as `postgres`. */
#ifndef TEND_STORE_CLUSTER_H
#define TEND_STORE_CLUSTER_H

#include <limits.h>

#include "base/status.h"
#include "store/home.h"
#include "store/spawn.h"

typedef struct {
    tend_pg_home home;
    tend_pg_user user;
    char bindir[PATH_MAX];
    char version[32]; /* the data folder's PG_VERSION ("15"), empty before initdb */
} tend_cluster;

typedef enum { TEND_CLUSTER_ABSENT, TEND_CLUSTER_STOPPED, TEND_CLUSTER_RUNNING } tend_cluster_state;

/* Whether h has a data folder (initdb has run). */
int tend_cluster_exists(const tend_pg_home *h);

/* Resolves the server's user and programs for the cluster at h. */
tend_status tend_cluster_open(tend_cluster *c, const tend_pg_home *h, tend_error *err);

/* ABSENT when there is no data folder yet. */
tend_status tend_cluster_state_get(tend_cluster *c, tend_cluster_state *out, tend_error *err);

/* initdb (superuser tend, trust over the socket only, UTF8, C locale) and
 * the settings that keep it private. */
tend_status tend_cluster_init(tend_cluster *c, tend_error *err);

/* pg_ctl start, waiting until it accepts connections. */
tend_status tend_cluster_start(tend_cluster *c, tend_error *err);

/* pg_ctl stop -m fast: disconnects clients, shuts down cleanly. */
tend_status tend_cluster_stop(tend_cluster *c, tend_error *err);

/* Creates the tend database when it is missing; *created says whether. */
tend_status tend_cluster_ensure_database(tend_cluster *c, int *created, tend_error *err);

#endif
