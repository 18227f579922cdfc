/* Running PostgreSQL's programs (initdb, pg_ctl) as the user the server
 * runs as: tend's own user, or `postgres` when tend runs as root (the
 * server refuses to run as root).
 *
 * As root the program runs in a forked child that drops to that user
 * (initgroups, setgid, setuid) and then execs the program by absolute path.
 * Not runuser or su: no PAM session or login shell is involved, no argument
 * goes through a shell (paths with spaces or quotes are safe), it works in
 * minimal containers that lack util-linux, and a failure of any step
 * (switching user, entering the folder, exec) comes back to the parent as
 * errno through a close-on-exec pipe, so the message says which step. */
#ifndef TEND_STORE_SPAWN_H
#define TEND_STORE_SPAWN_H

#include <sys/types.h>

#include "base/status.h"

typedef struct {
    int drop;       /* 1: switch to uid/gid in the child (tend runs as root) */
    uid_t uid;
    gid_t gid;
    char name[64];  /* the user's name, for messages */
} tend_pg_user;

/* The server's user: ourselves, or `postgres` when we are root. */
tend_status tend_pg_user_resolve(tend_pg_user *u, tend_error *err);

/* Runs argv (argv[0] an absolute path) as u, in folder dir, standard input
 * from /dev/null, standard output and error appended to log (created 0600
 * by u; NULL: discarded). *exit_code gets its exit status, 128+N if killed
 * by signal N. Fails only when the program could not be run. */
tend_status tend_pg_run(const tend_pg_user *u, const char *dir, const char *log, char *const argv[],
                        int *exit_code, tend_error *err);

#endif
