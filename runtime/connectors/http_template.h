/* The http connector's templates: text with {{placeholders}} (a URL, a
 * header value) or a JSON body whose string leaves hold them, compiled once
 * from the settings into literal pieces and placeholders, then rendered per
 * message by concatenation (no Lua, no parsing of the template again).
 *
 * Placeholders: id, tenant, account_id, kind, key, outbox_id, attempt,
 * created_at, payload(.path), data(.path) and secret.NAME (see http.c for
 * what each means and how values are encoded in each mode). */
#ifndef TEND_HTTP_TEMPLATE_H
#define TEND_HTTP_TEMPLATE_H

#include <jansson.h>
#include <stddef.h>

#include "base/buf.h"
#include "connectors/connector.h"

typedef enum {
    TEND_TMPL_URL,    /* values percent-encoded, secrets as they are */
    TEND_TMPL_HEADER, /* values as text */
    TEND_TMPL_JSON    /* a JSON body: escaped text in strings, typed values for a lone placeholder */
} tend_tmpl_mode;

typedef struct tend_tmpl_part tend_tmpl_part;
typedef struct {
    tend_tmpl_part *parts;
    size_t n, cap;
} tend_tmpl;

/* What compiling checks against: the connector (named in messages) and the
 * secrets {{secret.NAME}} may read. uses_intent is set when a template
 * reads payload or data, so the intent is parsed per message only then. */
typedef struct {
    const char *instance;
    char *const *secret_names;
    int nsecrets;
    int uses_intent;
} tend_tmpl_scope;

/* Compile into t (which may already hold parts: they are appended). 0, or
 * -1 with "connector 'x': <where>: <why>" in err. `where` names the field
 * in messages ("url", "headers.Authorization", "body"). */
int tend_tmpl_compile_text(tend_tmpl *t, tend_tmpl_scope *sc, const char *text, size_t len, tend_tmpl_mode md,
                           const char *where, char *err, size_t cap);
int tend_tmpl_compile_json(tend_tmpl *t, tend_tmpl_scope *sc, json_t *body, const char *where, char *err,
                           size_t cap);

/* Whether a URL template starts with http:// or https://, or with a
 * secret (an operator's base URL). */
int tend_tmpl_url_ok(const tend_tmpl *t);

/* What one message renders from. intent: its payload parsed (NULL when no
 * template uses it); secret_values in the scope's order. */
typedef struct {
    const tend_message *m;
    const json_t *intent;
    char *const *secret_values;
    char created[21];
} tend_tmpl_context;

void tend_tmpl_context_init(tend_tmpl_context *c, const tend_message *m, const json_t *intent,
                            char *const *secret_values);

/* Appends t rendered for c to out. 0, or -1 with "<where>: {{path}}: the
 * intent has no <path>" in err when the intent lacks a path. */
int tend_tmpl_render(const tend_tmpl *t, const tend_tmpl_context *c, tend_tmpl_mode md, tend_buf *out, char *err,
                     size_t cap);

void tend_tmpl_free(tend_tmpl *t);

#endif
