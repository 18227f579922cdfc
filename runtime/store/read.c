/* Reading stored runs: statements, their failures, and result objects. */
#include "store/read.h"

#include <stdlib.h>
#include <string.h>

#include "store/db.h"

tend_status tend_read_exec(PGconn *c, const char *what, const char *sql, int n, const char *const *params,
                           PGresult **out, tend_error *err) {
    PGresult *r = PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);
    *out = NULL;
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
        *out = r;
        return TEND_OK;
    }
    tend_status failed = tend_read_fail(c, r, what, err);
    PQclear(r);
    return failed;
}

tend_status tend_read_fail(PGconn *c, const PGresult *r, const char *what, tend_error *err) {
    char msg[512];
    tend_db_error(r, c, msg, sizeof msg);
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    /* 42P01 undefined_table, 42703 undefined_column: an older schema. */
    int schema = state && (!strcmp(state, "42P01") || !strcmp(state, "42703"));
    if (schema)
        return tend_fail(err, TEND_EPLAYBOOK, "%s: %s (is the schema up to date? run 'tend db migrate')", what, msg);
    return tend_fail(err, TEND_EDB, "%s: %s", what, msg);
}

tend_status tend_read_tenant_exists(PGconn *c, const char *tenant, int *exists, tend_error *err) {
    PGresult *r;
    const char *p[] = {tenant};
    tend_status st = tend_read_exec(c, "reading tenants", "SELECT 1 FROM tenants WHERE id = $1", 1, p, &r, err);
    if (st != TEND_OK) return st;
    *exists = PQntuples(r) > 0;
    PQclear(r);
    return TEND_OK;
}

/* What an object is, for the order of its keys. */
typedef enum { ANY, RESULT, CARDS, CARD, HEALTH, ACTION, TRACE, ERROR } shape;

/* Key orders of the objects the engine writes (stdlib/tend/engine.lua);
 * keys not listed follow, sorted. */
static const char *const *first_keys(shape s) {
    static const char *const result[] = {"account_id", "tenant", "evaluated_at", "playbook", "segment", "touch",
                                         "stages", "scorecards", "health", "flags", "actions", "trace", "errors", NULL};
    static const char *const card[] = {"dimensions", "total", "band", "blockers", NULL};
    static const char *const health[] = {"score", "band", NULL};
    static const char *const action[] = {"kind",  "template", "channel", "target", "title",
                                         "stage", "to",       "address", "owner",  "due",
                                         "locale", "subject", "text",    "error",  "key",
                                         "rule",  NULL};
    static const char *const trace[] = {"rule", "fired", "why", "capped", "flags", NULL};
    static const char *const error[] = {"kind", "message", "traceback", NULL};
    static const char *const none[] = {NULL};
    switch (s) {
    case RESULT: return result;
    case CARD: return card;
    case HEALTH: return health;
    case ACTION: return action;
    case TRACE: return trace;
    case ERROR: return error;
    default: return none;
    }
}

static shape child_shape(shape parent, const char *key) {
    if (parent == CARDS) return CARD;
    if (parent != RESULT) return ANY;
    if (!strcmp(key, "scorecards")) return CARDS;
    if (!strcmp(key, "health")) return HEALTH;
    if (!strcmp(key, "actions")) return ACTION;
    if (!strcmp(key, "trace")) return TRACE;
    if (!strcmp(key, "errors")) return ERROR;
    return ANY;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

static int listed(const char *const *keys, const char *k) {
    for (; *keys; keys++)
        if (!strcmp(*keys, k)) return 1;
    return 0;
}

/* A copy of v whose objects have their keys in order; arrays keep theirs
 * (an array's elements have the shape s too). */
static json_t *ordered(json_t *v, shape s) {
    if (json_is_array(v)) {
        json_t *out = json_array();
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) json_array_append_new(out, ordered(e, s));
        return out;
    }
    if (!json_is_object(v)) return json_incref(v);
    const char *const *first = first_keys(s);
    json_t *out = json_object();
    for (const char *const *k = first; *k; k++) {
        json_t *c = json_object_get(v, *k);
        if (c) json_object_set_new(out, *k, ordered(c, child_shape(s, *k)));
    }
    size_t n = json_object_size(v), i = 0;
    const char **rest = calloc(n + 1, sizeof *rest);
    const char *k;
    json_t *c;
    json_object_foreach(v, k, c) if (!listed(first, k)) rest[i++] = k;
    qsort(rest, i, sizeof *rest, cmp_str);
    for (size_t j = 0; j < i; j++)
        json_object_set_new(out, rest[j], ordered(json_object_get(v, rest[j]), child_shape(s, rest[j])));
    free(rest);
    return out;
}

json_t *tend_read_result(const char *text) {
    json_error_t e;
    json_t *v = json_loads(text, 0, &e);
    /* jsonb writes 1e+20 as 100000000000000000000, too big for an integer. */
    if (!v) v = json_loads(text, JSON_DECODE_INT_AS_REAL, &e);
    if (!json_is_object(v)) {
        json_decref(v);
        return NULL;
    }
    json_t *out = ordered(v, RESULT);
    json_decref(v);
    return out;
}

char *tend_read_dump(const json_t *v) { return json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(15)); }
