/* What tend offers connectors (connector.h's tend_connector_host). */
#include "connectors/host.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "connectors/signature.h"

void tend_request_reset(tend_request *r) {
    snprintf(r->method, sizeof r->method, "POST");
    free(r->url);
    r->url = NULL;
    curl_slist_free_all(r->headers);
    r->headers = NULL;
    r->body.len = 0;
    r->bad = 0;
    r->why[0] = 0;
}

void tend_request_free(tend_request *r) {
    tend_request_reset(r);
    tend_buf_free(&r->body);
}

static int bad(tend_request *r, const char *why) {
    if (!r->bad) snprintf(r->why, sizeof r->why, "%s", why);
    r->bad = 1;
    return -1;
}

static int set_url(tend_request *r, const char *url) {
    if (!url || !*url || strpbrk(url, "\r\n ")) return bad(r, "the connector gave an invalid URL");
    char *copy = tend_strdup(url);
    free(r->url);
    r->url = copy;
    return 0;
}

static int set_method(tend_request *r, const char *m) {
    size_t n = m ? strlen(m) : 0;
    if (n == 0 || n >= sizeof r->method) return bad(r, "the connector gave an invalid method");
    for (size_t i = 0; i < n; i++)
        if (!isupper((unsigned char)m[i])) return bad(r, "the connector gave an invalid method");
    memcpy(r->method, m, n + 1);
    return 0;
}

/* Header names are tokens; values may not break the header block. */
static int add_header(tend_request *r, const char *name, const char *value) {
    if (!name || !*name || !value) return bad(r, "the connector gave an invalid header");
    for (const char *p = name; *p; p++)
        if (!isgraph((unsigned char)*p) || *p == ':') return bad(r, "the connector gave an invalid header name");
    if (strpbrk(value, "\r\n")) return bad(r, "a header value contains a line break");
    tend_buf line = {0};
    /* curl sends "Name;" as an empty header, "Name:" would remove it */
    if (*value) tend_buf_printf(&line, "%s: %s", name, value);
    else tend_buf_printf(&line, "%s;", name);
    struct curl_slist *l = curl_slist_append(r->headers, tend_buf_cstr(&line));
    tend_buf_free(&line);
    if (!l) return bad(r, "out of memory");
    r->headers = l;
    return 0;
}

static int set_body(tend_request *r, const void *body, size_t len) {
    r->body.len = 0;
    if (len) tend_buf_add(&r->body, body, len);
    return 0;
}

const char *tend_header_find(const char *block, size_t len, const char *name, char *buf, size_t cap) {
    size_t nl = strlen(name);
    const char *p = block, *end = block + len;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol) eol = end;
        if ((size_t)(eol - p) > nl && p[nl] == ':' && !strncasecmp(p, name, nl)) {
            const char *v = p + nl + 1, *ve = eol;
            while (v < ve && (*v == ' ' || *v == '\t')) v++;
            while (ve > v && isspace((unsigned char)ve[-1])) ve--;
            snprintf(buf, cap, "%.*s", (int)(ve - v), v);
            return buf;
        }
        p = eol + 1;
    }
    return NULL;
}

/* host_data is the raw header block of the final answer (a tend_buf). */
static const char *header(const tend_response *resp, const char *name) {
    static char value[1024];
    const tend_buf *h = resp ? resp->host_data : NULL;
    if (!h || !h->data) return NULL;
    return tend_header_find(h->data, h->len, name, value, sizeof value);
}

void tend_classify_http(const tend_response *resp, tend_verdict *v) {
    long s = resp->status;
    v->retry_after = -1;
    v->error[0] = 0;
    if (s == 0) {
        v->kind = TEND_RETRY;
        if (resp->timed_out) snprintf(v->error, sizeof v->error, "timeout after %.1f s", resp->seconds);
        else snprintf(v->error, sizeof v->error, "%s", resp->transport_error ? resp->transport_error : "no answer");
        return;
    }
    if (s >= 200 && s < 300) {
        v->kind = TEND_DELIVERED;
        return;
    }
    snprintf(v->error, sizeof v->error, "HTTP %ld", s);
    if (s == 410) v->kind = TEND_GONE;
    else if (s >= 400 && s < 500 && s != 408 && s != 429) v->kind = TEND_FAILED;
    else {
        v->kind = TEND_RETRY; /* 1xx, 3xx (redirects are not followed), 408, 429, 5xx */
        v->retry_after = resp->retry_after;
    }
}

