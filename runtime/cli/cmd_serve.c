/* tend serve: the long-running process (runtime/sched/serve.h). This file
 * reads the options and the tenants file, installs the signal handlers and
 * hands over. */
#include <curl/curl.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/metrics.h"
#include "cli/cli.h"
#include "endpoint/endpoint.h"
#include "sched/serve.h"
#include "store/db.h"
#include "store/runs.h"

const char tend_help_serve[] =
    "usage: tend serve [--playbook DIR | --tenants FILE] [--no-schedules] [--no-events] [--no-deliver]\n"
    "                  [--listen ADDR:PORT [endpoint options]] [--log-format text|json]\n"
    "\n"
    "The long-running process: one per machine, any number of them on one\n"
    "PostgreSQL, with no coordinator but the database. For every tenant it serves:\n"
    "\n"
    "  schedules  the playbook's `schedule` declarations (cron with a time zone).\n"
    "             A due occurrence is run as `tend run` runs one, shared by every\n"
    "             serve process that sees it due: it runs once (one job_runs row,\n"
    "             every account evaluated once). After downtime the latest missed\n"
    "             occurrence runs once.\n"
    "  events     an account with new events (from tend ingest, a plain SQL INSERT,\n"
    "             anything that writes the events table: a trigger wakes it) is\n"
    "             re-evaluated as of now by one serve process, and its `on`\n"
    "             handlers and rules act; their intents are queued in the same\n"
    "             transaction, with the same dedupe keys, frequency-cap ledger and\n"
    "             send policy as the nightly run. Woken by LISTEN/NOTIFY, polling\n"
    "             every --poll seconds when no notification comes.\n"
    "  delivery   tend deliver's loop over the tenant's outbox.\n"
    "\n"
    "The playbook is evaluated from a copy made when it was validated: edits take\n"
    "effect on SIGHUP, which validates the new files and keeps the old ones (and\n"
    "says so in the log) if they do not load. SIGTERM or SIGINT: stop claiming,\n"
    "finish what is being evaluated or sent (or give it back), exit 0; after\n"
    "--grace seconds, requests still in flight are abandoned (their rows come due\n"
    "again when their lease ends).\n"
    "\n"
    "  --playbook DIR     the default tenant's playbook (default: $TEND_PLAYBOOK)\n"
    "  --tenants FILE     tenants instead: {\"tenants\": {\"acme\": {\"playbook\": \"DIR\",\n"
    "                     \"connectors\": \"FILE\"}}} (connectors optional; relative\n"
    "                     paths from the file's folder)\n"
    "  --no-schedules     do not run schedules on this machine\n"
    "  --no-events        do not evaluate woken accounts on this machine\n"
    "  --no-deliver       do not deliver on this machine\n"
    "  --poll SECONDS     look for woken accounts at least this often (default 1)\n"
    "  --grace SECONDS    after SIGTERM, how long to finish (default 30)\n"
    "  --jobs N           Lua states for scheduled runs (default 1)\n"
    "  --mem-limit SIZE   memory cap per Lua state (default 64M)\n"
    "  --eval-timeout MS  time budget per account (default 5000)\n"
    "\n"
    "The HTTP endpoint (off unless --listen is given; see 'tend help endpoint'):\n"
    "POST /v1/events, /v1/accounts, /v1/metrics (an event posted wakes its account\n"
    "like any other: its `on` handlers act within a second), GET /healthz, GET\n"
    "/readyz (200 when the database answers, its schema is current and the\n"
    "playbooks loaded), GET /metrics (Prometheus text: tend_runs_total,\n"
    "tend_run_duration_seconds, tend_accounts_evaluated_total,\n"
    "tend_accounts_failed_total, tend_rule_fires_total, tend_event_to_outbox_seconds,\n"
    "tend_deliveries_total, tend_delivery_duration_seconds, tend_outbox_rows (read\n"
    "at scrape time), tend_build_info, and the endpoint's own).\n"
    "  --listen ADDR:PORT  where to listen: 127.0.0.1:8080, [::1]:8080, :8080\n"
    "  --max-body SIZE     the largest body accepted (default 16M)\n"
    "  --db-connections N  database connections for the requests (default 8)\n"
    "  --tls-cert FILE, --tls-key FILE\n"
    "                      HTTPS with this PEM certificate and key (usually a\n"
    "                      reverse proxy in front terminates TLS instead)\n"
    "  Tokens: TEND_ENDPOINT_TOKENS='tenant:token ...' (as for tend endpoint).\n"
    "\n"
    "Logs one line per thing done on stderr (a run, an occurrence, a batch of woken\n"
    "accounts, a delivery batch, an error), with ids and counts only:\n"
    "  --log-format F      text (default) or json (JSON Lines: ts, level, msg,\n"
    "                      tenant, run, ...)\n"
    "  --log-level L       debug, info (default), warn or error\n"
    "\n"
    "Exit: 0 stopped by a signal; 2 usage; 3 configuration: a playbook that does\n"
    "not load at start, a bad tenants file, connector settings, or a database\n"
    "schema that needs 'tend db migrate'; 4 database unavailable at start.\n";

