/* One post to /v1/events, /v1/accounts or /v1/metrics: the body made
 * into JSON Lines, stored through store/ingest.c (the checks and the
 * storage of `tend ingest`), and the answer:
 *
 *   {"read":3,"stored":2,"unchanged":0,"rejected":1,
 *    "errors":[{"line":2,"field":"at","reason":"expected an ISO-8601 date or time, got \"x\""}]}
 *
 * A line is a line of the body (JSON Lines), or an element of a JSON
 * array counted from 1. With an Idempotency-Key the answer is stored with
 * the rows, in the same transaction, and a post with the same key gets it
 * back without storing anything. */
#ifndef TEND_ENDPOINT_POST_H
#define TEND_ENDPOINT_POST_H

#include <stddef.h>

#include "base/buf.h"
#include "base/status.h"
#include "endpoint/pool.h"
#include "store/ingest.h"

typedef struct {
    int http_status;
    tend_buf body;        /* the JSON answer */
    int replayed;         /* the answer of an earlier post with the same key */
    tend_ingest_stats st; /* what this post did (zero when replayed) */
} tend_post_answer;

typedef struct {
    tend_pool *pool;
    double idempotency_ttl_s;
} tend_post_env;

/* Handles a post of tenant's `kind`; body (len bytes, modified in place)
 * belongs to the caller. `key` is the Idempotency-Key header or NULL.
 * TEND_OK with an answer for anything the client caused (200, 400, 422);
 * TEND_EDB when the database fails (nothing stored; answer 503). */
tend_status tend_post_ingest(const tend_post_env *env, tend_ingest_kind kind, const char *tenant, const char *key,
                             char *body, size_t len, tend_post_answer *out, tend_error *err);

void tend_post_answer_free(tend_post_answer *a);

#endif
