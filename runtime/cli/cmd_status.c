/* tend status: the latest nightly run, the CS-lead summary of its
 * evaluations (cli/summary.c, as tend eval --format summary), the intents
 * it created, and the accounts at risk. Queries in store/run_report.c. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/explain_text.h"
#include "cli/summary.h"
#include "store/db.h"
#include "store/read.h"
#include "store/run_report.h"
#include "store/runs.h"

#define AT_RISK_FLAG "at_risk"
#define AT_RISK_BAND "red"

const char tend_help_status[] =
    "usage: tend status [--tenant NAME] [--job NAME] [--format text|json] [--stale-after HOURS]\n"
    "\n"
    "What the latest nightly run did, for a CS lead:\n"
    "  - the run: id, occurrence, status, started and finished, how long it took,\n"
    "    the playbook digest, accounts evaluated and failed;\n"
    "  - the summary of that run's evaluations, as tend eval --format summary\n"
    "    prints it: accounts per segment, stage, health and scorecard band, who is\n"
    "    flagged and why, what was asked for;\n"
    "  - the intents the run created, by kind and status (outbox rows and tasks);\n"
    "  - at risk: every account whose latest evaluation has the flag at_risk or a\n"
    "    red health band, lowest health first, with why (the rule that set\n"
    "    at_risk, else the health score).\n"
    "\n"
    "A backfill (an occurrence older than one already run) is never the latest\n"
    "run. A run still `running` whose processes are all gone (killed, or their\n"
    "database connection lost) is shown as stalled: the next 'tend run' of the\n"
    "same occurrence resumes it.\n"
    "\n"
    "  --tenant NAME        the tenant (default: default)\n"
    "  --job NAME           the job or schedule whose runs to read (default: nightly)\n"
    "  --format json        one JSON object for monitoring: tenant, run (id,\n"
    "                       schedule, job, occurrence, status, live, stalled,\n"
    "                       started_at, finished_at, seconds, playbook, accounts,\n"
    "                       failed, shards, shards_left; null before any run),\n"
    "                       last_finished (occurrence, finished_at, hours_ago; or\n"
    "                       null), stale, intents, at_risk (account_id, run_id,\n"
    "                       health, band)\n"
    "  --stale-after HOURS  a monitoring check: exit 1 when the last run that\n"
    "                       finished (succeeded or partial) finished more than\n"
    "                       HOURS ago, or none ever did\n"
    "\n"
    "Reads the database that 'tend db status' names: TEND_DATABASE_URL, or the\n"
    "embedded cluster under $TEND_HOME (start it with 'tend db up').\n"
    "\n"
    "Exit: 0 reported (also when there is no run yet: it says so); 1 the latest run\n"
    "failed, is partial (some of its accounts failed, as the run itself exits),\n"
    "was interrupted or is stalled, or --stale-after found no recent finished\n"
    "run, or no such tenant; 2 usage; 3 the database schema is older than this\n"
    "tend ('tend db migrate'); 4 the database cannot be reached.\n";

/* "850 ms", "12.4 s", "3m 12s", "2h 05m". */
static const char *duration(double s, char *buf, size_t cap) {
    if (s < 1) snprintf(buf, cap, "%.0f ms", s * 1000);
    else if (s < 60) snprintf(buf, cap, "%.1f s", s);
    else if (s < 3600) snprintf(buf, cap, "%dm %02ds", (int)s / 60, (int)s % 60);
    else snprintf(buf, cap, "%dh %02dm", (int)s / 3600, (int)s / 60 % 60);
    return buf;
}

/* Running with shards none of which a live process holds: its owners died. */
static int stalled(const tend_run_info *run) {
    return !strcmp(run->status, "running") && run->shards > 0 && !run->live;
}

static void print_run(const char *tenant, const tend_run_info *run) {
    char took[32];
    printf("Run %lld of %s", run->id, run->schedule);
    if (strcmp(run->job, run->schedule)) printf(" (job %s)", run->job);
    printf(", tenant %s\n", tenant);
    printf("  %-11s %s\n", "occurrence", run->occurrence);
    if (stalled(run))
        printf("  %-11s %s: stalled, no process owns it any more (the next 'tend run' resumes it)\n", "status",
               run->status);
    else printf("  %-11s %s\n", "status", run->status);
    if (run->shards > 1) printf("  %-11s %d, %d left\n", "shards", run->shards, run->shards_left);
    printf("  %-11s %s\n", "started", run->started_at);
    if (*run->finished_at)
        printf("  %-11s %s, took %s\n", "finished", run->finished_at, duration(run->seconds, took, sizeof took));
    else printf("  %-11s - (running for %s)\n", "finished", duration(run->seconds, took, sizeof took));
    printf("  %-11s %s\n", "playbook", *run->playbook ? run->playbook : "-");
    printf("  %-11s %lld evaluated, %lld failed\n", "accounts", run->accounts, run->failed);
}

