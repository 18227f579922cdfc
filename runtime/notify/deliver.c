/* The delivery loop (see deliver.h). */
#include "notify/deliver.h"

#include <curl/curl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/isotime.h"
#include "connectors/host.h"
#include "notify/guard.h"
#include "notify/message.h"

#define EXCERPT 512         /* bytes of an answer kept in deliveries.response */
#define HEADER_CAP 16384    /* bytes of response headers kept for classify() */
#define DISABLED_REFRESH 10 /* seconds between re-reading disabled connectors */

/* One request slot: at most `concurrency` of them. */
typedef struct {
    int busy;
    tend_outbox_row row;
    tend_connector_instance *inst;
    CURL *easy;
    tend_request req;
    tend_buf body;      /* the envelope */
    tend_buf answer;    /* the first EXCERPT bytes of the answer */
    tend_buf headers;   /* the final answer's header block */
    char id[TEND_MESSAGE_ID_SIZE];
    char curl_error[CURL_ERROR_SIZE];
} slot;

/* An attempt waiting to be recorded; owns its row. */
typedef struct {
    tend_outbox_row row;
    tend_attempt a;
    tend_connector_instance *unsynced; /* delivered by a send() its sync() has yet to make durable */
    char error[300];
    char response[EXCERPT + 1];
} finished;

/* A claimed row waiting for a free slot. */
typedef struct {
    tend_outbox_row row;
    double claimed_at; /* when the claim was sent: its lease runs from then */
} queued;

/* What the one database connection is doing (one statement at a time). */
typedef enum { DB_IDLE, DB_CLAIM, DB_RECORD, DB_RELEASE } db_state;

typedef struct {
    PGconn *db;
    tend_notify_config *cfg;
    const tend_deliver_opts *o;
    tend_deliver_stats *st;
    char worker[128];
    CURLM *multi;
    slot *slots;
    int nslots, inflight;
    finished *done;         /* attempts to record */
    size_t ndone, capdone;
    finished *sending;      /* attempts being recorded (DB_RECORD) */
    size_t nsending, capsending;
    queued *queue;          /* claimed rows not started yet: queue[qhead..qlen) */
    size_t qhead, qlen, qcap;
    tend_outbox_row *release; /* claimed rows to give back unsent */
    size_t nrelease, caprelease;
    db_state dbs;
    double db_since;        /* when the statement in flight was sent */
    double lease, start_by; /* a queued row starts at most start_by s after its claim */
    double done_since;      /* when done[0] finished */
    char *to_sync;          /* per configured instance: sent since its last sync() */
    uint64_t rng;
    /* The run's course. */
    char cutoff[32];         /* rows due at or before this are claimed */
    int claiming, stopping;  /* still claiming; a stop was asked for */
    long long claimed;       /* rows claimed so far (ONCE stops at o->limit) */
    double next_claim;       /* no claim before this (nothing was due) */
    double disabled_at;      /* when disabled connectors were last read */
    double rate, rate_at;    /* answers per second, smoothed; when measured */
    long long answered_at_rate;
    tend_outbox_row *rows;   /* a claim's rows, before they are queued */
    size_t nrows;
    int guarded;             /* plugin callbacks run under deadlines (guard.h) */
    /* Orphans: rows whose last attempt never ended (its deliverer died or
     * hung in a connector). Each is claimed alone when nothing else is in
     * flight, and runs alone until recorded, so a row that kills its
     * connector costs only its own attempts, not its neighbours'. */
    double next_orphans;     /* no orphan claim before this */
    int orphan_claim;        /* the claim in flight is one */
    int alone;               /* an orphan is queued, in flight or being recorded */
} loop;

#define ORPHAN_CHECK 5 /* seconds between looks for orphans when none was found */

