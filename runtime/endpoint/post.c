/* A post's body into the database (see post.h). */
#include "endpoint/post.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsontext.h"
#include "store/db.h"

/* The answer lists this many rejected lines at most (the count is whole). */
#define MAX_LISTED 1000

typedef struct {
    long line;
    char *field;  /* NULL: the line as a whole */
    char *reason;
} rejection;

typedef struct {
    rejection *r;
    size_t n, cap;
} rejections;

static void reject_add(rejections *rs, long line, const char *msg) {
    if (rs->n == rs->cap) {
        rs->cap = rs->cap ? 2 * rs->cap : 16;
        rs->r = realloc(rs->r, rs->cap * sizeof *rs->r);
        if (!rs->r) abort();
    }
    rejection *r = &rs->r[rs->n++];
    r->line = line;
    r->field = NULL;
    /* ingest says "field 'at': reason" when a field is at fault */
    const char *end;
    if (!strncmp(msg, "field '", 7) && (end = strstr(msg + 7, "': ")) != NULL) {
        r->field = strndup(msg + 7, (size_t)(end - msg - 7));
        msg = end + 3;
    }
    r->reason = strdup(msg);
    if (!r->reason) abort();
}

static void on_reject(void *ud, long line, const char *reason) { reject_add(ud, line, reason); }

static void rejections_free(rejections *rs) {
    for (size_t i = 0; i < rs->n; i++) free(rs->r[i].field), free(rs->r[i].reason);
    free(rs->r);
    memset(rs, 0, sizeof *rs);
}

static int by_line(const void *a, const void *b) {
    long x = ((const rejection *)a)->line, y = ((const rejection *)b)->line;
    return (x > y) - (x < y);
}

static void answer_json(tend_buf *b, const tend_ingest_stats *st, rejections *rs) {
    if (rs->n) qsort(rs->r, rs->n, sizeof *rs->r, by_line);
    tend_buf_printf(b, "{\"read\":%zu,\"stored\":%zu,\"unchanged\":%zu,\"rejected\":%zu,\"errors\":[", st->read,
                    st->stored, st->unchanged, st->rejected);
    for (size_t i = 0; i < rs->n && i < MAX_LISTED; i++) {
        const rejection *r = &rs->r[i];
        tend_buf_printf(b, "%s{\"line\":%ld,\"field\":", i ? "," : "", r->line);
        if (r->field && tend_utf8_valid(r->field, strlen(r->field))) tend_json_quote(b, r->field, strlen(r->field));
        else tend_buf_adds(b, "null");
        tend_buf_adds(b, ",\"reason\":");
        /* a reason quotes the input, which may be anything */
        if (tend_utf8_valid(r->reason, strlen(r->reason))) tend_json_quote(b, r->reason, strlen(r->reason));
        else tend_buf_adds(b, "\"(not UTF-8)\"");
        tend_buf_addc(b, '}');
    }
    tend_buf_printf(b, "]%s}\n", rs->n > MAX_LISTED ? ",\"errors_truncated\":true" : "");
}

static void error_json(tend_post_answer *a, int status, const char *msg) {
    a->http_status = status;
    a->body.len = 0;
    tend_buf_adds(&a->body, "{\"error\":");
    tend_json_quote(&a->body, msg, strlen(msg));
    tend_buf_adds(&a->body, "}\n");
}

/* ---- the body as JSON Lines ----------------------------------------------- */

/* A JSON array becomes one line per element; one JSON object (perhaps
 * spread over lines) one line; anything else is taken as JSON Lines, whose
 * bad lines ingest reports. Returns 0, or -1 with a 400 answer. The lines
 * go to *jsonl (NULL: the body as it is). */
