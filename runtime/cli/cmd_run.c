/* tend run JOB: run a job once, for external schedulers (cron, systemd
 * timers, Kubernetes CronJobs). Today the job is `nightly`. */
#include <getopt.h>
#include <signal.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/isotime.h"
#include "base/log.h"
#include "cli/cli.h"
#include "cli/summary.h"
#include "store/db.h"
#include "sched/nightly.h"
#include "store/runs.h"

const char tend_help_run[] =
    "usage: tend run nightly [--playbook DIR] [--tenant T | --all-tenants] [--now TIME] [--jobs N] [--force]\n"
    "\n"
    "The nightly health evaluation: every account of the tenant in the database is\n"
    "evaluated against the playbook with its events and metrics, and each batch of\n"
    "results is written in one transaction: evaluations (the result object, exactly\n"
    "as `tend eval` prints it), account state, stage history (on change), tasks,\n"
    "outbox rows for every email/notify/webhook intent, and the frequency-cap\n"
    "ledger (a rule with `every` acts at most once per that period per account).\n"
    "\n"
    "Idempotent per occurrence: the occurrence is the date (UTC) of --now, by\n"
    "default today in UTC; once it has finished, running it again does nothing\n"
    "(exit 0) unless --force, and even then no intent is queued twice.\n"
    "\n"
    "Shared and resumable: the occurrence's accounts are split into shards\n"
    "(account-id hash ranges); each process claims shards one at a time under a\n"
    "lease it holds while it works (a PostgreSQL session lock plus a heartbeat).\n"
    "Start it on several hosts for the same date and they share the work; a\n"
    "process that dies (killed, its database connection lost) loses its shard at\n"
    "once and the next run of the same occurrence finishes it, without --force:\n"
    "what was already stored is kept, every account is evaluated once.\n"
    "SIGTERM or SIGINT: no new account starts, what is being evaluated is\n"
    "finished and written (whole batches only), the shard is given back and the\n"
    "run is marked interrupted (the next run resumes it).\n"
    "\n"
    "Dates: a --now later than the clock is refused unless --allow-future. An\n"
    "occurrence older than one already run (a backfill) stores its evaluations\n"
    "for history only: it queues no outbox row or task, leaves account state,\n"
    "stage history and the ledger as they are, and never becomes the latest run.\n"
    "An evaluation as of T never sees events, metrics or fires after T.\n"
    "\n"
    "  --playbook DIR      the playbook (default: $TEND_PLAYBOOK)\n"
    "  --tenant T          whose accounts (default: default); must exist\n"
    "  --all-tenants       every tenant in the database, one after another; one\n"
    "                      tenant's failure does not stop the others\n"
    "  --now TIME          evaluate as of this ISO-8601 time or date (default: now)\n"
    "  --allow-future      accept a --now later than the clock\n"
    "  --jobs N            evaluate with N Lua states on N threads (default 1)\n"
    "  --force             run a finished occurrence again; refused (exit 5) while\n"
    "                      a live process still works on it\n"
    "  --log-format F      also log one line per run to stderr, text or json (JSON\n"
    "                      Lines: ts, level, msg, tenant, run, occurrence, status,\n"
    "                      accounts, failed, seconds, exit); ids and counts only\n"
    "  --shards N          split a new occurrence into N shards (default: about\n"
    "                      2,000 accounts each, at most 64; 1 when the playbook\n"
    "                      declares a population)\n"
    "  --history DAYS      events and metrics this far back (default: every event,\n"
    "                      a year of daily metrics)\n"
    "  --mem-limit SIZE    memory cap per Lua state (default 64M)\n"
    "  --eval-timeout MS   time budget per account (default 5000)\n"
    "\n"
    "Prints progress on a terminal, then a summary of what this process\n"
    "evaluated: accounts per segment, stage and band, who is flagged and why,\n"
    "the intents queued, failures, duration; and how the run stands.\n"
    "\n"
    "Exit: 0 done (or already done, or this process did its share while others\n"
    "finish theirs); 1 some accounts failed (the run is recorded as partial);\n"
    "2 usage; 3 configuration: the playbook does not load, no such tenant, or\n"
    "the database schema needs 'tend db migrate'; 4 database unavailable;\n"
    "5 busy: live processes own what is left of this occurrence (or --force\n"
    "while they do); 6 interrupted by SIGTERM/SIGINT (the next run resumes).\n"
    "With --all-tenants, the highest of the tenants' codes.\n";

