/* explain's queries: two evaluations by evaluated_at (index
 * evaluations_latest), then the intents' rows by dedupe key. */
#include "store/explain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/read.h"

/* The evaluation asked for (the latest, or run $3's) and the one before. */
static const char EVALUATIONS[] =
    "WITH cur AS (SELECT run_id, evaluated_at FROM evaluations"
    "              WHERE tenant = $1 AND account_id = $2 AND ($3::bigint IS NULL OR run_id = $3::bigint)"
    "              ORDER BY evaluated_at DESC, run_id DESC LIMIT 1)"
    " SELECT e.run_id, " TEND_SQL_ISO("e.evaluated_at") ", e.failed, e.result::text,"
    "        coalesce(j.schedule, ''), coalesce(" TEND_SQL_ISO("j.occurrence") ", '')"
    "   FROM cur, evaluations e LEFT JOIN job_runs j ON j.tenant = e.tenant AND j.id = e.run_id"
    "  WHERE e.tenant = $1 AND e.account_id = $2"
    "    AND (e.evaluated_at < cur.evaluated_at OR (e.evaluated_at = cur.evaluated_at AND e.run_id <= cur.run_id))"
    "  ORDER BY e.evaluated_at DESC, e.run_id DESC LIMIT 2";

/* Why there was nothing: which of tenant, account, evaluations, run exist. */
static const char WHY_NOTHING[] =
    "SELECT EXISTS (SELECT 1 FROM tenants WHERE id = $1),"
    "       EXISTS (SELECT 1 FROM accounts WHERE tenant = $1 AND id = $2),"
    "       EXISTS (SELECT 1 FROM evaluations WHERE tenant = $1 AND account_id = $2),"
    "       $3::bigint IS NULL OR EXISTS (SELECT 1 FROM job_runs WHERE tenant = $1 AND id = $3::bigint)";

/* Each key of $2 (a JSON array) with its outbox or tasks row, in order. */
static const char DELIVERY[] =
    "SELECT d.info::text FROM jsonb_array_elements_text($2::jsonb) WITH ORDINALITY k(key, n)"
    " LEFT JOIN LATERAL ("
    "   SELECT json_build_object('queue', 'outbox', 'id', o.id, 'run_id', o.run_id, 'status', o.status,"
    "          'attempts', o.attempts, 'max_attempts', o.max_attempts,"
    "          'next_attempt_at', " TEND_SQL_ISO("o.next_attempt_at") ", 'sent_at', " TEND_SQL_ISO("o.sent_at") ","
    "          'last_error', o.last_error, 'connector', o.connector,"
    "          'held_until', " TEND_SQL_ISO("o.held_until") ", 'policy_reason', o.policy_reason,"
    "          'quiet', s.state = 'quiet',"
    "          'created_at', " TEND_SQL_ISO("o.created_at") ") AS info, 1 AS pref"
    "     FROM outbox o JOIN outbox_state s USING (tenant, id) WHERE o.tenant = $1 AND o.dedupe_key = k.key"
    "   UNION ALL"
    "   SELECT json_build_object('queue', 'tasks', 'id', t.id, 'run_id', t.created_run_id, 'status', t.status,"
    "          'owner', t.owner, 'due_at', " TEND_SQL_ISO("t.due_at") ","
    "          'created_at', " TEND_SQL_ISO("t.created_at") ", 'closed_at', " TEND_SQL_ISO("t.closed_at") "), 2"
    "     FROM tasks t WHERE t.tenant = $1 AND t.dedupe_key = k.key"
    "   ORDER BY pref LIMIT 1) d ON true"
    " ORDER BY k.n";

static void copy(char *dst, size_t cap, const char *src) { snprintf(dst, cap, "%s", src ? src : ""); }

