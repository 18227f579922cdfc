/* Notifications without a network or a database: Standard Webhooks
 * signatures (the specification's own test vector), message ids and the
 * envelope, retry schedules, the default verdict on HTTP answers, connector
 * settings and routing, and excerpts safe to store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "connectors/host.h"
#include "connectors/signature.h"
#include "notify/config.h"
#include "notify/deliver.h"
#include "notify/message.h"
#include "notify/retry.h"

static void signatures(void) {
    /* The Standard Webhooks reference vector. */
    unsigned char key[64];
    int n = tend_swh_secret_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", key, sizeof key);
    CHECK(n == 24);
    char sig[64];
    const char *body = "{\"test\": 2432232314}";
    CHECK(tend_swh_sign(key, (size_t)n, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body, strlen(body), sig,
                        sizeof sig) == 0);
    CHECK_STR(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    /* a bare base64 secret is the same key */
    CHECK(tend_swh_secret_key("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", key, sizeof key) == 24);
    CHECK(tend_swh_secret_key("whsec_", key, sizeof key) < 0);
    CHECK(tend_swh_secret_key("whsec_not base64!", key, sizeof key) < 0);
    CHECK(tend_swh_sign(key, 24, "id", 1, "", 0, sig, 10) < 0); /* too small for the answer */

    char b64[16];
    unsigned char raw[16];
    CHECK(tend_base64("foob", 4, b64, sizeof b64) == 8);
    CHECK_STR(b64, "Zm9vYg==");
    CHECK(tend_base64_decode("Zm9vYg==", raw, sizeof raw) == 4 && !memcmp(raw, "foob", 4));
    CHECK(tend_base64_decode("Zm9vYg", raw, sizeof raw) == 4);
    CHECK(tend_base64_decode("Zm9vYmFy", raw, 3) < 0);
    CHECK(tend_base64("foobar", 6, b64, 8) < 0);
}

static void messages(void) {
    char a[TEND_MESSAGE_ID_SIZE], b[TEND_MESSAGE_ID_SIZE], c[TEND_MESSAGE_ID_SIZE];
    tend_message_id("default", "welcome:acme:2026-11-21", a);
    tend_message_id("default", "welcome:acme:2026-11-21", b);
    tend_message_id("other", "welcome:acme:2026-11-21", c);
    CHECK(strlen(a) == 36 && !strncmp(a, "msg_", 4));
    CHECK_STR(a, b);           /* the same on every attempt */
    CHECK(strcmp(a, c) != 0);  /* tenants do not collide */

    tend_buf e = {0};
    tend_message_envelope(&e, "msg_1", "email", 1795251600, "default", "acme \"x\"", "k\n1",
                          "{\"kind\": \"email\"}");
    CHECK_STR(tend_buf_cstr(&e), "{\"id\":\"msg_1\",\"type\":\"tend.email\",\"timestamp\":\"2026-11-21T09:00:00Z\","
                                 "\"tenant\":\"default\",\"account_id\":\"acme \\\"x\\\"\",\"key\":\"k\\n1\","
                                 "\"data\":{\"kind\": \"email\"}}");
    tend_buf_free(&e);
}

static void schedules(void) {
    tend_retry_policy p;
    tend_retry_standard(&p);
    CHECK(p.n == 10);
    /* after attempt 1 fails: 5 s (+-10%), after 9: 24 h, after 10: dead */
    CHECK(tend_retry_next(&p, 1, -1, 0.5) == 5);
    CHECK(tend_retry_next(&p, 1, -1, 0.0) >= 4.5 && tend_retry_next(&p, 1, -1, 0.9999) <= 5.5);
    CHECK(tend_retry_next(&p, 2, -1, 0.5) == 300);
    CHECK(tend_retry_next(&p, 9, -1, 0.5) == 86400);
    CHECK(tend_retry_next(&p, 10, -1, 0.5) < 0);
    /* Retry-After: never sooner than asked, at most a day */
    CHECK(tend_retry_next(&p, 1, 120, 0.5) == 120);
    CHECK(tend_retry_next(&p, 2, 1, 0.5) == 300);
    CHECK(tend_retry_next(&p, 1, 1e9, 0.5) == TEND_RETRY_AFTER_CAP);
    CHECK(tend_retry_next(&p, 10, 5, 0.5) < 0); /* the last attempt stays the last */

    double s;
    CHECK(tend_retry_parse_duration("250ms", &s) == 0 && s == 0.25);
    CHECK(tend_retry_parse_duration("5m", &s) == 0 && s == 300);
    CHECK(tend_retry_parse_duration("2h", &s) == 0 && s == 7200);
    CHECK(tend_retry_parse_duration("1d", &s) == 0 && s == 86400);
    CHECK(tend_retry_parse_duration("0", &s) == 0 && s == 0);
    CHECK(tend_retry_parse_duration("7", &s) == 0 && s == 7);
    CHECK(tend_retry_parse_duration("-1s", &s) < 0);
    CHECK(tend_retry_parse_duration("5 min", &s) < 0);
    CHECK(tend_retry_parse_duration("", &s) < 0);
}

