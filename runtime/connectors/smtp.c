/* The smtp connector: an email intent, rendered at evaluation (subject,
 * text, address: stdlib/tend/messages.lua), sent through libcurl's SMTP as
 * a multipart/alternative message (mail.c).
 *
 *   "mail": {"type": "smtp", "url": "smtp://mail.example.com:587",
 *            "from": "Customer Success <cs@example.com>", "starttls": true,
 *            "username": "cs@example.com", "secret_env": "SMTP_PASSWORD"}
 *
 * "url" (or "url_env") is smtp:// or smtps:// (TLS from the start);
 * "starttls": true upgrades a smtp:// connection and refuses to send
 * without TLS (CURLUSESSL_ALL). The password is only read from the
 * variable named by "secret_env". "ca_file" names extra trusted CAs (a
 * private relay's certificate).
 *
 * Replies: 2xx delivered; 4xx retried on the connector's schedule; 5xx
 * failed for good (dead letter), except authentication refusals (530, 534,
 * 535, 538), which hold every row until `tend outbox enable NAME`: bad
 * credentials are the sender's problem, not the message's. An intent
 * without a message (a placeholder nothing filled, no address) is failed
 * at once with its error. The Message-ID is derived from the message id,
 * the same on every attempt. */
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "connectors/builtin.h"
#include "connectors/settings.h"
#include "connectors/host.h"
#include "connectors/mail.h"

#define ADDRESS_CAP 256

/* What one easy handle uploads: the delivery loop reuses a handle per
 * slot, and several are in flight at once. */
typedef struct {
    CURL *easy;
    tend_buf mail;
    size_t off;
    struct curl_slist *rcpt;
} upload;

typedef struct {
    const tend_connector_host *host;
    char *url, *from, *username, *password, *ca_file;
    char mail_from[ADDRESS_CAP + 2]; /* "<addr>" */
    int starttls;
    tend_buf next; /* built by prepare(), taken by setup_curl() */
    char next_to[ADDRESS_CAP + 2];
    upload **up; /* each allocated once: libcurl keeps a pointer to it */
    size_t nup;
} smtp_state;

static void release(void *state) {
    smtp_state *s = state;
    if (!s) return;
    free(s->url);
    free(s->from);
    free(s->username);
    tend_secret_free(s->password);
    free(s->ca_file);
    tend_buf_free(&s->next);
    for (size_t i = 0; i < s->nup; i++) {
        tend_buf_free(&s->up[i]->mail);
        curl_slist_free_all(s->up[i]->rcpt);
        free(s->up[i]);
    }
    free(s->up);
    free(s);
}

