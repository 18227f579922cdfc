/* The endpoint's HTTP side on GNU libmicrohttpd (see endpoint.h): the
 * address, TLS, routing, the body's size limit, tokens, and the answers of
 * /healthz, /readyz and /metrics. Posts are handled by post.c. */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "base/jsontext.h"
#include "endpoint/auth.h"
#include "endpoint/endpoint.h"
#include "endpoint/pool.h"
#include "endpoint/post.h"
#include "store/db.h"
#include "store/migrate.h"

#define DEFAULT_MAX_BODY (16u << 20)
#define DEFAULT_TTL (24 * 3600.0)

struct tend_endpoint {
    tend_endpoint_config cfg;
    struct MHD_Daemon *d;
    tend_auth *auth;
    tend_pool *pool;
    tend_post_env env;
    char *cert, *key; /* PEM text */
    int port;
};

typedef enum { R_EVENTS, R_ACCOUNTS, R_METRICS, R_HEALTHZ, R_READYZ, R_PROMETHEUS, R_OTHER } route;

static const struct {
    const char *path, *name;
    int post;
} routes[] = {
    [R_EVENTS] = {"/v1/events", "/v1/events", 1},   [R_ACCOUNTS] = {"/v1/accounts", "/v1/accounts", 1},
    [R_METRICS] = {"/v1/metrics", "/v1/metrics", 1}, [R_HEALTHZ] = {"/healthz", "/healthz", 0},
    [R_READYZ] = {"/readyz", "/readyz", 0},          [R_PROMETHEUS] = {"/metrics", "/metrics", 0},
    [R_OTHER] = {NULL, "other", 0},
};

/* A post being received. */
typedef struct {
    route r;
    const char *tenant; /* the token's (owned by auth) */
    tend_buf body;
    int too_big;
    struct timespec t0;
} request;

static double since(const struct timespec *t0) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void peer(struct MHD_Connection *conn, char *out, size_t cap) {
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, cap, "?");
    if (!ci || !ci->client_addr) return;
    socklen_t len = ci->client_addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    getnameinfo(ci->client_addr, len, out, (socklen_t)cap, NULL, 0, NI_NUMERICHOST);
}

/* Queues an answer and counts it. */
static enum MHD_Result answer(tend_endpoint *e, struct MHD_Connection *conn, route r, const struct timespec *t0,
                              unsigned int status, const char *type, const char *body, size_t len,
                              const char *hname, const char *hvalue) {
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!resp) return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", type);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    if (hname) MHD_add_response_header(resp, hname, hvalue);
    enum MHD_Result ok = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    if (e->cfg.ops) {
        char code[8];
        snprintf(code, sizeof code, "%u", status);
        tend_metric_add(e->cfg.ops->http_requests, TEND_LABELS(routes[r].name, code), 1);
        tend_metric_observe(e->cfg.ops->http_seconds, TEND_LABELS(routes[r].name), since(t0));
    }
    return ok;
}

static enum MHD_Result answer_json(tend_endpoint *e, struct MHD_Connection *conn, route r,
                                   const struct timespec *t0, unsigned int status, const char *json) {
    return answer(e, conn, r, t0, status, "application/json", json, strlen(json), NULL, NULL);
}

/* ---- /readyz and /metrics ------------------------------------------------ */

/* The database answers and its schema is this tend's; else why. A
 * connection the database dropped is retried once on a new one. */