static tend_verdict_kind verdict(long status, int timed_out, double retry_after, double *ra) {
    tend_response r = {.status = status, .timed_out = timed_out, .retry_after = retry_after, .seconds = 1.5};
    if (!status) r.transport_error = "Connection refused";
    tend_verdict v;
    tend_classify_http(&r, &v);
    if (ra) *ra = v.retry_after;
    return v.kind;
}

static void classification(void) {
    double ra;
    CHECK(verdict(200, 0, -1, NULL) == TEND_DELIVERED);
    CHECK(verdict(204, 0, -1, NULL) == TEND_DELIVERED);
    CHECK(verdict(301, 0, -1, NULL) == TEND_RETRY);
    CHECK(verdict(400, 0, -1, NULL) == TEND_FAILED);
    CHECK(verdict(401, 0, -1, NULL) == TEND_FAILED);
    CHECK(verdict(404, 0, -1, NULL) == TEND_FAILED);
    CHECK(verdict(408, 0, -1, NULL) == TEND_RETRY);
    CHECK(verdict(410, 0, -1, NULL) == TEND_GONE);
    CHECK(verdict(429, 0, 30, &ra) == TEND_RETRY && ra == 30);
    CHECK(verdict(500, 0, -1, NULL) == TEND_RETRY);
    CHECK(verdict(503, 0, 7, &ra) == TEND_RETRY && ra == 7);
    CHECK(verdict(0, 1, -1, NULL) == TEND_RETRY);
    CHECK(verdict(0, 0, -1, NULL) == TEND_RETRY);

    tend_response r = {.status = 0, .timed_out = 1, .seconds = 2.0};
    tend_verdict v;
    tend_classify_http(&r, &v);
    CHECK_STR(v.error, "timeout after 2.0 s");
    r = (tend_response){.status = 503};
    tend_classify_http(&r, &v);
    CHECK_STR(v.error, "HTTP 503");

    const char block[] = "HTTP/1.1 429 Too Many\r\nretry-after:  12 \r\nX-A: b\r\n\r\n";
    char buf[32];
    CHECK_STR(tend_header_find(block, sizeof block - 1, "Retry-After", buf, sizeof buf), "12");
    CHECK_STR(tend_header_find(block, sizeof block - 1, "x-a", buf, sizeof buf), "b");
    CHECK(tend_header_find(block, sizeof block - 1, "X", buf, sizeof buf) == NULL);
}

static void requests(void) {
    tend_connector_host h;
    tend_connector_host_init(&h, "/tmp");
    tend_request r = {0};
    tend_request_reset(&r);
    CHECK_STR(r.method, "POST");
    CHECK(h.set_url(&r, "http://127.0.0.1:1/x") == 0 && !r.bad);
    CHECK(h.add_header(&r, "webhook-id", "msg_1") == 0);
    CHECK(h.add_header(&r, "X-Evil", "a\r\nInjected: 1") < 0 && r.bad); /* no header injection */
    CHECK(h.add_header(&r, "Bad Name", "v") < 0);
    CHECK(h.set_method(&r, "put") < 0);
    CHECK(h.set_body(&r, "{}", 2) == 0 && r.body.len == 2);
    char out[16];
    CHECK(h.setting("{\"url\":\"http://x\",\"n\":1}", "url", out, sizeof out) == 1);
    CHECK_STR(out, "http://x");
    CHECK(h.setting("{\"url\":\"http://x\",\"n\":1}", "n", out, sizeof out) == -1);
    CHECK(h.setting("{\"url\":\"http://x\"}", "none", out, sizeof out) == 0);
    CHECK(h.is_common_key("retry") && !h.is_common_key("url"));
    tend_request_free(&r);
}

static void excerpts(void) {
    char out[32];
    tend_text_excerpt("ok\x01\xff caf\xc3\xa9", 10, out, sizeof out);
    CHECK_STR(out, "ok?? caf\xc3\xa9");
    tend_text_excerpt("abc\0def", 7, out, sizeof out); /* NUL cannot go into text */
    CHECK_STR(out, "abc?def");
    tend_text_excerpt("\xe2\x82\xac\xe2\x82\xac", 6, out, 5); /* never cuts a character */
    CHECK_STR(out, "\xe2\x82\xac");
    tend_text_excerpt("\xed\xa0\x80", 3, out, sizeof out); /* a surrogate is not UTF-8 */
    CHECK_STR(out, "???");
}

