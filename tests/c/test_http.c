/* The http connector without a network: templates compiled from settings,
 * rendered per message (percent-encoded URL, JSON body with types kept,
 * headers with a secret), intents missing a path, `success` statuses, and
 * the settings it refuses. The integration test (deliver_http.sh) sends
 * the same to a real receiver. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "connectors/builtin.h"
#include "connectors/host.h"

static tend_connector_host host;

static void *configure(const char *config, char *err) {
    void *state = NULL;
    err[0] = 0;
    if (tend_connector_http.configure(&host, "crm", config, &state, err, 512) != 0) return NULL;
    return state;
}

/* The header "name: value" of r, or NULL. */
static const char *header_of(const tend_request *r, const char *name) {
    size_t n = strlen(name);
    for (const struct curl_slist *l = r->headers; l; l = l->next)
        if (!strncmp(l->data, name, n) && l->data[n] == ':') return l->data + n + 2;
    return NULL;
}

static tend_message message(const char *payload) {
    tend_message m = {
        .id = "msg_0123", .tenant = "t 1", .account_id = "acme co/1", .kind = "notify", .key = "n:1",
        .outbox_id = 42, .attempt = 2, .created_at = 1795251600, .payload = payload,
        .body = "{\"envelope\":1}", .body_len = 14,
    };
    return m;
}

static void rendering(void) {
    char err[512];
    void *s = configure("{\"type\": \"http\", \"method\": \"patch\","
                        " \"url\": \"https://x.example/a/{{account_id}}/{{data.name}}?t={{tenant}}&k={{key}}\","
                        " \"secrets\": [\"T_TOKEN\"],"
                        " \"headers\": {\"Authorization\": \"Bearer {{secret.T_TOKEN}}\", \"X-N\": \"{{data.n}}\"},"
                        " \"body\": {\"s\": \"{{data.name}}\", \"n\": \"{{data.n}}\", \"f\": \"{{data.f}}\","
                        "   \"o\": \"{{data}}\", \"txt\": \"n={{data.n}} o={{data.o}} z={{data.z}}\","
                        "   \"second\": \"{{data.list.2}}\", \"id\": \"{{ id }}\", \"at\": \"{{created_at}}\","
                        "   \"try\": \"{{attempt}}\", \"row\": \"{{outbox_id}}\", \"lit\": [1, 2.5, true, null, \"a\\\"b\"],"
                        "   \"tok\": \"{{secret.T_TOKEN}}\"}}",
                        err);
    CHECK(s != NULL);
    if (!s) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    tend_message m = message("{\"kind\":\"notify\",\"data\":{\"name\":\"Zoë \\\"Q\\\"\\n\",\"n\":7,\"f\":false,"
                             "\"o\":{\"a\":[1]},\"z\":null,\"list\":[\"x\",\"y\"]}}");
    tend_request r = {0};
    tend_request_reset(&r);
    CHECK(tend_connector_http.prepare(s, &m, &r, err, sizeof err) == 0 && !r.bad);
    CHECK_STR(r.method, "PATCH");
    CHECK_STR(r.url, "https://x.example/a/acme%20co%2F1/Zo%C3%AB%20%22Q%22%0A?t=t%201&k=n%3A1");
    CHECK_STR(header_of(&r, "Authorization"), "Bearer s3cr3t");
    CHECK_STR(header_of(&r, "X-N"), "7");
    CHECK_STR(header_of(&r, "Idempotency-Key"), "msg_0123");
    CHECK_STR(header_of(&r, "Content-Type"), "application/json");
    /* jansson keeps the settings' key order */
    CHECK_STR(tend_buf_cstr(&r.body),
              "{\"s\":\"Zoë \\\"Q\\\"\\n\",\"n\":7,\"f\":false,\"o\":{\"name\":\"Zoë \\\"Q\\\"\\n\",\"n\":7,"
              "\"f\":false,\"o\":{\"a\":[1]},\"z\":null,\"list\":[\"x\",\"y\"]},"
              "\"txt\":\"n=7 o={\\\"a\\\":[1]} z=\",\"second\":\"y\",\"id\":\"msg_0123\","
              "\"at\":\"2026-11-21T09:00:00Z\",\"try\":2,\"row\":42,\"lit\":[1,2.5,true,null,\"a\\\"b\"],"
              "\"tok\":\"s3cr3t\"}");

    /* a path the intent lacks: never sendable, the placeholder named */
    tend_message miss = message("{\"kind\":\"notify\",\"data\":{\"name\":\"a\",\"n\":1,\"f\":true}}");
    tend_request_reset(&r);
    CHECK(tend_connector_http.prepare(s, &miss, &r, err, sizeof err) == TEND_PREPARE_FAILED);
    CHECK_STR(err, "body.txt: {{data.o}}: the intent has no data.o");
    tend_request_free(&r);
    tend_connector_http.free(s);
}

