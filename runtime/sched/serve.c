/* tend serve (see serve.h): the main thread takes woken accounts (events)
 * and reloads; a thread runs due schedules; a thread delivers. Each has
 * connections of its own. */
#include "sched/serve.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/isotime.h"
#include "endpoint/instrument.h"
#include "notify/deliver.h"
#include "notify/outbox.h"
#include "sched/cron.h"
#include "sched/nightly.h"
#include "store/runs.h"

extern char **environ;

/* Accounts taken per claim of woken accounts. */
#define WAKE_BATCH 500

typedef struct {
    char name[128], expr[160], zone_name[80], run[64];
    int skip; /* catch_up = "skip": occurrences missed while down do not run */
    tend_cron *cron;
    tend_zone *zone;
    int64_t next; /* the next occurrence to run (UTC seconds) */
} schedule;

typedef struct {
    const tend_serve_tenant *t;
    char dir[PATH_MAX]; /* the validated copy evaluated now */
    char digest[80];
    schedule *sched;
    size_t nsched;
    tend_notify_config cfg;
    int cfg_loaded;
    tend_send_policy policy;
    int has_policy;
} tenant_state;

typedef struct {
    const tend_serve_opts *o;
    const tend_db_target *db;
    tenant_state *ts;
    size_t n;
    pthread_mutex_t mu; /* ts[].dir and ts[].sched (a reload swaps them) */
    char **old_dirs;    /* copies replaced by a reload, removed at exit (a run may still read one) */
    size_t nold;
} server;

/* One log line: through the structured logger when there is one (its
 * fields: the ids and counts of what was done), else as text on o->log. */
static void say_fields(const server *s, tend_log_level level, const tend_log_field *f, size_t nf, const char *fmt,
                       ...) __attribute__((format(printf, 5, 6)));
static void say_fields(const server *s, tend_log_level level, const tend_log_field *f, size_t nf, const char *fmt,
                       ...) {
    if (!s->o->logger && !s->o->log) return;
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (s->o->logger) {
        tend_log_emit(s->o->logger, level, line, f, nf);
        return;
    }
    char when[21];
    tend_time_format((int64_t)time(NULL), when);
    fprintf(s->o->log, "%s tend serve: %s\n", when, line);
    fflush(s->o->log);
}
#define say(s, ...) say_fields((s), TEND_LOG_INFO, NULL, 0, __VA_ARGS__)
#define FIELDS(...) (const tend_log_field[]){__VA_ARGS__}, sizeof((const tend_log_field[]){__VA_ARGS__}) / sizeof(tend_log_field)

/* Problems a playbook load or a run reported (one per line). */
static void say_problems(const server *s, tend_buf *problems) {
    if (!problems->len) return;
    if (!s->o->logger) {
        if (s->o->log) fputs(tend_buf_cstr(problems), s->o->log);
        return;
    }
    const char *p = tend_buf_cstr(problems);
    while (*p) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len) say_fields(s, TEND_LOG_WARN, NULL, 0, "%.*s", (int)(len > 2000 ? 2000 : len), p);
        p += len + (end ? 1 : 0);
    }
}

static int stopping(const server *s) { return s->o->stop && *s->o->stop; }

/* Sleeps up to ms, waking early when stopping. */
static void nap(const server *s, long ms) {
    for (long left = ms; left > 0 && !stopping(s); left -= 50) {
        struct timespec ts = {0, (left < 50 ? left : 50) * 1000000L};
        nanosleep(&ts, NULL);
    }
}

/* ---- the playbook's private copy ------------------------------------------------ */

static int spawn_wait(char *const argv[]) {
    pid_t pid;
    if (posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ) != 0) return -1;
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void remove_dir(const char *dir) {
    if (*dir) spawn_wait((char *[]){"rm", "-rf", (char *)dir, NULL});
}

