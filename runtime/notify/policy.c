/* The send policy (see policy.h). The database does the time zones
 * (AT TIME ZONE) and the counting; C decides row by row, oldest intent
 * first, so a row one cap stops does not use up another cap's room. */
#define _GNU_SOURCE
#include "notify/policy.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "eval/playbook.h"
#include "store/db.h"

/* The advisory lock that serializes counting and admitting ("tendcaps"). */
#define CAPS_LOCK "7310593858216628083"

/* What the claimed rows are: kind, whether admitted already, the account's
 * zone as written, and the contact (payload.to: an address as it is; csm,
 * champion or another attrs field: the account's address for it; else
 * account:role). Oldest intent first. */
static const char INFO[] =
    "SELECT k.n, o.kind, o.admitted_at IS NOT NULL, a.attrs->>'timezone',"
    " CASE WHEN COALESCE(o.payload->>'to', '') = '' THEN NULL"
    "      WHEN o.payload->>'to' LIKE '%@%' THEN lower(o.payload->>'to')"
    "      ELSE COALESCE(lower(NULLIF(CASE o.payload->>'to' WHEN 'csm' THEN a.csm WHEN 'champion' THEN a.champion"
    "                                 ELSE a.attrs->>(o.payload->>'to') END, '')),"
    "                    o.account_id || ':' || (o.payload->>'to')) END,"
    " o.account_id"
    " FROM jsonb_to_recordset($1::jsonb) AS k(n int, tenant text, id bigint)"
    " JOIN outbox o ON o.tenant = k.tenant AND o.id = k.id"
    " LEFT JOIN accounts a ON a.tenant = o.tenant AND a.id = o.account_id"
    " ORDER BY o.created_at, o.id";

/* Per zone: whether the clock is inside quiet hours [$3, $4) (minutes after
 * local midnight; wrapping midnight when $3 > $4), and the end of them:
 * local, and UTC. */
static const char ZONES[] =
    "WITH m AS (SELECT name, l, (extract(hour FROM l) * 60 + extract(minute FROM l))::int AS lm"
    "   FROM (SELECT name, COALESCE($2::timestamptz, now()) AT TIME ZONE name AS l"
    "           FROM jsonb_array_elements_text($1::jsonb) name) z)"
    " SELECT name, CASE WHEN $3::int < $4::int THEN lm >= $3::int AND lm < $4::int"
    "                   ELSE lm >= $3::int OR lm < $4::int END,"
    "        to_char(u, 'YYYY-MM-DD HH24:MI'),"
    "        to_char(u AT TIME ZONE name AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
    "   FROM m, LATERAL (SELECT date_trunc('day', l) + make_interval(mins => $4::int)"
    "                           + CASE WHEN lm >= $4::int THEN interval '1 day' ELSE interval '0' END AS u) x";

/* What each (cap, contact or account) already has in its window: rows
 * admitted since now - within, sent or still being sent. */
static const char COUNTS[] =
    "SELECT g.n, CASE WHEN g.per = 'account' THEN"
    "  (SELECT count(*) FROM outbox o WHERE o.tenant = g.tenant AND o.account_id = g.key"
    "      AND o.admitted_at > c.now - make_interval(secs => g.within) AND o.status IN ('pending', 'sent')"
    "      AND (g.kinds IS NULL OR o.kind = ANY (g.kinds)))"
    " ELSE"
    "  (SELECT count(*) FROM outbox o WHERE o.tenant = g.tenant AND o.contact = g.key"
    "      AND o.admitted_at > c.now - make_interval(secs => g.within) AND o.status IN ('pending', 'sent')"
    "      AND (g.kinds IS NULL OR o.kind = ANY (g.kinds))) END"
    " FROM (SELECT COALESCE($2::timestamptz, now()) AS now) c,"
    "      jsonb_to_recordset($1::jsonb) AS g(n int, tenant text, per text, key text, within float8, kinds text[])";

/* The decisions, fenced by the claim (attempt, lease owner). A held or
 * capped row gets its attempt undone (as a parked one: no deliveries row,
 * attempts back), a held one is due at the end of quiet hours, a capped
 * one is final; an admitted one keeps its lease and goes on. */
