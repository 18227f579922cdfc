/* The http connector: a declarative HTTP/JSON request, so a CRM or
 * ticketing API needs no C. Usually written in a playbook's connectors.lua
 * (connectors.json takes the same settings):
 *
 *   helpdesk = {
 *     type    = "http",
 *     method  = "POST",                                   -- default POST
 *     url     = "https://desk.example.com/api/accounts/{{account_id}}/tickets",
 *     secrets = { "DESK_TOKEN" },                         -- env variables it may read
 *     headers = { Authorization = "Bearer {{secret.DESK_TOKEN}}" },
 *     body    = { ticket = { subject = "{{payload.text}}", owner = "{{payload.to}}",
 *                            details = "{{payload}}", priority = 2, tags = { "tend", "{{payload.rule}}" } } },
 *     success = { 200, 201, 409 },                        -- default: 2xx
 *   }
 *
 * Placeholders: {{id}} (the message id, the same on every attempt),
 * {{tenant}}, {{account_id}}, {{kind}}, {{key}}, {{outbox_id}},
 * {{attempt}}, {{created_at}} (ISO 8601), {{payload.a.b}} (the intent),
 * {{data.a}} (the intent's data; a number segment indexes an array from
 * 1, as in Lua), {{secret.NAME}} (the environment variable NAME, which
 * must be listed in `secrets`). In the URL, values are percent-encoded,
 * except secrets (an operator's base URL may stand first). In the body, a
 * string that is exactly one placeholder takes the value with its JSON
 * type (a number stays a number, {{data}} an object); placeholders inside
 * longer strings are JSON-escaped text (null is empty, objects and arrays
 * their JSON text). Numbers, booleans and keys are kept as written.
 *
 * From connectors.lua, a table's keys come out in byte order (a Lua table
 * has none) unless its metatable lists `__jsonorder = { "b", "a" }`, and an
 * empty table is [] unless its metatable says `__jsontype = "object"`
 * (lua/json.h).
 *
 * Templates are compiled once, at configure time (http_template.c):
 * prepare() only concatenates, with no Lua. A placeholder that names no
 * known root is a settings error; a path an intent lacks fails that
 * message for good (TEND_PREPARE_FAILED: dead-lettered with the
 * placeholder named).
 *
 * Without `body`, POST/PUT/PATCH send the standard envelope (as webhook,
 * unsigned) and GET/DELETE nothing; `body = false` sends nothing. Every
 * request carries Idempotency-Key: {{id}} (`idempotency_header` renames
 * it, false drops it), Content-Type: application/json with a body, and a
 * User-Agent, unless `headers` sets them. */
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "connectors/builtin.h"
#include "connectors/http_template.h"

#define MAX_SECRETS 8
#define MAX_SUCCESS 32

typedef struct {
    char *name;
    tend_tmpl value;
} header;

typedef enum { BODY_NONE, BODY_ENVELOPE, BODY_TEMPLATE } body_kind;

typedef struct {
    const tend_connector_host *host;
    char *instance;
    char method[8];
    tend_tmpl url;
    header *headers;
    size_t nheaders;
    body_kind body;
    tend_tmpl body_tmpl;
    char *secret_names[MAX_SECRETS], *secret_values[MAX_SECRETS];
    int nsecrets;
    long success[MAX_SUCCESS];
    int nsuccess;
    char *idempotency_header; /* NULL: none */
    int needs_intent;
    char user_agent[64];
    tend_buf scratch_url, scratch_body, scratch_header; /* reused per message (one thread) */
} http_state;

static char *dup_s(const char *s) {
    char *d = tend_strdup(s);
    return d;
}

/* ---- the connector ------------------------------------------------------------------ */

