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
 *     body    = { ticket = { subject = "{{payload.title}}", owner = "{{payload.owner}}",
 *                            details = "{{data}}", priority = 2, tags = { "tend", "{{payload.rule}}" } } },
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
 * Templates are compiled here, once, at configure time: prepare() only
 * concatenates, with no Lua. A placeholder that names no known root is a
 * settings error; a path an intent lacks fails that message for good
 * (TEND_PREPARE_FAILED: dead-lettered with the placeholder named).
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

#include "base/buf.h"
#include "base/isotime.h"
#include "connectors/builtin.h"

#define MAX_SECRETS 8
#define MAX_SUCCESS 32

typedef enum {
    R_ID, R_TENANT, R_ACCOUNT_ID, R_KIND, R_KEY, R_OUTBOX_ID, R_ATTEMPT, R_CREATED_AT, R_PAYLOAD, R_DATA, R_SECRET
} root_kind;

static const char *const root_names[] = {"id",       "tenant",  "account_id", "kind", "key",    "outbox_id",
                                         "attempt",  "created_at", "payload", "data", "secret", NULL};
#define KNOWN_ROOTS "id, tenant, account_id, kind, key, outbox_id, attempt, created_at, payload.…, data.…, secret.…"

typedef enum { MODE_URL, MODE_HEADER, MODE_JSON } mode;

/* One piece of a compiled template: literal text, or a placeholder. */
typedef struct {
    int hole;
    char *text;   /* literal: the text (JSON-escaped in a body); hole: the placeholder as written */
    size_t len;
    root_kind root;
    char **path;  /* payload/data: the segments after the root */
    size_t npath;
    int secret;   /* R_SECRET: index into the state's secrets */
    int whole;    /* body: the string is this placeholder alone, keep the value's JSON type */
    char *where;  /* "url", "headers.Authorization", "body.ticket.subject" */
} part;

typedef struct {
    part *parts;
    size_t n, cap;
} tmpl;

typedef struct {
    char *name;
    tmpl value;
} header;

typedef enum { BODY_NONE, BODY_ENVELOPE, BODY_TEMPLATE } body_kind;

typedef struct {
    const tend_connector_host *host;
    char *instance;
    char method[8];
    tmpl url;
    header *headers;
    size_t nheaders;
    body_kind body;
    tmpl body_tmpl;
    char *secret_names[MAX_SECRETS], *secret_values[MAX_SECRETS];
    int nsecrets;
    long success[MAX_SUCCESS];
    int nsuccess;
    char *idempotency_header; /* NULL: none */
    int needs_payload;
    char user_agent[64];
    tend_buf scratch_url, scratch_body, scratch_header; /* reused per message (one thread) */
} http_state;

/* ---- compiling ---------------------------------------------------------------------- */

static void tmpl_free(tmpl *t) {
    for (size_t i = 0; i < t->n; i++) {
        part *p = &t->parts[i];
        free(p->text);
        free(p->where);
        for (size_t k = 0; k < p->npath; k++) free(p->path[k]);
        free(p->path);
    }
    free(t->parts);
    memset(t, 0, sizeof *t);
}

static part *tmpl_push(tmpl *t) {
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 8;
        part *p = realloc(t->parts, cap * sizeof *p);
        if (!p) abort(); /* as tend_buf: nothing useful to do without memory */
        t->parts = p, t->cap = cap;
    }
    part *p = &t->parts[t->n++];
    memset(p, 0, sizeof *p);
    return p;
}

static char *dup_n(const char *s, size_t n) {
    char *d = malloc(n + 1);
    if (!d) abort();
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

/* Literal text, merged with a literal just before it. */
static void add_literal(tmpl *t, const char *s, size_t n) {
    if (n == 0) return;
    part *last = t->n ? &t->parts[t->n - 1] : NULL;
    if (last && !last->hole) {
        char *grown = realloc(last->text, last->len + n + 1);
        if (!grown) abort();
        memcpy(grown + last->len, s, n);
        last->len += n;
        grown[last->len] = 0;
        last->text = grown;
        return;
    }
    part *p = tmpl_push(t);
    p->text = dup_n(s, n);
    p->len = n;
}

/* s as the inside of a JSON string literal (UTF-8 passes through). */
static void json_escape(tend_buf *b, const char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        tend_buf_add(b, s + run, i - run);
        run = i + 1;
        switch (c) {
        case '"': tend_buf_adds(b, "\\\""); break;
        case '\\': tend_buf_adds(b, "\\\\"); break;
        case '\n': tend_buf_adds(b, "\\n"); break;
        case '\r': tend_buf_adds(b, "\\r"); break;
        case '\t': tend_buf_adds(b, "\\t"); break;
        default: {
            char u[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0};
            tend_buf_adds(b, u);
        }
        }
    }
    tend_buf_add(b, s + run, n - run);
}

