/* The HTTP endpoint: what a product or a CRM posts events and accounts to,
 * and what load balancers, Kubernetes and Prometheus ask (issue "Operating
 * tend"). GNU libmicrohttpd serves it, a thread per connection, each
 * request's database work on a connection from a small pool.
 *
 *   POST /v1/events, /v1/accounts, /v1/metrics
 *        JSON Lines, a JSON array of objects, or one JSON object; checked
 *        and stored by store/ingest.c exactly as `tend ingest` does; the
 *        answer says, per rejected line, its number, field and reason.
 *        Authorization: Bearer <token>: the token names the tenant.
 *        Idempotency-Key: a retry with the same key stores nothing again
 *        and gets the first answer back (endpoint_requests, migration 011).
 *   GET  /healthz   the process answers (200)
 *   GET  /readyz    200 when the database answers, its schema is this
 *                   tend's, and the caller's readiness check agrees;
 *                   503 with the reason otherwise
 *   GET  /metrics   the registry's Prometheus text exposition, with the
 *                   outbox depth per status read from the database first
 *
 * Logs one line per post (tenant, route, status, counts, milliseconds) and
 * one per refused token (never the token itself). */
#ifndef TEND_ENDPOINT_H
#define TEND_ENDPOINT_H

#include <stddef.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/metrics.h"
#include "base/status.h"
#include "store/ingest.h"

typedef struct {
    char *tenant;
    char *token;
} tend_endpoint_token;

/* Reads "tenant:token" pairs separated by spaces, commas or newlines (the
 * value of TEND_ENDPOINT_TOKENS). A tenant twice, an empty tenant or
 * token, or a token shorter than 16 characters is an error (the message
 * never holds a token). */
tend_status tend_endpoint_tokens_parse(const char *value, tend_endpoint_token **out, size_t *n, tend_error *err);
void tend_endpoint_tokens_free(tend_endpoint_token *t, size_t n);

typedef struct {
    const char *listen;  /* "127.0.0.1:8080", "[::1]:8080", "0.0.0.0:8080", ":8080" (every address); port 0 picks one */
    const tend_endpoint_token *tokens; /* copied; no tokens: every post is refused (401) */
    size_t ntokens;
    size_t max_body;     /* bytes (0: 16 MiB); a larger body is answered 413 */
    const char *tls_cert, *tls_key; /* PEM files; both or neither (neither: plain HTTP) */
    int db_connections;  /* the pool's size (0: 8) */
    double idempotency_ttl_s; /* how long a key is remembered (0: a day) */
    /* More readiness: playbooks loaded, … Returns 1 when ready, else 0
     * with the reason appended to why. NULL: only the database counts. */
    int (*ready)(void *ud, tend_buf *why);
    void *ready_ud;
    /* After a post's rows are committed (serve wakes event rules here). */
    void (*on_ingested)(void *ud, const char *tenant, tend_ingest_kind kind, const tend_ingest_stats *st);
    void *ingested_ud;
    tend_metrics *metrics;        /* exposed on /metrics (NULL: /metrics is 404) */
    const tend_ops_metrics *ops;  /* where requests, posts and the outbox depth are recorded (NULL: nowhere) */
    tend_log *log;                /* NULL: no logs */
} tend_endpoint_config;

typedef struct tend_endpoint tend_endpoint;

/* Starts serving on its own threads and returns. TEND_EUSAGE for a bad
 * address or TLS files; TEND_EIO when the address cannot be bound. The
 * database is not needed to start (/readyz says when it is there). */
tend_status tend_endpoint_start(const tend_endpoint_config *cfg, tend_endpoint **out, tend_error *err);

/* The port it listens on (the one picked when the config said 0). */
int tend_endpoint_port(const tend_endpoint *e);

/* Stops accepting, waits for requests in flight, frees everything. */
void tend_endpoint_stop(tend_endpoint *e);

#endif