static double uniform(loop *l) { /* xorshift64*, for jitter */
    l->rng ^= l->rng >> 12;
    l->rng ^= l->rng << 25;
    l->rng ^= l->rng >> 27;
    return (double)((l->rng * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

void tend_text_excerpt(const char *s, size_t len, char *out, size_t cap) {
    size_t o = 0;
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < len && o + 1 < cap;) {
        unsigned char c = p[i];
        size_t n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
        int ok = n > 0 && i + n <= len && !(n == 2 && c < 0xc2) && !(n == 4 && c > 0xf4);
        for (size_t k = 1; ok && k < n; k++) ok = (p[i + k] & 0xc0) == 0x80;
        if (ok && n == 3) {
            unsigned cp = ((c & 0x0fu) << 12) | ((p[i + 1] & 0x3fu) << 6) | (p[i + 2] & 0x3fu);
            ok = cp >= 0x800 && !(cp >= 0xd800 && cp <= 0xdfff);
        }
        if (ok && n == 4) {
            unsigned cp = ((c & 0x07u) << 18) | ((p[i + 1] & 0x3fu) << 12);
            ok = cp >= 0x10000 && cp <= 0x10ffff;
        }
        if (ok && n == 1 && c < 0x20 && c != '\n' && c != '\t') ok = 0;
        if (ok && n == 1 && c == 0x7f) ok = 0;
        if (!ok) n = 1;
        if (o + (ok ? n : 1) + 1 > cap) break;
        if (ok) memcpy(out + o, p + i, n), o += n;
        else out[o++] = '?';
        i += n;
    }
    if (cap) out[o] = 0;
}

double tend_deliver_max_timeout(const tend_notify_config *cfg) {
    long ms = 0;
    for (size_t i = 0; i < cfg->ninst; i++) /* local connectors (send) have no timeout */
        if (cfg->inst[i].type->prepare && cfg->inst[i].timeout_ms > ms) ms = cfg->inst[i].timeout_ms;
    return (double)ms / 1000.0;
}

/* ---- plugin calls ------------------------------------------------------------------- */

/* A plugin's callback runs under a deadline (guard.h): its connector's
 * timeout, at least a second. Built-ins are trusted and not guarded. */
static void guard_begin(const loop *l, tend_guard_call *g, const tend_connector_instance *in, const char *callback,
                        long long outbox_id) {
    g->callback = NULL;
    if (!l->guarded || !in->origin || !strcmp(in->origin, "built-in")) return;
    double deadline = (double)in->timeout_ms / 1000.0;
    *g = (tend_guard_call){.instance = in->name, .origin = in->origin, .callback = callback,
                           .outbox_id = outbox_id, .deadline_s = deadline < 1 ? 1 : deadline, .stop = l->o->stop};
    tend_guard_begin(g);
}

static void guard_end(const tend_guard_call *g) {
    if (g->callback) tend_guard_end();
}

/* ---- finished attempts -------------------------------------------------------------- */

static finished *finish(loop *l, tend_outbox_row *row) {
    if (l->ndone == 0) l->done_since = tend_clock_seconds();
    l->done = tend_grow(l->done, &l->capdone, l->ndone + 1, sizeof *l->done);
    finished *f = &l->done[l->ndone++];
    memset(f, 0, sizeof *f);
    f->row = *row; /* takes ownership */
    memset(row, 0, sizeof *row);
    f->a.latency_ms = -1;
    return f;
}

static void set_error(finished *f, const char *text) {
    tend_text_excerpt(text, strlen(text), f->error, sizeof f->error);
    f->a.error = f->error;
}

/* The verdict, turned into what happens to the row. */
static void decide(loop *l, finished *f, tend_connector_instance *in, const tend_verdict *v) {
    tend_retry_policy standard;
    const tend_retry_policy *policy = &standard;
    if (in) policy = &in->retry;
    else tend_retry_standard(&standard);
    f->a.max_attempts = f->row.round_start + policy->n;
    if (v->error[0]) set_error(f, v->error);
    switch (v->kind) {
    case TEND_DELIVERED: f->a.outcome = TEND_OUTCOME_SENT; break;
    case TEND_FAILED: f->a.outcome = TEND_OUTCOME_DEAD; break;
    case TEND_GONE:
        f->a.outcome = TEND_OUTCOME_HOLD;
        if (in) in->disabled = 1;
        break;
    case TEND_RETRY:
    default: {
        double d = tend_retry_next(policy, f->row.attempt - f->row.round_start, v->retry_after, uniform(l));
        if (d < 0) f->a.outcome = TEND_OUTCOME_DEAD;
        else f->a.outcome = TEND_OUTCOME_RETRY, f->a.delay = d;
    }
    }
}

static void count(loop *l, const finished *f) {
    tend_deliver_stats *st = l->st;
    switch (f->a.outcome) {
    case TEND_OUTCOME_SENT: st->sent++; break;
    case TEND_OUTCOME_RETRY: st->retried++; break;
    case TEND_OUTCOME_DEAD: st->dead++; break;
    case TEND_OUTCOME_HOLD: st->held++; break;
    case TEND_OUTCOME_PARK: st->parked++; return;
    }
    st->attempts++;
}

/* The attempts in f[0..n) as tend_attempt, pointing into f (which must not
 * move until they are recorded). */
static tend_attempt *attempts_of(finished *f, size_t n) {
    tend_attempt *a = tend_malloc(n * sizeof *a);
    for (size_t i = 0; i < n; i++) {
        a[i] = f[i].a;
        a[i].row = &f[i].row;
        if (a[i].error) a[i].error = f[i].error; /* f may have moved since set_error */
        if (a[i].response) a[i].response = f[i].response;
    }
    return a;
}

/* Recorded: count them, tell the caller, free the rows. */
static void recorded(loop *l, finished *f, size_t n, int ok) {
    tend_attempt *a = ok && l->o->on_attempt ? attempts_of(f, n) : NULL;
    for (size_t i = 0; i < n; i++) {
        if (ok) {
            count(l, &f[i]);
            if (a) l->o->on_attempt(l->o->ud, &f[i].row, &a[i]);
        }
        tend_outbox_row_free(&f[i].row);
    }
    free(a);
}

/* Records every finished attempt and waits for it. */
static tend_status flush(loop *l, tend_error *err) {
    if (l->ndone == 0) return TEND_OK;
    tend_attempt *a = attempts_of(l->done, l->ndone);
    tend_status rc = tend_outbox_record(l->db, l->worker, a, l->ndone, err);
    free(a);
    recorded(l, l->done, l->ndone, rc == TEND_OK);
    l->ndone = 0;
    return rc;
}

/* Starts recording the finished attempts without waiting (parked rows,
 * rare, are recorded at once). */
static tend_status flush_send(loop *l, tend_error *err) {
    for (size_t i = 0; i < l->ndone; i++)
        if (l->done[i].a.outcome == TEND_OUTCOME_PARK) return flush(l, err);
    tend_attempt *a = attempts_of(l->done, l->ndone);
    tend_status rc = tend_outbox_record_send(l->db, l->worker, a, l->ndone, err);
    free(a);
    if (rc != TEND_OK) return rc;
    finished *t = l->sending; /* swap: done fills again while these are recorded */
    size_t cap = l->capsending;
    l->sending = l->done, l->capsending = l->capdone, l->nsending = l->ndone;
    l->done = t, l->capdone = cap, l->ndone = 0;
    l->dbs = DB_RECORD;
    return TEND_OK;
}

static void give_back(loop *l, tend_outbox_row *row) {
    l->release = tend_grow(l->release, &l->caprelease, l->nrelease + 1, sizeof *l->release);
    l->release[l->nrelease++] = *row;
    memset(row, 0, sizeof *row);
}

static tend_status release_send(loop *l, tend_error *err) {
    tend_status rc = tend_outbox_release_send(l->db, l->worker, l->release, l->nrelease, err);
    for (size_t i = 0; i < l->nrelease; i++) tend_outbox_row_free(&l->release[i]);
    l->nrelease = 0;
    if (rc == TEND_OK) l->dbs = DB_RELEASE;
    return rc;
}

/* ---- sending ------------------------------------------------------------------------ */

static size_t on_body(char *p, size_t size, size_t n, void *ud) {
    slot *s = ud;
    size_t len = size * n;
    if (s->answer.len < EXCERPT) tend_buf_add(&s->answer, p, len < EXCERPT - s->answer.len ? len : EXCERPT - s->answer.len);
    return len;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud) {
    slot *s = ud;
    size_t len = size * n;
    if (len >= 5 && !memcmp(p, "HTTP/", 5)) s->headers.len = 0; /* a new answer (after 100 Continue) */
    if (s->headers.len + len <= HEADER_CAP) tend_buf_add(&s->headers, p, len);
    return len;
}

static void message_of(const slot *s, tend_message *m) {
    memset(m, 0, sizeof *m);
    m->id = s->id;
    m->tenant = s->row.tenant;
    m->account_id = s->row.account_id;
    m->kind = s->row.kind;
    m->key = s->row.key;
    m->outbox_id = s->row.id;
    m->attempt = s->row.attempt;
    m->created_at = s->row.created_at;
    m->payload = s->row.payload;
    m->body = s->body.data;
    m->body_len = s->body.len;
}

/* Sets up the easy handle from the request; 0 or -1 with why. */
static int has_content_type(const struct curl_slist *h) {
    for (; h; h = h->next)
        if (!strncasecmp(h->data, "Content-Type", 12) && (h->data[12] == ':' || h->data[12] == ';')) return 1;
    return 0;
}

/* "Name:" in the list: libcurl leaves out its own header of that name. */
static int drop_header(tend_request *r, const char *name_colon) {
    struct curl_slist *h = curl_slist_append(r->headers, name_colon);
    if (!h) return -1;
    r->headers = h;
    return 0;
}

static int setup(const loop *l, slot *s, const tend_message *m, char *why, size_t cap) {
    tend_request *r = &s->req;
    CURL *e = s->easy;
    curl_easy_reset(e);
    if (!r->url) {
        snprintf(why, cap, "connector '%s' prepared no URL", s->inst->name);
        return -1;
    }
    /* Headers libcurl would add on its own: the 100-continue round trip, and
     * a form Content-Type on a request without a body (POSTFIELDS below). */
    int bodiless = strcmp(r->method, "GET") && !r->body.len && !has_content_type(r->headers);
    if (drop_header(r, "Expect:") != 0 || (bodiless && drop_header(r, "Content-Type:") != 0)) {
        snprintf(why, cap, "out of memory");
        return -1;
    }
    long timeout = s->inst->timeout_ms;
    curl_easy_setopt(e, CURLOPT_URL, r->url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, s);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, timeout < 10000 ? timeout : 10000L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, s);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, s->curl_error);
    if (!s->inst->type->setup_curl) curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    if (!strcmp(r->method, "GET")) {
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    } else {
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body.len);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body.len ? r->body.data : "");
        if (strcmp(r->method, "POST")) curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method);
    }
    if (!s->inst->type->setup_curl) return 0;
    tend_guard_call g;
    guard_begin(l, &g, s->inst, "setup_curl", s->row.id);
    int rc = s->inst->type->setup_curl(s->inst->state, m, e, why, cap);
    guard_end(&g);
    return rc != 0 ? -1 : 0;
}