/* The endpoint inside serve: started by serve's on_start once the
 * playbooks loaded, stopped by on_stop after the last claim. */
typedef struct {
    tend_endpoint_config cfg;
    tend_endpoint *e;
    tend_log *log;
} endpoint_hook;

/* Serve calls on_start only after every playbook loaded, and a reload
 * that fails keeps the old one: while the endpoint runs, they are loaded. */
static int playbooks_ready(void *ud, tend_buf *why) {
    (void)ud;
    (void)why;
    return 1;
}

static tend_status endpoint_start(void *ud, tend_error *err) {
    endpoint_hook *h = ud;
    tend_status rc = tend_endpoint_start(&h->cfg, &h->e, err);
    if (rc == TEND_OK)
        tend_log(h->log, TEND_LOG_INFO, "listening", TEND_LOG_S("listen", h->cfg.listen),
                 TEND_LOG_I("port", tend_endpoint_port(h->e)), TEND_LOG_S("tls", h->cfg.tls_cert ? "true" : "false"),
                 TEND_LOG_I("tenants", h->cfg.ntokens), TEND_LOG_S("version", TEND_VERSION));
    return rc;
}

static void endpoint_stop(void *ud) {
    endpoint_hook *h = ud;
    if (h->e) tend_endpoint_stop(h->e);
    h->e = NULL;
}

static volatile sig_atomic_t stop_requested, reload_requested;
static int grace_seconds = 30;

static void on_stop(int sig) {
    (void)sig;
    if (!stop_requested) alarm((unsigned)grace_seconds);
    stop_requested = 1;
}

/* The grace period is over: abandon what is in flight. */
static void on_alarm(int sig) {
    (void)sig;
    stop_requested = 2;
}

static void on_hup(int sig) {
    (void)sig;
    reload_requested = 1;
}

/* tenants FILE: {"tenants": {"name": {"playbook": DIR, "connectors": FILE}}}. */
static int read_tenants(const char *path, json_t **doc, tend_serve_tenant **out, size_t *n) {
    json_error_t je;
    *doc = json_load_file(path, 0, &je);
    if (!*doc) {
        fprintf(stderr, "tend serve: %s:%d: %s\n", path, je.line, je.text);
        return 3;
    }
    json_t *tenants = json_object_get(*doc, "tenants");
    if (!json_is_object(tenants) || json_object_size(tenants) == 0) {
        fprintf(stderr, "tend serve: %s: field 'tenants': expected an object of tenants\n", path);
        return 3;
    }
    char base[PATH_MAX];
    snprintf(base, sizeof base, "%s", path);
    char *slash = strrchr(base, '/');
    if (slash) slash[1] = 0;
    else base[0] = 0;
    *out = calloc(json_object_size(tenants), sizeof **out);
    if (!*out) abort();
    const char *name;
    json_t *t;
    json_object_foreach(tenants, name, t) {
        json_t *pb = json_object_get(t, "playbook"), *cn = json_object_get(t, "connectors");
        if (!json_is_string(pb) || (cn && !json_is_string(cn)) || !*name) {
            fprintf(stderr, "tend serve: %s: tenant '%s': expected {\"playbook\": DIR, \"connectors\": FILE}\n",
                    path, name);
            return 3;
        }
        /* Paths relative to the file: stored back into the document. */
        const char *keys[2] = {"playbook", "connectors"};
        for (int k = 0; k < 2; k++) {
            json_t *v = json_object_get(t, keys[k]);
            if (!v || json_string_value(v)[0] == '/' || !base[0]) continue;
            char full[PATH_MAX * 2];
            snprintf(full, sizeof full, "%s%s", base, json_string_value(v));
            json_object_set_new(t, keys[k], json_string(full));
        }
        (*out)[*n].name = name;
        (*out)[*n].playbook = json_string_value(json_object_get(t, "playbook"));
        (*out)[*n].connectors = cn ? json_string_value(json_object_get(t, "connectors")) : NULL;
        (*n)++;
    }
    return 0;
}

