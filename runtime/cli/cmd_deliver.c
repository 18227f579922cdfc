/* tend deliver: run the delivery loop once, for cron users (the daemon
 * runs the same loop continuously). */
#include <curl/curl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/isotime.h"
#include "base/log.h"
#include "cli/cli.h"
#include "notify/config.h"
#include "notify/deliver.h"
#include "store/db.h"
#include "store/home.h"

const char tend_help_deliver[] =
    "usage: tend deliver [--until-empty | --drain] [options]\n"
    "\n"
    "Sends the outbox: claims due rows under a lease (FOR UPDATE SKIP LOCKED, so\n"
    "several deliverers can run at once), sends each through its connector with\n"
    "bounded concurrency over kept-alive connections, and records every attempt\n"
    "(status, latency, an excerpt of the answer). 2xx is delivered; 3xx, 5xx,\n"
    "timeouts, 408 and 429 are retried on the connector's schedule (Retry-After\n"
    "honoured); other 4xx answers dead-letter the row at once; 410 Gone disables\n"
    "the connector and holds its rows until `tend outbox enable NAME`. After the\n"
    "schedule's last attempt the row is dead-lettered (`tend outbox dead`). A\n"
    "crash leaves rows to be claimed again when their lease runs out; every\n"
    "attempt of a row carries the same webhook-id.\n"
    "\n"
    "Without options it sends what is due when it starts, then exits: run it\n"
    "from cron every minute.\n"
    "\n"
    "  --until-empty       go on until nothing is due (retries coming due meanwhile too)\n"
    "  --drain             go on until no row is pending at all, waiting for scheduled\n"
    "                      retries (with the default schedule that can take days)\n"
    "                      and for rows held by quiet hours to come due\n"
    "  --concurrency N     requests in flight at most (default 32)\n"
    "  --lease SECONDS     how long a claimed row is reserved (default: 4 times the\n"
    "                      longest connector timeout, at least 60)\n"
    "  --limit N           send at most N rows (without --until-empty/--drain)\n"
    "  --tenant T          only this tenant's rows (default: every tenant)\n"
    "  --playbook DIR      the playbook whose send_policy and connectors.json or\n"
    "                      connectors.lua to use (default: $TEND_PLAYBOOK)\n"
    "  --connectors FILE   connector settings from FILE instead (.json, or .lua)\n"
    "  --now TIME          act as of TIME, an ISO time not in the future (tests and\n"
    "                      replays): only rows due by then, and the send policy's\n"
    "                      quiet hours and windows judged at then\n"
    "  --verbose           a line per attempt on stdout (and per row the send\n"
    "                      policy held or capped, with why)\n"
    "  --quiet             no summary\n"
    "  --log-format F      also log to stderr, text or json (JSON Lines: ts, level,\n"
    "                      msg, ...): a line per retried or dead-lettered attempt\n"
    "                      (outbox id, connector, HTTP status), the batch's totals\n"
    "                      and any error; ids and counts only\n"
    "\n"
    "Connectors (see README \"Notifications\"): rows go to the `file` connector,\n"
    "JSON Lines in $TEND_HOME/outbox/<tenant>.jsonl, unless connectors.json or\n"
    "the environment routes them elsewhere. Connector types: file, webhook\n"
    "(Standard Webhooks), smtp (email through SMTP, STARTTLS, MIME text+HTML),\n"
    "slack (incoming webhook), http (declared: method, URL, headers, JSON body as\n"
    "{{placeholder}} templates; usually in connectors.lua, plain Lua returning\n"
    "connectors.json's structure, run once in a sandbox; see\n"
    "scripts/examples/connectors/); plugins add more. Emails and Slack lines are\n"
    "the text rendered at evaluation (`tend eval` shows it). Environment:\n"
    "  TEND_WEBHOOK_URL, TEND_WEBHOOK_SECRET   a Standard Webhooks connector `webhook`\n"
    "                                          (kind webhook goes to it)\n"
    "  TEND_ROUTES          routes, e.g. \"notify=webhook,email:welcome=file,*=file\"\n"
    "  TEND_CONNECTORS      a connectors.json (or .lua) to use\n"
    "  TEND_CONNECTOR_PATH  folders of connector plugins (*.so), colon-separated\n"
    "\n"
    "Send policy: when the playbook declares send_policy { cap {...},\n"
    "quiet_hours {...} }, every claimed row passes it before it is sent. A row\n"
    "due in the account's quiet hours (attrs.timezone, else the policy's zone)\n"
    "waits, unsent, until they end; a row over a cap (per contact or account,\n"
    "over a rolling window, counting every rule and channel) is marked capped\n"
    "with the reason and never sent. Both show in tend outbox and tend explain.\n"
    "\n"
    "Rows are claimed in batches (up to 512 at a time, fewer when answers come\n"
    "slowly) and recorded in batches; a claimed row that could not start early\n"
    "enough in its lease is given back unsent.\n"
    "\n"
    "SIGINT/SIGTERM: stop claiming, finish what is in flight, record it, give\n"
    "back claimed rows not sent yet, exit.\n"
    "\n"
    "Connector plugins (TEND_CONNECTOR_PATH) are contained: each callback runs\n"
    "under its connector's timeout; one that crashes, overruns it, or is still\n"
    "running a second after SIGTERM ends the run (exit 70) with a line naming the\n"
    "connector, its plugin and the outbox row. The row's attempt counts; rows\n"
    "left unfinished are retried one at a time when their lease runs out, and a\n"
    "row past its schedule is dead-lettered \"connector crashed\" without calling\n"
    "the connector again.\n"
    "\n"
    "Exit: 0 done (failed deliveries are retried or dead-lettered, not errors);\n"
    "2 usage; 3 connector settings, schema, or a playbook that does not load (or whose\n"
    "quiet hours name a time zone the database does not know); 4 database unavailable;\n"
    "70 a connector plugin crashed, hung, or outlasted a stop.\n";

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig) {
    (void)sig;
    stop_requested = stop_requested ? 2 : 1;
}

