/* tend run JOB: run a job once, for external schedulers (cron, systemd
 * timers, Kubernetes CronJobs). Today the job is `nightly`. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/isotime.h"
#include "cli/cli.h"
#include "cli/summary.h"
#include "store/db.h"
#include "sched/nightly.h"

const char tend_help_run[] =
    "usage: tend run nightly [--playbook DIR] [--tenant T] [--now TIME] [--jobs N] [--force]\n"
    "\n"
    "The nightly health evaluation: every account of the tenant in the database is\n"
    "evaluated against the playbook with its events and metrics, and each batch of\n"
    "results is written in one transaction: evaluations (the result object, exactly\n"
    "as `tend eval` prints it), account state, stage history (on change), tasks,\n"
    "outbox rows for every email/notify/webhook intent, and the frequency-cap\n"
    "ledger (a rule with `every` acts at most once per that period per account).\n"
    "\n"
    "Idempotent per occurrence: the occurrence is the date of --now; running it\n"
    "again for the same date does nothing (exit 0) unless --force, and even then\n"
    "no intent is queued twice (outbox and task keys are unique).\n"
    "\n"
    "  --playbook DIR      the playbook (default: $TEND_PLAYBOOK)\n"
    "  --tenant T          whose accounts (default: default)\n"
    "  --now TIME          evaluate as of this ISO-8601 time or date (default: now)\n"
    "  --jobs N            evaluate with N Lua states on N threads (default 1)\n"
    "  --force             run an occurrence that already succeeded again\n"
    "  --history DAYS      events and metrics this far back (default: every event,\n"
    "                      a year of daily metrics)\n"
    "  --mem-limit SIZE    memory cap per Lua state (default 64M)\n"
    "  --eval-timeout MS   time budget per account (default 5000)\n"
    "\n"
    "Prints progress on a terminal, then a summary: accounts per segment, stage\n"
    "and band, who is flagged and why, the intents queued, failures, duration.\n"
    "\n"
    "Exit: 0 done (or already done); 1 some accounts failed; 2 usage; 3 playbook\n"
    "does not load; 4 database unavailable.\n";

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

int tend_cmd_run(int argc, char **argv) {
    static const struct option longopts[] = {
        {"playbook", required_argument, NULL, 'p'}, {"tenant", required_argument, NULL, 't'},
        {"now", required_argument, NULL, 'n'},      {"jobs", required_argument, NULL, 'j'},
        {"force", no_argument, NULL, 'f'},          {"history", required_argument, NULL, 'H'},
        {"mem-limit", required_argument, NULL, 'M'}, {"eval-timeout", required_argument, NULL, 'T'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
    };
    tend_nightly_opts o = {.tenant = "default", .jobs = 1, .playbook_dir = getenv("TEND_PLAYBOOK")};
    const char *now_text = NULL;
    double v;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'p': o.playbook_dir = optarg; break;
        case 't': o.tenant = optarg; break;
        case 'n': now_text = optarg; break;
        case 'f': o.force = 1; break;
        case 'j':
            if (tend_parse_positive(optarg, &v) || v != (int)v || v > 256)
                return tend_usage_error("run", "--jobs must be a whole number from 1 to 256, not '%s'", optarg);
            o.jobs = (int)v;
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
        case 'h': return tend_cmd_help(2, (char *[]){"help", "run", NULL});
        default: return tend_usage_error("run", "unknown option");
        }
    }
    if (optind >= argc) return tend_usage_error("run", "which job? (tend run nightly)");
    if (strcmp(argv[optind], "nightly") != 0)
        return tend_usage_error("run", "unknown job '%s' (known: nightly)", argv[optind]);
    if (optind + 1 < argc) return tend_usage_error("run", "unexpected argument '%s'", argv[optind + 1]);
    if (!o.playbook_dir || !*o.playbook_dir) {
        fprintf(stderr, "tend run: no playbook: give --playbook DIR or set TEND_PLAYBOOK\n");
        return 3;
    }
    if (now_text) {
        if (tend_time_parse(now_text, strlen(now_text), &o.now) != 0)
            return tend_usage_error("run", "--now must be an ISO-8601 time or date, not '%s'", now_text);
    } else {
        o.now = (int64_t)time(NULL);
    }

    tend_error err;
    tend_db_target target;
    PGconn *streamc = NULL, *writec = NULL;
    tend_status st = tend_db_target_resolve(&target, &err);
    if (st == TEND_OK) st = tend_db_connect(&target, &streamc, &err);
    if (st == TEND_OK) st = tend_db_connect(&target, &writec, &err);
    if (st != TEND_OK) {
        fprintf(stderr, "tend run: %s\n", err.msg);
        if (streamc) PQfinish(streamc);
        return tend_exit_code(st);
    }
    progress p = {.summary = tend_summary_new(), .progress = isatty(STDERR_FILENO), .started = seconds()};
    o.on_result = on_result;
    o.on_result_ud = &p;
    tend_nightly_stats ns;
    tend_buf problems = {0};
    st = tend_nightly_run(streamc, writec, &o, &ns, &problems, &err);
    if (p.shown > 0) fputs("\r\033[K", stderr);
    double took = seconds() - p.started;
    int code;
    if (st == TEND_OK && ns.skipped) {
        printf("nightly %s already ran for tenant %s (run %" PRId64 "): nothing to do (--force runs it again)\n",
               ns.occurrence, o.tenant, ns.run_id);
        code = 0;
    } else if (st == TEND_OK) {
        tend_summary_print(p.summary, stdout);
        printf("\nrun %" PRId64 " (nightly %s, tenant %s): %zu accounts, %zu failed, %zu rejected; "
               "queued %lld outbox rows and %lld tasks; %lld stage changes; %.1f s\n",
               ns.run_id, ns.occurrence, o.tenant, ns.accounts, ns.failed, ns.rejected, ns.outbox, ns.tasks,
               ns.stage_changes, took);
        code = ns.failed || ns.rejected ? 1 : 0;
    } else {
        if (problems.len) fputs(tend_buf_cstr(&problems), stderr);
        fprintf(stderr, "tend run: %s\n", err.msg);
        code = st == TEND_EINPUT ? 1 : tend_exit_code(st);
    }
    tend_buf_free(&problems);
    tend_summary_free(p.summary);
    PQfinish(streamc);
    PQfinish(writec);
    return code;
}