static tend_status row_eval(PGresult *r, int i, tend_stored_eval *e, tend_error *err) {
    e->run_id = strtoll(PQgetvalue(r, i, 0), NULL, 10);
    copy(e->evaluated_at, sizeof e->evaluated_at, PQgetvalue(r, i, 1));
    e->failed = PQgetvalue(r, i, 2)[0] == 't';
    copy(e->schedule, sizeof e->schedule, PQgetvalue(r, i, 4));
    copy(e->occurrence, sizeof e->occurrence, PQgetvalue(r, i, 5));
    e->result = tend_read_result(PQgetvalue(r, i, 3));
    if (!e->result) return tend_fail(err, TEND_EDB, "the evaluation of run %lld is not a JSON object", e->run_id);
    return TEND_OK;
}

static tend_status why_nothing(PGconn *c, const char *const *p, tend_explain *x, tend_error *err) {
    PGresult *r;
    tend_status st = tend_read_exec(c, "reading evaluations", WHY_NOTHING, 3, p, &r, err);
    if (st != TEND_OK) return st;
    int tenant = PQgetvalue(r, 0, 0)[0] == 't', account = PQgetvalue(r, 0, 1)[0] == 't';
    int evaluated = PQgetvalue(r, 0, 2)[0] == 't', run = PQgetvalue(r, 0, 3)[0] == 't';
    PQclear(r);
    if (!tenant) x->found = TEND_EXPLAIN_NO_TENANT;
    else if (!account && !evaluated) x->found = TEND_EXPLAIN_NO_ACCOUNT;
    else if (!run) x->found = TEND_EXPLAIN_NO_RUN;
    else if (p[2]) x->found = TEND_EXPLAIN_NOT_IN_RUN;
    else x->found = TEND_EXPLAIN_NOT_EVALUATED;
    return TEND_OK;
}

static tend_status delivery(PGconn *c, const char *tenant, tend_explain *x, tend_error *err) {
    json_t *actions = json_object_get(x->current.result, "actions"), *keys = json_array(), *a;
    size_t i;
    json_array_foreach(actions, i, a) {
        const char *k = json_string_value(json_object_get(a, "key"));
        json_array_append_new(keys, json_string(k ? k : ""));
    }
    x->delivery = json_array();
    char *text = json_dumps(keys, JSON_COMPACT);
    json_decref(keys);
    PGresult *r;
    const char *p[] = {tenant, text};
    tend_status st = tend_read_exec(c, "reading the outbox and tasks", DELIVERY, 2, p, &r, err);
    free(text);
    if (st != TEND_OK) return st;
    json_array_foreach(actions, i, a) {
        json_t *d = json_object();
        static const char *const fields[] = {"key", "kind", "rule"};
        for (size_t f = 0; f < 3; f++) {
            json_t *v = json_object_get(a, fields[f]);
            json_object_set_new(d, fields[f], v ? json_incref(v) : json_null());
        }
        int row = (int)i;
        json_t *info = NULL;
        if (row < PQntuples(r) && !PQgetisnull(r, row, 0)) info = json_loads(PQgetvalue(r, row, 0), 0, NULL);
        if (json_is_object(info)) json_object_update(d, info);
        else json_object_set_new(d, "queue", json_null());
        json_decref(info);
        json_array_append_new(x->delivery, d);
    }
    PQclear(r);
    return TEND_OK;
}

tend_status tend_explain_load(PGconn *c, const char *tenant, const char *account, long long run, tend_explain *x,
                              tend_error *err) {
    memset(x, 0, sizeof *x);
    char run_text[32];
    snprintf(run_text, sizeof run_text, "%lld", run);
    const char *p[] = {tenant, account, run > 0 ? run_text : NULL};
    PGresult *r;
    tend_status st = tend_read_exec(c, "reading evaluations", EVALUATIONS, 3, p, &r, err);
    if (st != TEND_OK) return st;
    int n = PQntuples(r);
    if (n > 0) st = row_eval(r, 0, &x->current, err);
    if (n > 1 && st == TEND_OK) st = row_eval(r, 1, &x->previous, err);
    PQclear(r);
    if (st != TEND_OK) return st;
    if (n == 0) return why_nothing(c, p, x, err);
    x->found = TEND_EXPLAIN_FOUND;
    return delivery(c, tenant, x, err);
}

void tend_explain_free(tend_explain *x) {
    json_decref(x->current.result);
    json_decref(x->previous.result);
    json_decref(x->delivery);
    memset(x, 0, sizeof *x);
}