typedef struct {
    int verbose, progress;
    tend_log *log; /* --log-format: attempts that failed */
    double started, shown;
    const tend_deliver_stats *st;
    long long sent, retried, dead, held;
} report;

static void on_attempt(void *ud, const tend_outbox_row *row, const tend_attempt *a) {
    report *r = ud;
    static const char *const what[] = {"sent", "retry", "dead", "held", "parked"};
    switch (a->outcome) {
    case TEND_OUTCOME_SENT: r->sent++; break;
    case TEND_OUTCOME_RETRY: r->retried++; break;
    case TEND_OUTCOME_DEAD: r->dead++; break;
    default: r->held++; break;
    }
    if (r->verbose) {
        printf("%-6s %lld %s attempt %d via %s", what[a->outcome], row->id, row->key, row->attempt,
               a->connector ? a->connector : "-");
        if (a->http_status) printf(" HTTP %ld", a->http_status);
        if (a->latency_ms >= 0) printf(" %ld ms", a->latency_ms);
        if (a->outcome == TEND_OUTCOME_RETRY) printf(" (next in %.0f s)", a->delay);
        if (a->error && a->outcome != TEND_OUTCOME_SENT) printf(": %s", a->error);
        putchar('\n');
    }
    if (r->log && a->outcome != TEND_OUTCOME_SENT)
        tend_log(r->log, a->outcome == TEND_OUTCOME_DEAD ? TEND_LOG_ERROR : TEND_LOG_WARN, "delivery attempt failed",
                 TEND_LOG_I("outbox_id", row->id), TEND_LOG_S("tenant", row->tenant),
                 TEND_LOG_S("connector", a->connector ? a->connector : "-"), TEND_LOG_S("outcome", what[a->outcome]),
                 TEND_LOG_I("attempt", row->attempt), TEND_LOG_I("http_status", a->http_status));
    if (!r->progress) return;
    double now = tend_clock_seconds();
    if (now - r->shown < 0.5) return;
    r->shown = now;
    fprintf(stderr, "\rtend deliver: %lld sent, %lld retrying, %lld dead ", r->sent, r->retried, r->dead);
}

/* What the command line asked for. o.now points into now_text. */
typedef struct {
    tend_deliver_opts o;
    tend_notify_config_opts co;
    int quiet, verbose;
    tend_log *log;
    char now_text[21];
} deliver_args;

