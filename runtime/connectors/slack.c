/* The slack connector: an intent posted to a Slack incoming webhook as
 * {"text": …, "blocks": [section, context]}. The text is what evaluation
 * rendered (stdlib/tend/messages.lua): a notify intent's `text` (the
 * playbook's, or the localized default naming the account, the rule and
 * why), an email's subject and text; other kinds get a one-line summary.
 *
 *   "csm_slack": {"type": "slack", "url_env": "SLACK_CSM_WEBHOOK_URL"}
 *
 * A Slack webhook URL is a secret (whoever has it can post), so it is only
 * read from the environment variable named by "url_env".
 *
 * Answers: the host's default (2xx delivered, 429 and 5xx retried after
 * Retry-After, 410 gone, other 4xx failed), and Slack's 404 "no_service"
 * (the webhook was removed) is gone too: its rows wait for
 * `tend outbox enable NAME` rather than being dead-lettered one by one. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "connectors/builtin.h"
#include "connectors/settings.h"

#define SECTION_MAX 3000 /* Slack's limit on a section's text */

typedef struct {
    const tend_connector_host *host;
    char *url;
    char user_agent[64];
} slack_state;

static void release(void *state) {
    slack_state *s = state;
    if (!s) return;
    tend_secret_free(s->url);
    free(s);
}

static int read_settings(const tend_connector_host *host, const char *instance, const char *config, json_t *o,
                         void *state, char *err, size_t cap) {
    slack_state *s = state;
    json_t *v;
    const char *key;
    char url[4096];
    s->host = host;
    snprintf(s->user_agent, sizeof s->user_agent, "tend/%s", host->version);
    json_object_foreach(o, key, v) {
        if (!strcmp(key, "url_env")) {
            continue; /* host->url reads it */
        } else if (!strcmp(key, "url")) {
            snprintf(err, cap,
                     "connector '%s': a Slack webhook URL is a secret: put it in an environment variable "
                     "and name it with \"url_env\"",
                     instance);
            return -1;
        } else if (tend_settings_unknown(host, instance, "slack", key, "\"url_env\"", err, cap) != 0) {
            return -1;
        }
    }
    if (host->url(config, instance, "https:// http://", 1, url, sizeof url, err, cap) != 0) return -1;
    s->url = tend_strdup(url);
    return 0;
}

static int configure(const tend_connector_host *host, const char *instance, const char *config, void **state,
                     char *err, size_t cap) {
    return tend_settings_configure(host, instance, config, sizeof(slack_state), read_settings, release, state, err, cap);
}

/* Slack's mrkdwn treats &, < and > as markup: escape them, and keep the
 * text under the section limit without splitting a UTF-8 character. */
static char *mrkdwn(const char *text, size_t max) {
    size_t n = 0, out = 0;
    for (; text[n]; n++) out += text[n] == '&' ? 5 : (text[n] == '<' || text[n] == '>') ? 4 : 1;
    char *s = malloc(out + 4), *p = s;
    if (!s) return NULL;
    for (const char *t = text; *t; t++) {
        size_t add = *t == '&' ? 5 : (*t == '<' || *t == '>') ? 4 : 1;
        if ((size_t)(p - s) + add > max) {
            while (p > s && ((unsigned char)p[-1] & 0xc0) == 0x80) p--; /* a partial character */
            if (p > s && ((unsigned char)p[-1] & 0xc0) == 0xc0) p--;
            memcpy(p, "…", 3), p += 3;
            break;
        }
        if (*t == '&') memcpy(p, "&amp;", 5);
        else if (*t == '<') memcpy(p, "&lt;", 4);
        else if (*t == '>') memcpy(p, "&gt;", 4);
        else *p = *t;
        p += add;
    }
    *p = 0;
    return s;
}

static const char *field(json_t *o, const char *key) { return json_string_value(json_object_get(o, key)); }

/* What the message says, as plain text (caller frees). */
static char *message_text(const tend_message *m, json_t *intent) {
    const char *text = field(intent, "text"), *subject = field(intent, "subject");
    char *out = NULL;
    if (!strcmp(m->kind, "email") && subject && text) {
        size_t n = strlen(subject) + strlen(text) + 8;
        if ((out = malloc(n))) snprintf(out, n, "*%s*\n%s", subject, text);
        return out;
    }
    if (text) return strdup(text);
    const char *name = field(intent, "channel");
    if (!name) name = field(intent, "template");
    if (!name) name = field(intent, "title");
    if (!name) name = field(intent, "target");
    const char *error = field(intent, "error");
    size_t n = strlen(m->kind) + (name ? strlen(name) : 0) + strlen(m->account_id) + (error ? strlen(error) : 0) + 32;
    if ((out = malloc(n)))
        snprintf(out, n, "%s %s for %s%s%s", m->kind, name ? name : "", m->account_id, error ? ": " : "",
                 error ? error : "");
    return out;
}

static int prepare(void *state, const tend_message *m, tend_request *req, char *err, size_t cap) {
    slack_state *s = state;
    const tend_connector_host *h = s->host;
    json_error_t je;
    json_t *intent = json_loads(m->payload ? m->payload : "{}", 0, &je);
    char *text = message_text(m, intent), *section = text ? mrkdwn(text, SECTION_MAX) : NULL;
    const char *rule = field(intent, "rule");
    char context[512];
    snprintf(context, sizeof context, "account `%.120s` · %s%.120s%s tenant `%.60s` · tend", m->account_id,
             rule ? "rule `" : "", rule ? rule : "", rule ? "` ·" : "", m->tenant);
    char *ctx = mrkdwn(context, SECTION_MAX);
    json_t *body = NULL;
    char *dump = NULL;
    if (section && ctx)
        body = json_pack("{s:s, s:[{s:s, s:{s:s, s:s}}, {s:s, s:[{s:s, s:s}]}]}", "text", section, "blocks", "type",
                         "section", "text", "type", "mrkdwn", "text", section, "type", "context", "elements", "type",
                         "mrkdwn", "text", ctx);
    if (body) dump = json_dumps(body, JSON_COMPACT);
    int rc = -1;
    if (dump) {
        rc = h->set_url(req, s->url) | h->set_method(req, "POST") |
             h->add_header(req, "Content-Type", "application/json; charset=utf-8") |
             h->add_header(req, "User-Agent", s->user_agent) | h->set_body(req, dump, strlen(dump));
        if (rc) snprintf(err, cap, "could not build the request");
    } else {
        snprintf(err, cap, "could not build the Slack message");
    }
    free(dump);
    json_decref(body);
    free(ctx);
    free(section);
    free(text);
    json_decref(intent);
    return rc ? -1 : 0;
}

static void classify(void *state, const tend_message *m, const tend_response *resp, tend_verdict *v) {
    slack_state *s = state;
    (void)m;
    s->host->classify_http(resp, v);
    if (resp->status >= 400 && resp->body_len) {
        int n = (int)(resp->body_len < 80 ? resp->body_len : 80);
        snprintf(v->error, sizeof v->error, "HTTP %ld: %.*s", resp->status, n, resp->body);
        if (resp->status == 404 && resp->body_len >= 10 && !memcmp(resp->body, "no_service", 10)) v->kind = TEND_GONE;
    }
}

const tend_connector_type tend_connector_slack = {
    .abi = TEND_CONNECTOR_ABI, .name = "slack",
    .configure = configure, .prepare = prepare, .classify = classify, .free = release,
};
