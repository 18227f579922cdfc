/* tend db up|down|migrate|status: the database (DESIGN "Persistence"). The
 * work is in runtime/store; this file only says what happened. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "store/cluster.h"
#include "store/db.h"
#include "store/migrate.h"

const char tend_help_db[] =
    "usage: tend db up|down|migrate|status\n"
    "\n"
    "The PostgreSQL database behind nightly runs, the outbox and explain.\n"
    "With TEND_DATABASE_URL set (postgresql://user:password@host:port/db, or\n"
    "key=value pairs) tend uses that server, any PostgreSQL 13+. Without it tend\n"
    "manages a private cluster under $TEND_HOME/pg (default .tend/pg in the current\n"
    "folder), reachable only through a Unix socket in its data folder, never over\n"
    "TCP; as root the server runs as user postgres.\n"
    "\n"
    "  up       create the embedded cluster (initdb, the first time), start it,\n"
    "           create the tend database and apply pending migrations; running it\n"
    "           again is fine. With TEND_DATABASE_URL set: only the migrations.\n"
    "  down     stop the embedded cluster (fast shutdown: clients are disconnected)\n"
    "  migrate  apply pending migrations, all in one transaction under an advisory\n"
    "           lock (concurrent runs are safe); a no-op when up to date\n"
    "  status   where tend connects, whether the server answers, the schema\n"
    "           version and the pending migrations\n"
    "\n"
    "Migrations are built into tend and recorded in schema_migrations with their\n"
    "checksum; a migration whose text changed after it was applied is an error.\n"
    "\n"
    "Environment:\n"
    "  TEND_DATABASE_URL  the server to use instead of the embedded cluster\n"
    "  TEND_HOME          where the embedded cluster lives (it holds pg/: data/,\n"
    "                     server.log); default .tend\n"
    "  TEND_PG_BINDIR     the folder of initdb and pg_ctl (default: pg_config\n"
    "                     --bindir, then /usr/lib/postgresql/*/bin, then PATH)\n"
    "\n"
    "Exit: 0 ok; 2 usage; 3 an applied migration differs from this tend's, or the\n"
    "database was migrated by a newer tend; 4 the database cannot be reached or\n"
    "started.\n";

/* Any failure to bring up or reach the database is "database unavailable"
 * (exit 4); a schema conflict stays a configuration error (exit 3). */
static int failed(const char *sub, tend_status st, const tend_error *err) {
    fprintf(stderr, "tend db %s: %s\n", sub, err->msg);
    if (st == TEND_EIO || st == TEND_ERUNTIME) st = TEND_EDB;
    return tend_exit_code(st);
}

static void print_schema(const tend_schema *s) {
    size_t latest = tend_migration_count ? (size_t)tend_migrations[tend_migration_count - 1].version : 0;
    printf("schema: version %d of %zu", s->version, latest);
    if (s->npending) printf(", %zu pending\n", s->npending);
    else printf(", up to date\n");
}

/* Applies pending migrations and says which. */
static int migrate(const char *sub, const tend_db_target *t) {
    tend_error err;
    PGconn *c;
    tend_status st = tend_db_connect(t, &c, &err);
    if (st != TEND_OK) return failed(sub, st, &err);
    tend_schema s;
    st = tend_schema_migrate(c, &s, &err);
    PQfinish(c);
    if (st != TEND_OK) return failed(sub, st, &err);
    for (size_t i = 0; i < s.npending; i++) printf("applied %03d_%s\n", s.pending[i]->version, s.pending[i]->name);
    if (!s.npending) printf("nothing to apply\n");
    s.npending = 0; /* what was pending is applied now */
    print_schema(&s);
    tend_schema_free(&s);
    return 0;
}

