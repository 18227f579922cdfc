/* tend explain ACCOUNT: the account's latest stored decision, why, what it
 * asked for and where that stands, and what changed since the evaluation
 * before. Queries in store/explain.c, the diff in store/changes.c, the
 * words in cli/explain_text.c. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/explain_text.h"
#include "store/changes.h"
#include "store/db.h"
#include "store/explain.h"
#include "store/read.h"

const char tend_help_explain[] =
    "usage: tend explain ACCOUNT [--run ID] [--format text|json] [--tenant NAME]\n"
    "\n"
    "Explains the account's latest decision as the nightly run stored it: segment\n"
    "and touch, journey stages, each scorecard (total, band, blockers, dimensions),\n"
    "health, each flag with the rule that set it and why, each intent (what, to\n"
    "whom, locale, the address, subject and text it sends or why it cannot be\n"
    "sent, dedupe key, rule) with where it stands in the outbox or the tasks\n"
    "(matched by dedupe key: waiting, sent, given up, held until the end of quiet\n"
    "hours or capped by the send policy, with its reason; open or done), the rules\n"
    "that fired and those that did not with their why, and the errors when the\n"
    "evaluation failed. Then what changed since the account's previous evaluation:\n"
    "segment, stages entered and left, scorecard bands, health, flags added and\n"
    "removed, new intents, rules that started or stopped firing.\n"
    "\n"
    "  --run ID         explain the evaluation of that run instead of the latest;\n"
    "                   what changed is then measured against the one before it\n"
    "  --format F       text (default) or json: one object with the keys\n"
    "                   account_id, run_id, current, previous, changes, delivery.\n"
    "                   current and previous are result objects as tend eval prints\n"
    "                   them (previous and changes are null for a first evaluation);\n"
    "                   changes: since {run_id, evaluated_at}, segment, touch,\n"
    "                   stages {entered, left}, scorecards {name: {band, total}},\n"
    "                   health, flags {added, removed}, new_intents, rules\n"
    "                   {started_firing, stopped_firing}, failed (each {from, to} or\n"
    "                   null); delivery: per intent key, kind, rule, queue (outbox,\n"
    "                   tasks or null) and that row's id, run_id, status and times;\n"
    "                   the send policy's held_until, policy_reason and quiet\n"
    "  --tenant NAME    the tenant (default: default)\n"
    "\n"
    "Reads the database that 'tend db status' names: TEND_DATABASE_URL, or the\n"
    "embedded cluster under $TEND_HOME (start it with 'tend db up').\n"
    "\n"
    "Exit: 0 explained (an evaluation that failed too: its errors are shown);\n"
    "1 no such account, tenant or run, or the account has no evaluation yet;\n"
    "2 usage; 3 the database schema is older than this tend ('tend db migrate');\n"
    "4 the database cannot be reached.\n";

/* {"since": {run_id, evaluated_at}, ...what changed}, or null. */
static json_t *changes_json(const tend_explain *x) {
    if (!x->previous.result) return json_null();
    const char *at = json_string_value(json_object_get(x->previous.result, "evaluated_at"));
    json_t *out = json_pack("{s:{s:I,s:s}}", "since", "run_id", (json_int_t)x->previous.run_id, "evaluated_at",
                            at ? at : x->previous.evaluated_at);
    json_t *diff = tend_changes(x->previous.result, x->current.result);
    json_object_update(out, diff);
    json_decref(diff);
    return out;
}

static void print_json(const char *account, const tend_explain *x) {
    json_t *o = json_object();
    json_object_set_new(o, "account_id", json_string(account));
    json_object_set_new(o, "run_id", json_integer(x->current.run_id));
    json_object_set(o, "current", x->current.result);
    json_object_set(o, "previous", x->previous.result ? x->previous.result : json_null());
    json_object_set_new(o, "changes", changes_json(x));
    json_object_set(o, "delivery", x->delivery);
    char *text = tend_read_dump(o);
    if (text) puts(text);
    free(text);
    json_decref(o);
}

/* Says why there is nothing to explain; the exit code. */
static int nothing(const tend_explain *x, const char *tenant, const char *account, long long run) {
    switch (x->found) {
    case TEND_EXPLAIN_NO_TENANT: fprintf(stderr, "tend explain: no tenant '%s'\n", tenant); break;
    case TEND_EXPLAIN_NO_ACCOUNT:
        fprintf(stderr, "tend explain: no account '%s' in tenant '%s'\n", account, tenant);
        break;
    case TEND_EXPLAIN_NO_RUN: fprintf(stderr, "tend explain: no run %lld in tenant '%s'\n", run, tenant); break;
    case TEND_EXPLAIN_NOT_IN_RUN:
        fprintf(stderr, "tend explain: run %lld did not evaluate account '%s'\n", run, account);
        break;
    default:
        fprintf(stderr, "tend explain: account '%s' has no evaluation yet (the nightly run evaluates it: "
                        "tend run nightly)\n", account);
        break;
    }
    return 1;
}

int tend_cmd_explain(int argc, char **argv) {
    static const struct option longopts[] = {
        {"run", required_argument, NULL, 'r'}, {"format", required_argument, NULL, 'f'},
        {"tenant", required_argument, NULL, 't'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
    };
    const char *tenant = "default";
    long long run = 0;
    int json = 0, c;
    char *end;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'r':
            run = strtoll(optarg, &end, 10);
            if (end == optarg || *end || run <= 0)
                return tend_usage_error("explain", "--run must be a run id (a whole number above 0), not '%s'",
                                        optarg);
            break;
        case 'f':
            if (!strcmp(optarg, "json")) json = 1;
            else if (strcmp(optarg, "text"))
                return tend_usage_error("explain", "--format must be text or json, not '%s'", optarg);
            break;
        case 't':
            if (!*optarg) return tend_usage_error("explain", "--tenant must not be empty");
            tenant = optarg;
            break;
        case 'h': return tend_cmd_help(2, (char *[]){"help", "explain", NULL});
        default: return tend_usage_error("explain", "unknown option");
        }
    }
    if (optind >= argc) return tend_usage_error("explain", "which account? tend explain ACCOUNT");
    if (optind + 1 < argc) return tend_usage_error("explain", "unexpected argument '%s'", argv[optind + 1]);
    const char *account = argv[optind];

    tend_error err;
    PGconn *conn = NULL;
    tend_explain x = {0};
    tend_status st = tend_db_open(&conn, &err);
    if (st == TEND_OK) st = tend_explain_load(conn, tenant, account, run, &x, &err);
    PQfinish(conn);
    int code;
    if (st != TEND_OK) {
        fprintf(stderr, "tend explain: %s\n", err.msg);
        code = tend_exit_code(st == TEND_EPLAYBOOK ? st : TEND_EDB);
    } else if (x.found != TEND_EXPLAIN_FOUND) {
        code = nothing(&x, tenant, account, run);
    } else if (json) {
        print_json(account, &x);
        code = 0;
    } else {
        json_t *changes = x.previous.result ? tend_changes(x.previous.result, x.current.result) : NULL;
        tend_explain_print(stdout, tenant, &x, changes);
        json_decref(changes);
        code = 0;
    }
    tend_explain_free(&x);
    return code;
}