static const char *secret(const char *env_name) {
    const char *v = env_name && *env_name ? getenv(env_name) : NULL;
    return v && *v ? v : NULL;
}

static int setting(const char *config, const char *key, char *out, size_t cap) {
    json_error_t je;
    json_t *o = json_loads(config, 0, &je);
    json_t *v = json_object_get(o, key);
    int rc = 0;
    if (v) {
        const char *s = json_string_value(v);
        rc = s && strlen(s) < cap ? 1 : -1;
        if (rc == 1) memcpy(out, s, strlen(s) + 1);
    }
    json_decref(o);
    return rc;
}

static int is_common_key(const char *name) {
    static const char *const common[] = {"type", "retry", "jitter", "timeout", NULL};
    for (int i = 0; common[i]; i++)
        if (!strcmp(name, common[i])) return 1;
    return 0;
}

/* "an http:// or https://" from "http:// https://". */
static void schemes_text(const char *schemes, char *out, size_t cap) {
    char copy[128], *save = NULL;
    snprintf(copy, sizeof copy, "%s", schemes);
    out[0] = 0;
    int i = 0;
    for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save), i++) {
        size_t len = strlen(out);
        snprintf(out + len, cap - len, "%s%s", i ? " or " : "an ", w);
    }
}

static int scheme_ok(const char *url, const char *schemes) {
    char copy[128], *save = NULL;
    snprintf(copy, sizeof copy, "%s", schemes);
    for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
        if (!strncmp(url, w, strlen(w))) return !strpbrk(url, "\r\n ");
    return 0;
}

static int url(const char *config, const char *instance, const char *schemes, int env_only, char *out, size_t cap,
               char *err, size_t err_cap) {
    json_error_t je;
    json_t *o = json_loads(config, 0, &je);
    const char *keys[] = {"url", "url_env"}, *given[2] = {NULL, NULL}, *value = NULL;
    char wanted[128];
    int rc = -1;
    schemes_text(schemes, wanted, sizeof wanted);
    for (int i = 0; i < 2; i++) {
        json_t *v = json_object_get(o, keys[i]);
        if (v && (!json_is_string(v) || !*json_string_value(v))) {
            snprintf(err, err_cap, "connector '%s': \"%s\" must be a non-empty string", instance, keys[i]);
            goto done;
        }
        given[i] = json_string_value(v);
    }
    if (env_only && given[0]) {
        snprintf(err, err_cap,
                 "connector '%s': its URL is a secret: put it in an environment variable and name it with \"url_env\"",
                 instance);
    } else if (given[0] && given[1]) {
        snprintf(err, err_cap, "connector '%s': give \"url\" or \"url_env\", not both", instance);
    } else if (given[1] && !(value = secret(given[1]))) {
        snprintf(err, err_cap, "connector '%s': the URL variable %s is not set", instance, given[1]);
    } else if (env_only && !given[1]) {
        snprintf(err, err_cap, "connector '%s': needs \"url_env\", the variable holding its URL", instance);
    } else if (!(value = value ? value : given[0]) || !scheme_ok(value, schemes)) {
        if (given[1]) snprintf(err, err_cap, "connector '%s': %s does not hold %s URL", instance, given[1], wanted);
        else snprintf(err, err_cap, "connector '%s': needs %s \"url\" (or \"url_env\")", instance, wanted);
    } else if (strlen(value) >= cap) {
        snprintf(err, err_cap, "connector '%s': the URL is longer than %zu bytes", instance, cap - 1);
    } else {
        memcpy(out, value, strlen(value) + 1);
        rc = 0;
    }
done:
    json_decref(o);
    return rc;
}

void tend_connector_host_init(tend_connector_host *h, const char *data_dir) {
    memset(h, 0, sizeof *h);
    h->abi = TEND_CONNECTOR_ABI;
    h->version = TEND_VERSION;
    h->data_dir = data_dir;
    h->set_url = set_url;
    h->set_method = set_method;
    h->add_header = add_header;
    h->set_body = set_body;
    h->header = header;
    h->classify_http = tend_classify_http;
    h->secret = secret;
    h->hmac_sha256 = tend_hmac_sha256;
    h->base64 = tend_base64;
    h->base64_decode = tend_base64_decode;
    h->setting = setting;
    h->is_common_key = is_common_key;
    h->url = url;
}