static void release(void *state) {
    http_state *s = state;
    if (!s) return;
    free(s->instance);
    tend_tmpl_free(&s->url);
    for (size_t i = 0; i < s->nheaders; i++) free(s->headers[i].name), tend_tmpl_free(&s->headers[i].value);
    free(s->headers);
    tend_tmpl_free(&s->body_tmpl);
    for (int i = 0; i < s->nsecrets; i++) {
        if (s->secret_values[i]) memset(s->secret_values[i], 0, strlen(s->secret_values[i]));
        free(s->secret_values[i]);
        free(s->secret_names[i]);
    }
    free(s->idempotency_header);
    tend_buf *bufs[] = {&s->scratch_url, &s->scratch_body, &s->scratch_header};
    for (int i = 0; i < 3; i++) {
        if (bufs[i]->data) memset(bufs[i]->data, 0, bufs[i]->cap);
        tend_buf_free(bufs[i]);
    }
    free(s);
}

static int valid_header_name(const char *n) {
    if (!*n) return 0;
    for (; *n; n++)
        if (!isalnum((unsigned char)*n) && !strchr("!#$%&'*+-.^_`|~", *n)) return 0;
    return 1;
}

static int has_header(const http_state *s, const char *name) {
    for (size_t i = 0; i < s->nheaders; i++)
        if (!strcasecmp(s->headers[i].name, name)) return 1;
    return 0;
}

#define FAIL(...) do { snprintf(err, cap, __VA_ARGS__); goto done; } while (0)

static int read_secrets(http_state *s, json_t *v, char *err, size_t cap) {
    size_t i;
    json_t *n;
    if (!json_is_array(v) || json_array_size(v) > MAX_SECRETS) {
        snprintf(err, cap, "connector '%s': \"secrets\" must list up to %d environment variable names, e.g. "
                 "{ \"CRM_TOKEN\" }", s->instance, MAX_SECRETS);
        return -1;
    }
    json_array_foreach(v, i, n) {
        const char *name = json_string_value(n);
        if (!name || !*name || strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") !=
                                    strlen(name)) {
            snprintf(err, cap, "connector '%s': secrets[%zu] must name an environment variable", s->instance, i + 1);
            return -1;
        }
        const char *value = s->host->secret(name);
        if (!value) {
            snprintf(err, cap, "connector '%s': the secret variable %s is not set", s->instance, name);
            return -1;
        }
        s->secret_names[s->nsecrets] = dup_s(name);
        s->secret_values[s->nsecrets++] = dup_s(value);
    }
    return 0;
}