/* Fills a; returns -1 to go on, else the exit code (usage errors, help). */
static int parse_args(int argc, char **argv, deliver_args *a) {
    static const struct option longopts[] = {
        {"until-empty", no_argument, NULL, 'u'},   {"drain", no_argument, NULL, 'd'},
        {"concurrency", required_argument, NULL, 'c'}, {"lease", required_argument, NULL, 'l'},
        {"limit", required_argument, NULL, 'n'},   {"tenant", required_argument, NULL, 't'},
        {"playbook", required_argument, NULL, 'p'}, {"connectors", required_argument, NULL, 'C'},
        {"verbose", no_argument, NULL, 'v'},       {"quiet", no_argument, NULL, 'q'},
        {"now", required_argument, NULL, 'N'},     {"help", no_argument, NULL, 'h'},
        {"log-format", required_argument, NULL, 'F'},
        {NULL, 0, NULL, 0},
    };
    tend_deliver_opts *o = &a->o;
    int c;
    double v;
    int64_t now_at;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'u':
        case 'd':
            if (o->mode != TEND_DELIVER_ONCE) return tend_usage_error("deliver", "give --until-empty or --drain, not both");
            o->mode = c == 'u' ? TEND_DELIVER_UNTIL_EMPTY : TEND_DELIVER_DRAIN;
            break;
        case 'c':
            if (tend_parse_positive(optarg, &v) || v != (int)v || v > 1024)
                return tend_usage_error("deliver", "--concurrency must be a whole number from 1 to 1024, not '%s'",
                                        optarg);
            o->concurrency = (int)v;
            break;
        case 'l':
            if (tend_parse_positive(optarg, &v) || v < 1 || v > 86400)
                return tend_usage_error("deliver", "--lease must be seconds from 1 to 86400, not '%s'", optarg);
            o->lease_s = v;
            break;
        case 'n':
            if (tend_parse_positive(optarg, &v) || v != (long long)v)
                return tend_usage_error("deliver", "--limit must be a whole number, not '%s'", optarg);
            o->limit = (long long)v;
            break;
        case 't': o->tenant = optarg; break;
        case 'p': a->co.playbook_dir = optarg; break;
        case 'C': a->co.file = optarg; break;
        case 'N':
            if (tend_time_parse(optarg, strlen(optarg), &now_at) != 0)
                return tend_usage_error("deliver", "--now must be an ISO time like 2026-11-22T23:00:00Z, not '%s'", optarg);
            if (now_at > (int64_t)time(NULL) + 60)
                return tend_usage_error("deliver", "--now %s is in the future: deliver cannot send early", optarg);
            tend_time_format(now_at, a->now_text);
            o->now = a->now_text;
            break;
        case 'v': a->verbose = 1; break;
        case 'F': {
            tend_log_format f;
            if (tend_log_format_parse(optarg, &f))
                return tend_usage_error("deliver", "--log-format must be text or json, not '%s'", optarg);
            if (!a->log) a->log = tend_log_new(stderr, f, TEND_LOG_INFO);
            break;
        }
        case 'q': a->quiet = 1; break;
        case 'h': return tend_cmd_help(2, (char *[]){"help", "deliver", NULL});
        default: return tend_usage_error("deliver", "unknown option");
        }
    }
    if (optind < argc) return tend_usage_error("deliver", "unexpected argument '%s'", argv[optind]);
    if (o->limit && o->mode != TEND_DELIVER_ONCE)
        return tend_usage_error("deliver", "--limit goes without --until-empty and --drain");
    if (o->now && o->mode == TEND_DELIVER_DRAIN) return tend_usage_error("deliver", "--now goes without --drain");
    return -1;
}