static const char DECIDE[] =
    "WITH d AS (SELECT * FROM jsonb_to_recordset($1::jsonb)"
    "             AS d(n int, tenant text, id bigint, attempt int, what text, until timestamptz, reason text,"
    "                  contact text)),"
    " undo AS (DELETE FROM deliveries x USING d WHERE d.what <> 'admit' AND x.tenant = d.tenant"
    "            AND x.outbox_id = d.id AND x.attempt = d.attempt)"
    " UPDATE outbox o SET"
    "  attempts = CASE WHEN d.what = 'admit' THEN o.attempts ELSE o.attempts - 1 END,"
    "  lease_owner = CASE WHEN d.what = 'admit' THEN o.lease_owner END,"
    "  lease_until = CASE WHEN d.what = 'admit' THEN o.lease_until END,"
    "  next_attempt_at = CASE WHEN d.what = 'hold' THEN d.until ELSE o.next_attempt_at END,"
    "  held_until = CASE WHEN d.what = 'hold' THEN d.until ELSE o.held_until END,"
    "  status = CASE WHEN d.what = 'cap' THEN 'capped' ELSE o.status END,"
    "  policy_reason = COALESCE(d.reason, o.policy_reason),"
    "  admitted_at = CASE WHEN d.what = 'admit' THEN COALESCE($3::timestamptz, now()) ELSE o.admitted_at END,"
    "  contact = CASE WHEN d.what = 'admit' THEN d.contact ELSE o.contact END"
    " FROM d WHERE o.tenant = d.tenant AND o.id = d.id AND o.status = 'pending' AND o.attempts = d.attempt"
    "   AND o.lease_owner = $2::text"
    " RETURNING d.n";

/* ---- loading ------------------------------------------------------------------------ */

tend_status tend_policy_load(const char *dir, tend_send_policy *p, int *declared, tend_buf *problems,
                             tend_error *err) {
    memset(p, 0, sizeof *p);
    *declared = 0;
    if (!dir || !*dir || !tend_playbook_has_files(dir)) return TEND_OK;
    tend_playbook_opts po = {0};
    tend_playbook *pb;
    tend_status st = tend_playbook_open(dir, &po, &pb, problems, err);
    if (st != TEND_OK) return st;
    const char *json = tend_playbook_send_policy(pb);
    if (json) {
        st = tend_policy_parse(json, p, err);
        *declared = st == TEND_OK;
    }
    tend_playbook_close(pb);
    return st;
}

/* The kinds a cap or quiet hours name, as "email/notify" (the send policy
 * checked them against the declared queued kinds when it loaded). */
static void kinds_of(json_t *list, char *out, size_t cap) {
    size_t i;
    json_t *k;
    out[0] = 0;
    json_array_foreach(list, i, k) if (json_is_string(k)) {
        size_t len = strlen(out);
        snprintf(out + len, cap - len, "%s%s", len ? "/" : "", json_string_value(k));
    }
}

static void copy_str(char *dst, size_t cap, json_t *v) { snprintf(dst, cap, "%s", json_is_string(v) ? json_string_value(v) : ""); }

static int clock_minutes(const char *s) {
    int h, m;
    return sscanf(s, "%d:%d", &h, &m) == 2 ? h * 60 + m : -1;
}