/* Exit codes a scheduler can act on (README "Commands"). */
enum { EXIT_BUSY = 5, EXIT_INTERRUPTED = 6 };

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig) {
    (void)sig;
    stop_requested = 1;
}

typedef struct {
    tend_summary *summary;
    int progress;
    size_t done;
    double started, shown;
} progress;

static double seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_result(void *ud, const char *line, size_t len) {
    progress *p = ud;
    tend_summary_add(p->summary, line, len);
    if (!p->progress || (++p->done & 255)) return;
    double now = seconds();
    if (now - p->started < 1.0 || now - p->shown < 0.5) return;
    p->shown = now;
    fprintf(stderr, "\rtend run nightly: %zu accounts, %.0f/s ", p->done, (double)p->done / (now - p->started));
}

/* One tenant's occurrence: runs it and prints what happened; the exit code. */
static int run_tenant(PGconn *const conns[3], tend_nightly_opts *o, tend_log *log) {
    progress p = {.summary = tend_summary_new(), .progress = isatty(STDERR_FILENO), .started = seconds()};
    o->on_result = on_result;
    o->on_result_ud = &p;
    tend_nightly_stats ns;
    tend_buf problems = {0};
    tend_error err;
    tend_status st = tend_nightly_run(conns[0], conns[1], conns[2], o, &ns, &problems, &err);
    if (p.shown > 0) fputs("\r\033[K", stderr);
    double took = seconds() - p.started;
    int code = 0;
    if (st == TEND_OK && ns.skipped) {
        printf("nightly %s already ran for tenant %s (run %" PRId64 ", %s): nothing to do (--force runs it again)\n",
               ns.occurrence, o->tenant, ns.run_id, ns.prior_status);
    } else if (st == TEND_OK && ns.busy) {
        fprintf(stderr,
                "tend run: nightly %s of tenant %s (run %" PRId64 ") is owned by live processes (%s)%s; "
                "nothing for this one to do\n",
                ns.occurrence, o->tenant, ns.run_id, *ns.owners ? ns.owners : "finishing",
                o->force ? ": --force is refused while they work on it" : "");
        code = EXIT_BUSY;
    } else if (st == TEND_OK) {
        tend_summary_print(p.summary, stdout);
        printf("\nrun %" PRId64 " (nightly %s, tenant %s%s): %zu accounts, %zu failed, %zu rejected; "
               "queued %lld outbox rows and %lld tasks; %lld stage changes; %.1f s\n",
               ns.run_id, ns.occurrence, o->tenant, ns.backfill ? ", backfill: nothing queued" : "", ns.accounts,
               ns.failed, ns.rejected, ns.outbox, ns.tasks, ns.stage_changes, took);
        if (strcmp(ns.prior_status, "new") != 0 && strcmp(ns.prior_status, "succeeded") != 0 &&
            strcmp(ns.prior_status, "partial") != 0)
            printf("resumed run %" PRId64 " (it was %s): the accounts it had stored were kept\n", ns.run_id,
                   ns.prior_status);
        if (ns.interrupted) {
            fprintf(stderr, "tend run: interrupted: %zu accounts written; the next run resumes run %" PRId64 "\n",
                    ns.accounts, ns.run_id);
            code = EXIT_INTERRUPTED;
        } else if (ns.finished) {
            printf("run %" PRId64 " %s: %lld accounts, %lld failed\n", ns.run_id, ns.run_status, ns.run_accounts,
                   ns.run_failed);
            code = ns.run_failed || ns.failed || ns.rejected ? 1 : 0;
        } else {
            printf("run %" PRId64 ": this process did %d shard%s; other processes are finishing the rest\n",
                   ns.run_id, ns.shards_done, ns.shards_done == 1 ? "" : "s");
            code = ns.failed || ns.rejected ? 1 : 0;
        }
    } else {
        if (problems.len) fputs(tend_buf_cstr(&problems), stderr);
        fprintf(stderr, "tend run: %s\n", err.msg);
        code = tend_exit_code(st);
        if (stop_requested && code == 1) code = EXIT_INTERRUPTED;
    }
    if (log && st == TEND_OK)
        tend_log(log, code == 0 ? TEND_LOG_INFO : TEND_LOG_WARN, "nightly run", TEND_LOG_S("tenant", o->tenant),
                 TEND_LOG_I("run", ns.run_id), TEND_LOG_S("occurrence", ns.occurrence),
                 TEND_LOG_S("status", ns.skipped ? "skipped"
                                      : ns.busy ? "busy"
                                      : ns.interrupted ? "interrupted"
                                      : ns.finished ? ns.run_status : "part"),
                 TEND_LOG_I("shards", ns.shards_done), TEND_LOG_I("takeovers", ns.takeovers),
                 TEND_LOG_I("accounts", ns.accounts),
                 TEND_LOG_I("failed", ns.failed), TEND_LOG_I("rejected", ns.rejected), TEND_LOG_I("outbox", ns.outbox),
                 TEND_LOG_I("tasks", ns.tasks), TEND_LOG_N("seconds", took), TEND_LOG_I("exit", code));
    else if (log)
        tend_log(log, TEND_LOG_ERROR, "nightly run failed", TEND_LOG_S("tenant", o->tenant),
                 TEND_LOG_S("error", err.msg), TEND_LOG_I("exit", code));
    tend_buf_free(&problems);
    tend_summary_free(p.summary);
    return code;
}

