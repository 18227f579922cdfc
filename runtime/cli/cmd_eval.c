/* tend eval: stateless evaluation, files in, JSON Lines (or a table) out. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/isotime.h"
#include "cli/cli.h"
#include "cli/summary.h"
#include "eval/runner.h"

const char tend_help_eval[] =
    "usage: tend eval --playbook DIR --accounts FILE [options]\n"
    "\n"
    "Evaluates every account in FILE against the playbook in DIR and prints one\n"
    "JSON object per account per line, in input order (DESIGN's result object:\n"
    "segment, touch, stages, scorecards, health, flags, actions, trace, errors).\n"
    "Nothing is sent: actions are intents, each with a dedupe key. An email\n"
    "intent carries the message it will send, rendered in its locale (address,\n"
    "subject, text), or in `error` why it cannot be sent (a placeholder with no\n"
    "value, no address); a notify intent carries its text.\n"
    "\n"
    "  --playbook DIR        the playbook folder (*.lua loaded in name order)\n"
    "  --accounts FILE       accounts as JSON Lines or CSV; '-' reads standard input\n"
    "  --events FILE         events (account_id, type, at, user, data)\n"
    "  --metrics FILE        daily metrics (account_id, date, numeric fields)\n"
    "  --now TIME            evaluate as of this ISO-8601 time or date (default: now);\n"
    "                        fix it for reproducible, byte-identical output\n"
    "  --format F            jsonl (default: one result per line), table (a row per\n"
    "                        account) or summary (per segment, stage and band; who\n"
    "                        is flagged and why; what would be sent)\n"
    "  --jobs N              evaluate with N Lua states on N threads (output order\n"
    "                        is still the input order)\n"
    "  --input-format F      auto (by extension: .csv is CSV), jsonl or csv\n"
    "  --mem-limit SIZE      memory cap per Lua state (default 64M)\n"
    "  --eval-timeout MS     time budget per account, and for loading (default 5000)\n"
    "\n"
    "A malformed input line is reported as FILE:LINE: reason on stderr and skipped.\n"
    "An account whose evaluation fails still gets a line, with `errors` filled.\n"
    "\n"
    "Exit: 0 all evaluated; 1 some lines rejected or accounts failed; 2 usage;\n"
    "3 the playbook does not load or validate.\n";

typedef struct {
    int table;
    size_t rows;
    tend_summary *summary;
    /* Progress on a terminal, for long runs: a count on stderr, refreshed
     * twice a second once a run has gone on for a second. */
    int progress;
    size_t done;
    double started, shown;
} output;

static void tick(output *o) {
    o->done++;
    if (!o->progress || (o->done & 255)) return;
    double now = tend_clock_seconds();
    if (now - o->started < 1.0 || now - o->shown < 0.5) return;
    o->shown = now;
    fprintf(stderr, "\rtend eval: %zu accounts, %.0f/s ", o->done, (double)o->done / (now - o->started));
}

static void emit_summary(void *ud, const char *line, size_t len) {
    tend_summary_add(((output *)ud)->summary, line, len);
    tick(ud);
}

static void emit_json(void *ud, const char *line, size_t len) {
    fwrite(line, 1, len, stdout);
    tick(ud);
}

static const char *joined(json_t *arr, char *buf, size_t cap, const char *field) {
    buf[0] = 0;
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) {
        const char *s = json_is_string(v) ? json_string_value(v) : json_string_value(json_object_get(v, field));
        if (!s) continue;
        if (buf[0]) strncat(buf, ",", cap - strlen(buf) - 1);
        strncat(buf, s, cap - strlen(buf) - 1);
    }
    return buf[0] ? buf : "-";
}

/* --format table: one readable row per account. */
static void emit_table(void *ud, const char *line, size_t len) {
    output *o = ud;
    tick(o);
    json_t *r = json_loadb(line, len, 0, NULL);
    if (!r) return;
    if (o->rows++ == 0)
        printf("%-18s %-11s %-5s %-22s %-18s %-13s %-28s %s\n", "ACCOUNT", "SEGMENT", "TOUCH", "STAGES",
               "SCORECARD", "HEALTH", "FLAGS", "ACTIONS");
    char stages[64], flags[128], actions[256], score[64] = "-", health[32] = "-";
    const char *k;
    json_t *sc;
    json_object_foreach(json_object_get(r, "scorecards"), k, sc) {
        snprintf(score, sizeof score, "%s %.1f", json_string_value(json_object_get(sc, "band")),
                 json_number_value(json_object_get(sc, "total")));
        break;
    }
    json_t *h = json_object_get(r, "health");
    if (json_is_object(h))
        snprintf(health, sizeof health, "%s %lld", json_string_value(json_object_get(h, "band")),
                 (long long)json_integer_value(json_object_get(h, "score")));
    json_t *errors = json_object_get(r, "errors");
    const char *seg = json_string_value(json_object_get(r, "segment"));
    const char *touch = json_string_value(json_object_get(r, "touch"));
    printf("%-18.18s %-11.11s %-5.5s %-22.22s %-18.18s %-13.13s %-28.28s %s\n",
           json_string_value(json_object_get(r, "account_id")), seg ? seg : "-", touch ? touch : "-",
           joined(json_object_get(r, "stages"), stages, sizeof stages, NULL), score, health,
           joined(json_object_get(r, "flags"), flags, sizeof flags, NULL),
           json_array_size(errors) ? "ERROR (see JSON output)"
                                   : joined(json_object_get(r, "actions"), actions, sizeof actions, "key"));
    json_decref(r);
}