tend_status tend_policy_parse(const char *text, tend_send_policy *p, tend_error *err) {
    json_error_t je;
    json_t *root = json_loads(text, 0, &je);
    if (!json_is_object(root)) {
        json_decref(root);
        return tend_fail(err, TEND_EPLAYBOOK, "send_policy: not a JSON object: %s", je.text);
    }
    json_t *caps = json_object_get(root, "caps"), *c, *q = json_object_get(root, "quiet_hours");
    size_t i;
    p->ncaps = json_array_size(caps);
    p->caps = tend_calloc(p->ncaps + 1, sizeof *p->caps);
    json_array_foreach(caps, i, c) {
        tend_send_cap *cap = &p->caps[i];
        const char *per = json_string_value(json_object_get(c, "per"));
        cap->per_contact = per && !strcmp(per, "contact");
        kinds_of(json_object_get(c, "kinds"), cap->kinds, sizeof cap->kinds);
        cap->max = (int)json_integer_value(json_object_get(c, "max"));
        cap->within_s = json_number_value(json_object_get(c, "within_seconds"));
        copy_str(cap->within, sizeof cap->within, json_object_get(c, "within"));
        copy_str(cap->where, sizeof cap->where, json_object_get(c, "where"));
    }
    if (json_is_object(q)) {
        p->quiet = 1;
        copy_str(p->from, sizeof p->from, json_object_get(q, "from"));
        copy_str(p->to, sizeof p->to, json_object_get(q, "to"));
        copy_str(p->timezone, sizeof p->timezone, json_object_get(q, "timezone"));
        copy_str(p->quiet_where, sizeof p->quiet_where, json_object_get(q, "where"));
        kinds_of(json_object_get(q, "kinds"), p->quiet_kinds, sizeof p->quiet_kinds);
        p->from_min = clock_minutes(p->from);
        p->to_min = clock_minutes(p->to);
    }
    json_decref(root);
    if (p->quiet && (p->from_min < 0 || p->to_min < 0))
        return tend_fail(err, TEND_EPLAYBOOK, "%s: quiet_hours: bad times '%s'-'%s'", p->quiet_where, p->from, p->to);
    return TEND_OK;
}

void tend_policy_free(tend_send_policy *p) {
    for (size_t i = 0; i < p->nzones; i++) free(p->zones[i]);
    free(p->zones);
    free(p->zone_ok);
    free(p->caps);
    memset(p, 0, sizeof *p);
}

/* ---- time zones ----------------------------------------------------------------------- */

/* Whether the server knows zone (asked once per name and run). */
static int zone_known(PGconn *c, tend_send_policy *p, const char *zone, int *fresh) {
    *fresh = 0;
    for (size_t i = 0; i < p->nzones; i++)
        if (!strcmp(p->zones[i], zone)) return p->zone_ok[i];
    const char *params[1] = {zone};
    PGresult *r = PQexecParams(c, "SELECT now() AT TIME ZONE $1::text", 1, NULL, params, NULL, NULL, 0);
    int ok = PQresultStatus(r) == PGRES_TUPLES_OK;
    PQclear(r);
    p->zones = tend_realloc(p->zones, (p->nzones + 1) * sizeof *p->zones);
    p->zone_ok = tend_realloc(p->zone_ok, (p->nzones + 1) * sizeof *p->zone_ok);
    p->zones[p->nzones] = tend_strdup(zone);
    p->zone_ok[p->nzones++] = ok;
    *fresh = 1;
    return ok;
}

tend_status tend_policy_check(PGconn *c, tend_send_policy *p, tend_error *err) {
    int fresh;
    if (p->quiet && !zone_known(c, p, p->timezone, &fresh))
        return tend_fail(err, TEND_EPLAYBOOK, "%s: quiet_hours: the database knows no time zone '%s'", p->quiet_where,
                         p->timezone);
    return TEND_OK;
}

/* ---- applying ------------------------------------------------------------------------- */

enum { PASS, HOLD, CAP, ADMIT };

typedef struct {
    size_t row;        /* index in rows */
    const char *kind;  /* the row's */
    int admitted;      /* before this batch */
    const char *tz;    /* attrs.timezone, NULL: none */
    const char *contact, *account;
    const char *zone;  /* the zone used */
    int zone_note;     /* 0: the account's, 1: none given, 2: unknown */
    int what, done;
    char until[32];
    char reason[1024];
} candidate;

typedef struct {
    size_t cap;
    const char *tenant, *key;
    long long count; /* in the window before this batch, then + admitted now */
} window;

static char *dumps(json_t *v) {
    char *s = tend_alloc_check(json_dumps(v, JSON_COMPACT));
    json_decref(v);
    return s;
}

/* Whether kinds ("email/notify"; "": every kind) names kind. */
static int applies(const char *kinds, const char *kind) {
    if (!*kinds) return 1;
    size_t n = strlen(kind);
    for (const char *s = kinds; s; s = strchr(s, '/'), s = s ? s + 1 : NULL)
        if (!strncmp(s, kind, n) && (s[n] == '/' || !s[n])) return 1;
    return 0;
}

