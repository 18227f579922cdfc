/* An example connector plugin: JSON POST with a bearer token and an
 * Idempotency-Key, for APIs that dedupe by such a key and answer 409 when
 * they already have the message (which therefore counts as delivered).
 * It includes only connector.h; see ../README.md for the walk-through.
 *
 *   cc -shared -fPIC -I runtime/connectors -o bearer.so runtime/connectors/examples/bearer.c
 *   TEND_CONNECTOR_PATH=$PWD tend deliver
 *
 * connectors.json:
 *   "crm": {"type": "bearer", "url": "https://api.example.com/events", "token_env": "CRM_TOKEN"}
 * ("url_env" instead of "url" names a variable holding the URL)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connector.h"

typedef struct {
    const tend_connector_host *host;
    char url[1024];
    char auth[1024]; /* "Bearer <token>": a secret, never printed */
} bearer;

static int configure(const tend_connector_host *host, const char *instance, const char *config, void **state,
                     char *err, size_t cap) {
    char token_env[128];
    bearer *b = calloc(1, sizeof *b);
    if (!b) {
        snprintf(err, cap, "out of memory");
        return -1;
    }
    b->host = host;
    /* "url" or "url_env", checked by the host (ABI 3). */
    if (host->url(config, instance, "http:// https://", 0, b->url, sizeof b->url, err, cap) != 0) {
        free(b);
        return -1;
    }
    if (host->setting(config, "token_env", token_env, sizeof token_env) != 1) {
        snprintf(err, cap, "connector '%s': needs \"token_env\", the variable holding its token", instance);
        free(b);
        return -1;
    }
    const char *token = host->secret(token_env);
    if (!token || strlen(token) + 8 > sizeof b->auth) {
        snprintf(err, cap, "connector '%s': the token variable %s is not set", instance, token_env);
        free(b);
        return -1;
    }
    snprintf(b->auth, sizeof b->auth, "Bearer %s", token);
    *state = b;
    return 0;
}

static int prepare(void *state, const tend_message *m, tend_request *req, char *err, size_t cap) {
    bearer *b = state;
    const tend_connector_host *h = b->host;
    if (h->set_url(req, b->url) || h->add_header(req, "Content-Type", "application/json") ||
        h->add_header(req, "Authorization", b->auth) || h->add_header(req, "Idempotency-Key", m->id) ||
        h->set_body(req, m->body, m->body_len)) {
        snprintf(err, cap, "could not build the request");
        return -1;
    }
    return 0;
}

/* The host's verdict, except that 409 Conflict means "already received". */
static void classify(void *state, const tend_message *m, const tend_response *resp, tend_verdict *v) {
    bearer *b = state;
    (void)m;
    b->host->classify_http(resp, v);
    if (resp->status == 409) {
        v->kind = TEND_DELIVERED;
        v->error[0] = 0;
    }
}

static void release(void *state) {
    bearer *b = state;
    if (b) memset(b->auth, 0, sizeof b->auth);
    free(b);
}

static const tend_connector_type bearer_type = {
    .abi = TEND_CONNECTOR_ABI, .name = "bearer",
    .configure = configure, .prepare = prepare, .classify = classify, .free = release,
};

const tend_connector_type *tend_connector_entry(int abi) { return abi == TEND_CONNECTOR_ABI ? &bearer_type : NULL; }