static int db_ready(tend_endpoint *e, tend_buf *why) {
    tend_error err;
    for (int tries = 0; tries < 2; tries++) {
        PGconn *c = NULL;
        if (tend_pool_get(e->pool, &c, &err) != TEND_OK) {
            tend_buf_printf(why, "database: %s", err.msg);
            return 0;
        }
        tend_schema s;
        tend_status st = tend_schema_read(c, &s, &err);
        int dropped = PQstatus(c) != CONNECTION_OK;
        tend_pool_put(e->pool, c);
        if (st != TEND_OK && dropped && tries == 0) continue;
        int ok = 0;
        if (st != TEND_OK) tend_buf_printf(why, "database: %s", err.msg);
        else if (s.conflict[0]) tend_buf_printf(why, "schema: %s", s.conflict);
        else if (s.npending) tend_buf_printf(why, "schema: %zu migrations pending: run 'tend db migrate'", s.npending);
        else ok = 1;
        if (st == TEND_OK) tend_schema_free(&s);
        return ok;
    }
    return 0;
}

static enum MHD_Result readyz(tend_endpoint *e, struct MHD_Connection *conn, const struct timespec *t0) {
    tend_buf why = {0}, out = {0};
    int ok = db_ready(e, &why);
    if (ok && e->cfg.ready) ok = e->cfg.ready(e->cfg.ready_ud, &why);
    tend_buf_printf(&out, "{\"ready\":%s", ok ? "true" : "false");
    if (!ok) {
        tend_buf_adds(&out, ",\"reason\":");
        tend_json_quote(&out, why.data ? why.data : "", why.len);
    }
    tend_buf_adds(&out, "}\n");
    if (!ok) tend_log(e->cfg.log, TEND_LOG_WARN, "not ready", TEND_LOG_S("reason", tend_buf_cstr(&why)));
    enum MHD_Result res = answer_json(e, conn, R_READYZ, t0, ok ? 200 : 503, tend_buf_cstr(&out));
    tend_buf_free(&why);
    tend_buf_free(&out);
    return res;
}

/* The outbox's rows per status, as the database has them now. */
static void outbox_depth(tend_endpoint *e) {
    tend_error err;
    PGconn *c = NULL;
    PGresult *r = NULL;
    if (tend_pool_get(e->pool, &c, &err) == TEND_OK &&
        tend_db_exec(c, "reading the outbox depth", "SELECT status, count(*) FROM outbox GROUP BY status", 0, NULL,
                     &r, &err) == TEND_OK) {
        tend_metric_clear(e->cfg.ops->outbox_depth);
        for (int i = 0; i < PQntuples(r); i++)
            tend_metric_set(e->cfg.ops->outbox_depth, TEND_LABELS(PQgetvalue(r, i, 0)), atof(PQgetvalue(r, i, 1)));
    } else {
        tend_log(e->cfg.log, TEND_LOG_WARN, "metrics: the outbox depth is not read", TEND_LOG_S("error", err.msg));
    }
    PQclear(r);
    tend_pool_put(e->pool, c);
}

static enum MHD_Result prometheus(tend_endpoint *e, struct MHD_Connection *conn, const struct timespec *t0) {
    if (!e->cfg.metrics) return answer_json(e, conn, R_PROMETHEUS, t0, 404, "{\"error\":\"no metrics here\"}\n");
    if (e->cfg.ops) outbox_depth(e);
    tend_buf out = {0};
    tend_error err;
    if (tend_metrics_expose(e->cfg.metrics, &out, &err) != TEND_OK)
        tend_log(e->cfg.log, TEND_LOG_WARN, "metrics: a collector failed", TEND_LOG_S("error", err.msg));
    enum MHD_Result res = answer(e, conn, R_PROMETHEUS, t0, 200, "text/plain; version=0.0.4; charset=utf-8",
                                 out.data ? out.data : "", out.len, NULL, NULL);
    tend_buf_free(&out);
    return res;
}

/* ---- posts ----------------------------------------------------------------- */

/* Idempotency-Key: 1 to 255 printable ASCII characters. */
static int valid_key(const char *k) {
    size_t n = strlen(k);
    if (n == 0 || n > 255) return 0;
    for (size_t i = 0; i < n; i++)
        if (k[i] < 0x21 || k[i] > 0x7e) return 0;
    return 1;
}