static void add_json_literal_text(tmpl *t, const char *s, size_t n) {
    tend_buf b = {0};
    json_escape(&b, s, n);
    add_literal(t, b.data ? b.data : "", b.len);
    tend_buf_free(&b);
}

static int valid_segment_char(char c) { return c && c != '.' && c != '{' && c != '}' && !isspace((unsigned char)c); }

/* Reads "{{ root.a.b }}" (inner = what is between the braces) into p. */
static int parse_placeholder(http_state *s, part *p, const char *inner, size_t n, const char *where, char *err,
                             size_t cap) {
    while (n && isspace((unsigned char)*inner)) inner++, n--;
    while (n && isspace((unsigned char)inner[n - 1])) n--;
    char **segs = NULL;
    size_t nsegs = 0;
    const char *q = inner, *end = inner + n;
    int ok = n > 0;
    while (ok && q <= end) {
        const char *e = q;
        while (e < end && valid_segment_char(*e)) e++;
        if (e == q || (e < end && *e != '.')) ok = 0;
        else {
            char **grown = realloc(segs, (nsegs + 1) * sizeof *segs);
            if (!grown) abort();
            segs = grown;
            segs[nsegs++] = dup_n(q, (size_t)(e - q));
        }
        q = e + 1;
    }
    int rc = -1;
    if (!ok) {
        snprintf(err, cap, "connector '%s': %s: {{%.*s}} is not a placeholder (a path like {{payload.title}})",
                 s->instance, where, (int)n, inner);
        goto done;
    }
    int root = -1;
    for (int i = 0; root_names[i]; i++)
        if (!strcmp(segs[0], root_names[i])) root = i;
    if (root < 0) {
        snprintf(err, cap, "connector '%s': %s: unknown placeholder {{%.*s}} (known: %s)", s->instance, where, (int)n,
                 inner, KNOWN_ROOTS);
        goto done;
    }
    p->root = (root_kind)root;
    if (p->root == R_SECRET) {
        int found = -1;
        for (int i = 0; nsegs == 2 && i < s->nsecrets; i++)
            if (!strcmp(s->secret_names[i], segs[1])) found = i;
        if (nsegs != 2) {
            snprintf(err, cap, "connector '%s': %s: {{%.*s}}: name one variable, e.g. {{secret.CRM_TOKEN}}",
                     s->instance, where, (int)n, inner);
            goto done;
        }
        if (found < 0) {
            snprintf(err, cap, "connector '%s': %s: {{%.*s}} reads %s, which is not listed in \"secrets\"",
                     s->instance, where, (int)n, inner, segs[1]);
            goto done;
        }
        p->secret = found;
    } else if (p->root == R_PAYLOAD || p->root == R_DATA) {
        s->needs_payload = 1;
        p->npath = nsegs - 1;
        if (p->npath) {
            p->path = malloc(p->npath * sizeof *p->path);
            if (!p->path) abort();
            for (size_t i = 1; i < nsegs; i++) p->path[i - 1] = segs[i], segs[i] = NULL;
        }
    } else if (nsegs > 1) {
        snprintf(err, cap, "connector '%s': %s: {{%.*s}}: %s has no fields", s->instance, where, (int)n, inner,
                 segs[0]);
        goto done;
    }
    p->text = malloc(n + 5);
    if (!p->text) abort();
    snprintf(p->text, n + 5, "{{%.*s}}", (int)n, inner);
    p->len = n + 4;
    p->where = dup_n(where, strlen(where));
    rc = 0;
done:
    for (size_t i = 0; i < nsegs; i++) free(segs[i]);
    free(segs);
    return rc;
}

/* Compiles the template text s into t. In a body (MODE_JSON) the caller
 * writes the quotes; a string that is one placeholder alone is `whole`. */
