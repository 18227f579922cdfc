/* The serve benchmark's two helpers (tests/bench/serve/run.sh), with libpq:
 *
 *   event_load load CONNINFO RATE SECONDS ACCOUNTS TABLE
 *       inserts RATE rows a second for SECONDS into TABLE (events, or the
 *       floor's floor_events), one transaction each, paced by the clock;
 *       account ids a0..a<ACCOUNTS-1> in turn, `at` the insert's second.
 *   event_load floor CONNINFO
 *       the floor: LISTEN floor_events; on each notification, one INSERT
 *       into floor_out of what arrived (a bare round trip plus one insert,
 *       as tend serve's own minimum). Runs until killed.
 *
 * Latencies are measured afterwards in SQL from commit timestamps
 * (track_commit_timestamp), so neither helper times anything itself. */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int load(PGconn *c, double rate, double seconds, long accounts, const char *table) {
    long n = (long)(rate * seconds);
    char sql[256];
    snprintf(sql, sizeof sql,
             "INSERT INTO %s (tenant, account_id, type, at) VALUES ('default', $1, 'ping', date_trunc('second', clock_timestamp()))",
             table);
    double t0 = now_s(), late = 0;
    for (long i = 0; i < n; i++) {
        double due = t0 + (double)i / rate, wait = due - now_s();
        if (wait > 0) {
            struct timespec ts = {(time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9)};
            nanosleep(&ts, NULL);
        } else if (-wait > late) {
            late = -wait;
        }
        char id[32];
        snprintf(id, sizeof id, "a%ld", i % accounts);
        const char *p[1] = {id};
        PGresult *r = PQexecParams(c, sql, 1, NULL, p, NULL, NULL, 0);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            fprintf(stderr, "event_load: %s", PQerrorMessage(c));
            PQclear(r);
            return 1;
        }
        PQclear(r);
    }
    double took = now_s() - t0;
    printf("%ld rows in %.2f s (%.0f/s; the generator fell behind by %.3f s at most)\n", n, took, (double)n / took,
           late);
    return 0;
}

static int floor_loop(PGconn *c) {
    PQclear(PQexec(c, "LISTEN floor_events"));
    for (;;) {
        int fd = PQsocket(c);
        fd_set set;
        FD_ZERO(&set);
        FD_SET(fd, &set);
        if (select(fd + 1, &set, NULL, NULL, NULL) < 0) return 1;
        if (!PQconsumeInput(c)) return 1;
        PGnotify *n;
        int any = 0;
        while ((n = PQnotifies(c))) {
            any = 1;
            PQfreemem(n);
        }
        if (!any) continue;
        /* What arrived, taken from the queue and answered in one insert
         * (as tend serve takes its woken accounts). */
        PGresult *r = PQexec(c, "WITH q AS (DELETE FROM floor_queue RETURNING seq) "
                                "INSERT INTO floor_out (seq) SELECT seq FROM q");
        PQclear(r);
    }
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: event_load load CONNINFO RATE SECONDS ACCOUNTS TABLE | floor CONNINFO\n");
        return 2;
    }
    PGconn *c = PQconnectdb(argv[2]);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "event_load: %s", PQerrorMessage(c));
        return 1;
    }
    int rc = 2;
    if (!strcmp(argv[1], "load") && argc == 7)
        rc = load(c, atof(argv[3]), atof(argv[4]), atol(argv[5]), argv[6]);
    else if (!strcmp(argv[1], "floor"))
        rc = floor_loop(c);
    PQfinish(c);
    return rc;
}