static int configure(const tend_connector_host *host, const char *instance, const char *config, void **state,
                     char *err, size_t cap) {
    json_error_t je;
    json_t *o = json_loads(config, 0, &je), *v;
    http_state *s = tend_calloc(1, sizeof *s);
    tend_buf where = {0};
    const char *key;
    int rc = -1;
    s->host = host;
    s->instance = dup_s(instance);
    snprintf(s->user_agent, sizeof s->user_agent, "tend/%s", host->version);
    snprintf(s->method, sizeof s->method, "POST");
    if (!o || !json_is_object(o)) FAIL("connector '%s': settings must be an object", instance);
    /* secrets first: templates check their names against the list */
    if ((v = json_object_get(o, "secrets")) && read_secrets(s, v, err, cap) != 0) goto done;
    tend_tmpl_scope scope = {.instance = instance, .secret_names = s->secret_names, .nsecrets = s->nsecrets};
    json_object_foreach(o, key, v) {
        if (!strcmp(key, "secrets") || host->is_common_key(key)) continue;
        if (!strcmp(key, "method")) {
            const char *m = json_string_value(v);
            static const char *const methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", NULL};
            int ok = 0;
            for (int i = 0; m && methods[i]; i++)
                if (!strcasecmp(m, methods[i])) ok = 1, snprintf(s->method, sizeof s->method, "%s", methods[i]);
            if (!ok) FAIL("connector '%s': \"method\" must be GET, POST, PUT, PATCH or DELETE", instance);
        } else if (!strcmp(key, "url")) {
            const char *u = json_string_value(v);
            if (!u || !*u) FAIL("connector '%s': \"url\" must be a non-empty string", instance);
            if (tend_tmpl_compile_text(&s->url, &scope, u, strlen(u), TEND_TMPL_URL, "url", err, cap) != 0) goto done;
            if (!tend_tmpl_url_ok(&s->url))
                FAIL("connector '%s': \"url\" must start with http:// or https:// (or a {{secret.…}} holding "
                     "the base URL)",
                     instance);
        } else if (!strcmp(key, "headers")) {
            const char *hk;
            json_t *hv;
            if (!json_is_object(v) && !(json_is_array(v) && json_array_size(v) == 0))
                FAIL("connector '%s': \"headers\" must be a table of name = template", instance);
            json_object_foreach(v, hk, hv) {
                if (!valid_header_name(hk)) FAIL("connector '%s': headers: \"%s\" is not a header name", instance, hk);
                if (!json_is_string(hv)) FAIL("connector '%s': headers.%s must be a string", instance, hk);
                header *grown = tend_realloc(s->headers, (s->nheaders + 1) * sizeof *grown);
                s->headers = grown;
                header *h = &s->headers[s->nheaders++];
                memset(h, 0, sizeof *h);
                h->name = dup_s(hk);
                where.len = 0;
                tend_buf_printf(&where, "headers.%s", hk);
                if (tend_tmpl_compile_text(&h->value, &scope, json_string_value(hv), json_string_length(hv),
                                           TEND_TMPL_HEADER, tend_buf_cstr(&where), err, cap) != 0)
                    goto done;
            }
        } else if (!strcmp(key, "body")) {
            if (json_is_false(v)) continue;
            s->body = BODY_TEMPLATE;
            if (tend_tmpl_compile_json(&s->body_tmpl, &scope, v, "body", err, cap) != 0) goto done;
        } else if (!strcmp(key, "success")) {
            size_t i;
            json_t *n;
            if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > MAX_SUCCESS)
                FAIL("connector '%s': \"success\" must list HTTP statuses, e.g. { 200, 201, 409 }", instance);
            json_array_foreach(v, i, n) {
                if (!json_is_integer(n) || json_integer_value(n) < 100 || json_integer_value(n) > 599)
                    FAIL("connector '%s': success[%zu] must be an HTTP status from 100 to 599", instance, i + 1);
                s->success[s->nsuccess++] = (long)json_integer_value(n);
            }
        } else if (!strcmp(key, "idempotency_header")) {
            if (json_is_false(v)) continue;
            if (!json_is_string(v) || !valid_header_name(json_string_value(v)))
                FAIL("connector '%s': \"idempotency_header\" must be a header name, or false for none", instance);
        } else if (!strcmp(key, "secret") || !strcmp(key, "token") || !strcmp(key, "password")) {
            FAIL("connector '%s': secrets are read from the environment, never from the settings: list the "
                 "variable in \"secrets\" and write {{secret.NAME}} where it goes",
                 instance);
        } else {
            FAIL("connector '%s': unknown setting \"%s\" (http takes \"method\", \"url\", \"headers\", \"body\", "
                 "\"secrets\", \"success\", \"idempotency_header\")",
                 instance, key);
        }
    }
    if (!s->url.n) FAIL("connector '%s': needs a \"url\"", instance);
    s->needs_intent = scope.uses_intent;
    if (!json_object_get(o, "body") && strcmp(s->method, "GET") && strcmp(s->method, "DELETE"))
        s->body = BODY_ENVELOPE;
    v = json_object_get(o, "idempotency_header");
    if (!json_is_false(v)) {
        const char *name = json_is_string(v) ? json_string_value(v) : "Idempotency-Key";
        if (!has_header(s, name)) s->idempotency_header = dup_s(name);
    }
    *state = s;
    s = NULL;
    rc = 0;
done:
    release(s);
    tend_buf_free(&where);
    json_decref(o);
    return rc;
}