static int compile_text(http_state *s, tmpl *t, const char *str, size_t len, mode md, const char *where, char *err,
                        size_t cap) {
    const char *p = str, *end = str + len;
    while (p < end) {
        const char *open = NULL;
        for (const char *q = p; q + 1 < end; q++)
            if (q[0] == '{' && q[1] == '{') {
                open = q;
                break;
            }
        const char *lit_end = open ? open : end;
        if (md == MODE_JSON) add_json_literal_text(t, p, (size_t)(lit_end - p));
        else add_literal(t, p, (size_t)(lit_end - p));
        if (!open) break;
        const char *close = NULL;
        for (const char *q = open + 2; q + 1 < end; q++)
            if (q[0] == '}' && q[1] == '}') {
                close = q;
                break;
            }
        if (!close) {
            snprintf(err, cap, "connector '%s': %s: \"{{\" without a closing \"}}\"", s->instance, where);
            return -1;
        }
        part *h = tmpl_push(t);
        h->hole = 1;
        if (parse_placeholder(s, h, open + 2, (size_t)(close - open - 2), where, err, cap) != 0) return -1;
        p = close + 2;
    }
    return 0;
}

/* Whether str is exactly one placeholder. */
static int is_whole(const char *str, size_t len) {
    if (len < 5 || strncmp(str, "{{", 2) || strncmp(str + len - 2, "}}", 2)) return 0;
    for (size_t i = 2; i + 2 < len; i++)
        if ((str[i] == '{' && str[i + 1] == '{') || (str[i] == '}' && str[i + 1] == '}')) return 0;
    return 1;
}

/* The body template: JSON as written, with placeholders in string leaves. */
static int compile_json(http_state *s, tmpl *t, json_t *v, tend_buf *where, char *err, size_t cap) {
    size_t mark = where->len;
    int rc = 0;
    if (json_is_object(v)) {
        const char *k;
        json_t *m;
        int first = 1;
        add_literal(t, "{", 1);
        json_object_foreach(v, k, m) {
            if (!first) add_literal(t, ",", 1);
            first = 0;
            add_literal(t, "\"", 1);
            add_json_literal_text(t, k, strlen(k));
            add_literal(t, "\":", 2);
            where->len = mark;
            tend_buf_printf(where, ".%s", k);
            if ((rc = compile_json(s, t, m, where, err, cap)) != 0) break;
        }
        add_literal(t, "}", 1);
    } else if (json_is_array(v)) {
        size_t i;
        json_t *m;
        add_literal(t, "[", 1);
        json_array_foreach(v, i, m) {
            if (i) add_literal(t, ",", 1);
            where->len = mark;
            tend_buf_printf(where, "[%zu]", i + 1);
            if ((rc = compile_json(s, t, m, where, err, cap)) != 0) break;
        }
        add_literal(t, "]", 1);
    } else if (json_is_string(v)) {
        const char *str = json_string_value(v);
        size_t len = json_string_length(v);
        const char *w = tend_buf_cstr(where);
        if (is_whole(str, len)) {
            part *h = tmpl_push(t);
            h->hole = 1;
            h->whole = 1;
            rc = parse_placeholder(s, h, str + 2, len - 4, w, err, cap);
        } else {
            add_literal(t, "\"", 1);
            rc = compile_text(s, t, str, len, MODE_JSON, w, err, cap);
            add_literal(t, "\"", 1);
        }
    } else {
        char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        if (!text) abort();
        add_literal(t, text, strlen(text));
        free(text);
    }
    where->len = mark;
    return rc;
}

/* ---- rendering ---------------------------------------------------------------------- */

typedef struct {
    const http_state *s;
    const tend_message *m;
    json_t *payload;
    char created[21];
} context;

/* A placeholder's value: text (s, len; number: a JSON number) or a node
 * of the intent. Returns -1 with err when the intent lacks the path. */
typedef struct {
    const char *s;
    size_t len;
    int number;
    int secret;
    const json_t *node;
    char buf[32];
} value;