/* Quiet hours: which candidates wait, and until when. */
static tend_status quiet_hours(PGconn *c, tend_send_policy *p, const char *now, candidate *cs, size_t n,
                               tend_error *err) {
    json_t *zones = json_array();
    for (size_t i = 0; i < n; i++) {
        if (!applies(p->quiet_kinds, cs[i].kind)) continue;
        int seen = 0;
        for (size_t j = 0; j < json_array_size(zones) && !seen; j++)
            seen = !strcmp(json_string_value(json_array_get(zones, j)), cs[i].zone);
        if (!seen) json_array_append_new(zones, json_string(cs[i].zone));
    }
    if (json_array_size(zones) == 0) {
        json_decref(zones);
        return TEND_OK;
    }
    char *list = dumps(zones), from[16], to[16];
    snprintf(from, sizeof from, "%d", p->from_min);
    snprintf(to, sizeof to, "%d", p->to_min);
    const char *params[4] = {list, now, from, to};
    PGresult *r;
    tend_status st = tend_db_exec(c, "send policy: quiet hours", ZONES, 4, params, &r, err);
    free(list);
    if (st != TEND_OK) return st;
    for (int z = 0; z < PQntuples(r); z++) {
        if (PQgetvalue(r, z, 1)[0] != 't') continue;
        const char *zone = PQgetvalue(r, z, 0);
        for (size_t i = 0; i < n; i++) {
            candidate *k = &cs[i];
            if (!applies(p->quiet_kinds, k->kind) || strcmp(k->zone, zone)) continue;
            k->what = HOLD;
            snprintf(k->until, sizeof k->until, "%s", PQgetvalue(r, z, 3));
            int len = snprintf(k->reason, sizeof k->reason, "quiet hours %s\xe2\x80\x93%s %s: held until %s local (%s)",
                               p->from, p->to, zone, PQgetvalue(r, z, 2), k->until);
            if (k->zone_note == 1 && len > 0 && (size_t)len < sizeof k->reason)
                snprintf(k->reason + len, sizeof k->reason - (size_t)len,
                         "; the account has no attrs.timezone: the policy's default zone");
            else if (k->zone_note == 2 && len > 0 && (size_t)len < sizeof k->reason)
                snprintf(k->reason + len, sizeof k->reason - (size_t)len,
                         "; attrs.timezone '%.60s' is not a known time zone: the policy's default zone", k->tz);
        }
    }
    PQclear(r);
    return TEND_OK;
}

/* Caps: what each window already holds, then row by row, oldest first. */
static tend_status caps(PGconn *c, tend_send_policy *p, const char *now, const tend_outbox_row *rows, candidate *cs,
                        size_t n, tend_error *err) {
    window *ws = NULL;
    size_t nw = 0;
    json_t *groups = json_array();
    for (size_t i = 0; i < n; i++) {
        if (cs[i].what == HOLD || cs[i].admitted) continue;
        for (size_t k = 0; k < p->ncaps; k++) {
            const tend_send_cap *cap = &p->caps[k];
            const char *key = cap->per_contact ? cs[i].contact : cs[i].account;
            if (!applies(cap->kinds, cs[i].kind) || !key) continue;
            const char *tenant = rows[cs[i].row].tenant;
            size_t w = 0;
            while (w < nw && !(ws[w].cap == k && !strcmp(ws[w].key, key) && !strcmp(ws[w].tenant, tenant))) w++;
            if (w < nw) continue;
            window *grown = tend_realloc(ws, (nw + 1) * sizeof *ws);
            ws = grown;
            ws[nw] = (window){.cap = k, .tenant = tenant, .key = key};
            json_t *g = json_pack("{s:I,s:s,s:s,s:s,s:f}", "n", (json_int_t)nw, "tenant", tenant, "per",
                                  cap->per_contact ? "contact" : "account", "key", key, "within", cap->within_s);
            if (*cap->kinds) {
                json_t *kinds = json_array();
                for (const char *s = cap->kinds; s; s = strchr(s, '/'), s = s ? s + 1 : NULL)
                    json_array_append_new(kinds, json_stringn(s, strcspn(s, "/")));
                json_object_set_new(g, "kinds", kinds);
            }
            json_array_append_new(groups, g);
            nw++;
        }
    }
    tend_status st = TEND_OK;
    if (nw) {
        char *list = dumps(groups);
        groups = NULL;
        const char *params[2] = {list, now};
        PGresult *r;
        st = tend_db_exec(c, "send policy: counting the windows", COUNTS, 2, params, &r, err);
        free(list);
        if (st == TEND_OK) {
            for (int i = 0; i < PQntuples(r); i++) {
                size_t w = (size_t)atol(PQgetvalue(r, i, 0));
                if (w < nw) ws[w].count = atoll(PQgetvalue(r, i, 1));
            }
            PQclear(r);
        }
    }
    json_decref(groups);
    for (size_t i = 0; i < n && st == TEND_OK; i++) {
        candidate *k = &cs[i];
        if (k->what == HOLD || k->admitted) continue;
        k->what = ADMIT;
        const char *tenant = rows[k->row].tenant;
        size_t used[64], nused = 0; /* the windows this row counts in */
        for (size_t cap = 0; cap < p->ncaps && k->what == ADMIT; cap++) {
            const tend_send_cap *cp = &p->caps[cap];
            const char *key = cp->per_contact ? k->contact : k->account;
            if (!applies(cp->kinds, k->kind) || !key) continue;
            size_t w = 0;
            while (w < nw && !(ws[w].cap == cap && !strcmp(ws[w].key, key) && !strcmp(ws[w].tenant, tenant))) w++;
            if (w == nw) continue;
            if (ws[w].count >= cp->max) {
                k->what = CAP;
                snprintf(k->reason, sizeof k->reason,
                         "capped: at most %d %.60s per %s per %s (%s), and %s %.200s already had %lld in that window",
                         cp->max, *cp->kinds ? cp->kinds : "messages", cp->per_contact ? "contact" : "account",
                         cp->within, cp->where, cp->per_contact ? "contact" : "account", key, ws[w].count);
            } else if (nused < sizeof used / sizeof used[0]) {
                used[nused++] = w;
            }
        }
        if (k->what == ADMIT)
            for (size_t u = 0; u < nused; u++) ws[used[u]].count++;
    }
    free(ws);
    return st;
}