static char tmpdir[] = "/tmp/tend-notify-XXXXXX";

static tend_status load(const char *json, tend_notify_config *c, tend_error *err) {
    char path[256];
    snprintf(path, sizeof path, "%s/connectors.json", tmpdir);
    FILE *f = fopen(path, "w");
    fputs(json, f);
    fclose(f);
    tend_notify_config_opts o = {.file = path, .data_dir = tmpdir};
    return tend_notify_config_load(c, &o, err);
}

static const char *route(tend_notify_config *c, const char *kind, const char *name, const char *connector) {
    char why[256];
    tend_connector_instance *in = tend_notify_route(c, kind, name, connector, why, sizeof why);
    return in ? in->name : "(none)";
}

static void settings(void) {
    tend_notify_config c;
    tend_error err;
    unsetenv("TEND_WEBHOOK_URL");
    unsetenv("TEND_ROUTES");
    unsetenv("TEND_CONNECTOR_PATH");
    setenv("T_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", 1);

    /* defaults: everything to the file connector, Standard Webhooks schedule */
    tend_notify_config_opts none = {.data_dir = tmpdir};
    CHECK(tend_notify_config_load(&c, &none, &err) == TEND_OK);
    CHECK_STR(route(&c, "email", "welcome", NULL), "file");
    CHECK(tend_notify_find(&c, "file")->retry.n == 10 && tend_notify_find(&c, "file")->timeout_ms == 15000);
    tend_notify_config_free(&c);

    CHECK(load("{\"connectors\": {\"crm\": {\"type\": \"webhook\", \"url\": \"http://127.0.0.1:9/h\","
               " \"secret_env\": \"T_SECRET\", \"retry\": [\"0s\", \"250ms\", 2], \"timeout\": \"2s\", \"jitter\": 0},"
               " \"slack\": {\"type\": \"webhook\", \"url\": \"http://127.0.0.1:9/s\", \"secret_env\": \"T_SECRET\"}},"
               " \"routes\": {\"notify\": \"slack\", \"email:welcome\": \"crm\", \"legacy\": \"crm\"}}",
               &c, &err) == TEND_OK);
    tend_connector_instance *crm = tend_notify_find(&c, "crm");
    CHECK(crm && crm->retry.n == 3 && crm->retry.delays[1] == 0.25 && crm->retry.delays[2] == 2 &&
          crm->timeout_ms == 2000 && crm->retry.jitter == 0);
    CHECK_STR(route(&c, "notify", "csm_slack", NULL), "slack");          /* by kind */
    CHECK_STR(route(&c, "email", "welcome", NULL), "crm");               /* by kind:name */
    CHECK_STR(route(&c, "email", "reengagement", NULL), "file");         /* the default */
    CHECK_STR(route(&c, "email", "reengagement", "slack"), "slack");     /* the row names a connector */
    CHECK_STR(route(&c, "email", "reengagement", "legacy"), "crm");      /* ...or a route */
    CHECK_STR(route(&c, "email", "reengagement", "nosuch"), "(none)");   /* unroutable */
    setenv("TEND_ROUTES", "*=crm", 1);
    tend_notify_config_free(&c);

    /* the environment: TEND_ROUTES over the file, TEND_WEBHOOK_URL defines `webhook` */
    setenv("TEND_WEBHOOK_URL", "http://127.0.0.1:9/env", 1);
    setenv("TEND_WEBHOOK_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", 1);
    CHECK(load("{\"connectors\": {\"crm\": {\"type\": \"webhook\", \"url\": \"http://127.0.0.1:9/h\","
               " \"secret_env\": \"T_SECRET\"}}}", &c, &err) == TEND_OK);
    CHECK_STR(route(&c, "email", "x", NULL), "crm");
    CHECK_STR(route(&c, "webhook", "target", NULL), "webhook"); /* a connector named like the kind */
    tend_notify_config_free(&c);
    unsetenv("TEND_ROUTES");
    unsetenv("TEND_WEBHOOK_URL");

    /* what is refused, each with the file and the reason */
    struct {
        const char *json, *want;
    } bad[] = {
        {"{\"connectors\": {\"a\": {\"type\": \"nope\"}}}", "unknown type 'nope' (known: file, webhook"},
        {"{\"connector\": {}}", "unknown key \"connector\""},
        {"{\"connectors\": {\"a\": {\"type\": \"webhook\", \"url\": \"http://x\", \"secret\": \"whsec_AAAA\"}}}",
         "secrets are read from the environment"},
        {"{\"connectors\": {\"a\": {\"type\": \"webhook\", \"url\": \"http://x\", \"secret_env\": \"T_NOPE\"}}}",
         "the secret variable T_NOPE is not set"},
        {"{\"connectors\": {\"a\": {\"type\": \"webhook\", \"url\": \"ftp://x\", \"secret_env\": \"T_SECRET\"}}}",
         "needs an http:// or https://"},
        {"{\"connectors\": {\"a\": {\"type\": \"file\", \"path\": \"../../etc/x\"}}}", "must stay under"},
        {"{\"connectors\": {\"a\": {\"type\": \"file\", \"retry\": [\"5 min\"]}}}", "retry delay 1 is not a duration"},
        {"{\"connectors\": {\"a\": {\"type\": \"file\", \"timeout\": \"0s\"}}}", "\"timeout\" must be"},
        {"{\"connectors\": {\"a\": {\"type\": \"file\", \"colour\": 1}}}", "unknown setting \"colour\""},
        {"{\"routes\": {\"email\": \"ghost\"}}", "names connector 'ghost', which is not configured"},
        {"{\"connectors\": [", "connectors.json:1:"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tend_status st = load(bad[i].json, &c, &err);
        CHECK(st == TEND_EPLAYBOOK);
        if (st != TEND_OK && !strstr(err.msg, bad[i].want))
            fprintf(stderr, "case %zu: got '%s', want '%s'\n", i, err.msg, bad[i].want), check_failed++;
        CHECK(!strstr(err.msg, "MfKQ9r8")); /* never a secret */
        tend_notify_config_free(&c);
    }
    setenv("T_BAD", "whsec_***", 1);
    CHECK(load("{\"connectors\": {\"a\": {\"type\": \"webhook\", \"url\": \"http://x\", \"secret_env\": \"T_BAD\"}}}",
               &c, &err) == TEND_EPLAYBOOK);
    CHECK(strstr(err.msg, "T_BAD is not a Standard Webhooks secret") && !strstr(err.msg, "***"));
    tend_notify_config_free(&c);

    setenv("TEND_CONNECTOR_PATH", "/nonexistent/plugins", 1);
    CHECK(tend_notify_config_load(&c, &none, &err) == TEND_EPLAYBOOK);
    CHECK(strstr(err.msg, "/nonexistent/plugins does not exist") != NULL);
    tend_notify_config_free(&c);
    unsetenv("TEND_CONNECTOR_PATH");
}

/* The file connector writes each line at once and makes a batch durable
 * with one sync(); lines go to their tenant's file, nothing is lost when
 * more files are open than it keeps (an evicted file is synced first). */
static void file_batches(void) {
    tend_notify_config c;
    tend_error err;
    CHECK(load("{\"connectors\": {\"f\": {\"type\": \"file\", \"path\": \"out/{tenant}.jsonl\"}}}", &c, &err) ==
          TEND_OK);
    tend_connector_instance *in = tend_notify_find(&c, "f");
    CHECK(in && in->type->send && in->type->sync);
    if (!in) return;
    char tenant[16], body[64], why[200];
    for (int i = 0; i < 40; i++) { /* 20 tenants: more files than are kept open */
        snprintf(tenant, sizeof tenant, "t%02d", i % 20);
        snprintf(body, sizeof body, "{\"n\":%d}", i);
        tend_message m = {.id = "msg_x", .tenant = tenant, .body = body, .body_len = strlen(body)};
        tend_verdict v = {.kind = TEND_RETRY};
        in->type->send(in->state, &m, &v);
        CHECK(v.kind == TEND_DELIVERED && v.error[0] == 0);
    }
    CHECK(in->type->sync(in->state, why, sizeof why) == 0);
    CHECK(in->type->sync(in->state, why, sizeof why) == 0); /* nothing new: still fine */
    for (int t = 0; t < 20; t++) {
        char path[256], line[64], want[64];
        snprintf(path, sizeof path, "%s/out/t%02d.jsonl", tmpdir, t);
        FILE *f = fopen(path, "r");
        CHECK(f != NULL);
        if (!f) continue;
        for (int k = 0; k < 2; k++) {
            snprintf(want, sizeof want, "{\"n\":%d}\n", t + 20 * k);
            CHECK(fgets(line, sizeof line, f) && !strcmp(line, want));
        }
        CHECK(!fgets(line, sizeof line, f));
        fclose(f);
    }
    tend_notify_config_free(&c);
}

int main(void) {
    if (!mkdtemp(tmpdir)) return 1;
    file_batches();
    signatures();
    messages();
    schedules();
    classification();
    requests();
    excerpts();
    settings();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd) != 0) return 1;
    return check_report();
}