/* Starts one claimed row: routes it, then sends it inline (send) or adds
 * its request to the multi handle (prepare). */
static void start(loop *l, tend_outbox_row *row) {
    char why[512] = "";
    tend_connector_instance *in =
        tend_notify_route(l->cfg, row->kind, row->name, row->connector, why, sizeof why);
    if (!in) { /* unroutable: a failed attempt, retried on the default schedule */
        finished *f = finish(l, row);
        tend_verdict v = {.kind = TEND_RETRY, .retry_after = -1};
        snprintf(v.error, sizeof v.error, "%.250s", why);
        decide(l, f, NULL, &v);
        return;
    }
    if (in->disabled) {
        finished *f = finish(l, row);
        f->a.outcome = TEND_OUTCOME_PARK;
        f->a.connector = in->name;
        return;
    }
    /* Attempts are counted when claimed, before the connector runs; a last
     * attempt ends the row when recorded. A row past its schedule's last
     * attempt therefore never had its attempts recorded: the connector (or
     * the process) died or hung on it each time. Do not call it again. */
    if (row->attempt > row->round_start + in->retry.n) {
        finished *f = finish(l, row);
        f->a.connector = in->name;
        tend_verdict v = {.kind = TEND_FAILED, .retry_after = -1};
        snprintf(v.error, sizeof v.error,
                 "connector crashed: '%.60s' never finished attempts %d to %d of this row (the process died or "
                 "hung); not called again",
                 in->name, f->row.round_start + 1, f->row.attempt - 1);
        decide(l, f, in, &v);
        return;
    }
    slot *s = NULL;
    for (int i = 0; i < l->nslots && !s; i++)
        if (!l->slots[i].busy) s = &l->slots[i];
    s->row = *row;
    memset(row, 0, sizeof *row);
    s->inst = in;
    tend_message_id(s->row.tenant, s->row.key, s->id);
    s->body.len = 0;
    tend_message_envelope(&s->body, s->id, s->row.kind, s->row.created_at, s->row.tenant, s->row.account_id,
                          s->row.key, s->row.payload);
    tend_buf_cstr(&s->body);
    tend_message m;
    message_of(s, &m);
    if (in->type->send) {
        tend_verdict v = {.kind = TEND_RETRY, .retry_after = -1};
        double t0 = tend_clock_seconds();
        tend_guard_call g;
        guard_begin(l, &g, in, "send", s->row.id);
        in->type->send(in->state, &m, &v);
        guard_end(&g);
        finished *f = finish(l, &s->row);
        f->a.connector = in->name;
        f->a.latency_ms = (long)((tend_clock_seconds() - t0) * 1000 + 0.5);
        decide(l, f, in, &v);
        if (in->type->sync && v.kind == TEND_DELIVERED) {
            f->unsynced = in;
            l->to_sync[in - l->cfg->inst] = 1;
        }
        return;
    }
    tend_request_reset(&s->req);
    s->answer.len = 0;
    s->headers.len = 0;
    s->curl_error[0] = 0;
    tend_guard_call g;
    guard_begin(l, &g, in, "prepare", s->row.id);
    int rc = in->type->prepare(in->state, &m, &s->req, why, sizeof why);
    guard_end(&g);
    int never = rc == TEND_PREPARE_FAILED; /* cannot be built: dead-letter it, no retry helps */
    if (rc == 0 && s->req.bad) rc = -1, snprintf(why, sizeof why, "%s", s->req.why);
    if (rc == 0 && !s->easy && !(s->easy = curl_easy_init())) rc = -1, snprintf(why, sizeof why, "out of memory");
    if (rc == 0) rc = setup(l, s, &m, why, sizeof why);
    if (rc == 0 && curl_multi_add_handle(l->multi, s->easy) != CURLM_OK)
        rc = -1, snprintf(why, sizeof why, "libcurl refused the request");
    if (rc != 0) {
        finished *f = finish(l, &s->row);
        f->a.connector = in->name;
        tend_verdict v = {.kind = never ? TEND_FAILED : TEND_RETRY, .retry_after = -1};
        snprintf(v.error, sizeof v.error, "connector '%.60s': %.180s", in->name, why[0] ? why : "prepare failed");
        decide(l, f, in, &v);
        return;
    }
    s->busy = 1;
    l->inflight++;
}

