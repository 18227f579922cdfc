/* The webhook connector: the envelope as a JSON POST signed per the
 * Standard Webhooks specification (webhook-id, webhook-timestamp,
 * webhook-signature "v1,<base64 HMAC-SHA256 of id.timestamp.body>"). The
 * webhook-id is the message id, the same on every retry; the timestamp
 * and signature are those of each attempt.
 *
 *   "crm": {"type": "webhook", "url_env": "CRM_WEBHOOK_URL",
 *           "secret_env": "CRM_WEBHOOK_SECRET", "headers": {"X-Team": "cs"}}
 *
 * The URL is "url" or, when it carries a token, the environment variable
 * named by "url_env". The secret is only ever read from the environment
 * variable named by "secret_env": whsec_<base64>, or several separated by
 * spaces while rotating (each signs; receivers accept any). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "connectors/builtin.h"
#include "connectors/settings.h"
#include "connectors/signature.h"

#define MAX_KEYS 4
#define KEY_BYTES 128

typedef struct {
    const tend_connector_host *host;
    char *url;
    unsigned char keys[MAX_KEYS][KEY_BYTES];
    int key_len[MAX_KEYS], nkeys;
    json_t *headers; /* extra static headers: name -> value */
    char user_agent[64];
} webhook_state;

static void release(void *state) {
    webhook_state *s = state;
    if (!s) return;
    free(s->url);
    json_decref(s->headers);
    memset(s->keys, 0, sizeof s->keys);
    free(s);
}

static int read_secrets(webhook_state *s, const char *instance, const char *env, char *err, size_t cap) {
    const char *value = s->host->secret(env);
    if (!value) {
        snprintf(err, cap, "connector '%s': the secret variable %s is not set", instance, env);
        return -1;
    }
    char *copy = strdup(value), *save = NULL;
    if (!copy) {
        snprintf(err, cap, "out of memory");
        return -1;
    }
    int rc = 0;
    for (char *tok = strtok_r(copy, " \t,", &save); tok && rc == 0; tok = strtok_r(NULL, " \t,", &save)) {
        if (s->nkeys == MAX_KEYS) {
            snprintf(err, cap, "connector '%s': %s holds more than %d secrets", instance, env, MAX_KEYS);
            rc = -1;
        } else if ((s->key_len[s->nkeys] = tend_swh_secret_key(tok, s->keys[s->nkeys], KEY_BYTES)) < 1) {
            snprintf(err, cap, "connector '%s': %s is not a Standard Webhooks secret (whsec_ followed by base64)",
                     instance, env);
            rc = -1;
        } else {
            s->nkeys++;
        }
    }
    if (rc == 0 && s->nkeys == 0) {
        snprintf(err, cap, "connector '%s': the secret variable %s is empty", instance, env);
        rc = -1;
    }
    memset(copy, 0, strlen(value));
    free(copy);
    return rc;
}

static int read_settings(const tend_connector_host *host, const char *instance, const char *config, json_t *o,
                         void *state, char *err, size_t cap) {
    webhook_state *s = state;
    json_t *v;
    const char *secret_env = NULL, *key;
    char url[4096];
    s->host = host;
    snprintf(s->user_agent, sizeof s->user_agent, "tend/%s", host->version);
    json_object_foreach(o, key, v) {
        if (!strcmp(key, "url") || !strcmp(key, "url_env")) {
            continue; /* host->url reads them */
        } else if (!strcmp(key, "secret_env")) {
            if (!json_is_string(v) || !*json_string_value(v)) {
                snprintf(err, cap, "connector '%s': \"%s\" must be a non-empty string", instance, key);
                return -1;
            }
            secret_env = json_string_value(v);
        } else if (!strcmp(key, "headers")) {
            const char *hk;
            json_t *hv;
            if (!json_is_object(v)) {
                snprintf(err, cap, "connector '%s': \"headers\" must be an object of strings", instance);
                return -1;
            }
            json_object_foreach(v, hk, hv) {
                if (!json_is_string(hv)) {
                    snprintf(err, cap, "connector '%s': header \"%s\" must be a string", instance, hk);
                    return -1;
                }
            }
            s->headers = json_incref(v);
        } else if (!strcmp(key, "secret")) {
            tend_settings_secret_in_file(instance, "secrets", "secret_env", err, cap);
            return -1;
        } else if (tend_settings_unknown(host, instance, "webhook", key,
                                         "\"url\" or \"url_env\", \"secret_env\", \"headers\"", err,
                                         cap) != 0) {
            return -1;
        }
    }
    if (host->url(config, instance, "http:// https://", 0, url, sizeof url, err, cap) != 0) return -1;
    if (!secret_env) {
        snprintf(err, cap, "connector '%s': needs \"secret_env\", the variable holding its whsec_ secret", instance);
        return -1;
    }
    if (read_secrets(s, instance, secret_env, err, cap) != 0) return -1;
    s->url = tend_strdup(url);
    return 0;
}

static int configure(const tend_connector_host *host, const char *instance, const char *config, void **state,
                     char *err, size_t cap) {
    return tend_settings_configure(host, instance, config, sizeof(webhook_state), read_settings, release, state, err, cap);
}

static int prepare(void *state, const tend_message *m, tend_request *req, char *err, size_t cap) {
    webhook_state *s = state;
    const tend_connector_host *h = s->host;
    long long ts = (long long)time(NULL);
    char tsbuf[32], sig[MAX_KEYS * 50 + 8] = "";
    snprintf(tsbuf, sizeof tsbuf, "%lld", ts);
    for (int i = 0; i < s->nkeys; i++) {
        char one[64];
        if (tend_swh_sign(s->keys[i], (size_t)s->key_len[i], m->id, ts, m->body, m->body_len, one, sizeof one)) {
            snprintf(err, cap, "signing failed");
            return -1;
        }
        if (i) strcat(sig, " ");
        strcat(sig, one);
    }
    int rc = h->set_url(req, s->url) | h->set_method(req, "POST") |
             h->add_header(req, "Content-Type", "application/json") | h->add_header(req, "User-Agent", s->user_agent) |
             h->add_header(req, "webhook-id", m->id) | h->add_header(req, "webhook-timestamp", tsbuf) |
             h->add_header(req, "webhook-signature", sig) | h->set_body(req, m->body, m->body_len);
    const char *hk;
    json_t *hv;
    json_object_foreach(s->headers, hk, hv) rc |= h->add_header(req, hk, json_string_value(hv));
    if (rc) snprintf(err, cap, "could not build the request");
    return rc ? -1 : 0;
}

const tend_connector_type tend_connector_webhook = {
    .abi = TEND_CONNECTOR_ABI, .name = "webhook",
    .configure = configure, .prepare = prepare, .free = release,
};