static int read_settings(const tend_connector_host *host, const char *instance, const char *config, json_t *o,
                         void *state, char *err, size_t cap) {
    smtp_state *s = state;
    json_t *v;
    const char *url_set = NULL, *secret_env = NULL, *from = NULL, *username = NULL, *ca_file = NULL;
    char url[4096];
    const char *key;
    s->host = host;
    json_object_foreach(o, key, v) {
        const char **text = !strcmp(key, "url") || !strcmp(key, "url_env") ? &url_set /* host->url reads them */
                            : !strcmp(key, "secret_env")                   ? &secret_env
                            : !strcmp(key, "from")       ? &from
                            : !strcmp(key, "username")   ? &username
                            : !strcmp(key, "ca_file")    ? &ca_file
                                                         : NULL;
        if (text) {
            if (!json_is_string(v) || !*json_string_value(v)) {
                snprintf(err, cap, "connector '%s': \"%s\" must be a non-empty string", instance, key);
                return -1;
            }
            *text = json_string_value(v);
        } else if (!strcmp(key, "starttls")) {
            if (!json_is_boolean(v)) {
                snprintf(err, cap, "connector '%s': \"starttls\" must be true or false", instance);
                return -1;
            }
            s->starttls = json_is_true(v);
        } else if (!strcmp(key, "password") || !strcmp(key, "secret")) {
            tend_settings_secret_in_file(instance, "passwords", "secret_env", err, cap);
            return -1;
        } else if (tend_settings_unknown(host, instance, "smtp", key,
                                         "\"url\" or \"url_env\", \"from\", \"starttls\", \"username\", "
                                         "\"secret_env\", \"ca_file\"",
                                         err, cap) != 0) {
            return -1;
        }
    }
    if (host->url(config, instance, "smtp:// smtps://", 0, url, sizeof url, err, cap) != 0) return -1;
    char addr[ADDRESS_CAP];
    if (!from || strpbrk(from, "\r\n") || tend_mail_address(from, addr, sizeof addr) != 0) {
        snprintf(err, cap,
                 "connector '%s': needs \"from\", the sender's address (\"cs@example.com\" or "
                 "\"Customer Success <cs@example.com>\")",
                 instance);
        return -1;
    }
    snprintf(s->mail_from, sizeof s->mail_from, "<%s>", addr);
    if (secret_env) {
        const char *pw = host->secret(secret_env);
        if (!pw) {
            snprintf(err, cap, "connector '%s': the secret variable %s is not set", instance, secret_env);
            return -1;
        }
        if (!username) {
            snprintf(err, cap, "connector '%s': \"secret_env\" needs a \"username\" to log in with", instance);
            return -1;
        }
        s->password = tend_strdup(pw);
    } else if (username) {
        snprintf(err, cap, "connector '%s': \"username\" needs \"secret_env\", the variable holding the password",
                 instance);
        return -1;
    }
    s->url = tend_strdup(url);
    s->from = tend_strdup(from);
    s->username = tend_strdup(username);
    s->ca_file = tend_strdup(ca_file);
    return 0;
}

static int configure(const tend_connector_host *host, const char *instance, const char *config, void **state,
                     char *err, size_t cap) {
    return tend_settings_configure(host, instance, config, sizeof(smtp_state), read_settings, release, state, err, cap);
}

static const char *field(json_t *o, const char *key) { return json_string_value(json_object_get(o, key)); }

static int prepare(void *state, const tend_message *m, tend_request *req, char *err, size_t cap) {
    smtp_state *s = state;
    json_error_t je;
    json_t *o = json_loads(m->payload ? m->payload : "", 0, &je);
    const char *address = field(o, "address"), *subject = field(o, "subject"), *text = field(o, "text");
    const char *why = field(o, "error");
    int rc = TEND_PREPARE_FAILED;
    if (!o) snprintf(err, cap, "the intent is not JSON");
    else if (why) snprintf(err, cap, "no message to send: %s", why);
    else if (!address || !subject || !text)
        snprintf(err, cap, "the %s intent has no %s: smtp sends what evaluation rendered (address, subject, text)",
                 m->kind, !address ? "address" : !subject ? "subject" : "text");
    else if (!tend_mail_address_ok(address) || strlen(address) >= ADDRESS_CAP)
        snprintf(err, cap, "the recipient address is not valid");
    else rc = 0;
    if (rc == 0) {
        tend_mail mail = {.from = s->from, .to = address, .subject = subject, .text = text,
                          .message_id = m->id, .date = (long long)time(NULL)};
        s->next.len = 0;
        tend_mail_build(&mail, &s->next);
        snprintf(s->next_to, sizeof s->next_to, "<%s>", address);
        if (s->host->set_url(req, s->url) != 0) rc = -1, snprintf(err, cap, "could not build the request");
    }
    json_decref(o);
    return rc;
}

static size_t read_mail(char *buf, size_t size, size_t n, void *ud) {
    upload *u = ud;
    size_t left = u->mail.len - u->off, want = size * n;
    if (want > left) want = left;
    memcpy(buf, u->mail.data + u->off, want);
    u->off += want;
    return want;
}

static upload *upload_for(smtp_state *s, CURL *easy) {
    for (size_t i = 0; i < s->nup; i++)
        if (s->up[i]->easy == easy) return s->up[i];
    upload **list = realloc(s->up, (s->nup + 1) * sizeof *list), *u = calloc(1, sizeof *u);
    if (list) s->up = list;
    if (!list || !u) {
        free(u);
        return NULL;
    }
    u->easy = easy;
    return s->up[s->nup++] = u;
}

