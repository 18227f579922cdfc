/* The embedded cluster's life cycle: initdb, pg_ctl start/stop/status. */
#include "store/cluster.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/db.h"
#include "store/pgbin.h"

static void read_version(tend_cluster *c) {
    char p[PATH_MAX + 16];
    snprintf(p, sizeof p, "%s/PG_VERSION", c->home.data);
    c->version[0] = 0;
    FILE *f = fopen(p, "r");
    if (!f) return;
    if (!fgets(c->version, sizeof c->version, f)) c->version[0] = 0;
    c->version[strcspn(c->version, "\r\n")] = 0;
    fclose(f);
}

int tend_cluster_exists(const tend_pg_home *h) {
    char p[PATH_MAX + 16];
    snprintf(p, sizeof p, "%s/PG_VERSION", h->data);
    return access(p, F_OK) == 0;
}

tend_status tend_cluster_open(tend_cluster *c, const tend_pg_home *h, tend_error *err) {
    memset(c, 0, sizeof *c);
    c->home = *h;
    read_version(c);
    tend_status st = tend_pg_user_resolve(&c->user, err);
    if (st == TEND_OK) st = tend_pg_bindir(c->version, c->bindir, sizeof c->bindir, err);
    return st;
}

/* The last line of the server log worth showing: the last FATAL/ERROR/PANIC
 * line, else the last line. */
static void log_tail(const char *path, char *out, size_t cap) {
    out[0] = 0;
    FILE *f = fopen(path, "r");
    if (!f) return;
    if (fseek(f, -8192, SEEK_END) != 0) rewind(f);
    char line[1024], last[1024] = "";
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        if (!line[0]) continue;
        if (strstr(line, "FATAL:") || strstr(line, "ERROR:") || strstr(line, "PANIC:") || strstr(line, "error:"))
            snprintf(out, cap, "%s", line);
        snprintf(last, sizeof last, "%s", line);
    }
    fclose(f);
    if (!out[0]) snprintf(out, cap, "%s", last);
}

/* Runs <bindir>/<prog> with args (NULL-terminated) in the pg folder. */
static tend_status run(tend_cluster *c, const char *prog, const char *log, const char *const *args, int *code,
                       tend_error *err) {
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/%s", c->bindir, prog);
    char *argv[24];
    size_t n = 0;
    argv[n++] = path;
    for (size_t i = 0; args[i] && n < 23; i++) argv[n++] = (char *)args[i];
    argv[n] = NULL;
    return tend_pg_run(&c->user, c->home.pg, log, argv, code, err);
}

static tend_status failed(tend_cluster *c, const char *what, int code, tend_error *err) {
    char tail[1024];
    log_tail(c->home.log, tail, sizeof tail);
    return tend_fail(err, TEND_EDB, "%s failed (exit %d)%s%s; the log is %s", what, code, tail[0] ? ": " : "", tail,
                     c->home.log);
}

tend_status tend_cluster_state_get(tend_cluster *c, tend_cluster_state *out, tend_error *err) {
    read_version(c);
    if (!c->version[0]) {
        *out = TEND_CLUSTER_ABSENT;
        return TEND_OK;
    }
    int code;
    const char *args[] = {"status", "-D", c->home.data, NULL};
    tend_status st = run(c, "pg_ctl", NULL, args, &code, err);
    if (st != TEND_OK) return st;
    if (code == 0) *out = TEND_CLUSTER_RUNNING;
    else if (code == 3) *out = TEND_CLUSTER_STOPPED;
    else return tend_fail(err, TEND_EDB, "pg_ctl status -D %s: exit %d (is the data folder readable by %s?)",
                          c->home.data, code, c->user.name);
    return TEND_OK;
}

/* mkdir that is fine when the folder exists. */
static int ensure_dir(const char *path, mode_t mode, int *created) {
    *created = 0;
    if (mkdir(path, mode) == 0) {
        *created = 1;
        return 0;
    }
    struct stat s;
    if (errno == EEXIST && stat(path, &s) == 0 && S_ISDIR(s.st_mode)) return 0;
    if (errno == EEXIST) errno = ENOTDIR;
    return -1;
}

/* $TEND_HOME (searchable by the server's user) and pg/ (owned by it). */
static tend_status make_folders(tend_cluster *c, tend_error *err) {
    int created;
    char parent[PATH_MAX];
    snprintf(parent, sizeof parent, "%s", c->home.home);
    /* mkdir -p for TEND_HOME's own missing parents. */
    for (char *s = parent + 1; (s = strchr(s, '/')); s++) {
        *s = 0;
        if (ensure_dir(parent, 0755, &created) != 0)
            return tend_fail(err, TEND_EIO, "cannot create %s: %s", parent, strerror(errno));
        *s = '/';
    }
    if (ensure_dir(c->home.home, 0755, &created) != 0)
        return tend_fail(err, TEND_EIO, "cannot create %s: %s", c->home.home, strerror(errno));
    if (created && c->user.drop) chmod(c->home.home, 0755); /* whatever the umask: postgres must get through */
    if (ensure_dir(c->home.pg, 0700, &created) != 0)
        return tend_fail(err, TEND_EIO, "cannot create %s: %s", c->home.pg, strerror(errno));
    struct stat s;
    if (c->user.drop && stat(c->home.pg, &s) == 0 && (s.st_uid != c->user.uid || s.st_gid != c->user.gid) &&
        chown(c->home.pg, c->user.uid, c->user.gid) != 0)
        return tend_fail(err, TEND_EIO, "cannot give %s to user %s: %s", c->home.pg, c->user.name, strerror(errno));
    return TEND_OK;
}