static void missing(void) {
    char err[512];
    void *s = configure("{\"type\": \"http\", \"url\": \"http://x/{{payload.a.b}}\", \"body\": {\"k\": [\"{{data.list.3}}\"]}}",
                        err);
    CHECK(s != NULL);
    tend_request r = {0};
    tend_request_reset(&r);
    tend_message m = message("{\"a\":{\"c\":1}}");
    CHECK(tend_connector_http.prepare(s, &m, &r, err, sizeof err) == TEND_PREPARE_FAILED);
    CHECK_STR(err, "url: {{payload.a.b}}: the intent has no payload.a.b");
    m = message("{\"a\":{\"b\":\"ok\"},\"data\":{\"list\":[1,2]}}");
    tend_request_reset(&r);
    CHECK(tend_connector_http.prepare(s, &m, &r, err, sizeof err) == TEND_PREPARE_FAILED);
    CHECK_STR(err, "body.k[1]: {{data.list.3}}: the intent has no data.list.3");
    m = message("{\"a\":{\"b\":\"ok\"},\"data\":{\"list\":[1,2,{\"z\":3}]}}");
    tend_request_reset(&r);
    CHECK(tend_connector_http.prepare(s, &m, &r, err, sizeof err) == 0);
    CHECK_STR(r.url, "http://x/ok");
    CHECK_STR(tend_buf_cstr(&r.body), "{\"k\":[{\"z\":3}]}");
    /* a line break cannot reach a header */
    tend_connector_http.free(s);
    s = configure("{\"type\": \"http\", \"url\": \"http://x/\", \"headers\": {\"X-T\": \"{{payload.t}}\"}}", err);
    m = message("{\"t\":\"a\\r\\nInjected: 1\"}");
    tend_request_reset(&r);
    CHECK(tend_connector_http.prepare(s, &m, &r, err, sizeof err) == TEND_PREPARE_FAILED);
    CHECK_STR(err, "headers.X-T: the value holds a line break");
    tend_request_free(&r);
    tend_connector_http.free(s);
}

static void defaults(void) {
    char err[512];
    /* no body: POST sends the envelope; GET sends nothing; body = false nothing */
    void *s = configure("{\"type\": \"http\", \"url\": \"http://x/\", \"headers\": {\"Content-Type\": \"application/cloudevents+json\"},"
                        " \"idempotency_header\": \"X-Request-Id\", \"retry\": [\"0s\"], \"timeout\": \"2s\"}",
                        err);
    CHECK(s != NULL);
    tend_message m = message("{}");
    tend_request r = {0};
    tend_request_reset(&r);
    CHECK(tend_connector_http.prepare(s, &m, &r, err, sizeof err) == 0);
    CHECK_STR(r.method, "POST");
    CHECK_STR(tend_buf_cstr(&r.body), "{\"envelope\":1}");
    CHECK_STR(header_of(&r, "Content-Type"), "application/cloudevents+json");
    CHECK_STR(header_of(&r, "X-Request-Id"), "msg_0123");
    CHECK(header_of(&r, "Idempotency-Key") == NULL);
    tend_connector_http.free(s);
    s = configure("{\"type\": \"http\", \"method\": \"GET\", \"url\": \"http://x/{{id}}\", \"idempotency_header\": false}", err);
    tend_request_reset(&r);
    CHECK(tend_connector_http.prepare(s, &m, &r, err, sizeof err) == 0);
    CHECK(r.body.len == 0 && header_of(&r, "Content-Type") == NULL && header_of(&r, "Idempotency-Key") == NULL);
    tend_connector_http.free(s);
    s = configure("{\"type\": \"http\", \"url\": \"{{secret.T_BASE}}/x/{{key}}\", \"secrets\": [\"T_BASE\"], \"body\": false}", err);
    CHECK(s != NULL);
    tend_request_reset(&r);
    CHECK(tend_connector_http.prepare(s, &m, &r, err, sizeof err) == 0);
    CHECK_STR(r.url, "http://127.0.0.1:9/base/x/n%3A1"); /* a secret is the operator's: not encoded */
    CHECK(r.body.len == 0);
    tend_request_free(&r);
    tend_connector_http.free(s);
}