static int up(const tend_db_target *t) {
    if (!t->embedded) {
        printf("TEND_DATABASE_URL is set: no embedded cluster to start; migrating %s\n", t->shown);
        return migrate("up", t);
    }
    tend_error err;
    tend_cluster c;
    tend_cluster_state state;
    int created;
    tend_status st = tend_cluster_open(&c, &t->home, &err);
    if (st == TEND_OK) st = tend_cluster_state_get(&c, &state, &err);
    if (st == TEND_OK && state == TEND_CLUSTER_ABSENT) {
        if ((st = tend_cluster_init(&c, &err)) == TEND_OK)
            printf("initialized %s (PostgreSQL %s, server runs as %s)\n", c.home.data, c.version, c.user.name);
    }
    if (st == TEND_OK && state == TEND_CLUSTER_RUNNING) {
        printf("already running: socket %s\n", c.home.socket);
    } else if (st == TEND_OK) {
        if ((st = tend_cluster_start(&c, &err)) == TEND_OK)
            printf("started: socket %s, log %s\n", c.home.socket, c.home.log);
    }
    if (st == TEND_OK && (st = tend_cluster_ensure_database(&c, &created, &err)) == TEND_OK && created)
        printf("created database %s\n", TEND_PG_DATABASE);
    if (st != TEND_OK) return failed("up", st, &err);
    return migrate("up", t);
}

static int down(const tend_db_target *t) {
    if (!t->embedded) {
        printf("TEND_DATABASE_URL is set: tend db down stops only the embedded cluster; nothing to do\n");
        return 0;
    }
    if (!tend_cluster_exists(&t->home)) {
        printf("no embedded cluster at %s\n", t->home.pg);
        return 0;
    }
    tend_error err;
    tend_cluster c;
    tend_cluster_state state;
    tend_status st = tend_cluster_open(&c, &t->home, &err);
    if (st == TEND_OK) st = tend_cluster_state_get(&c, &state, &err);
    if (st == TEND_OK && state != TEND_CLUSTER_RUNNING) {
        printf("not running: %s\n", c.home.data);
        return 0;
    }
    if (st == TEND_OK) st = tend_cluster_stop(&c, &err);
    if (st != TEND_OK) return failed("down", st, &err);
    printf("stopped: %s\n", c.home.data);
    return 0;
}

static int status(const tend_db_target *t) {
    if (t->embedded)
        printf("database: embedded cluster, socket %s (database %s)\n", t->shown, TEND_PG_DATABASE);
    else
        printf("database: %s (TEND_DATABASE_URL)\n", t->shown);
    tend_error err;
    PGconn *c;
    tend_status st = tend_db_connect(t, &c, &err);
    if (st != TEND_OK) {
        printf("reachable: no\n");
        fflush(stdout);
        return failed("status", st, &err);
    }
    printf("reachable: yes, PostgreSQL %s\n", PQparameterStatus(c, "server_version"));
    if (t->embedded) printf("psql: psql -h %s -U %s %s\n", t->home.data, TEND_PG_USER, TEND_PG_DATABASE);
    tend_schema s;
    st = tend_schema_read(c, &s, &err);
    PQfinish(c);
    if (st != TEND_OK) return failed("status", st, &err);
    print_schema(&s);
    for (size_t i = 0; i < s.npending; i++)
        printf("pending: %03d_%s\n", s.pending[i]->version, s.pending[i]->name);
    int code = 0;
    if (s.conflict[0]) {
        printf("conflict: %s\n", s.conflict);
        fflush(stdout);
        fprintf(stderr, "tend db status: %s\n", s.conflict);
        code = tend_exit_code(TEND_EPLAYBOOK);
    }
    tend_schema_free(&s);
    return code;
}

int tend_cmd_db(int argc, char **argv) {
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
        return tend_cmd_help(2, (char *[]){"help", "db", NULL});
    if (argc != 2) return tend_usage_error("db", "expected one of: up, down, migrate, status");
    const char *sub = argv[1];
    if (strcmp(sub, "up") && strcmp(sub, "down") && strcmp(sub, "migrate") && strcmp(sub, "status"))
        return tend_usage_error("db", "unknown subcommand '%s' (expected up, down, migrate or status)", sub);
    tend_error err;
    tend_db_target t;
    tend_status st = tend_db_target_resolve(&t, &err);
    if (st != TEND_OK) return failed(sub, st, &err);
    if (!strcmp(sub, "up")) return up(&t);
    if (!strcmp(sub, "down")) return down(&t);
    if (!strcmp(sub, "migrate")) return migrate("migrate", &t);
    return status(&t);
}
