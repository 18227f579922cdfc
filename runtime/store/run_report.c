/* status's queries over job_runs, evaluations, outbox and tasks. */
#include "store/run_report.h"

#include <stdio.h>
#include <stdlib.h>

#include "store/read.h"
#include "store/runs.h"

static const char LATEST[] =
    "SELECT id, schedule, job, " TEND_SQL_ISO("occurrence") ", status, coalesce(playbook, ''),"
    "       " TEND_SQL_ISO("started_at") ", coalesce(" TEND_SQL_ISO("finished_at") ", ''),"
    "       extract(epoch FROM coalesce(finished_at, now()) - started_at),"
    "       CASE WHEN status IN ('succeeded', 'partial') THEN accounts"
    "            ELSE (SELECT count(*) FROM evaluations e WHERE e.tenant = r.tenant AND e.run_id = r.id) END,"
    "       CASE WHEN status IN ('succeeded', 'partial') THEN failed"
    "            ELSE (SELECT count(*) FROM evaluations e WHERE e.tenant = r.tenant AND e.run_id = r.id"
    "                  AND e.failed) END,"
    "       EXISTS (SELECT 1 FROM shard_leases s WHERE s.tenant = r.tenant AND s.run_id = r.id AND " TEND_SHARD_LIVE("s") "),"
    "       (SELECT count(*) FROM shard_leases s WHERE s.tenant = r.tenant AND s.run_id = r.id),"
    "       (SELECT count(*) FROM shard_leases s WHERE s.tenant = r.tenant AND s.run_id = r.id AND s.status <> 'done')"
    "  FROM job_runs r WHERE tenant = $1 AND (job = $2 OR schedule = $2) AND NOT backfill"
    " ORDER BY started_at DESC, id DESC LIMIT 1";

static const char LAST_FINISHED[] =
    "SELECT " TEND_SQL_ISO("occurrence") ", " TEND_SQL_ISO("finished_at") ","
    "       extract(epoch FROM now() - finished_at) / 3600"
    "  FROM job_runs WHERE tenant = $1 AND (job = $2 OR schedule = $2) AND NOT backfill"
    "   AND status IN ('succeeded', 'partial') ORDER BY finished_at DESC LIMIT 1";

static const char RESULTS[] =
    "SELECT result::text FROM evaluations WHERE tenant = $1 AND run_id = $2 ORDER BY account_id";

static const char INTENTS[] =
    "SELECT kind, status, count(*) FROM outbox WHERE tenant = $1 AND run_id = $2 GROUP BY kind, status"
    " UNION ALL"
    " SELECT 'task', status, count(*) FROM tasks WHERE tenant = $1 AND created_run_id = $2 GROUP BY status"
    " ORDER BY 1, 2";

/* Each account's latest evaluation (index evaluations_latest), kept when
 * it carries the flag or the band. */
static const char AT_RISK[] =
    "SELECT a.id, e.run_id, e.result::text"
    "  FROM accounts a"
    "  CROSS JOIN LATERAL (SELECT run_id, result FROM evaluations e"
    "                       WHERE e.tenant = a.tenant AND e.account_id = a.id"
    "                       ORDER BY e.evaluated_at DESC, e.run_id DESC LIMIT 1) e"
    " WHERE a.tenant = $1 AND (e.result->'flags' ? $2 OR e.result->'health'->>'band' = $3)"
    " ORDER BY CASE WHEN jsonb_typeof(e.result->'health'->'score') = 'number'"
    "               THEN (e.result->'health'->'score')::numeric END NULLS LAST, a.id";

static void copy(char *dst, size_t cap, const char *src) { snprintf(dst, cap, "%s", src); }