static void add_result(void *ud, const char *text, size_t len) { tend_summary_add(ud, text, len); }

/* email  25  sent 20 · pending 5 */
static void print_intents(json_t *rows) {
    printf("\nIntents created by this run\n");
    if (!json_array_size(rows)) printf("  (none)\n");
    size_t i = 0, n = json_array_size(rows);
    while (i < n) {
        const char *kind = json_string_value(json_object_get(json_array_get(rows, i), "kind"));
        size_t j = i;
        json_int_t total = 0;
        for (; j < n && !strcmp(json_string_value(json_object_get(json_array_get(rows, j), "kind")), kind); j++)
            total += json_integer_value(json_object_get(json_array_get(rows, j), "count"));
        printf("  %-8s %5lld ", kind, (long long)total);
        for (size_t k = i; k < j; k++) {
            json_t *row = json_array_get(rows, k);
            printf(" %s%s %lld", k > i ? "· " : "", json_string_value(json_object_get(row, "status")),
                   (long long)json_integer_value(json_object_get(row, "count")));
        }
        putchar('\n');
        i = j;
    }
}

static void print_at_risk(json_t *list, long long run) {
    printf("\nAt risk (%zu): flag %s or health %s, by each account's latest evaluation\n", json_array_size(list),
           AT_RISK_FLAG, AT_RISK_BAND);
    if (!json_array_size(list)) printf("  (nobody)\n");
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e) {
        json_t *r = json_object_get(e, "result");
        json_t *h = json_object_get(r, "health");
        char *why = tend_flag_why(r, AT_RISK_FLAG);
        printf("  %-16s ", json_string_value(json_object_get(e, "account_id")));
        if (why) tend_print_clipped(stdout, why, 110);
        else {
            const char *band = json_string_value(json_object_get(h, "band"));
            printf("health %.10g (%s)", json_number_value(json_object_get(h, "score")), band ? band : "-");
        }
        json_int_t from = json_integer_value(json_object_get(e, "run_id"));
        if (from != run) printf(" [run %lld]", (long long)from);
        putchar('\n');
        free(why);
    }
}

static json_t *run_json(const tend_run_info *run) {
    return json_pack("{s:I,s:s,s:s,s:s,s:s,s:b,s:b,s:s,s:s?,s:f,s:s?,s:I,s:I,s:i,s:i}", "id", (json_int_t)run->id,
                     "schedule", run->schedule, "job", run->job, "occurrence", run->occurrence, "status", run->status,
                     "live", run->live, "stalled", stalled(run), "started_at", run->started_at, "finished_at",
                     *run->finished_at ? run->finished_at : NULL, "seconds", run->seconds, "playbook",
                     *run->playbook ? run->playbook : NULL, "accounts", (json_int_t)run->accounts, "failed",
                     (json_int_t)run->failed, "shards", run->shards, "shards_left", run->shards_left);
}

static json_t *at_risk_json(json_t *list) {
    json_t *out = json_array(), *e;
    size_t i;
    json_array_foreach(list, i, e) {
        json_t *h = json_object_get(json_object_get(e, "result"), "health");
        json_array_append_new(out, json_pack("{s:O,s:O,s:O*,s:O*}", "account_id", json_object_get(e, "account_id"),
                                             "run_id", json_object_get(e, "run_id"), "health",
                                             json_object_get(h, "score"), "band", json_object_get(h, "band")));
    }
    return out;
}