/* Copies src into a new folder under data_dir/serve. */
static tend_status snapshot(const server *s, const char *tenant, const char *src, char out[PATH_MAX],
                            tend_error *err) {
    char base[PATH_MAX], from[PATH_MAX + 4];
    snprintf(base, sizeof base, "%s/serve", s->o->data_dir);
    mkdir(s->o->data_dir, 0755);
    if (mkdir(base, 0755) != 0 && errno != EEXIST)
        return tend_fail(err, TEND_EIO, "%s: %s", base, strerror(errno));
    char safe[64];
    size_t i = 0;
    for (; tenant[i] && i < sizeof safe - 1; i++)
        safe[i] = (tenant[i] == '/' || tenant[i] == '.') ? '_' : tenant[i];
    safe[i] = 0;
    snprintf(out, PATH_MAX, "%.3000s/%.60s-XXXXXX", base, safe);
    if (!mkdtemp(out)) return tend_fail(err, TEND_EIO, "%s: %s", out, strerror(errno));
    snprintf(from, sizeof from, "%s/.", src);
    if (spawn_wait((char *[]){"cp", "-R", from, out, NULL}) != 0) {
        remove_dir(out);
        return tend_fail(err, TEND_EIO, "cannot copy the playbook %s", src);
    }
    return TEND_OK;
}

/* ---- schedules ------------------------------------------------------------------ */

static void free_schedules(schedule *sc, size_t n) {
    for (size_t i = 0; i < n; i++) {
        tend_cron_free(sc[i].cron);
        tend_zone_free(sc[i].zone);
    }
    free(sc);
}

/* The playbook's schedules, from the lines its summary gives ("schedule
 * nightly (0 2 * * * America/Sao_Paulo -> evaluate_all[, catch_up skip])"). */