static void success(void) {
    char err[512];
    void *s = configure("{\"type\": \"http\", \"url\": \"http://x/\", \"success\": [201, 409]}", err);
    CHECK(s != NULL);
    tend_message m = message("{}");
    tend_verdict v;
    tend_response resp = {.status = 409, .retry_after = -1};
    tend_connector_http.classify(s, &m, &resp, &v);
    CHECK(v.kind == TEND_DELIVERED && v.error[0] == 0);
    resp.status = 200;
    tend_connector_http.classify(s, &m, &resp, &v);
    CHECK(v.kind == TEND_FAILED);
    CHECK_STR(v.error, "HTTP 200 is not listed in \"success\"");
    resp.status = 503;
    tend_connector_http.classify(s, &m, &resp, &v);
    CHECK(v.kind == TEND_RETRY);
    resp.status = 0, resp.transport_error = "refused";
    tend_connector_http.classify(s, &m, &resp, &v);
    CHECK(v.kind == TEND_RETRY);
    tend_connector_http.free(s);
    s = configure("{\"type\": \"http\", \"url\": \"http://x/\"}", err);
    resp.status = 204, resp.transport_error = NULL;
    tend_connector_http.classify(s, &m, &resp, &v);
    CHECK(v.kind == TEND_DELIVERED);
    tend_connector_http.free(s);
}

static void refused(void) {
    struct {
        const char *json, *want;
    } bad[] = {
        {"{\"type\": \"http\"}", "connector 'crm': needs a \"url\""},
        {"{\"type\": \"http\", \"url\": \"ftp://x/\"}", "\"url\" must start with http:// or https://"},
        {"{\"type\": \"http\", \"url\": \"{{account_id}}/x\"}", "\"url\" must start with http:// or https://"},
        {"{\"type\": \"http\", \"url\": \"http://x/{{acount_id}}\"}",
         "connector 'crm': url: unknown placeholder {{acount_id}} (known: id, tenant,"},
        {"{\"type\": \"http\", \"url\": \"http://x/\", \"body\": {\"a\": [{\"b\": \"x {{nope.q}}\"}]}}",
         "connector 'crm': body.a[1].b: unknown placeholder {{nope.q}}"},
        {"{\"type\": \"http\", \"url\": \"http://x/\", \"headers\": {\"A\": \"{{secret.T_TOKEN}}\"}}",
         "headers.A: {{secret.T_TOKEN}} reads T_TOKEN, which is not listed in \"secrets\""},
        {"{\"type\": \"http\", \"url\": \"http://x/\", \"secrets\": [\"T_UNSET\"]}",
         "the secret variable T_UNSET is not set"},
        {"{\"type\": \"http\", \"url\": \"http://x/{{id\"}", "url: \"{{\" without a closing \"}}\""},
        {"{\"type\": \"http\", \"url\": \"http://x/{{id.x}}\"}", "url: {{id.x}}: id has no fields"},
        {"{\"type\": \"http\", \"url\": \"http://x/{{data..x}}\"}", "url: {{data..x}} is not a placeholder"},
        {"{\"type\": \"http\", \"url\": \"http://x/{{secret}}\"}", "{{secret}}: name one variable"},
        {"{\"type\": \"http\", \"url\": \"http://x/\", \"method\": \"HEAD\"}", "\"method\" must be GET, POST"},
        {"{\"type\": \"http\", \"url\": \"http://x/\", \"headers\": {\"Bad Name\": \"v\"}}", "is not a header name"},
        {"{\"type\": \"http\", \"url\": \"http://x/\", \"headers\": {\"A\": 1}}", "headers.A must be a string"},
        {"{\"type\": \"http\", \"url\": \"http://x/\", \"success\": [200, 700]}", "success[2] must be an HTTP status"},
        {"{\"type\": \"http\", \"url\": \"http://x/\", \"token\": \"abc\"}", "secrets are read from the environment"},
        {"{\"type\": \"http\", \"url\": \"http://x/\", \"colour\": 1}", "unknown setting \"colour\""},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[512];
        void *s = configure(bad[i].json, err);
        CHECK(s == NULL);
        if (s) tend_connector_http.free(s);
        if (!strstr(err, bad[i].want))
            fprintf(stderr, "case %zu: got '%s', want '%s'\n", i, err, bad[i].want), check_failed++;
        CHECK(!strstr(err, "s3cr3t"));
    }
}

int main(void) {
    setenv("T_TOKEN", "s3cr3t", 1);
    setenv("T_BASE", "http://127.0.0.1:9/base", 1);
    unsetenv("T_UNSET");
    tend_connector_host_init(&host, "/tmp");
    rendering();
    missing();
    defaults();
    success();
    refused();
    return check_report();
}