/* Records the decisions; marks those the database took (done). */
static tend_status decide(PGconn *c, const char *worker, const char *now, const tend_outbox_row *rows, candidate *cs,
                          size_t n, tend_error *err) {
    static const char *const what[] = {"pass", "hold", "cap", "admit"};
    json_t *ds = json_array();
    for (size_t i = 0; i < n; i++) {
        const candidate *k = &cs[i];
        if (k->what == PASS) continue;
        const tend_outbox_row *row = &rows[k->row];
        json_t *d = json_pack("{s:I,s:s,s:I,s:i,s:s}", "n", (json_int_t)i, "tenant", row->tenant, "id",
                              (json_int_t)row->id, "attempt", row->attempt, "what", what[k->what]);
        if (k->until[0]) json_object_set_new(d, "until", json_string(k->until));
        if (k->reason[0]) json_object_set_new(d, "reason", json_string(k->reason));
        if (k->contact) json_object_set_new(d, "contact", json_string(k->contact));
        json_array_append_new(ds, d);
    }
    if (json_array_size(ds) == 0) {
        json_decref(ds);
        return TEND_OK;
    }
    char *list = dumps(ds);
    const char *params[3] = {list, worker, now};
    PGresult *r;
    tend_status st = tend_db_exec(c, "send policy: recording its decisions", DECIDE, 3, params, &r, err);
    free(list);
    if (st != TEND_OK) return st;
    for (int i = 0; i < PQntuples(r); i++) {
        size_t at = (size_t)atol(PQgetvalue(r, i, 0));
        if (at < n) cs[at].done = 1;
    }
    PQclear(r);
    return TEND_OK;
}