static int to_jsonl(char *body, size_t len, tend_buf *jsonl, int *converted, tend_post_answer *a) {
    size_t i = 0;
    while (i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n')) i++;
    *converted = 0;
    if (i == len) {
        error_json(a, 400, "the body is empty: expected JSON Lines, a JSON array of objects or a JSON object");
        return -1;
    }
    if (body[i] != '[' && body[i] != '{') return 0;
    json_error_t je;
    json_t *v = json_loadb(body, len, JSON_ALLOW_NUL, &je);
    if (!v) {
        if (body[i] == '{') return 0; /* JSON Lines (or a bad object: ingest says so) */
        char msg[256];
        snprintf(msg, sizeof msg, "the body is not a JSON array: line %d column %d: %s", je.line, je.column, je.text);
        error_json(a, 400, msg);
        return -1;
    }
    size_t n = json_is_array(v) ? json_array_size(v) : 1;
    for (size_t k = 0; k < n; k++) {
        json_t *x = json_is_array(v) ? json_array_get(v, k) : v;
        char *s = json_dumps(x, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
        if (!s) abort();
        tend_buf_adds(jsonl, s);
        tend_buf_addc(jsonl, '\n');
        free(s);
    }
    json_decref(v);
    *converted = 1;
    return 0;
}

static int mentions_tenant(const char *s, size_t len) {
    for (size_t i = 0; i + 8 <= len; i++)
        if (s[i] == '"' && !memcmp(s + i, "\"tenant\"", 8)) return 1;
    return 0;
}

/* An account may name its tenant; through the endpoint it must be the
 * token's (one tenant's token never writes another's accounts). Lines that
 * name another are blanked (ingest skips blank lines and keeps counting
 * them, so line numbers stay) and rejected here. */
static size_t check_tenants(char *text, size_t len, const char *tenant, rejections *rs) {
    size_t refused = 0;
    long line = 0;
    for (size_t start = 0; start < len;) {
        char *nl = memchr(text + start, '\n', len - start);
        size_t end = nl ? (size_t)(nl - text) : len;
        line++;
        if (mentions_tenant(text + start, end - start)) {
            json_t *v = json_loadb(text + start, end - start, 0, NULL);
            const char *t = json_string_value(json_object_get(v, "tenant"));
            if (t && *t && strcmp(t, tenant) != 0) {
                reject_add(rs, line, "field 'tenant': not the tenant of the token");
                memset(text + start, ' ', end - start);
                refused++;
            }
            json_decref(v);
        }
        start = end + 1;
    }
    return refused;
}

/* ---- idempotency ------------------------------------------------------------ */

static void body_digest(const char *route, const char *body, size_t len, char hex[65]) {
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    if (!c || !EVP_DigestInit_ex(c, EVP_sha256(), NULL) || !EVP_DigestUpdate(c, route, strlen(route)) ||
        !EVP_DigestUpdate(c, "\n", 1) || !EVP_DigestUpdate(c, body, len) || !EVP_DigestFinal_ex(c, d, &n))
        abort();
    EVP_MD_CTX_free(c);
    for (unsigned int i = 0; i < n && i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

/* An earlier answer for the key: 1 (in *a, or a 422 when the body or route
 * differs), 0 none, -1 the database failed. */
static int replay(PGconn *c, const char *tenant, const char *key, const char *route, const char *digest,
                  tend_post_answer *a, tend_error *err) {
    PGresult *r = NULL;
    const char *p[] = {tenant, key};
    if (tend_db_exec(c, "reading the Idempotency-Key",
                     "SELECT route, body_sha256, http_status, response FROM endpoint_requests"
                     " WHERE tenant = $1 AND idempotency_key = $2",
                     2, p, &r, err) != TEND_OK)
        return -1;
    int found = PQntuples(r) > 0;
    if (found && (strcmp(PQgetvalue(r, 0, 0), route) || strcmp(PQgetvalue(r, 0, 1), digest))) {
        error_json(a, 422, "this Idempotency-Key was used with another body or route");
    } else if (found) {
        a->http_status = atoi(PQgetvalue(r, 0, 2));
        a->body.len = 0;
        tend_buf_add(&a->body, PQgetvalue(r, 0, 3), (size_t)PQgetlength(r, 0, 3));
        a->replayed = 1;
    }
    PQclear(r);
    return found;
}

typedef struct {
    const tend_post_env *env;
    const char *tenant, *key, *route, *digest;
    rejections *rs;
    size_t refused; /* lines check_tenants rejected */
    tend_post_answer *a;
    int key_taken; /* the key's INSERT met a concurrent post's */
} commit_ctx;

/* Inside the ingest's transaction: the answer, and the key with it. */
static tend_status before_commit(void *ud, PGconn *c, const tend_ingest_stats *st, tend_error *err) {
    commit_ctx *x = ud;
    tend_ingest_stats all = *st;
    all.read += x->refused;
    all.rejected += x->refused;
    x->a->body.len = 0;
    x->a->http_status = 200;
    answer_json(&x->a->body, &all, x->rs);
    if (!x->key) return TEND_OK;
    char status[8], ttl[32];
    snprintf(status, sizeof status, "%d", x->a->http_status);
    snprintf(ttl, sizeof ttl, "%.0f seconds", x->env->idempotency_ttl_s);
    const char *p[] = {x->tenant, x->key, x->route, x->digest, status, tend_buf_cstr(&x->a->body), ttl};
    /* The key's insert waits for a concurrent post with the same key to
     * finish, then fails (unique): that post's answer is the one. Keys past
     * their time are forgotten first, a few at a time. */
    tend_status s = tend_db_exec(c, "forgetting old Idempotency-Keys",
                                 "DELETE FROM endpoint_requests WHERE ctid = ANY (ARRAY(SELECT ctid FROM endpoint_requests"
                                 " WHERE created_at < now() - $1::interval LIMIT 100))",
                                 1, p + 6, NULL, err);
    if (s != TEND_OK) return s;
    PGresult *r = PQexecParams(c,
                               "INSERT INTO endpoint_requests (tenant, idempotency_key, route, body_sha256, http_status,"
                               " response) VALUES ($1, $2, $3, $4, $5::integer, $6)",
                               6, NULL, p, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        const char *code = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        x->key_taken = code && !strcmp(code, "23505");
        char why[512];
        s = tend_fail(err, TEND_EDB, "remembering the Idempotency-Key: %s", tend_db_error(r, c, why, sizeof why));
    }
    PQclear(r);
    return s;
}

/* One try on connection c. */
static tend_status attempt(const tend_post_env *env, PGconn *c, tend_ingest_kind kind, const char *tenant,
                           const char *key, const char *digest, const char *data, size_t len, size_t refused,
                           rejections *rs, tend_post_answer *a, tend_error *err) {
    const char *route = tend_ingest_kind_name(kind);
    if (key) {
        int found = replay(c, tenant, key, route, digest, a, err);
        if (found != 0) return found < 0 ? TEND_EDB : TEND_OK;
    }
    commit_ctx x = {env, tenant, key, route, digest, rs, refused, a, 0};
    tend_ingest_opts o = {.kind = kind, .path = "body", .format = TEND_FMT_JSONL, .tenant = tenant,
                          .data = data, .data_len = len, .reject = on_reject, .reject_ud = rs,
                          .before_commit = before_commit, .commit_ud = &x};
    tend_ingest *in = NULL;
    tend_status s = tend_ingest_open(&in, &o, err);
    if (s == TEND_OK) s = tend_ingest_run(in, c, &a->st, err);
    tend_ingest_close(in);
    if (s == TEND_OK) {
        a->st.read += refused;
        a->st.rejected += refused;
    } else if (x.key_taken && replay(c, tenant, key, route, digest, a, err) == 1) {
        memset(&a->st, 0, sizeof a->st);
        s = TEND_OK;
    }
    return s;
}

tend_status tend_post_ingest(const tend_post_env *env, tend_ingest_kind kind, const char *tenant, const char *key,
                             char *body, size_t len, tend_post_answer *out, tend_error *err) {
    memset(out, 0, sizeof *out);
    char digest[65] = "";
    if (key) body_digest(tend_ingest_kind_name(kind), body, len, digest);
    tend_buf jsonl = {0};
    int converted;
    if (to_jsonl(body, len, &jsonl, &converted, out) != 0) return TEND_OK;
    char *data = converted ? jsonl.data : body;
    size_t dlen = converted ? jsonl.len : len;
    rejections rs = {0};
    size_t refused = kind == TEND_INGEST_ACCOUNTS ? check_tenants(data, dlen, tenant, &rs) : 0;
    size_t mine = rs.n;
    tend_status s = TEND_EDB;
    /* A connection the database dropped (it restarted) shows only when
     * used: then once more on a new one. Nothing was stored by the first. */
    for (int tries = 0; tries < 2; tries++) {
        PGconn *c = NULL;
        if ((s = tend_pool_get(env->pool, &c, err)) != TEND_OK) break;
        while (rs.n > mine) {
            rs.n--;
            free(rs.r[rs.n].field), free(rs.r[rs.n].reason);
        }
        s = attempt(env, c, kind, tenant, key, digest, data, dlen, refused, &rs, out, err);
        int dropped = PQstatus(c) != CONNECTION_OK;
        tend_pool_put(env->pool, c);
        if (s == TEND_OK || !dropped) break;
    }
    rejections_free(&rs);
    tend_buf_free(&jsonl);
    return s;
}

void tend_post_answer_free(tend_post_answer *a) { tend_buf_free(&a->body); }