/* A transfer ended: classify its answer. */
static void completed(loop *l, CURLMsg *msg) {
    slot *s = NULL;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
    CURLcode code = msg->data.result;
    curl_multi_remove_handle(l->multi, s->easy);
    long status = 0, connects = 0;
    double seconds = 0;
    curl_off_t retry_after = 0;
    curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(s->easy, CURLINFO_TOTAL_TIME, &seconds);
    curl_easy_getinfo(s->easy, CURLINFO_NUM_CONNECTS, &connects);
    curl_easy_getinfo(s->easy, CURLINFO_RETRY_AFTER, &retry_after);
    l->st->connections += connects;
    /* A refused SMTP command ends the transfer with an error, yet its reply
     * code is the answer (connector.h): keep it for every non-HTTP scheme */
    char *scheme = NULL;
    curl_easy_getinfo(s->easy, CURLINFO_SCHEME, &scheme);
    int http = !scheme || !strncasecmp(scheme, "http", 4);
    tend_response resp = {
        .status = code == CURLE_OK || !http ? status : 0,
        .timed_out = code == CURLE_OPERATION_TIMEDOUT,
        .retry_after = retry_after > 0 ? (double)retry_after : -1,
        .body = s->answer.data ? s->answer.data : "",
        .body_len = s->answer.len,
        .seconds = seconds,
        .host_data = &s->headers,
    };
    char transport[CURL_ERROR_SIZE + 64];
    if (code != CURLE_OK) {
        snprintf(transport, sizeof transport, "%s", s->curl_error[0] ? s->curl_error : curl_easy_strerror(code));
        resp.transport_error = transport;
    }
    tend_verdict v = {.kind = TEND_RETRY, .retry_after = -1};
    tend_message m;
    message_of(s, &m);
    if (s->inst->type->classify) {
        tend_guard_call g;
        guard_begin(l, &g, s->inst, "classify", s->row.id);
        s->inst->type->classify(s->inst->state, &m, &resp, &v);
        guard_end(&g);
    } else {
        tend_classify_http(&resp, &v);
    }
    tend_connector_instance *in = s->inst;
    finished *f = finish(l, &s->row);
    f->a.connector = in->name;
    f->a.http_status = resp.status;
    f->a.latency_ms = (long)(seconds * 1000 + 0.5);
    if (s->answer.len) {
        tend_text_excerpt(s->answer.data, s->answer.len, f->response, sizeof f->response);
        f->a.response = f->response;
    }
    decide(l, f, in, &v);
    s->busy = 0;
    l->inflight--;
}