static enum MHD_Result finish_post(tend_endpoint *e, struct MHD_Connection *conn, request *q) {
    static const tend_ingest_kind kinds[] = {TEND_INGEST_EVENTS, TEND_INGEST_ACCOUNTS, TEND_INGEST_METRICS};
    tend_ingest_kind kind = kinds[q->r];
    const char *kname = tend_ingest_kind_name(kind);
    char max[64];
    if (q->too_big) {
        snprintf(max, sizeof max, "{\"error\":\"the body is larger than %zu bytes\"}\n", e->cfg.max_body);
        tend_log(e->cfg.log, TEND_LOG_WARN, "post refused: too large", TEND_LOG_S("tenant", q->tenant),
                 TEND_LOG_S("route", routes[q->r].name), TEND_LOG_I("status", 413));
        return answer_json(e, conn, q->r, &q->t0, 413, max);
    }
    const char *key = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Idempotency-Key");
    if (key && !valid_key(key))
        return answer_json(e, conn, q->r, &q->t0, 400,
                           "{\"error\":\"Idempotency-Key: 1 to 255 printable ASCII characters\"}\n");
    tend_post_answer a;
    tend_error err;
    tend_status s = tend_post_ingest(&e->env, kind, q->tenant, key, q->body.data ? q->body.data : "", q->body.len,
                                     &a, &err);
    enum MHD_Result res;
    if (s != TEND_OK) {
        tend_log(e->cfg.log, TEND_LOG_ERROR, "post failed: nothing stored", TEND_LOG_S("tenant", q->tenant),
                 TEND_LOG_S("route", routes[q->r].name), TEND_LOG_I("status", 503), TEND_LOG_S("error", err.msg));
        static const char unavailable[] = "{\"error\":\"the database is unavailable: nothing was stored, try again\"}\n";
        res = answer(e, conn, q->r, &q->t0, 503, "application/json", unavailable, sizeof unavailable - 1,
                     "Retry-After", "5");
    } else {
        if (e->cfg.ops && !a.replayed) {
            tend_metric *f = e->cfg.ops->ingested;
            tend_metric_add(f, TEND_LABELS(kname, "stored"), (double)a.st.stored);
            tend_metric_add(f, TEND_LABELS(kname, "unchanged"), (double)a.st.unchanged);
            tend_metric_add(f, TEND_LABELS(kname, "rejected"), (double)a.st.rejected);
        }
        if (!a.replayed && a.http_status == 200 && e->cfg.on_ingested)
            e->cfg.on_ingested(e->cfg.ingested_ud, q->tenant, kind, &a.st);
        tend_log(e->cfg.log, TEND_LOG_INFO, "post", TEND_LOG_S("tenant", q->tenant),
                 TEND_LOG_S("route", routes[q->r].name), TEND_LOG_I("status", a.http_status),
                 TEND_LOG_I("read", a.st.read), TEND_LOG_I("stored", a.st.stored),
                 TEND_LOG_I("unchanged", a.st.unchanged), TEND_LOG_I("rejected", a.st.rejected),
                 TEND_LOG_S("replayed", a.replayed ? "true" : NULL),
                 TEND_LOG_N("ms", since(&q->t0) * 1000));
        res = answer(e, conn, q->r, &q->t0, (unsigned)a.http_status, "application/json", a.body.data, a.body.len,
                     a.replayed ? "Idempotent-Replayed" : NULL, "true");
    }
    tend_post_answer_free(&a);
    return res;
}

/* ---- libmicrohttpd's callbacks --------------------------------------------- */