int tend_cmd_serve(int argc, char **argv) {
    static const struct option longopts[] = {
        {"playbook", required_argument, NULL, 'p'},  {"tenants", required_argument, NULL, 't'},
        {"no-schedules", no_argument, NULL, 'S'},    {"no-events", no_argument, NULL, 'E'},
        {"no-deliver", no_argument, NULL, 'D'},      {"poll", required_argument, NULL, 'P'},
        {"grace", required_argument, NULL, 'g'},     {"jobs", required_argument, NULL, 'j'},
        {"mem-limit", required_argument, NULL, 'M'}, {"eval-timeout", required_argument, NULL, 'T'},
        {"listen", required_argument, NULL, 'l'},    {"max-body", required_argument, NULL, 'b'},
        {"db-connections", required_argument, NULL, 'c'}, {"tls-cert", required_argument, NULL, 'C'},
        {"tls-key", required_argument, NULL, 'K'},   {"log-format", required_argument, NULL, 'f'},
        {"log-level", required_argument, NULL, 'L'},
        {"help", no_argument, NULL, 'h'},            {NULL, 0, NULL, 0},
    };
    tend_serve_opts o = {.schedules = 1, .events = 1, .deliver = 1, .poll_seconds = 1, .jobs = 1, .log = stderr};
    const char *playbook = getenv("TEND_PLAYBOOK"), *tenants_file = NULL;
    endpoint_hook hook = {0};
    tend_log_format format = TEND_LOG_TEXT;
    tend_log_level level = TEND_LOG_INFO;
    double v;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'p': playbook = optarg; break;
        case 't': tenants_file = optarg; break;
        case 'S': o.schedules = 0; break;
        case 'E': o.events = 0; break;
        case 'D': o.deliver = 0; break;
        case 'P':
            if (tend_parse_positive(optarg, &o.poll_seconds))
                return tend_usage_error("serve", "--poll must be a positive number of seconds, not '%s'", optarg);
            break;
        case 'g':
            if (tend_parse_positive(optarg, &v) || v != (int)v)
                return tend_usage_error("serve", "--grace must be a whole number of seconds, not '%s'", optarg);
            grace_seconds = (int)v;
            break;
        case 'j':
            if (tend_parse_positive(optarg, &v) || v != (int)v || v > 256)
                return tend_usage_error("serve", "--jobs must be a whole number from 1 to 256, not '%s'", optarg);
            o.jobs = (int)v;
            break;
        case 'M':
            if (tend_parse_size(optarg, &o.playbook.mem_limit))
                return tend_usage_error("serve", "--mem-limit must be a size like 64M, not '%s'", optarg);
            break;
        case 'T':
            if (tend_parse_positive(optarg, &o.playbook.eval_timeout_ms))
                return tend_usage_error("serve", "--eval-timeout must be a number of milliseconds, not '%s'", optarg);
            break;
        case 'l': hook.cfg.listen = optarg; break;
        case 'b':
            if (tend_parse_size(optarg, &hook.cfg.max_body) || hook.cfg.max_body == 0)
                return tend_usage_error("serve", "--max-body must be a size such as 16M, not '%s'", optarg);
            break;
        case 'c':
            if (tend_parse_positive(optarg, &v) || v != (int)v || v > 1000)
                return tend_usage_error("serve", "--db-connections must be 1 to 1000, not '%s'", optarg);
            hook.cfg.db_connections = (int)v;
            break;
        case 'C': hook.cfg.tls_cert = optarg; break;
        case 'K': hook.cfg.tls_key = optarg; break;
        case 'f':
            if (tend_log_format_parse(optarg, &format))
                return tend_usage_error("serve", "--log-format must be text or json, not '%s'", optarg);
            break;
        case 'L':
            if (tend_log_level_parse(optarg, &level))
                return tend_usage_error("serve", "--log-level must be debug, info, warn or error, not '%s'", optarg);
            break;
        case 'h': return tend_cmd_help(2, (char *[]){"help", "serve", NULL});
        default: return tend_usage_error("serve", "unknown option");
        }
    }
    if (optind < argc) return tend_usage_error("serve", "unexpected argument '%s'", argv[optind]);
    if (!hook.cfg.listen && (hook.cfg.max_body || hook.cfg.db_connections || hook.cfg.tls_cert || hook.cfg.tls_key))
        return tend_usage_error("serve", "--max-body, --db-connections and --tls-* need --listen ADDR:PORT");
    tend_endpoint_token *tokens = NULL;
    size_t ntokens = 0;
    tend_error terr;
    if (hook.cfg.listen &&
        tend_endpoint_tokens_parse(getenv("TEND_ENDPOINT_TOKENS"), &tokens, &ntokens, &terr) != TEND_OK)
        return tend_usage_error("serve", "%s", terr.msg);
    if (!tenants_file && (!playbook || !*playbook)) {
        fprintf(stderr, "tend serve: no playbook: give --playbook DIR, --tenants FILE or set TEND_PLAYBOOK\n");
        return 3;
    }
    json_t *doc = NULL;
    tend_serve_tenant one = {.name = "default", .playbook = playbook}, *list = &one;
    size_t n = 1;
    int code = 0;
    if (tenants_file) {
        list = NULL;
        n = 0;
        code = read_tenants(tenants_file, &doc, &list, &n);
    }
    char host[128] = "host", owner[192];
    gethostname(host, sizeof host - 1);
    snprintf(owner, sizeof owner, "%s:%ld", host, (long)getpid());
    tend_error err;
    tend_db_target target;
    PGconn *conn = NULL;
    tend_status st = TEND_OK;
    if (code == 0) {
        st = tend_db_target_resolve(&target, &err);
        if (st == TEND_OK) st = tend_db_connect(&target, &conn, &err);
        if (st == TEND_OK) st = tend_runs_schema_ready(conn, &err);
        if (conn) PQfinish(conn);
        if (st == TEND_OK && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
            st = tend_fail(&err, TEND_EIO, "libcurl does not initialize");
    }
    tend_log *log = tend_log_new(stderr, format, level);
    tend_metrics *metrics = tend_metrics_new();
    tend_ops_metrics ops;
    if (code == 0 && st == TEND_OK) st = tend_ops_metrics_define(metrics, TEND_VERSION, &ops, &err);
    if (code == 0 && st == TEND_OK) {
        o.logger = log;
        o.ops = &ops;
        if (hook.cfg.listen) {
            hook.cfg.tokens = tokens;
            hook.cfg.ntokens = ntokens;
            hook.cfg.metrics = metrics;
            hook.cfg.ops = &ops;
            hook.cfg.log = log;
            hook.cfg.ready = playbooks_ready;
            hook.log = log;
            if (!ntokens) tend_log_msg(log, TEND_LOG_WARN, "TEND_ENDPOINT_TOKENS is empty: every post will be refused");
            o.on_start = endpoint_start;
            o.on_stop = endpoint_stop;
            o.ud = &hook;
        }
        o.tenants = list;
        o.ntenants = n;
        o.owner = owner;
        o.data_dir = target.home.home;
        o.stop = &stop_requested;
        o.reload = &reload_requested;
        struct sigaction sa = {.sa_handler = on_stop};
        sigemptyset(&sa.sa_mask);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        sa.sa_handler = on_hup;
        sigaction(SIGHUP, &sa, NULL);
        sa.sa_handler = on_alarm;
        sigaction(SIGALRM, &sa, NULL);
        sa.sa_handler = SIG_IGN;
        sigaction(SIGPIPE, &sa, NULL);
        st = tend_serve_run(&target, &o, &err);
        curl_global_cleanup();
    }
    if (code == 0 && st != TEND_OK) {
        tend_log(log, TEND_LOG_ERROR, "tend serve stopped", TEND_LOG_S("error", err.msg));
        code = tend_exit_code(st);
        /* An address that cannot be bound is a configuration error. */
        if (st == TEND_EUSAGE) code = 2;
    }
    tend_metrics_free(metrics);
    tend_log_free(log);
    tend_endpoint_tokens_free(tokens, ntokens);
    if (list != &one) free(list);
    json_decref(doc);
    return code;
}