static void run_transfers(loop *l) {
    int running = 0, left = 0;
    curl_multi_perform(l->multi, &running);
    CURLMsg *msg;
    while ((msg = curl_multi_info_read(l->multi, &left)))
        if (msg->msg == CURLMSG_DONE) completed(l, msg);
}

static tend_status refresh_disabled(loop *l, tend_error *err) {
    PGresult *r;
    tend_status rc = tend_outbox_disabled(l->db, &r, err);
    if (rc != TEND_OK) return rc;
    for (size_t i = 0; i < l->cfg->ninst; i++) l->cfg->inst[i].disabled = 0;
    for (int i = 0; i < PQntuples(r); i++) {
        tend_connector_instance *in = tend_notify_find(l->cfg, PQgetvalue(r, i, 0));
        if (in) in->disabled = 1;
    }
    PQclear(r);
    return TEND_OK;
}

/* ---- the loop ----------------------------------------------------------------------- */

static void enqueue(loop *l, tend_outbox_row *rows, size_t n, double claimed_at) {
    if (l->qhead > 0 && l->qlen + n > l->qcap) { /* reuse the started front */
        memmove(l->queue, l->queue + l->qhead, (l->qlen - l->qhead) * sizeof *l->queue);
        l->qlen -= l->qhead, l->qhead = 0;
    }
    l->queue = tend_grow(l->queue, &l->qcap, l->qlen + n, sizeof *l->queue);
    for (size_t i = 0; i < n; i++) {
        l->queue[l->qlen].row = rows[i];
        l->queue[l->qlen++].claimed_at = claimed_at;
        memset(&rows[i], 0, sizeof rows[i]);
    }
}

static size_t queued_rows(const loop *l) { return l->qlen - l->qhead; }

/* Nothing left to send: what finished is recorded at once. */
static int quiet_but_done(const loop *l) { return l->inflight == 0 && queued_rows(l) == 0; }

/* Local connectors with sync(): once per batch of sends, before any of
 * their verdicts is recorded; if it fails, that batch is retried. */
static void sync_local(loop *l) {
    for (size_t i = 0; i < l->cfg->ninst; i++) {
        if (!l->to_sync[i]) continue;
        l->to_sync[i] = 0;
        tend_connector_instance *in = &l->cfg->inst[i];
        tend_verdict v = {.kind = TEND_RETRY, .retry_after = -1};
        char why[200] = "";
        tend_guard_call g;
        guard_begin(l, &g, in, "sync", -1);
        int synced = in->type->sync(in->state, why, sizeof why);
        guard_end(&g);
        if (synced == 0) why[0] = 0;
        else snprintf(v.error, sizeof v.error, "%s", why[0] ? why : "sync failed");
        for (size_t k = 0; k < l->ndone; k++) {
            finished *f = &l->done[k];
            if (f->unsynced != in) continue;
            f->unsynced = NULL;
            if (v.error[0]) decide(l, f, in, &v);
        }
    }
}