tend_status tend_policy_apply(PGconn *c, tend_send_policy *p, const char *worker, const char *now,
                              tend_outbox_row *rows, size_t *nrows, tend_policy_stats *st, tend_error *err) {
    size_t n = *nrows;
    if (n == 0) return TEND_OK;
    json_t *keys = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(keys, json_pack("{s:I,s:s,s:I}", "n", (json_int_t)i, "tenant", rows[i].tenant, "id",
                                              (json_int_t)rows[i].id));
    char *list = dumps(keys);
    const char *params[1] = {list};
    PGresult *info;
    tend_status rc = tend_db_exec(c, "send policy: reading the rows", INFO, 1, params, &info, err);
    free(list);
    if (rc != TEND_OK) return rc;
    size_t nc = (size_t)PQntuples(info);
    candidate *cs = tend_calloc(nc + 1, sizeof *cs);
    for (size_t i = 0; i < nc; i++) {
        candidate *k = &cs[i];
        int row = (int)i;
        k->row = (size_t)atol(PQgetvalue(info, row, 0));
        if (k->row >= n) k->row = 0;
        k->kind = PQgetvalue(info, row, 1);
        k->admitted = PQgetvalue(info, row, 2)[0] == 't';
        k->tz = PQgetisnull(info, row, 3) || !*PQgetvalue(info, row, 3) ? NULL : PQgetvalue(info, row, 3);
        k->contact = PQgetisnull(info, row, 4) ? NULL : PQgetvalue(info, row, 4);
        k->account = PQgetvalue(info, row, 5);
        k->zone = p->timezone;
        k->zone_note = 1;
        if (p->quiet && k->tz && applies(p->quiet_kinds, k->kind)) {
            int fresh;
            if (zone_known(c, p, k->tz, &fresh)) {
                k->zone = k->tz, k->zone_note = 0;
            } else {
                k->zone_note = 2;
                if (fresh && p->report)
                    fprintf(p->report,
                            "tend deliver: account %s (tenant %s): attrs.timezone '%s' is not a time zone the database "
                            "knows; quiet hours use the policy's default, %s\n",
                            k->account, rows[k->row].tenant, k->tz, p->timezone);
            }
        }
    }
    if (p->quiet) rc = quiet_hours(c, p, now, cs, nc, err);
    int locked = 0;
    if (rc == TEND_OK && p->ncaps) {
        PGresult *r = PQexec(c, "BEGIN; SELECT pg_advisory_xact_lock(" CAPS_LOCK ")");
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            char msg[512];
            tend_db_error(r, c, msg, sizeof msg);
            rc = tend_fail(err, TEND_EDB, "send policy: locking the caps: %s", msg);
            PQclear(PQexec(c, "ROLLBACK"));
        } else {
            locked = 1;
        }
        PQclear(r);
    }
    if (rc == TEND_OK && p->ncaps) rc = caps(c, p, now, rows, cs, nc, err);
    else if (rc == TEND_OK)
        for (size_t i = 0; i < nc; i++) /* no caps: admit all the same, so a cap added later counts them */
            if (cs[i].what == PASS && !cs[i].admitted) cs[i].what = ADMIT;
    if (rc == TEND_OK) rc = decide(c, worker, now, rows, cs, nc, err);
    if (locked) {
        PGresult *r = PQexec(c, rc == TEND_OK ? "COMMIT" : "ROLLBACK");
        if (rc == TEND_OK && PQresultStatus(r) != PGRES_COMMAND_OK) {
            char msg[512];
            tend_db_error(r, c, msg, sizeof msg);
            rc = tend_fail(err, TEND_EDB, "send policy: committing: %s", msg);
        }
        PQclear(r);
    }
    /* Keep what goes on to be sent; a row whose decision failed (or was
     * not recorded) is left to its lease, never sent unchecked. */
    char *keep = tend_calloc(n + 1, 1);
    if (rc == TEND_OK) {
        for (size_t i = 0; i < nc; i++) {
            candidate *k = &cs[i];
            if (k->what == PASS || (k->what == ADMIT && k->done)) keep[k->row] = 1;
            if (!k->done) continue;
            if (k->what == HOLD) st->held++;
            else if (k->what == CAP) st->capped++;
            else if (k->what == ADMIT) st->admitted++;
            if (p->verbose && (k->what == HOLD || k->what == CAP))
                fprintf(p->verbose, "%-6s %lld %s: %s\n", k->what == HOLD ? "quiet" : "capped", rows[k->row].id,
                        rows[k->row].key, k->reason);
        }
    }
    size_t out = 0;
    for (size_t i = 0; i < n; i++) {
        if (keep[i]) {
            if (out != i) rows[out] = rows[i];
            out++;
        } else {
            tend_outbox_row_free(&rows[i]);
        }
    }
    *nrows = out;
    free(keep);
    free(cs);
    PQclear(info);
    return rc;
}
