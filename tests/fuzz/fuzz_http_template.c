/* libFuzzer harness: the http connector's templates (connectors/
 * http_template.c). Input: the template, a NUL, then the intent's JSON
 * payload. The template is compiled as a URL, a header and (when it is
 * JSON) a body, and rendered against the payload. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/http_template.h"

static void render(tend_tmpl *t, const tend_tmpl_context *c, tend_tmpl_mode md) {
    tend_buf out = {0};
    char err[256];
    (void)tend_tmpl_render(t, c, md, &out, err, sizeof err);
    tend_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const uint8_t *nul = memchr(data, 0, size);
    size_t tlen = nul ? (size_t)(nul - data) : size;
    char *payload = malloc(size - tlen + 1);
    if (!payload) return 0;
    size_t plen = nul ? size - tlen - 1 : 0;
    memcpy(payload, nul ? nul + 1 : data, plen);
    payload[plen] = 0;

    char *names[] = {"token", "base"}, *values[] = {"s3cr%t", "https://h.example/x y"};
    tend_tmpl_scope sc = {.instance = "fuzz", .secret_names = names, .nsecrets = 2};
    tend_message m = {.id = "msg_0", .tenant = "t", .account_id = "acme:x", .kind = "webhook",
                      .key = "k:acme:2026-11-20", .outbox_id = 7, .attempt = 1, .created_at = 1763600000,
                      .payload = payload, .body = "{}", .body_len = 2};
    json_t *intent = json_loads(payload, JSON_DECODE_ANY, NULL);
    tend_tmpl_context c;
    tend_tmpl_context_init(&c, &m, intent, values);
    char err[256];
    static const tend_tmpl_mode modes[] = {TEND_TMPL_URL, TEND_TMPL_HEADER};
    for (int i = 0; i < 2; i++) {
        tend_tmpl t = {0};
        if (tend_tmpl_compile_text(&t, &sc, (const char *)data, tlen, modes[i], "fuzz", err, sizeof err) == 0) {
            if (modes[i] == TEND_TMPL_URL) (void)tend_tmpl_url_ok(&t);
            render(&t, &c, modes[i]);
        }
        tend_tmpl_free(&t);
    }
    json_t *body = json_loadb((const char *)data, tlen, JSON_DECODE_ANY, NULL);
    if (body) {
        tend_tmpl t = {0};
        if (tend_tmpl_compile_json(&t, &sc, body, "body", err, sizeof err) == 0) render(&t, &c, TEND_TMPL_JSON);
        tend_tmpl_free(&t);
        json_decref(body);
    }
    json_decref(intent);
    free(payload);
    return 0;
}