/* Starts queued rows while slots are free. A row whose lease would run out
 * before its answer could be recorded is given back unsent instead, as is
 * every queued row once a stop is asked for. */
static void start_queued(loop *l, int stopping) {
    double t = tend_clock_seconds();
    while (l->qhead < l->qlen && (l->inflight < l->nslots || stopping)) {
        queued *q = &l->queue[l->qhead++];
        if (stopping || t > q->claimed_at + l->start_by) give_back(l, &q->row);
        else start(l, &q->row);
    }
    if (l->qhead == l->qlen) l->qhead = l->qlen = 0;
    sync_local(l);
}

#define CLAIM_MAX 512 /* rows per claim at most: one statement, one lease */

/* How many rows to claim at once: enough for the slots, and for about a
 * quarter of the lease (at most a second) at the rate answers come back,
 * so a claim serves many sends without leases running out in the queue. */
static int claim_size(const loop *l, double rate) {
    double window = l->lease / 4 < 1 ? l->lease / 4 : 1;
    double n = rate * window;
    if (n > CLAIM_MAX) n = CLAIM_MAX;
    if (n < l->nslots) n = l->nslots;
    return (int)n;
}

/* The loop's settings and resources: its worker name, the lease, the
 * cutoff of what is due, the prepared statements, the slots. */
static tend_status open_loop(loop *l, PGconn *c, tend_notify_config *cfg, const tend_deliver_opts *o,
                             tend_deliver_stats *st, tend_error *err) {
    *l = (loop){.db = c, .cfg = cfg, .o = o, .st = st, .claiming = 1};
    char host[64] = "host";
    gethostname(host, sizeof host - 1);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    l->rng = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^ ((uint64_t)getpid() << 40) ^ 0x9e3779b97f4a7c15ULL;
    snprintf(l->worker, sizeof l->worker, "%s:%d:%04x", host, (int)getpid(), (unsigned)(uniform(l) * 65536));
    l->nslots = o->concurrency > 0 ? o->concurrency : 32;
    double lease = o->lease_s > 0 ? o->lease_s : 4 * tend_deliver_max_timeout(cfg);
    if (o->lease_s <= 0 && lease < 60) lease = 60;
    l->lease = lease;
    /* a row must start early enough for its longest request to end, and be
     * recorded, within its lease */
    l->start_by = lease - tend_deliver_max_timeout(cfg) - 1;
    if (l->start_by < lease / 4) l->start_by = lease / 4;
    l->disabled_at = l->rate_at = tend_clock_seconds();
    snprintf(l->cutoff, sizeof l->cutoff, "%s", o->now ? o->now : "infinity");
    tend_status rc = tend_outbox_prepare(c, err);
    if (rc == TEND_OK && o->mode == TEND_DELIVER_ONCE && !o->now) { /* what is due now, by the server's clock */
        PGresult *r;
        rc = tend_outbox_query(c, "SELECT now()::text", 0, NULL, &r, err);
        if (rc == TEND_OK) snprintf(l->cutoff, sizeof l->cutoff, "%s", PQgetvalue(r, 0, 0)), PQclear(r);
    }
    if (rc == TEND_OK) rc = refresh_disabled(l, err);
    if (rc != TEND_OK) return rc;
    l->slots = tend_calloc((size_t)l->nslots, sizeof *l->slots);
    l->to_sync = tend_calloc(cfg->ninst + 1, 1);
    l->multi = tend_alloc_check(curl_multi_init());
    for (size_t i = 0; i < cfg->ninst && !l->guarded; i++)
        if (cfg->inst[i].origin && strcmp(cfg->inst[i].origin, "built-in"))
            l->guarded = tend_guard_open() == 0;
    curl_multi_setopt(l->multi, CURLMOPT_MAXCONNECTS, (long)l->nslots * 2);
    return TEND_OK;
}

static int all_quiet(const loop *l) { return l->inflight == 0 && queued_rows(l) == 0 && l->ndone == 0; }

/* A claim came back: the send policy decides on its rows, the rest are
 * queued; when it brought nothing, when (or whether) to claim again. */