static int setup_curl(void *state, const tend_message *m, void *curl_easy, char *err, size_t cap) {
    smtp_state *s = state;
    CURL *e = curl_easy;
    (void)m;
    upload *u = upload_for(s, e);
    if (!u) {
        snprintf(err, cap, "out of memory");
        return -1;
    }
    tend_buf t = u->mail; /* take prepare()'s message, keep the old buffer for the next one */
    u->mail = s->next;
    s->next = t;
    s->next.len = 0;
    u->off = 0;
    curl_slist_free_all(u->rcpt);
    if (!(u->rcpt = curl_slist_append(NULL, s->next_to))) {
        snprintf(err, cap, "out of memory");
        return -1;
    }
    int bad = curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "smtp,smtps") != CURLE_OK;
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, NULL);
    bad |= curl_easy_setopt(e, CURLOPT_MAIL_FROM, s->mail_from) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_MAIL_RCPT, u->rcpt) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_UPLOAD, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_READFUNCTION, read_mail) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_READDATA, u) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)u->mail.len) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_USE_SSL, s->starttls ? (long)CURLUSESSL_ALL : (long)CURLUSESSL_NONE) !=
           CURLE_OK;
    if (s->username) {
        bad |= curl_easy_setopt(e, CURLOPT_USERNAME, s->username) != CURLE_OK;
        bad |= curl_easy_setopt(e, CURLOPT_PASSWORD, s->password) != CURLE_OK;
    }
    if (s->ca_file) bad |= curl_easy_setopt(e, CURLOPT_CAINFO, s->ca_file) != CURLE_OK;
    if (bad) snprintf(err, cap, "this libcurl cannot send SMTP with these settings");
    return bad ? -1 : 0;
}

/* The server's (last) reply line with this code, from the replies the
 * host collected: after a refusal libcurl says QUIT, so it is not the last. */
static void reply_for(const tend_response *resp, long code, char *out, size_t cap) {
    const tend_buf *h = resp->host_data;
    char want[16];
    int wn = snprintf(want, sizeof want, "%ld ", code);
    out[0] = 0;
    if (!h || !h->len) return;
    size_t end = h->len;
    while (end > 0) {
        size_t start = end - 1;
        while (start > 0 && h->data[start - 1] != '\n') start--;
        size_t len = end - start;
        while (len > 0 && (h->data[start + len - 1] == '\n' || h->data[start + len - 1] == '\r')) len--;
        if (len >= (size_t)wn && !memcmp(h->data + start, want, (size_t)wn)) {
            snprintf(out, cap, "%.*s", (int)len, h->data + start);
            return;
        }
        end = start;
    }
}

static void classify(void *state, const tend_message *m, const tend_response *resp, tend_verdict *v) {
    (void)state, (void)m;
    long code = resp->status;
    char reply[160];
    reply_for(resp, code, reply, sizeof reply);
    v->retry_after = -1;
    v->error[0] = 0;
    if (!resp->transport_error && code >= 200 && code < 300) {
        v->kind = TEND_DELIVERED;
        return;
    }
    if (code >= 400 && code < 600) {
        if (code == 530 || code == 534 || code == 535 || code == 538) v->kind = TEND_GONE;
        else v->kind = code < 500 ? TEND_RETRY : TEND_FAILED;
        if (reply[0]) snprintf(v->error, sizeof v->error, "SMTP %s", reply);
        else snprintf(v->error, sizeof v->error, "SMTP %ld", code);
        return;
    }
    v->kind = TEND_RETRY;
    if (resp->timed_out) snprintf(v->error, sizeof v->error, "timeout after %.1f s", resp->seconds);
    else snprintf(v->error, sizeof v->error, "%s", resp->transport_error ? resp->transport_error : "no answer");
}

const tend_connector_type tend_connector_smtp = {
    .abi = TEND_CONNECTOR_ABI, .name = "smtp",
    .configure = configure, .prepare = prepare, .classify = classify, .setup_curl = setup_curl, .free = release,
};