/* The worse of two exit codes for --all-tenants: configuration and database
 * trouble first, then busy and interrupted, then failed accounts. */
static int worse(int a, int b) {
    static const int rank[] = {0, 1, 2, 5, 6, 3, 4}; /* by code 0..6 */
    return rank[b] > rank[a] ? b : a;
}

int tend_cmd_run(int argc, char **argv) {
    static const struct option longopts[] = {
        {"playbook", required_argument, NULL, 'p'},  {"tenant", required_argument, NULL, 't'},
        {"now", required_argument, NULL, 'n'},       {"jobs", required_argument, NULL, 'j'},
        {"force", no_argument, NULL, 'f'},           {"history", required_argument, NULL, 'H'},
        {"mem-limit", required_argument, NULL, 'M'}, {"eval-timeout", required_argument, NULL, 'T'},
        {"all-tenants", no_argument, NULL, 'A'},     {"allow-future", no_argument, NULL, 'F'},
        {"shards", required_argument, NULL, 'S'},    {"help", no_argument, NULL, 'h'},
        {"log-format", required_argument, NULL, 'L'},
        {NULL, 0, NULL, 0},
    };
    tend_nightly_opts o = {.tenant = "default", .jobs = 1, .playbook_dir = getenv("TEND_PLAYBOOK")};
    tend_log_format log_format = TEND_LOG_TEXT;
    int want_log = 0;
    const char *now_text = NULL;
    int all_tenants = 0, allow_future = 0, tenant_given = 0;
    double v;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'p': o.playbook_dir = optarg; break;
        case 't':
            if (!*optarg) return tend_usage_error("run", "--tenant must not be empty");
            o.tenant = optarg;
            tenant_given = 1;
            break;
        case 'n': now_text = optarg; break;
        case 'f': o.force = 1; break;
        case 'A': all_tenants = 1; break;
        case 'F': allow_future = 1; break;
        case 'j':
            if (tend_parse_positive(optarg, &v) || v != (int)v || v > 256)
                return tend_usage_error("run", "--jobs must be a whole number from 1 to 256, not '%s'", optarg);
            o.jobs = (int)v;
            break;
        case 'S':
            if (tend_parse_positive(optarg, &v) || v != (int)v || v > 4096)
                return tend_usage_error("run", "--shards must be a whole number from 1 to 4096, not '%s'", optarg);
            o.shards = (int)v;
            break;
        case 'H':
            if (tend_parse_positive(optarg, &v) || v != (int)v)
                return tend_usage_error("run", "--history must be a whole number of days, not '%s'", optarg);
            o.history_days = (int)v;
            break;
        case 'M':
            if (tend_parse_size(optarg, &o.playbook.mem_limit))
                return tend_usage_error("run", "--mem-limit must be a size like 64M, not '%s'", optarg);
            break;
        case 'T':
            if (tend_parse_positive(optarg, &o.playbook.eval_timeout_ms))
                return tend_usage_error("run", "--eval-timeout must be a number of milliseconds, not '%s'", optarg);
            break;
        case 'L':
            if (tend_log_format_parse(optarg, &log_format))
                return tend_usage_error("run", "--log-format must be text or json, not '%s'", optarg);
            want_log = 1;
            break;
        case 'h': return tend_cmd_help(2, (char *[]){"help", "run", NULL});
        default: return tend_usage_error("run", "unknown option");
        }
    }
    if (optind >= argc) return tend_usage_error("run", "which job? (tend run nightly)");
    if (strcmp(argv[optind], "nightly") != 0)
        return tend_usage_error("run", "unknown job '%s' (known: nightly)", argv[optind]);
    if (optind + 1 < argc) return tend_usage_error("run", "unexpected argument '%s'", argv[optind + 1]);
    if (all_tenants && tenant_given) return tend_usage_error("run", "--tenant and --all-tenants exclude each other");
    if (!o.playbook_dir || !*o.playbook_dir) {
        fprintf(stderr, "tend run: no playbook: give --playbook DIR or set TEND_PLAYBOOK\n");
        return 3;
    }
    int64_t clock = (int64_t)time(NULL);
    if (now_text) {
        if (tend_time_parse(now_text, strlen(now_text), &o.now) != 0)
            return tend_usage_error("run", "--now must be an ISO-8601 time or date, not '%s'", now_text);
        /* A minute of slack for clocks that differ a little. */
        char clock_text[21];
        tend_time_format(clock, clock_text);
        if (o.now > clock + 60 && !allow_future)
            return tend_usage_error("run", "--now %s is in the future (the clock says %s); --allow-future runs it anyway",
                                    now_text, clock_text);
    } else {
        o.now = clock;
    }

    char host[128] = "host", owner[192];
    gethostname(host, sizeof host - 1);
    snprintf(owner, sizeof owner, "%s:%ld", host, (long)getpid());
    o.owner = owner;
    o.stop = &stop_requested;
    struct sigaction sa = {.sa_handler = on_stop};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    tend_log *log = want_log ? tend_log_new(stderr, log_format, TEND_LOG_INFO) : NULL;
    tend_error err;
    tend_db_target target;
    PGconn *conns[3] = {NULL, NULL, NULL};
    tend_status st = tend_db_target_resolve(&target, &err);
    for (int i = 0; i < 3 && st == TEND_OK; i++) st = tend_db_connect(&target, &conns[i], &err);
    if (st == TEND_OK) st = tend_runs_schema_ready(conns[2], &err);
    PGresult *tenants = NULL;
    if (st == TEND_OK && all_tenants)
        st = tend_db_exec(conns[2], "reading tenants", "SELECT id FROM tenants ORDER BY id", 0, NULL, &tenants, &err);
    int code = 0;
    if (st != TEND_OK) {
        fprintf(stderr, "tend run: %s\n", err.msg);
        code = tend_exit_code(st);
    } else if (all_tenants) {
        int n = PQntuples(tenants);
        if (n == 0) printf("no tenant in the database: nothing to run\n");
        for (int i = 0; i < n && !stop_requested; i++) {
            o.tenant = PQgetvalue(tenants, i, 0);
            printf("%s== tenant %s\n", i ? "\n" : "", o.tenant);
            fflush(stdout);
            code = worse(code, run_tenant(conns, &o, log));
        }
    } else {
        code = run_tenant(conns, &o, log);
    }
    if (tenants) PQclear(tenants);
    for (int i = 0; i < 3; i++)
        if (conns[i]) PQfinish(conns[i]);
    tend_log_free(log);
    return code;
}