static int prepare(void *state, const tend_message *m, tend_request *req, char *err, size_t cap) {
    http_state *s = state;
    const tend_connector_host *h = s->host;
    json_t *intent = NULL;
    if (s->needs_intent) {
        json_error_t je;
        intent = json_loads(m->payload && *m->payload ? m->payload : "{}", 0, &je);
        if (!intent) {
            snprintf(err, cap, "the intent is not JSON: %s", je.text);
            return TEND_PREPARE_FAILED;
        }
    }
    tend_tmpl_context c;
    tend_tmpl_context_init(&c, m, intent, s->secret_values);
    int rc = 0;
    tend_buf *url = &s->scratch_url, *body = &s->scratch_body, *hv = &s->scratch_header;
    url->len = body->len = 0;
    if (tend_tmpl_render(&s->url, &c, TEND_TMPL_URL, url, err, cap) != 0) {
        rc = TEND_PREPARE_FAILED;
        goto done;
    }
    tend_buf_cstr(url);
    if (strncmp(url->data, "http://", 7) && strncmp(url->data, "https://", 8)) {
        snprintf(err, cap, "url: the rendered URL does not start with http:// or https://");
        rc = TEND_PREPARE_FAILED;
        goto done;
    }
    rc |= h->set_url(req, url->data) | h->set_method(req, s->method);
    if (s->body != BODY_NONE && !has_header(s, "Content-Type"))
        rc |= h->add_header(req, "Content-Type", "application/json");
    if (!has_header(s, "User-Agent")) rc |= h->add_header(req, "User-Agent", s->user_agent);
    if (s->idempotency_header) rc |= h->add_header(req, s->idempotency_header, m->id);
    for (size_t i = 0; i < s->nheaders && rc == 0; i++) {
        hv->len = 0;
        if (tend_tmpl_render(&s->headers[i].value, &c, TEND_TMPL_HEADER, hv, err, cap) != 0) {
            rc = TEND_PREPARE_FAILED;
            goto done;
        }
        if (memchr(hv->data ? hv->data : "", '\r', hv->len) || memchr(hv->data ? hv->data : "", '\n', hv->len) ||
            memchr(hv->data ? hv->data : "", '\0', hv->len)) {
            snprintf(err, cap, "headers.%s: the value holds a line break", s->headers[i].name);
            rc = TEND_PREPARE_FAILED;
            goto done;
        }
        rc |= h->add_header(req, s->headers[i].name, tend_buf_cstr(hv));
    }
    if (s->body == BODY_ENVELOPE) {
        rc |= h->set_body(req, m->body, m->body_len);
    } else if (s->body == BODY_TEMPLATE) {
        if (tend_tmpl_render(&s->body_tmpl, &c, TEND_TMPL_JSON, body, err, cap) != 0) {
            rc = TEND_PREPARE_FAILED;
            goto done;
        }
        rc |= h->set_body(req, body->data, body->len);
    }
    if (rc) {
        snprintf(err, cap, "could not build the request");
        rc = -1;
    }
done:
    json_decref(intent);
    if (hv->data) memset(hv->data, 0, hv->cap); /* a header may have held a secret */
    return rc;
}

static void classify(void *state, const tend_message *m, const tend_response *resp, tend_verdict *v) {
    const http_state *s = state;
    (void)m;
    s->host->classify_http(resp, v);
    if (!s->nsuccess || resp->status == 0) return;
    for (int i = 0; i < s->nsuccess; i++)
        if (s->success[i] == resp->status) {
            v->kind = TEND_DELIVERED;
            v->error[0] = 0;
            v->retry_after = -1;
            return;
        }
    if (v->kind == TEND_DELIVERED) { /* a 2xx the settings do not list */
        v->kind = TEND_FAILED;
        snprintf(v->error, sizeof v->error, "HTTP %ld is not listed in \"success\"", resp->status);
    }
}

const tend_connector_type tend_connector_http = {
    .abi = TEND_CONNECTOR_ABI, .name = "http",
    .configure = configure, .prepare = prepare, .classify = classify, .free = release,
};
