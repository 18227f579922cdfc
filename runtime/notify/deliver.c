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

#include "connectors/host.h"
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
    char error[300];
    char response[EXCERPT + 1];
} finished;

typedef struct {
    PGconn *db;
    tend_notify_config *cfg;
    const tend_deliver_opts *o;
    tend_deliver_stats *st;
    char worker[128];
    CURLM *multi;
    slot *slots;
    int nslots, inflight;
    finished *done;
    size_t ndone, capdone;
    uint64_t rng;
} loop;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

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

/* ---- finished attempts -------------------------------------------------------------- */

static finished *finish(loop *l, tend_outbox_row *row) {
    if (l->ndone == l->capdone) {
        size_t cap = l->capdone ? 2 * l->capdone : 64;
        finished *d = realloc(l->done, cap * sizeof *d);
        if (!d) abort(); /* as tend_buf: nothing useful to do without memory */
        l->done = d, l->capdone = cap;
    }
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

static tend_status flush(loop *l, tend_error *err) {
    if (l->ndone == 0) return TEND_OK;
    tend_attempt *a = malloc(l->ndone * sizeof *a);
    if (!a) return tend_fail(err, TEND_EMEMORY, "out of memory");
    for (size_t i = 0; i < l->ndone; i++) {
        a[i] = l->done[i].a;
        a[i].row = &l->done[i].row;
    }
    tend_status rc = tend_outbox_record(l->db, l->worker, a, l->ndone, err);
    for (size_t i = 0; i < l->ndone; i++) {
        if (rc == TEND_OK) {
            count(l, &l->done[i]);
            if (l->o->on_attempt) l->o->on_attempt(l->o->ud, &l->done[i].row, &a[i]);
        }
        tend_outbox_row_free(&l->done[i].row);
    }
    free(a);
    l->ndone = 0;
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
static int setup(slot *s, const tend_message *m, char *why, size_t cap) {
    tend_request *r = &s->req;
    CURL *e = s->easy;
    curl_easy_reset(e);
    if (!r->url) {
        snprintf(why, cap, "connector '%s' prepared no URL", s->inst->name);
        return -1;
    }
    struct curl_slist *h = curl_slist_append(r->headers, "Expect:"); /* no 100-continue round trip */
    if (!h) {
        snprintf(why, cap, "out of memory");
        return -1;
    }
    r->headers = h;
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
    if (s->inst->type->setup_curl && s->inst->type->setup_curl(s->inst->state, m, e, why, cap) != 0) return -1;
    return 0;
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
        double t0 = now_s();
        in->type->send(in->state, &m, &v);
        finished *f = finish(l, &s->row);
        f->a.connector = in->name;
        f->a.latency_ms = (long)((now_s() - t0) * 1000 + 0.5);
        decide(l, f, in, &v);
        return;
    }
    tend_request_reset(&s->req);
    s->answer.len = 0;
    s->headers.len = 0;
    s->curl_error[0] = 0;
    int rc = in->type->prepare(in->state, &m, &s->req, why, sizeof why);
    int never = rc == TEND_PREPARE_FAILED; /* cannot be built: dead-letter it, no retry helps */
    if (rc == 0 && s->req.bad) rc = -1, snprintf(why, sizeof why, "%s", s->req.why);
    if (rc == 0 && !s->easy && !(s->easy = curl_easy_init())) rc = -1, snprintf(why, sizeof why, "out of memory");
    if (rc == 0) rc = setup(s, &m, why, sizeof why);
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
    if (s->inst->type->classify) s->inst->type->classify(s->inst->state, &m, &resp, &v);
    else tend_classify_http(&resp, &v);
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

tend_status tend_deliver_run(PGconn *c, tend_notify_config *cfg, const tend_deliver_opts *o, tend_deliver_stats *st,
                             tend_error *err) {
    memset(st, 0, sizeof *st);
    loop l = {.db = c, .cfg = cfg, .o = o, .st = st};
    char host[64] = "host";
    gethostname(host, sizeof host - 1);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    l.rng = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^ ((uint64_t)getpid() << 40) ^ 0x9e3779b97f4a7c15ULL;
    snprintf(l.worker, sizeof l.worker, "%s:%d:%04x", host, (int)getpid(), (unsigned)(uniform(&l) * 65536));
    l.nslots = o->concurrency > 0 ? o->concurrency : 32;
    double lease = o->lease_s > 0 ? o->lease_s : 4 * tend_deliver_max_timeout(cfg);
    if (o->lease_s <= 0 && lease < 60) lease = 60;
    double started = now_s();

    char cutoff[32] = "infinity";
    if (o->now) snprintf(cutoff, sizeof cutoff, "%s", o->now);
    tend_status rc = tend_outbox_prepare(c, err);
    if (rc == TEND_OK && o->mode == TEND_DELIVER_ONCE && !o->now) { /* what is due now, by the server's clock */
        PGresult *r;
        rc = tend_outbox_query(c, "SELECT now()::text", 0, NULL, &r, err);
        if (rc == TEND_OK) snprintf(cutoff, sizeof cutoff, "%s", PQgetvalue(r, 0, 0)), PQclear(r);
    }
    if (rc == TEND_OK) rc = refresh_disabled(&l, err);
    if (rc != TEND_OK) return rc;
    l.slots = calloc((size_t)l.nslots, sizeof *l.slots);
    l.multi = curl_multi_init();
    if (!l.slots || !l.multi) {
        free(l.slots);
        if (l.multi) curl_multi_cleanup(l.multi);
        return tend_fail(err, TEND_EMEMORY, "out of memory");
    }
    curl_multi_setopt(l.multi, CURLMOPT_MAXCONNECTS, (long)l.nslots * 2);

    int claiming = 1;
    long long claimed = 0;
    double next_claim = 0, disabled_at = now_s();
    tend_outbox_row *rows = NULL;
    size_t nrows = 0;
    while (rc == TEND_OK) {
        if (o->stop && *o->stop >= 2) break;
        if (o->stop && *o->stop) claiming = 0;
        double t = now_s();
        int free_slots = l.nslots - l.inflight;
        /* claim when a quarter of the slots are free (fewer round trips), or all are */
        if (claiming && t >= next_claim && (free_slots >= (l.nslots + 3) / 4 || l.inflight == 0)) {
            if (t - disabled_at > DISABLED_REFRESH) {
                if ((rc = refresh_disabled(&l, err)) != TEND_OK) break;
                disabled_at = t;
            }
            int want = free_slots;
            if (o->mode == TEND_DELIVER_ONCE && o->limit > 0 && o->limit - claimed < want)
                want = (int)(o->limit - claimed);
            nrows = 0;
            rc = tend_outbox_claim(c, l.worker, want, lease, cutoff, o->tenant, &rows, &nrows, err);
            size_t got = nrows; /* the send policy may hold or cap some before they go */
            if (rc == TEND_OK && o->policy)
                rc = tend_policy_apply(c, o->policy, l.worker, o->now, rows, &nrows, &st->policy, err);
            if (rc != TEND_OK) break;
            claimed += (long long)got;
            for (size_t i = 0; i < nrows; i++) start(&l, &rows[i]);
            if (o->mode == TEND_DELIVER_ONCE && o->limit > 0 && claimed >= o->limit) claiming = 0;
            if (got == 0) {
                if (o->mode == TEND_DELIVER_ONCE) claiming = 0;
                else if (l.inflight == 0 && l.ndone == 0) {
                    if (o->mode == TEND_DELIVER_UNTIL_EMPTY) claiming = 0;
                    else { /* DRAIN: done when nothing is pending; else wait for the next due row */
                        long long pending;
                        double next_in;
                        if ((rc = tend_outbox_pending(c, o->tenant, &pending, &next_in, err)) != TEND_OK) break;
                        if (pending == 0) claiming = 0;
                        else next_claim = now_s() + (next_in < 1 ? (next_in > 0.05 ? next_in : 0.05) : 1);
                    }
                } else {
                    next_claim = now_s() + 0.2;
                }
            }
        }
        run_transfers(&l);
        if ((rc = flush(&l, err)) != TEND_OK) break;
        if (!claiming && l.inflight == 0) break;
        int wait_ms = 100;
        if (l.inflight == 0) {
            double until = next_claim - now_s();
            wait_ms = until <= 0 ? 0 : until > 1 ? 1000 : (int)(until * 1000);
        }
        if (wait_ms > 0 || l.inflight > 0) curl_multi_poll(l.multi, NULL, 0, wait_ms, NULL);
    }
    if (rc == TEND_OK) rc = flush(&l, err);
    /* On a database failure or a hard stop, rows in flight are abandoned:
     * their leases run out and another run sends them again. */
    for (int i = 0; i < l.nslots; i++) {
        slot *s = &l.slots[i];
        if (s->easy) {
            if (s->busy) curl_multi_remove_handle(l.multi, s->easy);
            curl_easy_cleanup(s->easy);
        }
        tend_outbox_row_free(&s->row);
        tend_request_free(&s->req);
        tend_buf_free(&s->body);
        tend_buf_free(&s->answer);
        tend_buf_free(&s->headers);
    }
    for (size_t i = 0; i < l.ndone; i++) tend_outbox_row_free(&l.done[i].row);
    free(l.done);
    free(l.slots);
    free(rows);
    curl_multi_cleanup(l.multi);
    st->seconds = now_s() - started;
    return rc;
}
