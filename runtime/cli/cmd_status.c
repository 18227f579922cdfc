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

#define AT_RISK_FLAG "at_risk"
#define AT_RISK_BAND "red"

const char tend_help_status[] =
    "usage: tend status [--tenant NAME] [--job NAME]\n"
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
    "  --tenant NAME    the tenant (default: default)\n"
    "  --job NAME       the job or schedule whose runs to read (default: nightly)\n"
    "\n"
    "Reads the database that 'tend db status' names: TEND_DATABASE_URL, or the\n"
    "embedded cluster under $TEND_HOME (start it with 'tend db up').\n"
    "\n"
    "Exit: 0 reported (also when there is no run yet: it says so); 1 the latest run\n"
    "failed or some of its accounts failed (as the run itself exits), or no such\n"
    "tenant; 2 usage; 3 the database schema is older than this tend ('tend db\n"
    "migrate'); 4 the database cannot be reached.\n";

/* "850 ms", "12.4 s", "3m 12s", "2h 05m". */
static const char *duration(double s, char *buf, size_t cap) {
    if (s < 1) snprintf(buf, cap, "%.0f ms", s * 1000);
    else if (s < 60) snprintf(buf, cap, "%.1f s", s);
    else if (s < 3600) snprintf(buf, cap, "%dm %02ds", (int)s / 60, (int)s % 60);
    else snprintf(buf, cap, "%dh %02dm", (int)s / 3600, (int)s / 60 % 60);
    return buf;
}

static void print_run(const char *tenant, const tend_run_info *run) {
    char took[32];
    printf("Run %lld of %s", run->id, run->schedule);
    if (strcmp(run->job, run->schedule)) printf(" (job %s)", run->job);
    printf(", tenant %s\n", tenant);
    printf("  %-11s %s\n", "occurrence", run->occurrence);
    printf("  %-11s %s\n", "status", run->status);
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

int tend_cmd_status(int argc, char **argv) {
    static const struct option longopts[] = {
        {"tenant", required_argument, NULL, 't'}, {"job", required_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
    };
    const char *tenant = "default", *job = "nightly";
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
    int exists = 0, found = 0, code = 0;
    tend_status st = tend_db_target_resolve(&target, &err);
    if (st == TEND_OK) st = tend_db_connect(&target, &conn, &err);
    if (st == TEND_OK) st = tend_read_tenant_exists(conn, tenant, &exists, &err);
    if (st == TEND_OK && exists) st = tend_run_latest(conn, tenant, job, &run, &found, &err);
    if (st == TEND_OK && found) {
        summary = tend_summary_new();
        st = tend_run_each_result(conn, tenant, run.id, add_result, summary, &err);
        if (st == TEND_OK) st = tend_run_intents(conn, tenant, run.id, &intents, &err);
        if (st == TEND_OK) st = tend_run_at_risk(conn, tenant, AT_RISK_FLAG, AT_RISK_BAND, &at_risk, &err);
    }
    PQfinish(conn);
    if (st != TEND_OK) {
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
        code = !strcmp(run.status, "failed") || run.failed > 0 ? 1 : 0;
    }
    tend_summary_free(summary);
    json_decref(intents);
    json_decref(at_risk);
    return code;
}
