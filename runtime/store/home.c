/* Resolving $TEND_HOME into the embedded cluster's paths. */
#include "store/home.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

static int fits(int n, size_t cap) { return n >= 0 && (size_t)n < cap; }

tend_status tend_pg_home_resolve(tend_pg_home *h, tend_error *err) {
    const char *env = getenv("TEND_HOME");
    const char *home = env && *env ? env : ".tend";
    char cwd[PATH_MAX];
    int n;
    if (home[0] == '/') {
        n = snprintf(h->home, sizeof h->home, "%s", home);
    } else {
        if (!getcwd(cwd, sizeof cwd))
            return tend_fail(err, TEND_EIO, "cannot resolve %s: current folder: %s", home, strerror(errno));
        while (home[0] == '.' && home[1] == '/') home += 2; /* "./x" -> "x" */
        n = snprintf(h->home, sizeof h->home, "%s%s%s", cwd, strcmp(cwd, "/") ? "/" : "", home);
    }
    if (!fits(n, sizeof h->home)) return tend_fail(err, TEND_EUSAGE, "TEND_HOME: path too long");
    size_t len = strlen(h->home);
    while (len > 1 && h->home[len - 1] == '/') h->home[--len] = 0;
    if (!fits(snprintf(h->pg, sizeof h->pg, "%s/pg", h->home), sizeof h->pg) ||
        !fits(snprintf(h->data, sizeof h->data, "%s/data", h->pg), sizeof h->data) ||
        !fits(snprintf(h->log, sizeof h->log, "%s/server.log", h->pg), sizeof h->log) ||
        !fits(snprintf(h->socket, sizeof h->socket, "%s/.s.PGSQL." TEND_PG_PORT, h->data), sizeof h->socket))
        return tend_fail(err, TEND_EUSAGE, "TEND_HOME: path too long");
    return TEND_OK;
}

int tend_pg_home_socket_fits(const tend_pg_home *h) {
    struct sockaddr_un a;
    return strlen(h->socket) < sizeof a.sun_path;
}
