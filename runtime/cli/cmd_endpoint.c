/* tend endpoint --listen ADDR:PORT: the HTTP endpoint alone (ingest,
 * health, metrics) until SIGINT or SIGTERM. The work is in
 * runtime/endpoint/; this file reads the options and the tokens, makes the
 * logger and the metrics registry, and waits for a signal. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/metrics.h"
#include "cli/cli.h"
#include "endpoint/endpoint.h"

const char tend_help_endpoint[] =
    "usage: tend endpoint --listen ADDR:PORT [options]\n"
    "\n"
    "Serves the HTTP endpoint alone: ingest, health, metrics; `tend serve --listen`\n"
    "runs it inside the service. Runs until SIGINT or SIGTERM, then finishes the\n"
    "requests in flight.\n"
    "\n"
    "  POST /v1/events, /v1/accounts, /v1/metrics\n"
    "        JSON Lines, a JSON array of objects, or one JSON object, checked and\n"
    "        stored as `tend ingest` does. The answer (200) counts the records and\n"
    "        lists each rejected line: {\"read\":3,\"stored\":2,\"unchanged\":0,\n"
    "        \"rejected\":1,\"errors\":[{\"line\":2,\"field\":\"at\",\"reason\":\"...\"}]}\n"
    "        (a line of a JSON array is its element, counted from 1). The good\n"
    "        lines are stored even when others are rejected.\n"
    "        Authorization: Bearer TOKEN is required; the token says the tenant (an\n"
    "        account naming another tenant is rejected). A wrong or missing token:\n"
    "        401. A body over --max-body: 413. The database down: 503, nothing\n"
    "        stored.\n"
    "        Idempotency-Key: KEY (optional, 1-255 printable characters): a post\n"
    "        with a key already used by the tenant stores nothing and gets the\n"
    "        first answer again (header Idempotent-Replayed: true); the same key\n"
    "        with another body: 422. Keys are remembered for a day.\n"
    "  GET  /healthz   200 while the process runs\n"
    "  GET  /readyz    200 {\"ready\":true} when the database answers and its schema\n"
    "                  is up to date; else 503 with the reason\n"
    "  GET  /metrics   Prometheus text: requests, posted records, outbox rows per\n"
    "                  status (read from the database), build info\n"
    "\n"
    "  --listen ADDR:PORT  where to listen: 127.0.0.1:8080, [::1]:8080, :8080 (every\n"
    "                      address); port 0 picks a free one (the log says which)\n"
    "  --max-body SIZE     the largest body accepted (default 16M; K, M, G)\n"
    "  --db-connections N  database connections shared by the requests (default 8)\n"
    "  --tls-cert FILE, --tls-key FILE\n"
    "                      serve HTTPS with this PEM certificate and key (usually a\n"
    "                      reverse proxy in front terminates TLS instead)\n"
    "  --log-format F      text (default) or json (one JSON object per line: ts,\n"
    "                      level, msg, tenant, route, status, ...) on stderr\n"
    "  --log-level L       debug, info (default), warn or error\n"
    "\n"
    "The tokens: TEND_ENDPOINT_TOKENS, pairs tenant:token separated by spaces,\n"
    "commas or newlines (each token at least 16 characters), e.g.\n"
    "  TEND_ENDPOINT_TOKENS='acme:2f9c...e1 globex:77ab...90'\n"
    "Logs never hold a token or a record's content, only ids and counts.\n"
    "\n"
    "The database: TEND_DATABASE_URL, else the embedded cluster under $TEND_HOME\n"
    "(see 'tend help db').\n"
    "\n"
    "Exit: 0 stopped by a signal; 2 usage (a bad option, address or token list);\n"
    "4 the address cannot be bound.\n";

int tend_cmd_endpoint(int argc, char **argv) {
    static const struct option longopts[] = {
        {"listen", required_argument, NULL, 'l'},       {"max-body", required_argument, NULL, 'b'},
        {"db-connections", required_argument, NULL, 'c'}, {"tls-cert", required_argument, NULL, 'C'},
        {"tls-key", required_argument, NULL, 'K'},      {"log-format", required_argument, NULL, 'f'},
        {"log-level", required_argument, NULL, 'L'},    {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    tend_endpoint_config cfg = {0};
    tend_log_format format = TEND_LOG_TEXT;
    tend_log_level level = TEND_LOG_INFO;
    double n;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'l': cfg.listen = optarg; break;
        case 'b':
            if (tend_parse_size(optarg, &cfg.max_body) || cfg.max_body == 0)
                return tend_usage_error("endpoint", "--max-body must be a size such as 16M, not '%s'", optarg);
            break;
        case 'c':
            if (tend_parse_positive(optarg, &n) || n != (int)n || n > 1000)
                return tend_usage_error("endpoint", "--db-connections must be 1 to 1000, not '%s'", optarg);
            cfg.db_connections = (int)n;
            break;
        case 'C': cfg.tls_cert = optarg; break;
        case 'K': cfg.tls_key = optarg; break;
        case 'f':
            if (tend_log_format_parse(optarg, &format))
                return tend_usage_error("endpoint", "--log-format must be text or json, not '%s'", optarg);
            break;
        case 'L':
            if (tend_log_level_parse(optarg, &level))
                return tend_usage_error("endpoint", "--log-level must be debug, info, warn or error, not '%s'", optarg);
            break;
        case 'h': return tend_cmd_help(2, (char *[]){"help", "endpoint", NULL});
        default: return tend_usage_error("endpoint", "unknown option");
        }
    }
    if (optind < argc) return tend_usage_error("endpoint", "unexpected argument '%s'", argv[optind]);
    if (!cfg.listen) return tend_usage_error("endpoint", "--listen ADDR:PORT is required");

    tend_error err;
    tend_endpoint_token *tokens = NULL;
    size_t ntokens = 0;
    if (tend_endpoint_tokens_parse(getenv("TEND_ENDPOINT_TOKENS"), &tokens, &ntokens, &err) != TEND_OK)
        return tend_usage_error("endpoint", "%s", err.msg);
    tend_log *log = tend_log_new(stderr, format, level);
    tend_metrics *metrics = tend_metrics_new();
    tend_ops_metrics ops;
    tend_endpoint *e = NULL;
    int code = 0;
    tend_status st = tend_ops_metrics_define(metrics, TEND_VERSION, &ops, &err);
    cfg.tokens = tokens;
    cfg.ntokens = ntokens;
    cfg.metrics = metrics;
    cfg.ops = &ops;
    cfg.log = log;
    if (!ntokens) tend_log_msg(log, TEND_LOG_WARN, "TEND_ENDPOINT_TOKENS is empty: every post will be refused");

    /* The signals wait for sigwait below; the server's threads inherit the
     * mask, so none of them is interrupted. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    if (st == TEND_OK) st = tend_endpoint_start(&cfg, &e, &err);
    if (st != TEND_OK) {
        tend_log(log, TEND_LOG_ERROR, "endpoint not started", TEND_LOG_S("error", err.msg));
        code = st == TEND_EUSAGE ? 2 : 4;
    } else {
        tend_log(log, TEND_LOG_INFO, "listening", TEND_LOG_S("listen", cfg.listen),
                 TEND_LOG_I("port", tend_endpoint_port(e)), TEND_LOG_S("tls", cfg.tls_cert ? "true" : "false"),
                 TEND_LOG_I("tenants", ntokens), TEND_LOG_S("version", TEND_VERSION));
        int sig = 0;
        sigwait(&stop, &sig);
        tend_log(log, TEND_LOG_INFO, "stopping", TEND_LOG_S("signal", sig == SIGINT ? "SIGINT" : "SIGTERM"));
        tend_endpoint_stop(e);
        tend_log_msg(log, TEND_LOG_INFO, "stopped");
    }
    tend_metrics_free(metrics);
    tend_log_free(log);
    tend_endpoint_tokens_free(tokens, ntokens);
    return code;
}