static int lookup(const context *c, const part *p, value *v, char *err, size_t cap) {
    const tend_message *m = c->m;
    memset(v, 0, sizeof *v);
    switch (p->root) {
    case R_ID: v->s = m->id; break;
    case R_TENANT: v->s = m->tenant; break;
    case R_ACCOUNT_ID: v->s = m->account_id; break;
    case R_KIND: v->s = m->kind; break;
    case R_KEY: v->s = m->key; break;
    case R_CREATED_AT: v->s = c->created; break;
    case R_OUTBOX_ID:
        snprintf(v->buf, sizeof v->buf, "%lld", m->outbox_id);
        v->s = v->buf, v->number = 1;
        break;
    case R_ATTEMPT:
        snprintf(v->buf, sizeof v->buf, "%d", m->attempt);
        v->s = v->buf, v->number = 1;
        break;
    case R_SECRET:
        v->s = c->s->secret_values[p->secret];
        v->secret = 1;
        break;
    case R_PAYLOAD:
    case R_DATA: {
        const json_t *n = c->payload;
        const char *root = p->root == R_DATA ? "data" : "payload";
        if (p->root == R_DATA) n = json_object_get(n, "data");
        for (size_t i = 0; n && i < p->npath; i++) {
            const char *seg = p->path[i];
            if (json_is_array(n) && strspn(seg, "0123456789") == strlen(seg)) {
                size_t at = strtoul(seg, NULL, 10);
                n = at >= 1 ? json_array_get(n, at - 1) : NULL;
            } else {
                n = json_object_get(n, seg);
            }
            if (!n) {
                tend_buf path = {0};
                tend_buf_adds(&path, root);
                for (size_t k = 0; k <= i; k++) tend_buf_printf(&path, ".%s", p->path[k]);
                snprintf(err, cap, "%s: %s: the intent has no %s", p->where, p->text, tend_buf_cstr(&path));
                tend_buf_free(&path);
                return -1;
            }
        }
        if (!n) {
            snprintf(err, cap, "%s: %s: the intent has no %s", p->where, p->text, root);
            return -1;
        }
        v->node = n;
        break;
    }
    }
    if (!v->node && !v->s) v->s = "";
    if (v->s) v->len = strlen(v->s);
    return 0;
}

/* The value as text: strings as they are, null empty, the rest as JSON. */
static void add_text(tend_buf *b, const value *v) {
    if (!v->node) {
        tend_buf_add(b, v->s, v->len);
    } else if (json_is_string(v->node)) {
        tend_buf_add(b, json_string_value(v->node), json_string_length(v->node));
    } else if (!json_is_null(v->node)) {
        char *text = json_dumps(v->node, JSON_COMPACT | JSON_ENCODE_ANY);
        if (!text) abort();
        tend_buf_adds(b, text);
        free(text);
    }
}

static void add_percent_encoded(tend_buf *b, const char *s, size_t n) {
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') tend_buf_addc(b, (char)c);
        else {
            char e[4] = {'%', hex[c >> 4], hex[c & 15], 0};
            tend_buf_adds(b, e);
        }
    }
}

static int render(const context *c, const tmpl *t, mode md, tend_buf *out, char *err, size_t cap) {
    tend_buf tmp = {0};
    int rc = 0;
    for (size_t i = 0; i < t->n && rc == 0; i++) {
        const part *p = &t->parts[i];
        if (!p->hole) {
            tend_buf_add(out, p->text, p->len);
            continue;
        }
        value v;
        if ((rc = lookup(c, p, &v, err, cap)) != 0) break;
        if (md == MODE_JSON && p->whole) {
            if (v.node) {
                char *text = json_dumps(v.node, JSON_COMPACT | JSON_ENCODE_ANY);
                if (!text) abort();
                tend_buf_adds(out, text);
                free(text);
            } else if (v.number) {
                tend_buf_add(out, v.s, v.len);
            } else {
                tend_buf_addc(out, '"');
                json_escape(out, v.s, v.len);
                tend_buf_addc(out, '"');
            }
            continue;
        }
        tmp.len = 0;
        add_text(&tmp, &v);
        if (md == MODE_JSON) json_escape(out, tmp.data ? tmp.data : "", tmp.len);
        else if (md == MODE_URL && !v.secret) add_percent_encoded(out, tmp.data ? tmp.data : "", tmp.len);
        else tend_buf_add(out, tmp.data ? tmp.data : "", tmp.len);
    }
    if (tmp.data) memset(tmp.data, 0, tmp.cap); /* it may have held a secret */
    tend_buf_free(&tmp);
    return rc;
}

