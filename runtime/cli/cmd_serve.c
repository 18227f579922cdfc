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

#include "cli/cli.h"
#include "sched/serve.h"
#include "store/db.h"
#include "store/runs.h"

const char tend_help_serve[] =
    "usage: tend serve [--playbook DIR | --tenants FILE] [--no-schedules] [--no-events] [--no-deliver]\n"
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
    "Logs one line per thing done on stderr.\n"
    "\n"
    "Exit: 0 stopped by a signal; 2 usage; 3 configuration: a playbook that does\n"
    "not load at start, a bad tenants file, connector settings, or a database\n"
    "schema that needs 'tend db migrate'; 4 database unavailable at start.\n";

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
        {"help", no_argument, NULL, 'h'},            {NULL, 0, NULL, 0},
    };
    tend_serve_opts o = {.schedules = 1, .events = 1, .deliver = 1, .poll_seconds = 1, .jobs = 1, .log = stderr};
    const char *playbook = getenv("TEND_PLAYBOOK"), *tenants_file = NULL;
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
        case 'h': return tend_cmd_help(2, (char *[]){"help", "serve", NULL});
        default: return tend_usage_error("serve", "unknown option");
        }
    }
    if (optind < argc) return tend_usage_error("serve", "unexpected argument '%s'", argv[optind]);
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
    if (code == 0 && st == TEND_OK) {
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
        fprintf(stderr, "tend serve: %s\n", err.msg);
        code = tend_exit_code(st);
    }
    if (list != &one) free(list);
    json_decref(doc);
    return code;
}