int tend_cmd_eval(int argc, char **argv) {
    static const struct option longopts[] = {
        {"playbook", required_argument, NULL, 'p'},   {"accounts", required_argument, NULL, 'a'},
        {"events", required_argument, NULL, 'e'},     {"metrics", required_argument, NULL, 'm'},
        {"now", required_argument, NULL, 'n'},        {"format", required_argument, NULL, 'f'},
        {"jobs", required_argument, NULL, 'j'},       {"input-format", required_argument, NULL, 'i'},
        {"mem-limit", required_argument, NULL, 'M'},  {"eval-timeout", required_argument, NULL, 'T'},
        {"help", no_argument, NULL, 'h'},             {NULL, 0, NULL, 0},
    };
    tend_run_opts ro = {.jobs = 1, .accounts_format = TEND_FMT_AUTO};
    const char *events = NULL, *metrics = NULL, *now_text = NULL;
    output out = {0};
    double jobs = 1, timeout = 0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'p': ro.playbook_dir = optarg; break;
        case 'a': ro.accounts_path = optarg; break;
        case 'e': events = optarg; break;
        case 'm': metrics = optarg; break;
        case 'n': now_text = optarg; break;
        case 'f':
            if (!strcmp(optarg, "table")) out.table = 1;
            else if (!strcmp(optarg, "summary")) out.table = 2;
            else if (strcmp(optarg, "jsonl") && strcmp(optarg, "json"))
                return tend_usage_error("eval", "--format must be jsonl, table or summary, not '%s'", optarg);
            break;
        case 'j':
            if (tend_parse_positive(optarg, &jobs) || jobs != (int)jobs || jobs > 256)
                return tend_usage_error("eval", "--jobs must be a whole number from 1 to 256, not '%s'", optarg);
            break;
        case 'i':
            if (tend_format_parse(optarg, &ro.accounts_format) != TEND_OK)
                return tend_usage_error("eval", "--input-format must be auto, jsonl or csv, not '%s'", optarg);
            break;
        case 'M':
            if (tend_parse_size(optarg, &ro.playbook.mem_limit))
                return tend_usage_error("eval", "--mem-limit must be a size like 64M, not '%s'", optarg);
            break;
        case 'T':
            if (tend_parse_positive(optarg, &timeout))
                return tend_usage_error("eval", "--eval-timeout must be a number of milliseconds, not '%s'", optarg);
            ro.playbook.eval_timeout_ms = timeout;
            break;
        case 'h': return tend_cmd_help(2, (char *[]){"help", "eval", NULL});
        default: return tend_usage_error("eval", "unknown option");
        }
    }
    if (optind < argc) return tend_usage_error("eval", "unexpected argument '%s'", argv[optind]);
    if (!ro.playbook_dir) return tend_usage_error("eval", "--playbook DIR is required");
    if (!ro.accounts_path) return tend_usage_error("eval", "--accounts FILE is required ('-' reads standard input)");
    if (now_text) {
        if (tend_time_parse(now_text, strlen(now_text), &ro.now) != 0)
            return tend_usage_error("eval", "--now must be an ISO-8601 time or date, not '%s'", now_text);
    } else {
        ro.now = (int64_t)time(NULL);
    }
    ro.jobs = (int)jobs;
    ro.emit = out.table == 1 ? emit_table : out.table == 2 ? emit_summary : emit_json;
    ro.emit_ud = &out;
    if (out.table == 2) out.summary = tend_summary_new();

    tend_error err;
    tend_history h;
    tend_history_init(&h);
    tend_load_stats ev = {0}, me = {0};
    tend_status st = tend_history_load_files(&h, events, metrics, ro.accounts_format, ro.jobs, &ev, &me, &err);
    /* Rejections in file order, whichever thread loaded them. */
    if (ev.report.len) fputs(tend_buf_cstr(&ev.report), stderr);
    if (me.report.len) fputs(tend_buf_cstr(&me.report), stderr);
    tend_buf_free(&ev.report);
    tend_buf_free(&me.report);
    int code = 0;
    tend_buf problems = {0};
    tend_run_stats rs = {0};
    if (st != TEND_OK) {
        fprintf(stderr, "tend eval: %s\n", err.msg);
        code = 1;
        goto done;
    }
    ro.history = &h;
    out.progress = isatty(STDERR_FILENO) && !isatty(STDOUT_FILENO);
    out.started = tend_clock_seconds();
    st = tend_run_eval(&ro, &rs, &problems, &err);
    if (out.shown > 0) fputs("\r\033[K", stderr); /* clear the progress line */
    if (out.summary && st == TEND_OK) tend_summary_print(out.summary, stdout);
    fflush(stdout);
    if (st == TEND_EPLAYBOOK) {
        if (problems.len) fputs(tend_buf_cstr(&problems), stderr);
        fprintf(stderr, "tend eval: %s\n", err.msg);
        code = 3;
        goto done;
    }
    if (st != TEND_OK) {
        fprintf(stderr, "tend eval: %s\n", err.msg);
        code = 1;
        goto done;
    }
    int problems_seen = rs.failed || rs.rejected || rs.population_failed || ev.rejected || me.rejected;
    if (problems_seen || isatty(STDERR_FILENO))
        fprintf(stderr,
                "tend eval: %zu accounts: %zu evaluated, %zu failed, %zu rejected; "
                "events: %zu loaded, %zu rejected; metrics: %zu loaded, %zu rejected%s\n",
                rs.accounts, rs.evaluated, rs.failed, rs.rejected, ev.loaded, ev.rejected, me.loaded, me.rejected,
                rs.population_failed ? "; some accounts failed the population pass" : "");
    code = problems_seen ? 1 : 0;
done:
    tend_summary_free(out.summary);
    tend_buf_free(&problems);
    tend_history_free(&h);
    return code;
}