static route find_route(const char *url) {
    for (int r = 0; r < R_OTHER; r++)
        if (!strcmp(url, routes[r].path)) return (route)r;
    return R_OTHER;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **state) {
    (void)version;
    tend_endpoint *e = cls;
    request *q = *state;
    if (q) { /* a post's body, piece by piece, then the end */
        if (*upload_size == 0) return finish_post(e, conn, q);
        if (!q->too_big && q->body.len + *upload_size > e->cfg.max_body) q->too_big = 1;
        if (!q->too_big) tend_buf_add(&q->body, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    route r = find_route(url);
    int get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
    if (r == R_OTHER) return answer_json(e, conn, r, &t0, 404, "{\"error\":\"no such route\"}\n");
    if (routes[r].post != !strcmp(method, "POST") && !(routes[r].post == 0 && get))
    {
        static const char not_allowed[] = "{\"error\":\"method not allowed\"}\n";
        return answer(e, conn, r, &t0, 405, "application/json", not_allowed, sizeof not_allowed - 1, "Allow",
                      routes[r].post ? "POST" : "GET, HEAD");
    }
    if (r == R_HEALTHZ) return answer_json(e, conn, r, &t0, 200, "{\"status\":\"ok\"}\n");
    if (r == R_READYZ) return readyz(e, conn, &t0);
    if (r == R_PROMETHEUS) return prometheus(e, conn, &t0);

    const char *tenant = tend_auth_tenant(e->auth, MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization"));
    if (!tenant) {
        char from[64];
        peer(conn, from, sizeof from);
        tend_log(e->cfg.log, TEND_LOG_WARN, "post refused: no valid bearer token", TEND_LOG_S("route", routes[r].name),
                 TEND_LOG_S("peer", from), TEND_LOG_I("status", 401));
        static const char unauthorized[] = "{\"error\":\"a valid bearer token is required\"}\n";
        return answer(e, conn, r, &t0, 401, "application/json", unauthorized, sizeof unauthorized - 1,
                      "WWW-Authenticate", "Bearer realm=\"tend\"");
    }
    /* A declared length over the limit is refused before the body is read. */
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
    if (cl && strtoull(cl, NULL, 10) > e->cfg.max_body) {
        char msg[96];
        snprintf(msg, sizeof msg, "{\"error\":\"the body is larger than %zu bytes\"}\n", e->cfg.max_body);
        tend_log(e->cfg.log, TEND_LOG_WARN, "post refused: too large", TEND_LOG_S("tenant", tenant),
                 TEND_LOG_S("route", routes[r].name), TEND_LOG_I("status", 413));
        return answer_json(e, conn, r, &t0, 413, msg);
    }
    q = calloc(1, sizeof *q);
    if (!q) return MHD_NO;
    q->r = r;
    q->tenant = tenant;
    q->t0 = t0;
    *state = q;
    return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **state, enum MHD_RequestTerminationCode why) {
    (void)cls, (void)conn, (void)why;
    request *q = *state;
    if (!q) return;
    tend_buf_free(&q->body);
    free(q);
    *state = NULL;
}

static void on_mhd_error(void *cls, const char *fmt, va_list ap) {
    tend_endpoint *e = cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    msg[strcspn(msg, "\n")] = 0;
    tend_log(e->cfg.log, TEND_LOG_WARN, "http server", TEND_LOG_S("error", msg));
}

/* ---- start and stop ---------------------------------------------------------- */

/* "host:port", "[v6]:port", ":port" (every address). */
static tend_status parse_listen(const char *s, struct sockaddr_storage *ss, int *v6, tend_error *err) {
    memset(ss, 0, sizeof *ss);
    const char *colon = strrchr(s ? s : "", ':');
    if (!s || !colon) return tend_fail(err, TEND_EUSAGE, "--listen '%s': expected ADDRESS:PORT", s ? s : "");
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (!colon[1] || *end || port < 0 || port > 65535)
        return tend_fail(err, TEND_EUSAGE, "--listen '%s': the port must be 0 to 65535", s);
    char host[256];
    size_t hl = (size_t)(colon - s);
    if (hl >= sizeof host) return tend_fail(err, TEND_EUSAGE, "--listen '%s': address too long", s);
    memcpy(host, s, hl);
    host[hl] = 0;
    *v6 = 0;
    if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
        host[hl - 1] = 0;
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)port);
        if (inet_pton(AF_INET6, host + 1, &a->sin6_addr) != 1)
            return tend_fail(err, TEND_EUSAGE, "--listen '%s': not an IPv6 address", s);
        *v6 = 1;
        return TEND_OK;
    }
    struct sockaddr_in *a = (struct sockaddr_in *)ss;
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    if (hl == 0) a->sin_addr.s_addr = htonl(INADDR_ANY);
    else if (!strcmp(host, "localhost")) a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    else if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
        return tend_fail(err, TEND_EUSAGE, "--listen '%s': not an IPv4 address (IPv6 goes in brackets)", s);
    return TEND_OK;
}