/* The connectors, the playbook's send policy and the database. */
static tend_status set_up(deliver_args *a, tend_notify_config *cfg, tend_send_policy *policy, PGconn **db,
                          tend_error *err) {
    tend_pg_home home;
    tend_status st = tend_pg_home_resolve(&home, err);
    if (st != TEND_OK) return st;
    a->co.data_dir = home.home;
    st = tend_notify_config_load(cfg, &a->co, err);
    if (st == TEND_OK && a->o.lease_s > 0 && a->o.lease_s <= tend_deliver_max_timeout(cfg))
        st = tend_fail(err, TEND_EUSAGE, "--lease %.0f must be longer than the longest connector timeout (%.1f s)",
                       a->o.lease_s, tend_deliver_max_timeout(cfg));
    tend_buf problems = {0};
    int has_policy = 0;
    if (st == TEND_OK) st = tend_policy_load(a->co.playbook_dir, policy, &has_policy, &problems, err);
    if (problems.len) fputs(tend_buf_cstr(&problems), stderr);
    tend_buf_free(&problems);
    if (st == TEND_OK) st = tend_db_open(db, err);
    if (st == TEND_OK && has_policy) {
        policy->report = stderr;
        policy->verbose = a->verbose ? stdout : NULL;
        st = tend_policy_check(*db, policy, err);
        a->o.policy = policy;
    }
    return st;
}

/* The delivery loop, stopped gently by the first SIGINT or SIGTERM. */
static tend_status run(deliver_args *a, tend_notify_config *cfg, PGconn *db, tend_deliver_stats *ds,
                       tend_error *err) {
    struct sigaction sa = {0}, old_int, old_term, old_pipe;
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, &old_pipe);
    report r = {.verbose = a->verbose, .progress = !a->quiet && !a->verbose && isatty(STDERR_FILENO),
                .started = tend_clock_seconds(), .st = ds};
    a->o.stop = &stop_requested;
    r.log = a->log;
    a->o.on_attempt = on_attempt;
    a->o.ud = &r;
    tend_status st = tend_deliver_run(db, cfg, &a->o, ds, err);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGPIPE, &old_pipe, NULL);
    if (r.shown > 0) fputs("\r\033[K", stderr);
    return st;
}

static void print_totals(const tend_deliver_stats *ds, int has_policy) {
    printf("tend deliver: %lld sent, %lld to retry, %lld dead-lettered, %lld held", ds->sent, ds->retried, ds->dead,
           ds->held + ds->parked);
    if (has_policy) printf(", %lld capped, %lld in quiet hours", ds->policy.capped, ds->policy.held);
    printf(" (%lld attempts, %lld new connections, %.1f s, %.0f/s)%s\n", ds->attempts, ds->connections, ds->seconds,
           ds->seconds > 0 ? (double)ds->attempts / ds->seconds : 0.0, stop_requested ? ", stopped by a signal" : "");
}

int tend_cmd_deliver(int argc, char **argv) {
    deliver_args a = {.o = {.mode = TEND_DELIVER_ONCE, .concurrency = 32},
                      .co = {.playbook_dir = getenv("TEND_PLAYBOOK")}};
    int code = parse_args(argc, argv, &a);
    if (code < 0 && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "tend deliver: libcurl does not initialize\n");
        code = 1;
    }
    if (code >= 0) {
        tend_log_free(a.log);
        return code;
    }
    tend_error err;
    tend_notify_config cfg = {0};
    tend_send_policy policy = {0};
    PGconn *db = NULL;
    tend_deliver_stats ds;
    tend_status st = set_up(&a, &cfg, &policy, &db, &err);
    int ran = st == TEND_OK;
    if (ran) st = run(&a, &cfg, db, &ds, &err);
    code = 0;
    if (st != TEND_OK) {
        if (a.log) tend_log(a.log, TEND_LOG_ERROR, "delivery failed", TEND_LOG_S("error", err.msg));
        else fprintf(stderr, "tend deliver: %s\n", err.msg);
        code = tend_exit_code(st);
    }
    if (ran && a.log)
        tend_log(a.log, TEND_LOG_INFO, "delivery batch", TEND_LOG_S("tenant", a.o.tenant), TEND_LOG_I("attempts", ds.attempts),
                 TEND_LOG_I("sent", ds.sent), TEND_LOG_I("retry", ds.retried), TEND_LOG_I("dead", ds.dead),
                 TEND_LOG_I("held", ds.held + ds.parked), TEND_LOG_N("seconds", ds.seconds));
    tend_log_free(a.log);
    if (ran && !a.quiet) print_totals(&ds, a.o.policy != NULL);
    if (db) PQfinish(db);
    tend_policy_free(&policy);
    tend_notify_config_free(&cfg);
    curl_global_cleanup();
    return code;
}