tend_status tend_run_latest(PGconn *c, const char *tenant, const char *job, tend_run_info *run, int *found,
                            tend_error *err) {
    PGresult *r;
    const char *p[] = {tenant, job};
    tend_status st = tend_read_exec(c, "reading job_runs", LATEST, 2, p, &r, err);
    if (st != TEND_OK) return st;
    *found = PQntuples(r) > 0;
    if (*found) {
        run->id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        copy(run->schedule, sizeof run->schedule, PQgetvalue(r, 0, 1));
        copy(run->job, sizeof run->job, PQgetvalue(r, 0, 2));
        copy(run->occurrence, sizeof run->occurrence, PQgetvalue(r, 0, 3));
        copy(run->status, sizeof run->status, PQgetvalue(r, 0, 4));
        copy(run->playbook, sizeof run->playbook, PQgetvalue(r, 0, 5));
        copy(run->started_at, sizeof run->started_at, PQgetvalue(r, 0, 6));
        copy(run->finished_at, sizeof run->finished_at, PQgetvalue(r, 0, 7));
        run->seconds = strtod(PQgetvalue(r, 0, 8), NULL);
        run->accounts = strtoll(PQgetvalue(r, 0, 9), NULL, 10);
        run->failed = strtoll(PQgetvalue(r, 0, 10), NULL, 10);
        run->live = PQgetvalue(r, 0, 11)[0] == 't';
        run->shards = atoi(PQgetvalue(r, 0, 12));
        run->shards_left = atoi(PQgetvalue(r, 0, 13));
    }
    PQclear(r);
    return TEND_OK;
}

tend_status tend_run_last_finished(PGconn *c, const char *tenant, const char *job, char occurrence[32],
                                   char finished_at[32], double *hours_ago, int *found, tend_error *err) {
    PGresult *r;
    const char *p[] = {tenant, job};
    tend_status st = tend_read_exec(c, "reading job_runs", LAST_FINISHED, 2, p, &r, err);
    if (st != TEND_OK) return st;
    *found = PQntuples(r) > 0;
    if (*found) {
        copy(occurrence, 32, PQgetvalue(r, 0, 0));
        copy(finished_at, 32, PQgetvalue(r, 0, 1));
        *hours_ago = strtod(PQgetvalue(r, 0, 2), NULL);
    }
    PQclear(r);
    return TEND_OK;
}

tend_status tend_run_each_result(PGconn *c, const char *tenant, long long run,
                                 void (*each)(void *ud, const char *text, size_t len), void *ud, tend_error *err) {
    char id[32];
    snprintf(id, sizeof id, "%lld", run);
    const char *p[] = {tenant, id};
    if (!PQsendQueryParams(c, RESULTS, 2, NULL, p, NULL, NULL, 0))
        return tend_read_fail(c, NULL, "reading evaluations", err);
    PQsetSingleRowMode(c);
    tend_status st = TEND_OK;
    PGresult *r;
    /* Read every result, even after a failure: the connection must end idle. */
    while ((r = PQgetResult(c))) {
        ExecStatusType rs = PQresultStatus(r);
        if (rs == PGRES_SINGLE_TUPLE && st == TEND_OK)
            each(ud, PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0));
        else if (rs != PGRES_SINGLE_TUPLE && rs != PGRES_TUPLES_OK && st == TEND_OK)
            st = tend_read_fail(c, r, "reading evaluations", err);
        PQclear(r);
    }
    return st;
}

tend_status tend_run_intents(PGconn *c, const char *tenant, long long run, json_t **out, tend_error *err) {
    char id[32];
    snprintf(id, sizeof id, "%lld", run);
    const char *p[] = {tenant, id};
    PGresult *r;
    *out = NULL;
    tend_status st = tend_read_exec(c, "reading the outbox and tasks", INTENTS, 2, p, &r, err);
    if (st != TEND_OK) return st;
    *out = json_array();
    for (int i = 0; i < PQntuples(r); i++)
        json_array_append_new(*out, json_pack("{s:s,s:s,s:I}", "kind", PQgetvalue(r, i, 0), "status",
                                              PQgetvalue(r, i, 1), "count",
                                              (json_int_t)strtoll(PQgetvalue(r, i, 2), NULL, 10)));
    PQclear(r);
    return TEND_OK;
}

tend_status tend_run_at_risk(PGconn *c, const char *tenant, const char *flag, const char *band, json_t **out,
                             tend_error *err) {
    const char *p[] = {tenant, flag, band};
    PGresult *r;
    *out = NULL;
    tend_status st = tend_read_exec(c, "reading evaluations", AT_RISK, 3, p, &r, err);
    if (st != TEND_OK) return st;
    *out = json_array();
    for (int i = 0; i < PQntuples(r); i++) {
        json_t *result = tend_read_result(PQgetvalue(r, i, 2));
        if (!result) continue;
        json_array_append_new(*out, json_pack("{s:s,s:I,s:o}", "account_id", PQgetvalue(r, i, 0), "run_id",
                                              (json_int_t)strtoll(PQgetvalue(r, i, 1), NULL, 10), "result", result));
    }
    PQclear(r);
    return TEND_OK;
}
