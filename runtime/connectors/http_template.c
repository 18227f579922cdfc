/* Compiling and rendering the http connector's templates (see
 * http_template.h). */
#include "connectors/http_template.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/isotime.h"
#include "base/jsontext.h"

typedef enum {
    R_ID, R_TENANT, R_ACCOUNT_ID, R_KIND, R_KEY, R_OUTBOX_ID, R_ATTEMPT, R_CREATED_AT, R_PAYLOAD, R_DATA, R_SECRET
} root_kind;

static const char *const root_names[] = {"id",       "tenant",  "account_id", "kind", "key",    "outbox_id",
                                         "attempt",  "created_at", "payload", "data", "secret", NULL};
#define KNOWN_ROOTS \
    "id, tenant, account_id, kind, key, outbox_id, attempt, created_at, payload.…, data.…, secret.…"

/* One piece of a compiled template: literal text, or a placeholder. */
struct tend_tmpl_part {
    int hole;
    char *text;   /* literal: the text (JSON-escaped in a body); hole: the placeholder as written */
    size_t len;
    root_kind root;
    char **path;  /* payload/data: the segments after the root */
    size_t npath;
    int secret;   /* R_SECRET: index into the state's secrets */
    int whole;    /* body: the string is this placeholder alone, keep the value's JSON type */
    char *where;  /* "url", "headers.Authorization", "body.ticket.subject" */
};

typedef struct tend_tmpl_part part;
typedef tend_tmpl tmpl;

/* ---- compiling ---------------------------------------------------------------------- */

void tend_tmpl_free(tend_tmpl *t) {
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
    t->parts = tend_grow(t->parts, &t->cap, t->n + 1, sizeof *t->parts);
    part *p = &t->parts[t->n++];
    memset(p, 0, sizeof *p);
    return p;
}

static char *dup_n(const char *s, size_t n) {
    char *d = tend_malloc(n + 1);
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

/* Literal text, merged with a literal just before it. */
static void add_literal(tmpl *t, const char *s, size_t n) {
    if (n == 0) return;
    part *last = t->n ? &t->parts[t->n - 1] : NULL;
    if (last && !last->hole) {
        char *grown = tend_realloc(last->text, last->len + n + 1);
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

static void add_json_literal_text(tmpl *t, const char *s, size_t n) {
    tend_buf b = {0};
    tend_json_escape(&b, s, n);
    add_literal(t, b.data ? b.data : "", b.len);
    tend_buf_free(&b);
}

static int valid_segment_char(char c) { return c && c != '.' && c != '{' && c != '}' && !isspace((unsigned char)c); }

/* Reads "{{ root.a.b }}" (inner = what is between the braces) into p. */
static int parse_placeholder(tend_tmpl_scope *s, part *p, const char *inner, size_t n, const char *where, char *err,
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
            char **grown = tend_realloc(segs, (nsegs + 1) * sizeof *segs);
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
        s->uses_intent = 1;
        p->npath = nsegs - 1;
        if (p->npath) {
            p->path = tend_malloc(p->npath * sizeof *p->path);
            for (size_t i = 1; i < nsegs; i++) p->path[i - 1] = segs[i], segs[i] = NULL;
        }
    } else if (nsegs > 1) {
        snprintf(err, cap, "connector '%s': %s: {{%.*s}}: %s has no fields", s->instance, where, (int)n, inner,
                 segs[0]);
        goto done;
    }
    p->text = tend_malloc(n + 5);
    snprintf(p->text, n + 5, "{{%.*s}}", (int)n, inner);
    p->len = n + 4;
    p->where = dup_n(where, strlen(where));
    rc = 0;
done:
    for (size_t i = 0; i < nsegs; i++) free(segs[i]);
    free(segs);
    return rc;
}

/* Compiles the template text s into t. In a body (TEND_TMPL_JSON) the caller
 * writes the quotes; a string that is one placeholder alone is `whole`. */
int tend_tmpl_compile_text(tend_tmpl *t, tend_tmpl_scope *s, const char *str, size_t len, tend_tmpl_mode md,
                           const char *where, char *err, size_t cap) {
    const char *p = str, *end = str + len;
    while (p < end) {
        const char *open = NULL;
        for (const char *q = p; q + 1 < end; q++)
            if (q[0] == '{' && q[1] == '{') {
                open = q;
                break;
            }
        const char *lit_end = open ? open : end;
        if (md == TEND_TMPL_JSON) add_json_literal_text(t, p, (size_t)(lit_end - p));
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
static int compile_json(tend_tmpl_scope *s, tmpl *t, json_t *v, tend_buf *where, char *err, size_t cap) {
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
            rc = tend_tmpl_compile_text(t, s, str, len, TEND_TMPL_JSON, w, err, cap);
            add_literal(t, "\"", 1);
        }
    } else {
        char *text = tend_alloc_check(json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY));
        add_literal(t, text, strlen(text));
        free(text);
    }
    where->len = mark;
    return rc;
}

int tend_tmpl_compile_json(tend_tmpl *t, tend_tmpl_scope *sc, json_t *v, const char *where, char *err, size_t cap) {
    tend_buf w = {0};
    tend_buf_adds(&w, where);
    int rc = compile_json(sc, t, v, &w, err, cap);
    tend_buf_free(&w);
    return rc;
}

int tend_tmpl_url_ok(const tend_tmpl *t) {
    if (t->n == 0) return 0;
    const part *first = &t->parts[0];
    if (first->hole) return first->root == R_SECRET;
    size_t n = first->len;
    return !strncmp(first->text, "http://", n < 7 ? n : 7) || !strncmp(first->text, "https://", n < 8 ? n : 8);
}

/* ---- rendering ---------------------------------------------------------------------- */

void tend_tmpl_context_init(tend_tmpl_context *c, const tend_message *m, const json_t *intent,
                            char *const *secret_values) {
    c->m = m;
    c->intent = intent;
    c->secret_values = secret_values;
    tend_time_format((int64_t)m->created_at, c->created);
}

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

static int lookup(const tend_tmpl_context *c, const part *p, value *v, char *err, size_t cap) {
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
        v->s = c->secret_values[p->secret];
        v->secret = 1;
        break;
    case R_PAYLOAD:
    case R_DATA: {
        const json_t *n = c->intent;
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
        char *text = tend_alloc_check(json_dumps(v->node, JSON_COMPACT | JSON_ENCODE_ANY));
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

int tend_tmpl_render(const tend_tmpl *t, const tend_tmpl_context *c, tend_tmpl_mode md, tend_buf *out, char *err,
                     size_t cap) {
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
        if (md == TEND_TMPL_JSON && p->whole) {
            if (v.node) {
                char *text = tend_alloc_check(json_dumps(v.node, JSON_COMPACT | JSON_ENCODE_ANY));
                tend_buf_adds(out, text);
                free(text);
            } else if (v.number) {
                tend_buf_add(out, v.s, v.len);
            } else {
                tend_buf_addc(out, '"');
                tend_json_escape(out, v.s, v.len);
                tend_buf_addc(out, '"');
            }
            continue;
        }
        tmp.len = 0;
        add_text(&tmp, &v);
        if (md == TEND_TMPL_JSON) tend_json_escape(out, tmp.data ? tmp.data : "", tmp.len);
        else if (md == TEND_TMPL_URL && !v.secret) add_percent_encoded(out, tmp.data ? tmp.data : "", tmp.len);
        else tend_buf_add(out, tmp.data ? tmp.data : "", tmp.len);
    }
    if (tmp.data) memset(tmp.data, 0, tmp.cap); /* it may have held a secret */
    tend_buf_free(&tmp);
    return rc;
}