static tend_status take_claim(loop *l, PGresult *r, tend_error *err) {
    const tend_deliver_opts *o = l->o;
    l->nrows = 0;
    tend_status rc = tend_outbox_claim_rows(l->db, r, &l->rows, &l->nrows, err);
    size_t got = l->nrows; /* the send policy may hold or cap some before they go */
    if (rc == TEND_OK && o->policy)
        rc = tend_policy_apply(l->db, o->policy, l->worker, o->now, l->rows, &l->nrows, &l->st->policy, err);
    if (rc != TEND_OK) return rc;
    l->claimed += (long long)got;
    enqueue(l, l->rows, l->nrows, l->db_since);
    if (l->orphan_claim) { /* none left: the ordinary claims go on */
        l->orphan_claim = 0;
        if (got == 0) l->next_orphans = tend_clock_seconds() + ORPHAN_CHECK;
        else l->alone = 1;
        return TEND_OK;
    }
    if (o->mode == TEND_DELIVER_ONCE && o->limit > 0 && l->claimed >= o->limit) l->claiming = 0;
    if (got > 0) return TEND_OK;
    if (o->mode == TEND_DELIVER_ONCE) {
        l->claiming = 0;
    } else if (!all_quiet(l)) {
        l->next_claim = tend_clock_seconds() + 0.2;
    } else if (o->mode == TEND_DELIVER_UNTIL_EMPTY) {
        l->claiming = 0;
    } else { /* DRAIN: done when nothing is pending; else wait for the next due row */
        long long pending;
        double next_in;
        if ((rc = tend_outbox_pending(l->db, o->tenant, &pending, &next_in, err)) != TEND_OK) return rc;
        if (pending == 0) l->claiming = 0;
        else l->next_claim = tend_clock_seconds() + (next_in < 1 ? (next_in > 0.05 ? next_in : 0.05) : 1);
    }
    return TEND_OK;
}

/* The database's answer to the statement in flight, if it has come. */
static tend_status read_answer(loop *l, tend_error *err) {
    PGresult *r;
    tend_status rc = TEND_OK;
    if (l->dbs == DB_IDLE || !tend_outbox_ready(l->db, &r, err, &rc) || rc != TEND_OK) return rc;
    db_state was = l->dbs;
    l->dbs = DB_IDLE;
    if (was == DB_RECORD) {
        rc = tend_outbox_done(l->db, r, "record", err);
        recorded(l, l->sending, l->nsending, rc == TEND_OK);
        l->nsending = 0;
    } else if (was == DB_RELEASE) {
        rc = tend_outbox_done(l->db, r, "release", err);
    } else {
        rc = take_claim(l, r, err);
    }
    return rc;
}

/* Answers per second, smoothed: how much to claim at once. */
static void measure_rate(loop *l, double t) {
    if (t - l->rate_at < 0.05) return;
    long long answered = l->st->attempts + (long long)l->ndone + (long long)l->nsending;
    double r = (double)(answered - l->answered_at_rate) / (t - l->rate_at);
    l->rate = l->rate > 0 ? 0.5 * l->rate + 0.5 * r : r;
    l->answered_at_rate = answered, l->rate_at = t;
}

/* The next statement, when the connection is free: give rows back, claim
 * when the queue runs low, else record what finished (all of it, in one
 * statement). */
static tend_status next_statement(loop *l, tend_error *err) {
    const tend_deliver_opts *o = l->o;
    if (l->dbs != DB_IDLE) return TEND_OK;
    double t = tend_clock_seconds();
    measure_rate(l, t);
    int want = claim_size(l, l->rate);
    if (o->mode == TEND_DELIVER_ONCE && o->limit > 0 && o->limit - l->claimed < want)
        want = (int)(o->limit - l->claimed);
    /* rows for free slots; and, when answers come faster than the slots
     * alone need, the next batch before the queue runs dry */
    int q = (int)queued_rows(l);
    int low = q < l->nslots - l->inflight || (want > l->nslots && q < want / 2);
    int need = l->claiming && want > 0 && low &&
               (t >= l->next_claim || (all_quiet(l) && o->mode == TEND_DELIVER_UNTIL_EMPTY));
    if (l->alone && all_quiet(l)) l->alone = 0; /* the orphan's attempt is recorded */
    if (l->alone) need = 0;
    tend_status rc = TEND_OK;
    if (l->nrelease > 0) {
        rc = release_send(l, err);
    } else if (l->claiming && !l->alone && all_quiet(l) && t >= l->next_orphans) {
        rc = tend_outbox_claim_send(l->db, l->worker, 1, l->lease, l->cutoff, o->tenant, 1, err);
        if (rc == TEND_OK) l->dbs = DB_CLAIM, l->db_since = t, l->orphan_claim = 1;
    } else if (need) { /* first, so the slots never wait for rows */
        if (t - l->disabled_at > DISABLED_REFRESH) {
            if ((rc = refresh_disabled(l, err)) != TEND_OK) return rc;
            l->disabled_at = t;
        }
        rc = tend_outbox_claim_send(l->db, l->worker, want - q, l->lease, l->cutoff, o->tenant, 0, err);
        if (rc == TEND_OK) l->dbs = DB_CLAIM, l->db_since = t;
    } else if (l->ndone > 0 && ((int)l->ndone >= want / 2 || t - l->done_since > 0.02 || quiet_but_done(l))) {
        /* in batches: a statement costs about as much as many rows */
        rc = flush_send(l, err);
        l->db_since = t;
    }
    return rc;
}

static int finished_all(const loop *l) {
    return !l->claiming && all_quiet(l) && l->nrelease == 0 && l->dbs == DB_IDLE;
}

/* Sleeps until a transfer or the database has something, or the next
 * claim is due; not at all when there is work to start now. */