static tend_status read_schedules(const tend_playbook *pb, schedule **out, size_t *n, tend_error *err) {
    *out = NULL;
    *n = 0;
    const char *sum = tend_playbook_summary(pb);
    tend_status rc = TEND_OK;
    for (const char *line = sum; line && *line && rc == TEND_OK;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char buf[512];
        snprintf(buf, sizeof buf, "%.*s", (int)len, line);
        line = end ? end + 1 : NULL;
        if (strncmp(buf, "schedule ", 9) != 0) continue;
        char *name = buf + 9;
        while (*name == ' ') name++;
        char *open = strstr(name, " ("), *arrow = strstr(name, " -> "), *close = strrchr(name, ')');
        if (!open || !arrow || !close || arrow < open) continue;
        *open = *arrow = *close = 0;
        schedule sc = {0};
        snprintf(sc.name, sizeof sc.name, "%.127s", name);
        char *skip = strstr(arrow + 4, ", catch_up skip");
        if (skip) *skip = 0;
        sc.skip = skip != NULL;
        snprintf(sc.run, sizeof sc.run, "%.63s", arrow + 4);
        /* The expression, then a zone when one was given. */
        char *expr = open + 2, *last = strrchr(expr, ' ');
        int fields = 1;
        for (char *c = expr; *c; c++) fields += *c == ' ';
        if (last && ((expr[0] == '@' && fields == 2) || (expr[0] != '@' && fields == 6))) {
            *last = 0;
            snprintf(sc.zone_name, sizeof sc.zone_name, "%.79s", last + 1);
        }
        snprintf(sc.expr, sizeof sc.expr, "%.159s", expr);
        rc = tend_cron_parse(sc.expr, &sc.cron, err);
        if (rc == TEND_OK) rc = tend_zone_load(sc.zone_name[0] ? sc.zone_name : NULL, &sc.zone, err);
        if (rc != TEND_OK) {
            tend_cron_free(sc.cron);
            break;
        }
        schedule *grown = realloc(*out, (*n + 1) * sizeof **out);
        if (!grown) abort();
        *out = grown;
        (*out)[(*n)++] = sc;
    }
    if (rc != TEND_OK) {
        free_schedules(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

/* When each schedule runs next: the occurrence after the last one run; if
 * that is already past (downtime), the latest one missed runs once now
 * (catch_up = "once"), or none of them ("skip"): the next one to come. */
static void plan(const server *s, PGconn *c, const char *tenant, schedule *sc, size_t n) {
    int64_t now = (int64_t)time(NULL);
    for (size_t i = 0; i < n; i++) {
        const char *p[2] = {tenant, sc[i].name};
        PGresult *r = NULL;
        tend_error e;
        int64_t last = now, next;
        if (tend_db_exec(c, "serve: schedules",
                         "SELECT extract(epoch FROM max(occurrence))::bigint FROM job_runs "
                         "WHERE tenant = $1 AND schedule = $2",
                         2, p, &r, &e) == TEND_OK) {
            if (!PQgetisnull(r, 0, 0)) last = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
            PQclear(r);
        }
        if (tend_cron_next(sc[i].cron, sc[i].zone, last, &next, &e) != TEND_OK) {
            sc[i].next = INT64_MAX;
            continue;
        }
        /* Missed while down: only the latest of them runs, or none. */
        if (next <= now && sc[i].skip && tend_cron_next(sc[i].cron, sc[i].zone, now, &next, &e) != TEND_OK)
            next = INT64_MAX;
        int64_t after;
        for (int k = 0; next <= now && k < 1000000; k++) {
            if (tend_cron_next(sc[i].cron, sc[i].zone, next, &after, &e) != TEND_OK || after > now) break;
            next = after;
        }
        sc[i].next = next;
        char when[TEND_ZONE_TIME_MAX];
        tend_zone_format(sc[i].zone, next, when);
        say(s, "tenant %s: schedule %s (%s) next at %s%s", tenant, sc[i].name, sc[i].expr, when,
            next <= now ? " (missed while down: runs now)" : "");
    }
}

/* ---- loading and reloading -------------------------------------------------------- */

/* Validates the tenant's playbook from a fresh copy and, when it loads,
 * makes it the one evaluated; otherwise the old one stays. */
static tend_status load_playbook(server *s, tenant_state *ts, PGconn *c, tend_error *err) {
    char dir[PATH_MAX];
    tend_status rc = snapshot(s, ts->t->name, ts->t->playbook, dir, err);
    if (rc != TEND_OK) return rc;
    tend_playbook *pb = NULL;
    tend_buf problems = {0};
    schedule *sc = NULL;
    size_t nsc = 0;
    rc = tend_playbook_open(dir, &s->o->playbook, &pb, &problems, err);
    if (rc == TEND_OK) rc = read_schedules(pb, &sc, &nsc, err);
    if (rc != TEND_OK) {
        say_problems(s, &problems);
        if (pb) tend_playbook_close(pb);
        tend_buf_free(&problems);
        remove_dir(dir);
        return rc;
    }
    if (c) plan(s, c, ts->t->name, sc, nsc);
    pthread_mutex_lock(&s->mu);
    if (ts->dir[0]) {
        char **grown = realloc(s->old_dirs, (s->nold + 1) * sizeof *grown);
        if (!grown) abort();
        s->old_dirs = grown;
        s->old_dirs[s->nold++] = strdup(ts->dir);
    }
    snprintf(ts->dir, sizeof ts->dir, "%s", dir);
    snprintf(ts->digest, sizeof ts->digest, "%s", tend_playbook_digest(pb));
    free_schedules(ts->sched, ts->nsched);
    ts->sched = sc;
    ts->nsched = nsc;
    pthread_mutex_unlock(&s->mu);
    tend_playbook_close(pb);
    tend_buf_free(&problems);
    return TEND_OK;
}

static void reload(server *s, PGconn *c) {
    for (size_t i = 0; i < s->n; i++) {
        tend_error e;
        char before[80];
        snprintf(before, sizeof before, "%s", s->ts[i].digest);
        if (load_playbook(s, &s->ts[i], c, &e) == TEND_OK)
            say(s, "SIGHUP: tenant %s: playbook %s reloaded (%s%s)", s->ts[i].t->name, s->ts[i].t->playbook,
                s->ts[i].digest, strcmp(before, s->ts[i].digest) ? "" : ", unchanged");
        else
            say_fields(s, TEND_LOG_WARN, NULL, 0, "SIGHUP: tenant %s: the new playbook does not load, keeping the old one (%s): %s",
                s->ts[i].t->name, before, e.msg);
    }
}

/* ---- running an occurrence (scheduled, or woken accounts) --------------------- */

typedef struct {
    PGconn *c[3];
} conns;

static tend_status connect3(const server *s, conns *k, tend_error *err) {
    memset(k, 0, sizeof *k);
    tend_status rc = TEND_OK;
    for (int i = 0; i < 3 && rc == TEND_OK; i++) rc = tend_db_connect(s->db, &k->c[i], err);
    return rc;
}

static void close3(conns *k) {
    for (int i = 0; i < 3; i++)
        if (k->c[i]) PQfinish(k->c[i]);
    memset(k, 0, sizeof *k);
}

typedef struct {
    const tend_ops_metrics *ops;
    const char *tenant;
} result_sink;

/* Every result line: the rules it fired, counted per rule. */
static void on_result(void *ud, const char *line, size_t len) {
    const result_sink *r = ud;
    tend_instrument_result(r->ops, r->tenant, line, len);
}

static double now_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A run as the metrics count it: status ok / failed / skipped. A worker
 * that did part of a run counts its accounts; the run itself counts once,
 * where it finished. */
static void count_run(const server *s, const char *job, const char *tenant, const tend_nightly_stats *st,
                      tend_status rc, double seconds) {
    const tend_ops_metrics *ops = s->o->ops;
    if (!ops) return;
    if (rc == TEND_OK && st->skipped) {
        tend_instrument_run(ops, job, tenant, "skipped", seconds, 0, 0);
    } else if (rc != TEND_OK || st->finished) {
        int ok = rc == TEND_OK && strcmp(st->run_status, "succeeded") == 0;
        tend_instrument_run(ops, job, tenant, ok ? "ok" : "failed", seconds, rc == TEND_OK ? st->evaluated : 0,
                            rc == TEND_OK ? st->failed : 0);
    } else {
        tend_metric_add(ops->accounts_evaluated, TEND_LABELS(tenant), (double)st->evaluated);
        tend_metric_add(ops->accounts_failed, TEND_LABELS(tenant), (double)st->failed);
    }
}

static tend_status run_occurrence(server *s, conns *k, tenant_state *ts, tend_nightly_opts *no,
                                  tend_nightly_stats *st, tend_error *err) {
    char dir[PATH_MAX], digest[80];
    pthread_mutex_lock(&s->mu);
    snprintf(dir, sizeof dir, "%s", ts->dir);
    snprintf(digest, sizeof digest, "%s", ts->digest);
    pthread_mutex_unlock(&s->mu);
    no->tenant = ts->t->name;
    no->playbook_dir = dir;
    /* Woken accounts only: a schedule may need a population pass, which
     * only opening the playbook tells. */
    if (no->accounts) no->digest = digest;
    no->playbook = s->o->playbook;
    no->owner = s->o->owner;
    no->stop = s->o->stop;
    result_sink sink = {s->o->ops, ts->t->name};
    if (s->o->ops) {
        no->on_result = on_result;
        no->on_result_ud = &sink;
    }
    tend_buf problems = {0};
    tend_status rc = tend_nightly_run(k->c[0], k->c[1], k->c[2], no, st, &problems, err);
    say_problems(s, &problems);
    tend_buf_free(&problems);
    return rc;
}

/* ---- the schedules thread ---------------------------------------------------------- */

static void *schedules_main(void *ud) {
    server *s = ud;
    conns k = {{0}};
    while (!stopping(s)) {
        tend_error err;
        if (!k.c[0] && connect3(s, &k, &err) != TEND_OK) {
            say_fields(s, TEND_LOG_WARN, FIELDS(TEND_LOG_S("error", err.msg)), "schedules: %s (retrying)", err.msg);
            close3(&k);
            nap(s, 2000);
            continue;
        }
        int64_t now = (int64_t)time(NULL);
        for (size_t t = 0; t < s->n && !stopping(s); t++) {
            tenant_state *ts = &s->ts[t];
            for (size_t i = 0; !stopping(s); i++) {
                pthread_mutex_lock(&s->mu);
                int due = i < ts->nsched && ts->sched[i].next <= now;
                schedule sc = i < ts->nsched ? ts->sched[i] : (schedule){0};
                if (due) { /* the next one is planned now, whatever this run does */
                    tend_error e;
                    if (tend_cron_next(sc.cron, sc.zone, now > sc.next ? now : sc.next, &ts->sched[i].next, &e))
                        ts->sched[i].next = INT64_MAX;
                }
                size_t n = ts->nsched;
                pthread_mutex_unlock(&s->mu);
                if (i >= n) break;
                if (!due) continue;
                char occ[21];
                tend_time_format(sc.next, occ);
                tend_nightly_opts no = {.schedule = sc.name, .job = sc.run, .occurrence = occ, .now = sc.next,
                                        .jobs = s->o->jobs > 0 ? s->o->jobs : 1};
                tend_nightly_stats st;
                memset(&st, 0, sizeof st);
                double began = now_seconds();
                tend_status rc = run_occurrence(s, &k, ts, &no, &st, &err);
                count_run(s, sc.run, ts->t->name, &st, rc, now_seconds() - began);
                for (int t = 0; t < st.takeovers; t++) tend_instrument_lease_takeover(s->o->ops);
                if (st.takeovers)
                    say_fields(s, TEND_LOG_WARN,
                               FIELDS(TEND_LOG_S("tenant", ts->t->name), TEND_LOG_S("schedule", sc.name),
                                      TEND_LOG_I("run", st.run_id), TEND_LOG_I("takeovers", st.takeovers)),
                               "tenant %s: schedule %s: run %" PRId64 ": took over %d shard%s from a worker that was gone",
                               ts->t->name, sc.name, st.run_id, st.takeovers, st.takeovers == 1 ? "" : "s");
                if (rc != TEND_OK) {
                    say_fields(s, TEND_LOG_ERROR,
                               FIELDS(TEND_LOG_S("tenant", ts->t->name), TEND_LOG_S("schedule", sc.name),
                                      TEND_LOG_S("occurrence", occ), TEND_LOG_S("error", err.msg)),
                               "tenant %s: schedule %s at %s: %s", ts->t->name, sc.name, occ, err.msg);
                    if (rc == TEND_EDB) close3(&k);
                } else if (st.skipped) {
                    say_fields(s, TEND_LOG_INFO,
                               FIELDS(TEND_LOG_S("tenant", ts->t->name), TEND_LOG_S("schedule", sc.name),
                                      TEND_LOG_S("occurrence", occ), TEND_LOG_I("run", st.run_id)),
                               "tenant %s: schedule %s at %s: already run (run %" PRId64 ")", ts->t->name, sc.name,
                               occ, st.run_id);
                } else {
                    say_fields(s, TEND_LOG_INFO,
                               FIELDS(TEND_LOG_S("tenant", ts->t->name), TEND_LOG_S("schedule", sc.name),
                                      TEND_LOG_S("occurrence", occ), TEND_LOG_I("run", st.run_id),
                                      TEND_LOG_I("shards", st.shards_done), TEND_LOG_I("accounts", st.accounts),
                                      TEND_LOG_I("failed", st.failed),
                                      TEND_LOG_S("status", st.finished ? st.run_status : (st.busy ? "shared" : "part")),
                                      TEND_LOG_N("seconds", now_seconds() - began)),
                               "tenant %s: schedule %s at %s: run %" PRId64 ": %zu accounts here%s%s", ts->t->name,
                               sc.name, occ, st.run_id, st.accounts,
                        st.finished ? ", run " : (st.busy ? ", the rest owned by other processes" : ""),
                        st.finished ? st.run_status : "");
                }
                if (!k.c[0]) break;
            }
        }
        nap(s, 1000);
    }
    close3(&k);
    return NULL;
}

/* ---- the delivery thread ----------------------------------------------------------- */

static void *deliver_main(void *ud) {
    server *s = ud;
    PGconn *c = NULL;
    while (!stopping(s)) {
        tend_error err;
        if (!c && tend_outbox_connect(&c, &err) != TEND_OK) {
            say_fields(s, TEND_LOG_WARN, FIELDS(TEND_LOG_S("error", err.msg)), "deliver: %s (retrying)", err.msg);
            c = NULL;
            nap(s, 2000);
            continue;
        }
        long long sent = 0;
        for (size_t t = 0; t < s->n && !stopping(s); t++) {
            tenant_state *ts = &s->ts[t];
            tend_deliver_opts o = {.mode = TEND_DELIVER_UNTIL_EMPTY, .concurrency = 32, .tenant = ts->t->name,
                                   .stop = s->o->stop, .policy = ts->has_policy ? &ts->policy : NULL,
                                   .on_attempt = s->o->ops ? tend_instrument_on_attempt : NULL,
                                   .ud = (void *)s->o->ops};
            tend_deliver_stats ds;
            /* Each run prepares its statements anew on the connection. */
            PQclear(PQexec(c, "DEALLOCATE ALL"));
            if (tend_deliver_run(c, &ts->cfg, &o, &ds, &err) != TEND_OK) {
                say_fields(s, TEND_LOG_ERROR, FIELDS(TEND_LOG_S("tenant", ts->t->name), TEND_LOG_S("error", err.msg)),
                           "deliver: tenant %s: %s", ts->t->name, err.msg);
                PQfinish(c);
                c = NULL;
                break;
            }
            if (ds.attempts)
                say_fields(s, TEND_LOG_INFO,
                           FIELDS(TEND_LOG_S("tenant", ts->t->name), TEND_LOG_I("attempts", ds.attempts),
                                  TEND_LOG_I("sent", ds.sent), TEND_LOG_I("retry", ds.retried),
                                  TEND_LOG_I("dead", ds.dead)),
                           "deliver: tenant %s: %lld sent, %lld to retry, %lld dead-lettered", ts->t->name, ds.sent,
                           ds.retried, ds.dead);
            sent += ds.attempts;
        }
        if (!sent) nap(s, 500);
    }
    if (c) PQfinish(c);
    return NULL;
}

/* ---- woken accounts (the main thread) ---------------------------------------------- */

/* Claims up to WAKE_BATCH woken accounts of the tenant, evaluates them as
 * of now and lets their rows go; *claimed says how many. */
static tend_status wake(server *s, conns *k, tenant_state *ts, int *claimed, tend_error *err) {
    PGconn *c = k->c[2];
    const char *p[3] = {ts->t->name, s->o->owner, NULL};
    char limit[16];
    snprintf(limit, sizeof limit, "%d", WAKE_BATCH);
    p[2] = limit;
    PGresult *r;
    *claimed = 0;
    tend_status rc = tend_db_exec(c, "serve: claiming woken accounts",
                                  "UPDATE account_wakeups w SET claimed_by = $2, claimed_at = clock_timestamp(), "
                                  "claimed_until = now() + interval '5 minutes' "
                                  "FROM (SELECT tenant, account_id FROM account_wakeups WHERE tenant = $1 "
                                  "      AND (claimed_until IS NULL OR claimed_until < now()) ORDER BY woken_at "
                                  "      LIMIT $3::int FOR UPDATE SKIP LOCKED) x "
                                  "WHERE w.tenant = x.tenant AND w.account_id = x.account_id "
                                  "RETURNING w.account_id, extract(epoch FROM w.woken_at)::float8",
                                  3, p, &r, err);
    if (rc != TEND_OK) return rc;
    int n = PQntuples(r);
    *claimed = n;
    if (n == 0) {
        PQclear(r);
        return TEND_OK;
    }
    tend_buf ids = {0};
    tend_runs_text_array(r, 0, &ids);
    /* The earliest wakeup of the batch: its event's wait for the outbox. */
    double woken = 0;
    for (int i = 0; i < n; i++) {
        double w = strtod(PQgetvalue(r, i, 1), NULL);
        if (i == 0 || w < woken) woken = w;
    }
    PQclear(r);
    /* Each batch is an occurrence of its own, named by the instant. */
    struct timeval tv;
    gettimeofday(&tv, NULL);
    char sec[21], occ[40];
    tend_time_format((int64_t)tv.tv_sec, sec);
    snprintf(occ, sizeof occ, "%.19s.%06ldZ", sec, (long)tv.tv_usec);
    /* As of the next whole second: every event committed so far is seen. */
    tend_nightly_opts no = {.schedule = "events", .job = "events", .occurrence = occ, .now = (int64_t)tv.tv_sec + 1,
                            .accounts = tend_buf_cstr(&ids), .live = 1, .shards = 1, .jobs = 1};
    tend_nightly_stats st;
    memset(&st, 0, sizeof st);
    double began = now_seconds();
    rc = run_occurrence(s, k, ts, &no, &st, err);
    count_run(s, "events", ts->t->name, &st, rc, now_seconds() - began);
    if (rc == TEND_OK && st.outbox > 0) tend_instrument_event_to_outbox(s->o->ops, woken, now_seconds());
    const char *q[3] = {ts->t->name, s->o->owner, tend_buf_cstr(&ids)};
    tend_error e2;
    if (rc == TEND_OK && !st.interrupted) {
        /* Done, unless an event came after the claim: that row stays, free. */
        tend_status rc2 = tend_db_exec(c, "serve: woken accounts done",
                                       "WITH gone AS (DELETE FROM account_wakeups WHERE tenant = $1 AND claimed_by = $2 "
                                       "  AND account_id = ANY ($3::text[]) AND woken_at <= claimed_at RETURNING 1) "
                                       "UPDATE account_wakeups SET claimed_by = NULL, claimed_until = NULL "
                                       "WHERE tenant = $1 AND claimed_by = $2 AND account_id = ANY ($3::text[]) "
                                       "AND woken_at > claimed_at",
                                       3, q, NULL, &e2);
        if (rc2 != TEND_OK) {
            *err = e2;
            rc = rc2;
        }
        say_fields(s, TEND_LOG_INFO,
                   FIELDS(TEND_LOG_S("tenant", ts->t->name), TEND_LOG_I("run", st.run_id), TEND_LOG_I("accounts", n),
                          TEND_LOG_I("failed", st.failed), TEND_LOG_I("outbox", st.outbox),
                          TEND_LOG_I("tasks", st.tasks), TEND_LOG_N("seconds", now_seconds() - began)),
                   "tenant %s: %d woken account%s evaluated (run %" PRId64 "): %lld outbox rows, %lld tasks",
                   ts->t->name, n, n == 1 ? "" : "s", st.run_id, st.outbox, st.tasks);
    } else {
        (void)tend_db_exec(c, "serve: woken accounts given back",
                           "UPDATE account_wakeups SET claimed_by = NULL, claimed_until = NULL "
                           "WHERE tenant = $1 AND claimed_by = $2 AND account_id = ANY ($3::text[])",
                           3, q, NULL, &e2);
    }
    tend_buf_free(&ids);
    return rc;
}

/* Waits for a NOTIFY on the listening connection, up to seconds. */
static void wait_notify(PGconn *listen, double seconds) {
    int fd = PQsocket(listen);
    if (fd < 0) return;
    fd_set set;
    FD_ZERO(&set);
    FD_SET(fd, &set);
    struct timeval tv = {(time_t)seconds, (suseconds_t)((seconds - (double)(time_t)seconds) * 1e6)};
    select(fd + 1, &set, NULL, NULL, &tv);
    PQconsumeInput(listen);
    PGnotify *n;
    while ((n = PQnotifies(listen))) PQfreemem(n);
}

static void events_loop(server *s) {
    conns k = {{0}};
    PGconn *listen = NULL;
    double poll = s->o->poll_seconds > 0 ? s->o->poll_seconds : 1.0;
    while (!stopping(s)) {
        tend_error err;
        if (s->o->reload && *s->o->reload) {
            *s->o->reload = 0;
            reload(s, k.c[2]);
        }
        if (!s->o->events) {
            nap(s, 200);
            continue;
        }
        if (!listen) {
            if (tend_db_connect(s->db, &listen, &err) != TEND_OK ||
                tend_db_exec(listen, "serve: LISTEN", "LISTEN tend_events", 0, NULL, NULL, &err) != TEND_OK) {
                say_fields(s, TEND_LOG_WARN, FIELDS(TEND_LOG_S("error", err.msg)), "events: %s (retrying)", err.msg);
                if (listen) PQfinish(listen);
                listen = NULL;
                nap(s, 2000);
                continue;
            }
        }
        if (!k.c[0] && connect3(s, &k, &err) != TEND_OK) {
            say_fields(s, TEND_LOG_WARN, FIELDS(TEND_LOG_S("error", err.msg)), "events: %s (retrying)", err.msg);
            close3(&k);
            nap(s, 2000);
            continue;
        }
        int busy = 0;
        for (size_t t = 0; t < s->n && !stopping(s); t++) {
            int claimed;
            if (wake(s, &k, &s->ts[t], &claimed, &err) != TEND_OK) {
                say_fields(s, TEND_LOG_ERROR, FIELDS(TEND_LOG_S("tenant", s->ts[t].t->name), TEND_LOG_S("error", err.msg)),
                           "events: tenant %s: %s", s->ts[t].t->name, err.msg);
                close3(&k);
                PQfinish(listen);
                listen = NULL;
                break;
            }
            busy |= claimed == WAKE_BATCH;
        }
        /* A full batch: more may be waiting; otherwise wait for a NOTIFY
         * (or the poll interval: a missed one costs at most that). */
        if (!busy && listen && !stopping(s)) wait_notify(listen, poll);
    }
    close3(&k);
    if (listen) PQfinish(listen);
}

/* ---- the process -------------------------------------------------------------------- */

tend_status tend_serve_run(const tend_db_target *db, const tend_serve_opts *o, tend_error *err) {
    server s = {.o = o, .db = db, .n = o->ntenants};
    pthread_mutex_init(&s.mu, NULL);
    s.ts = calloc(o->ntenants ? o->ntenants : 1, sizeof *s.ts);
    if (!s.ts) abort();
    PGconn *c = NULL;
    tend_status rc = tend_db_connect(db, &c, err);
    for (size_t i = 0; rc == TEND_OK && i < o->ntenants; i++) {
        tenant_state *ts = &s.ts[i];
        ts->t = &o->tenants[i];
        const char *p[1] = {ts->t->name};
        rc = tend_db_exec(c, "serve", "INSERT INTO tenants (id, name) VALUES ($1, $1) ON CONFLICT DO NOTHING", 1, p,
                          NULL, err);
        if (rc == TEND_OK) rc = load_playbook(&s, ts, c, err);
        if (rc == TEND_OK)
            say(&s, "tenant %s: playbook %s (%s), %zu schedule%s", ts->t->name, ts->t->playbook, ts->digest,
                ts->nsched, ts->nsched == 1 ? "" : "s");
        if (rc == TEND_OK && o->deliver) {
            tend_notify_config_opts co = {.file = ts->t->connectors, .playbook_dir = ts->dir,
                                          .data_dir = o->data_dir};
            rc = tend_notify_config_load(&ts->cfg, &co, err);
            ts->cfg_loaded = rc == TEND_OK;
            tend_buf problems = {0};
            if (rc == TEND_OK) rc = tend_policy_load(ts->dir, &ts->policy, &ts->has_policy, &problems, err);
            say_problems(&s, &problems);
            tend_buf_free(&problems);
        }
    }
    if (c) PQfinish(c);
    pthread_t sched_thread, deliver_thread;
    int sched_running = 0, deliver_running = 0, started = 0;
    if (rc == TEND_OK && o->on_start) {
        rc = o->on_start(o->ud, err);
        started = rc == TEND_OK;
    }
    if (rc == TEND_OK) {
        say(&s, "serving %zu tenant%s as %s:%s%s%s", s.n, s.n == 1 ? "" : "s", o->owner,
            o->schedules ? " schedules" : "", o->events ? " events" : "", o->deliver ? " delivery" : "");
        if (o->schedules) sched_running = pthread_create(&sched_thread, NULL, schedules_main, &s) == 0;
        if (o->deliver) deliver_running = pthread_create(&deliver_thread, NULL, deliver_main, &s) == 0;
        events_loop(&s);
        say(&s, "stopping: finishing what is in hand");
        if (sched_running) pthread_join(sched_thread, NULL);
        if (deliver_running) pthread_join(deliver_thread, NULL);
    }
    if (started && o->on_stop) o->on_stop(o->ud);
    for (size_t i = 0; i < s.n; i++) {
        tenant_state *ts = &s.ts[i];
        if (ts->cfg_loaded) tend_notify_config_free(&ts->cfg);
        tend_policy_free(&ts->policy);
        free_schedules(ts->sched, ts->nsched);
        remove_dir(ts->dir);
    }
    for (size_t i = 0; i < s.nold; i++) {
        remove_dir(s.old_dirs[i]);
        free(s.old_dirs[i]);
    }
    free(s.old_dirs);
    free(s.ts);
    pthread_mutex_destroy(&s.mu);
    if (rc == TEND_OK) say(&s, "stopped");
    return rc;
}