/* Private: no TCP at all; the socket in the data folder (relative to it, so
 * the folder can move), reachable only by the server's user (and root). */
static const char private_settings[] =
    "\n# Added by `tend db up`: a private cluster, reachable only through the\n"
    "# Unix socket in this data folder.\n"
    "listen_addresses = ''\n"
    "unix_socket_directories = '.'\n"
    "unix_socket_permissions = 0700\n"
    "port = " TEND_PG_PORT "\n";

tend_status tend_cluster_init(tend_cluster *c, tend_error *err) {
    if (!tend_pg_home_socket_fits(&c->home))
        return tend_fail(err, TEND_EDB, "the socket path %s is too long for a Unix socket: set TEND_HOME to a shorter path",
                         c->home.socket);
    tend_status st = make_folders(c, err);
    if (st != TEND_OK) return st;
    int code;
    const char *args[] = {"-D", c->home.data, "-U", TEND_PG_USER, "--auth=trust", "--encoding=UTF8", "--locale=C", NULL};
    if ((st = run(c, "initdb", c->home.log, args, &code, err)) != TEND_OK) return st;
    if (code != 0) return failed(c, "initdb", code, err);
    char conf[PATH_MAX + 32];
    snprintf(conf, sizeof conf, "%s/postgresql.conf", c->home.data);
    FILE *f = fopen(conf, "a");
    if (!f || fputs(private_settings, f) < 0 || fclose(f) != 0) {
        int e = errno;
        if (f) fclose(f);
        return tend_fail(err, TEND_EIO, "cannot write %s: %s", conf, strerror(e));
    }
    read_version(c);
    return TEND_OK;
}

tend_status tend_cluster_start(tend_cluster *c, tend_error *err) {
    if (!tend_pg_home_socket_fits(&c->home))
        return tend_fail(err, TEND_EDB, "the socket path %s is too long for a Unix socket: set TEND_HOME to a shorter path",
                         c->home.socket);
    tend_status st = make_folders(c, err); /* pg/ may have been handed to another user since */
    if (st != TEND_OK) return st;
    int code;
    const char *args[] = {"start", "-D", c->home.data, "-l", c->home.log, "-w", "-t", "60", "-s", NULL};
    if ((st = run(c, "pg_ctl", c->home.log, args, &code, err)) != TEND_OK) return st;
    return code == 0 ? TEND_OK : failed(c, "pg_ctl start", code, err);
}

tend_status tend_cluster_stop(tend_cluster *c, tend_error *err) {
    int code;
    const char *args[] = {"stop", "-D", c->home.data, "-m", "fast", "-w", "-t", "60", "-s", NULL};
    tend_status st = run(c, "pg_ctl", c->home.log, args, &code, err);
    if (st != TEND_OK) return st;
    return code == 0 ? TEND_OK : failed(c, "pg_ctl stop", code, err);
}

tend_status tend_cluster_ensure_database(tend_cluster *c, int *created, tend_error *err) {
    *created = 0;
    PGconn *conn;
    tend_status st = tend_db_connect_embedded(&c->home, "postgres", &conn, err);
    if (st != TEND_OK) return st;
    const char *params[] = {TEND_PG_DATABASE};
    PGresult *r = PQexecParams(conn, "SELECT 1 FROM pg_database WHERE datname = $1", 1, NULL, params, NULL, NULL, 0);
    char why[512];
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        st = tend_fail(err, TEND_EDB, "looking for database %s: %s", TEND_PG_DATABASE,
                       tend_db_error(r, conn, why, sizeof why));
    } else if (PQntuples(r) == 0) {
        PQclear(r);
        /* A constant identifier: nothing from outside goes into this SQL. */
        r = PQexec(conn, "CREATE DATABASE " TEND_PG_DATABASE);
        const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        if (PQresultStatus(r) == PGRES_COMMAND_OK) *created = 1;
        else if (!state || strcmp(state, "42P04") != 0) /* 42P04: created meanwhile by another tend */
            st = tend_fail(err, TEND_EDB, "creating database %s: %s", TEND_PG_DATABASE,
                           tend_db_error(r, conn, why, sizeof why));
    }
    PQclear(r);
    PQfinish(conn);
    return st;
}