static void wait_for_work(loop *l) {
    int wait_ms = 100;
    int ready = (queued_rows(l) > 0 && l->inflight < l->nslots) ||
                (l->dbs == DB_IDLE && ((l->ndone > 0 && quiet_but_done(l)) || l->nrelease > 0));
    /* all quiet while emptying the outbox: the last claim can go now */
    if (l->dbs == DB_IDLE && l->claiming && l->o->mode == TEND_DELIVER_UNTIL_EMPTY && l->ndone == 0 &&
        quiet_but_done(l))
        ready = 1;
    if (ready) wait_ms = 0;
    else if (l->dbs == DB_IDLE && l->ndone > 0) wait_ms = 20;
    else if (l->inflight == 0 && l->dbs == DB_IDLE) {
        double until = l->next_claim - tend_clock_seconds();
        wait_ms = until <= 0 ? 0 : until > 1 ? 1000 : (int)(until * 1000);
    }
    struct curl_waitfd dbfd = {.fd = PQsocket(l->db), .events = CURL_WAIT_POLLIN};
    if (wait_ms > 0 || l->inflight > 0)
        curl_multi_poll(l->multi, l->dbs != DB_IDLE ? &dbfd : NULL, l->dbs != DB_IDLE ? 1 : 0, wait_ms, NULL);
}

/* What finished is recorded, and what was claimed but never started is
 * given back, unless the database failed. On a database failure or a hard
 * stop, rows in flight are abandoned: their leases run out and another run
 * sends them again. */
static tend_status wind_down(loop *l, tend_error *err) {
    tend_status rc = TEND_OK;
    if (l->dbs != DB_IDLE) {
        PGresult *r;
        l->nrows = 0;
        rc = tend_outbox_wait(l->db, &r, err);
        if (rc == TEND_OK)
            rc = l->dbs == DB_CLAIM ? tend_outbox_claim_rows(l->db, r, &l->rows, &l->nrows, err)
                                    : tend_outbox_done(l->db, r, "the last statement", err);
        if (l->dbs == DB_CLAIM && rc == TEND_OK) enqueue(l, l->rows, l->nrows, l->db_since);
        recorded(l, l->sending, l->nsending, rc == TEND_OK && l->dbs == DB_RECORD);
        l->nsending = 0;
        l->dbs = DB_IDLE;
    }
    if (rc == TEND_OK) rc = flush(l, err);
    if (rc == TEND_OK) {
        start_queued(l, 1);
        if (l->nrelease > 0 && (rc = release_send(l, err)) == TEND_OK) {
            PGresult *r;
            rc = tend_outbox_wait(l->db, &r, err);
            if (rc == TEND_OK) rc = tend_outbox_done(l->db, r, "release", err);
        }
    }
    return rc;
}

static void close_loop(loop *l) {
    for (int i = 0; l->slots && i < l->nslots; i++) {
        slot *s = &l->slots[i];
        if (s->easy) {
            if (s->busy) curl_multi_remove_handle(l->multi, s->easy);
            curl_easy_cleanup(s->easy);
        }
        tend_outbox_row_free(&s->row);
        tend_request_free(&s->req);
        tend_buf_free(&s->body);
        tend_buf_free(&s->answer);
        tend_buf_free(&s->headers);
    }
    for (size_t i = 0; i < l->ndone; i++) tend_outbox_row_free(&l->done[i].row);
    for (size_t i = 0; i < l->nsending; i++) tend_outbox_row_free(&l->sending[i].row);
    for (size_t i = l->qhead; i < l->qlen; i++) tend_outbox_row_free(&l->queue[i].row);
    for (size_t i = 0; i < l->nrelease; i++) tend_outbox_row_free(&l->release[i]);
    for (size_t i = 0; i < l->nrows; i++) tend_outbox_row_free(&l->rows[i]);
    free(l->done);
    free(l->sending);
    free(l->queue);
    free(l->release);
    free(l->to_sync);
    free(l->slots);
    free(l->rows);
    if (l->multi) curl_multi_cleanup(l->multi);
    if (l->guarded) tend_guard_close();
}

tend_status tend_deliver_run(PGconn *c, tend_notify_config *cfg, const tend_deliver_opts *o, tend_deliver_stats *st,
                             tend_error *err) {
    memset(st, 0, sizeof *st);
    double started = tend_clock_seconds();
    loop l;
    tend_status rc = open_loop(&l, c, cfg, o, st, err);
    while (rc == TEND_OK) {
        if (o->stop && *o->stop >= 2) break;
        if (o->stop && *o->stop) l.claiming = 0, l.stopping = 1;
        if ((rc = read_answer(&l, err)) != TEND_OK || (rc = next_statement(&l, err)) != TEND_OK) break;
        start_queued(&l, l.stopping);
        run_transfers(&l);
        if (finished_all(&l)) break;
        wait_for_work(&l);
    }
    if (rc == TEND_OK) rc = wind_down(&l, err);
    close_loop(&l);
    st->seconds = tend_clock_seconds() - started;
    return rc;
}