static tend_status slurp(const char *path, char **out, tend_error *err) {
    FILE *f = fopen(path, "rb");
    if (!f) return tend_fail(err, TEND_EUSAGE, "%s: %s", path, strerror(errno));
    tend_buf b = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) tend_buf_add(&b, chunk, n);
    fclose(f);
    tend_buf_cstr(&b);
    *out = b.data;
    return TEND_OK;
}

void tend_endpoint_stop(tend_endpoint *e) {
    if (!e) return;
    if (e->d) MHD_stop_daemon(e->d);
    tend_auth_free(e->auth);
    tend_pool_free(e->pool);
    free(e->cert);
    free(e->key);
    free(e);
}

tend_status tend_endpoint_start(const tend_endpoint_config *cfg, tend_endpoint **out, tend_error *err) {
    *out = NULL;
    tend_endpoint *e = calloc(1, sizeof *e);
    if (!e) abort();
    e->cfg = *cfg;
    e->cfg.tokens = NULL;
    if (!e->cfg.max_body) e->cfg.max_body = DEFAULT_MAX_BODY;
    if (e->cfg.idempotency_ttl_s <= 0) e->cfg.idempotency_ttl_s = DEFAULT_TTL;
    struct sockaddr_storage ss;
    int v6 = 0;
    tend_status st = parse_listen(cfg->listen, &ss, &v6, err);
    if (st == TEND_OK && (!cfg->tls_cert != !cfg->tls_key))
        st = tend_fail(err, TEND_EUSAGE, "TLS needs both a certificate and a key");
    if (st == TEND_OK && cfg->tls_cert && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
        st = tend_fail(err, TEND_EUSAGE, "this libmicrohttpd has no TLS: put a reverse proxy in front");
    if (st == TEND_OK && cfg->tls_cert && (st = slurp(cfg->tls_cert, &e->cert, err)) == TEND_OK)
        st = slurp(cfg->tls_key, &e->key, err);
    if (st == TEND_OK) st = tend_pool_new(cfg->db_connections, &e->pool, err);
    if (st != TEND_OK) {
        tend_endpoint_stop(e);
        return st;
    }
    e->auth = tend_auth_new(cfg->tokens, cfg->ntokens);
    e->env = (tend_post_env){e->pool, e->cfg.idempotency_ttl_s};
    unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_AUTO |
                         MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0) | (e->cert ? MHD_USE_TLS : 0);
    if (e->cert)
        e->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, e, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_error, e,
                                MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
                                e, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)60, MHD_OPTION_HTTPS_MEM_CERT, e->cert,
                                MHD_OPTION_HTTPS_MEM_KEY, e->key, MHD_OPTION_END);
    else
        e->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, e, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_error, e,
                                MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
                                e, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)60, MHD_OPTION_END);
    if (!e->d) {
        st = tend_fail(err, TEND_EIO, "cannot listen on %s%s", cfg->listen,
                       e->cert ? " (or the TLS certificate and key do not load)" : " (in use, or not an address here)");
        tend_endpoint_stop(e);
        return st;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(e->d, MHD_DAEMON_INFO_BIND_PORT);
    e->port = di ? di->port : 0;
    *out = e;
    return TEND_OK;
}

int tend_endpoint_port(const tend_endpoint *e) { return e->port; }
