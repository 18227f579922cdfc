/* Locating initdb and pg_ctl. */
#include "store/pgbin.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int has_programs(const char *dir) {
    char p[4096]; /* a path too long to hold is no place to look */
    if (snprintf(p, sizeof p, "%s/initdb", dir) >= (int)sizeof p || access(p, X_OK) != 0) return 0;
    if (snprintf(p, sizeof p, "%s/pg_ctl", dir) >= (int)sizeof p) return 0;
    return access(p, X_OK) == 0;
}

static int take(const char *dir, char *out, size_t cap) {
    if (!*dir || !has_programs(dir) || strlen(dir) >= cap) return 0;
    snprintf(out, cap, "%s", dir);
    return 1;
}

static int from_pg_config(char *out, size_t cap) {
    FILE *f = popen("pg_config --bindir 2>/dev/null", "r");
    if (!f) return 0;
    char line[4096] = "";
    if (!fgets(line, sizeof line, f)) line[0] = 0;
    pclose(f);
    line[strcspn(line, "\r\n")] = 0;
    return take(line, out, cap);
}

/* /usr/lib/postgresql/<N>/bin with the highest N (Debian's layout). */
static int from_debian_layout(char *out, size_t cap) {
    DIR *d = opendir("/usr/lib/postgresql");
    if (!d) return 0;
    double best = -1;
    char dir[4096], found[4096] = "";
    struct dirent *e;
    while ((e = readdir(d))) {
        char *end;
        double v = strtod(e->d_name, &end);
        if (end == e->d_name || *end || v <= best) continue;
        snprintf(dir, sizeof dir, "/usr/lib/postgresql/%s/bin", e->d_name);
        if (!has_programs(dir)) continue;
        best = v;
        snprintf(found, sizeof found, "%s", dir);
    }
    closedir(d);
    return take(found, out, cap);
}

static int from_path(char *out, size_t cap) {
    const char *path = getenv("PATH");
    if (!path) return 0;
    while (*path) {
        size_t n = strcspn(path, ":");
        char dir[4096];
        if (n > 0 && n < sizeof dir) {
            snprintf(dir, sizeof dir, "%.*s", (int)n, path);
            if (take(dir, out, cap)) return 1;
        }
        path += n;
        if (*path == ':') path++;
    }
    return 0;
}

tend_status tend_pg_bindir(const char *version, char *out, size_t cap, tend_error *err) {
    const char *env = getenv("TEND_PG_BINDIR");
    if (env && *env) {
        if (take(env, out, cap)) return TEND_OK;
        return tend_fail(err, TEND_EDB, "TEND_PG_BINDIR=%s has no initdb and pg_ctl", env);
    }
    if (version && *version) {
        char dir[4096];
        snprintf(dir, sizeof dir, "/usr/lib/postgresql/%s/bin", version);
        if (take(dir, out, cap)) return TEND_OK;
    }
    if (from_pg_config(out, cap) || from_debian_layout(out, cap) || from_path(out, cap)) return TEND_OK;
    return tend_fail(err, TEND_EDB,
                     "PostgreSQL server programs (initdb, pg_ctl) not found: tried pg_config --bindir, "
                     "/usr/lib/postgresql/*/bin and PATH (install the PostgreSQL server package, set "
                     "TEND_PG_BINDIR, or set TEND_DATABASE_URL to use a server of your own)");
}