int tend_cmd_status(int argc, char **argv) {
    static const struct option longopts[] = {
        {"tenant", required_argument, NULL, 't'}, {"job", required_argument, NULL, 'j'},
        {"format", required_argument, NULL, 'f'}, {"stale-after", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    const char *tenant = "default", *job = "nightly";
    int json = 0;
    double stale_after = -1;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 't':
            if (!*optarg) return tend_usage_error("status", "--tenant must not be empty");
            tenant = optarg;
            break;
        case 'j':
            if (!*optarg) return tend_usage_error("status", "--job must not be empty");
            job = optarg;
            break;
        case 'f':
            if (strcmp(optarg, "text") && strcmp(optarg, "json"))
                return tend_usage_error("status", "--format must be text or json, not '%s'", optarg);
            json = !strcmp(optarg, "json");
            break;
        case 's':
            if (tend_parse_positive(optarg, &stale_after))
                return tend_usage_error("status", "--stale-after must be a positive number of hours, not '%s'", optarg);
            break;
        case 'h': return tend_cmd_help(2, (char *[]){"help", "status", NULL});
        default: return tend_usage_error("status", "unknown option");
        }
    }
    if (optind < argc) return tend_usage_error("status", "unexpected argument '%s'", argv[optind]);

    tend_error err;
    tend_db_target target;
    PGconn *conn = NULL;
    tend_run_info run = {0};
    tend_summary *summary = NULL;
    json_t *intents = NULL, *at_risk = NULL;
    int exists = 0, found = 0, code = 0, finished = 0;
    char last_occ[32] = "", last_at[32] = "";
    double hours_ago = 0;
    tend_status st = tend_db_target_resolve(&target, &err);
    if (st == TEND_OK) st = tend_db_connect(&target, &conn, &err);
    if (st == TEND_OK) st = tend_runs_schema_ready(conn, &err);
    if (st == TEND_OK) st = tend_read_tenant_exists(conn, tenant, &exists, &err);
    if (st == TEND_OK && exists) st = tend_run_latest(conn, tenant, job, &run, &found, &err);
    if (st == TEND_OK && exists)
        st = tend_run_last_finished(conn, tenant, job, last_occ, last_at, &hours_ago, &finished, &err);
    if (st == TEND_OK && found) {
        summary = tend_summary_new();
        if (!json) st = tend_run_each_result(conn, tenant, run.id, add_result, summary, &err);
        if (st == TEND_OK) st = tend_run_intents(conn, tenant, run.id, &intents, &err);
        if (st == TEND_OK) st = tend_run_at_risk(conn, tenant, AT_RISK_FLAG, AT_RISK_BAND, &at_risk, &err);
    }
    PQfinish(conn);
    int stale = stale_after > 0 && (!finished || hours_ago > stale_after);
    if (st == TEND_OK && exists && json) {
        json_t *o = json_pack("{s:s,s:o,s:o,s:b,s:o,s:o}", "tenant", tenant, "run", found ? run_json(&run) : json_null(),
                              "last_finished",
                              finished ? json_pack("{s:s,s:s,s:f}", "occurrence", last_occ, "finished_at", last_at,
                                                   "hours_ago", hours_ago)
                                       : json_null(),
                              "stale", stale, "intents", intents ? json_incref(intents) : json_array(), "at_risk",
                              at_risk ? at_risk_json(at_risk) : json_array());
        char *text = json_dumps(o, JSON_COMPACT);
        puts(text);
        free(text);
        json_decref(o);
        code = found && (strcmp(run.status, "succeeded") || run.failed > 0) && strcmp(run.status, "running") ? 1 : 0;
        if (found && stalled(&run)) code = 1;
        if (stale) code = 1;
    } else if (st != TEND_OK) {
        fprintf(stderr, "tend status: %s\n", err.msg);
        code = tend_exit_code(st == TEND_EPLAYBOOK ? st : TEND_EDB);
    } else if (!exists) {
        fprintf(stderr, "tend status: no tenant '%s'\n", tenant);
        code = 1;
    } else if (!found) {
        printf("No run of %s yet for tenant %s ('tend run %s' starts one).\n", job, tenant, job);
    } else {
        print_run(tenant, &run);
        if (!strcmp(run.status, "running"))
            printf("\nStill running: the summary covers the accounts evaluated so far.\n");
        putchar('\n');
        tend_summary_print(summary, stdout);
        print_intents(intents);
        print_at_risk(at_risk, run.id);
        code = (strcmp(run.status, "succeeded") && strcmp(run.status, "running")) || run.failed > 0 || stalled(&run)
                   ? 1
                   : 0;
    }
    if (st == TEND_OK && exists && !json && stale_after > 0) {
        if (!finished)
            printf("\nSTALE: no run of %s has finished for tenant %s (--stale-after %g)\n", job, tenant, stale_after);
        else if (stale)
            printf("\nSTALE: the last finished run of %s (%s) finished %.1f hours ago, more than %g\n", job, last_occ,
                   hours_ago, stale_after);
        else printf("\nFresh: the last finished run of %s (%s) finished %.1f hours ago\n", job, last_occ, hours_ago);
        if (stale) code = 1;
    }
    tend_summary_free(summary);
    json_decref(intents);
    json_decref(at_risk);
    return code;
}