/* ---- the connector ------------------------------------------------------------------ */

static void release(void *state) {
    http_state *s = state;
    if (!s) return;
    free(s->instance);
    tmpl_free(&s->url);
    for (size_t i = 0; i < s->nheaders; i++) free(s->headers[i].name), tmpl_free(&s->headers[i].value);
    free(s->headers);
    tmpl_free(&s->body_tmpl);
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
        s->secret_names[s->nsecrets] = dup_n(name, strlen(name));
        s->secret_values[s->nsecrets++] = dup_n(value, strlen(value));
    }
    return 0;
}

static int configure(const tend_connector_host *host, const char *instance, const char *config, void **state,
                     char *err, size_t cap) {
    json_error_t je;
    json_t *o = json_loads(config, 0, &je), *v;
    http_state *s = calloc(1, sizeof *s);
    tend_buf where = {0};
    const char *key;
    int rc = -1;
    if (!s) abort();
    s->host = host;
    s->instance = dup_n(instance, strlen(instance));
    snprintf(s->user_agent, sizeof s->user_agent, "tend/%s", host->version);
    snprintf(s->method, sizeof s->method, "POST");
    if (!o || !json_is_object(o)) FAIL("connector '%s': settings must be an object", instance);
    /* secrets first: templates check their names against the list */
    if ((v = json_object_get(o, "secrets")) && read_secrets(s, v, err, cap) != 0) goto done;
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
            if (compile_text(s, &s->url, u, strlen(u), MODE_URL, "url", err, cap) != 0) goto done;
            const part *first = &s->url.parts[0];
            if (first->hole ? first->root != R_SECRET
                            : strncmp(first->text, "http://", first->len < 7 ? first->len : 7) &&
                                  strncmp(first->text, "https://", first->len < 8 ? first->len : 8))
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
                header *grown = realloc(s->headers, (s->nheaders + 1) * sizeof *grown);
                if (!grown) abort();
                s->headers = grown;
                header *h = &s->headers[s->nheaders++];
                memset(h, 0, sizeof *h);
                h->name = dup_n(hk, strlen(hk));
                where.len = 0;
                tend_buf_printf(&where, "headers.%s", hk);
                if (compile_text(s, &h->value, json_string_value(hv), json_string_length(hv), MODE_HEADER,
                                 tend_buf_cstr(&where), err, cap) != 0)
                    goto done;
            }
        } else if (!strcmp(key, "body")) {
            if (json_is_false(v)) continue;
            s->body = BODY_TEMPLATE;
            where.len = 0;
            tend_buf_adds(&where, "body");
            if (compile_json(s, &s->body_tmpl, v, &where, err, cap) != 0) goto done;
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
    if (!json_object_get(o, "body") && strcmp(s->method, "GET") && strcmp(s->method, "DELETE"))
        s->body = BODY_ENVELOPE;
    v = json_object_get(o, "idempotency_header");
    if (!json_is_false(v)) {
        const char *name = json_is_string(v) ? json_string_value(v) : "Idempotency-Key";
        if (!has_header(s, name)) s->idempotency_header = dup_n(name, strlen(name));
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
    context c = {.s = s, .m = m};
    tend_time_format((int64_t)m->created_at, c.created);
    if (s->needs_payload) {
        json_error_t je;
        c.payload = json_loads(m->payload && *m->payload ? m->payload : "{}", 0, &je);
        if (!c.payload) {
            snprintf(err, cap, "the intent is not JSON: %s", je.text);
            return TEND_PREPARE_FAILED;
        }
    }
    int rc = 0;
    tend_buf *url = &s->scratch_url, *body = &s->scratch_body, *hv = &s->scratch_header;
    url->len = body->len = 0;
    if (render(&c, &s->url, MODE_URL, url, err, cap) != 0) {
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
        if (render(&c, &s->headers[i].value, MODE_HEADER, hv, err, cap) != 0) {
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
        if (render(&c, &s->body_tmpl, MODE_JSON, body, err, cap) != 0) {
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
    json_decref(c.payload);
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
    .abi = TEND_CONNECTOR_ABI,
    .name = "http",
    .configure = configure,
    .prepare = prepare,
    .classify = classify,
    .free = release,
};
