/* Running a PostgreSQL program as the server's user (see spawn.h for why a
 * forked child and setuid). */
#define _DEFAULT_SOURCE /* initgroups */
#include "store/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

tend_status tend_pg_user_resolve(tend_pg_user *u, tend_error *err) {
    memset(u, 0, sizeof *u);
    if (geteuid() != 0) {
        u->uid = geteuid();
        u->gid = getegid();
        struct passwd *pw = getpwuid(u->uid);
        if (pw) snprintf(u->name, sizeof u->name, "%s", pw->pw_name);
        else snprintf(u->name, sizeof u->name, "uid %ld", (long)u->uid);
        return TEND_OK;
    }
    errno = 0;
    struct passwd *pw = getpwnam("postgres");
    if (!pw)
        return tend_fail(err, TEND_EDB,
                         "running as root, the server must run as user 'postgres', and there is none "
                         "(install the PostgreSQL server package, or run tend as another user)");
    u->drop = 1;
    u->uid = pw->pw_uid;
    u->gid = pw->pw_gid;
    snprintf(u->name, sizeof u->name, "%s", pw->pw_name);
    return TEND_OK;
}

enum { STEP_USER = 1, STEP_DIR, STEP_STDIN, STEP_LOG, STEP_EXEC };

typedef struct {
    int step, err;
} child_report;

/* In the child: only async-signal-safe calls from here to exec (initgroups
 * is the exception POSIX does not bless; it reads /etc/group, as su does). */
static void child(int report, const tend_pg_user *u, const char *dir, const char *log, char *const argv[]) {
    child_report r = {0, 0};
    int fd;
    if (u->drop && (initgroups(u->name, u->gid) != 0 || setgid(u->gid) != 0 || setuid(u->uid) != 0)) {
        r.step = STEP_USER;
        goto fail;
    }
    if (chdir(dir) != 0) {
        r.step = STEP_DIR;
        goto fail;
    }
    if ((fd = open("/dev/null", O_RDONLY)) < 0 || dup2(fd, 0) < 0) {
        r.step = STEP_STDIN;
        goto fail;
    }
    if (fd > 2) close(fd);
    fd = log ? open(log, O_WRONLY | O_CREAT | O_APPEND, 0600) : open("/dev/null", O_WRONLY);
    if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0) {
        r.step = STEP_LOG;
        goto fail;
    }
    if (fd > 2) close(fd);
    execv(argv[0], argv);
    r.step = STEP_EXEC;
fail:
    r.err = errno;
    (void)!write(report, &r, sizeof r);
    _exit(127);
}

tend_status tend_pg_run(const tend_pg_user *u, const char *dir, const char *log, char *const argv[],
                        int *exit_code, tend_error *err) {
    int p[2];
    if (pipe(p) != 0) return tend_fail(err, TEND_EIO, "pipe: %s", strerror(errno));
    fcntl(p[0], F_SETFD, FD_CLOEXEC);
    fcntl(p[1], F_SETFD, FD_CLOEXEC);
    fflush(NULL); /* nothing buffered gets written twice */
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(p[0]);
        close(p[1]);
        return tend_fail(err, TEND_EIO, "fork: %s", strerror(e));
    }
    if (pid == 0) {
        close(p[0]);
        child(p[1], u, dir, log, argv);
    }
    close(p[1]);
    child_report r = {0, 0};
    ssize_t n;
    do n = read(p[0], &r, sizeof r);
    while (n < 0 && errno == EINTR);
    close(p[0]);
    int ws;
    while (waitpid(pid, &ws, 0) < 0)
        if (errno != EINTR) return tend_fail(err, TEND_EIO, "waitpid: %s", strerror(errno));
    if (n == (ssize_t)sizeof r) {
        const char *what = strerror(r.err);
        switch (r.step) {
        case STEP_USER:
            return tend_fail(err, TEND_EIO, "cannot switch to user %s: %s", u->name, what);
        case STEP_DIR:
            return tend_fail(err, TEND_EIO,
                             "user %s cannot enter %s: %s (every parent folder must be searchable by it: "
                             "chmod o+x them, or set TEND_HOME to a folder it can reach)",
                             u->name, dir, what);
        case STEP_LOG:
            return tend_fail(err, TEND_EIO, "user %s cannot write %s: %s", u->name, log ? log : "/dev/null", what);
        case STEP_EXEC:
            return tend_fail(err, TEND_EIO, "cannot run %s: %s", argv[0], what);
        default:
            return tend_fail(err, TEND_EIO, "cannot run %s: /dev/null: %s", argv[0], what);
        }
    }
    *exit_code = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + (WIFSIGNALED(ws) ? WTERMSIG(ws) : 0);
    return TEND_OK;
}
