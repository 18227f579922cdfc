/* Tokens and tenants (see auth.h), and TEND_ENDPOINT_TOKENS's syntax. */
#include "endpoint/auth.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Shorter tokens are guessable; 16 characters of base64 are 96 bits. */
#define MIN_TOKEN 16

typedef struct {
    char *tenant;
    unsigned char digest[SHA256_DIGEST_LENGTH];
} entry;

struct tend_auth {
    entry *e;
    size_t n;
};

static char *dupn(const char *s, size_t n) {
    char *d = strndup(s, n);
    if (!d) abort();
    return d;
}

void tend_endpoint_tokens_free(tend_endpoint_token *t, size_t n) {
    for (size_t i = 0; i < n; i++) {
        free(t[i].tenant);
        if (t[i].token) OPENSSL_cleanse(t[i].token, strlen(t[i].token));
        free(t[i].token);
    }
    free(t);
}

tend_status tend_endpoint_tokens_parse(const char *value, tend_endpoint_token **out, size_t *n, tend_error *err) {
    static const char sep[] = " ,\t\r\n";
    tend_endpoint_token *t = NULL;
    size_t count = 0;
    tend_status st = TEND_OK;
    const char *p = value ? value : "";
    for (int pair = 1; *(p += strspn(p, sep)); pair++) {
        size_t len = strcspn(p, sep);
        const char *colon = memchr(p, ':', len);
        if (!colon || colon == p || colon + 1 == p + len) {
            st = tend_fail(err, TEND_EUSAGE, "TEND_ENDPOINT_TOKENS: pair %d: expected tenant:token", pair);
            break;
        }
        size_t tlen = (size_t)(colon - p), klen = len - tlen - 1;
        if (klen < MIN_TOKEN) {
            st = tend_fail(err, TEND_EUSAGE, "TEND_ENDPOINT_TOKENS: the token of tenant '%.*s' is shorter than %d characters",
                           (int)tlen, p, MIN_TOKEN);
            break;
        }
        for (size_t i = 0; i < count; i++)
            if (strlen(t[i].tenant) == tlen && !memcmp(t[i].tenant, p, tlen))
                st = tend_fail(err, TEND_EUSAGE, "TEND_ENDPOINT_TOKENS: tenant '%.*s' twice", (int)tlen, p);
        if (st != TEND_OK) break;
        t = realloc(t, (count + 1) * sizeof *t);
        if (!t) abort();
        t[count].tenant = dupn(p, tlen);
        t[count].token = dupn(colon + 1, klen);
        count++;
        p += len;
    }
    if (st != TEND_OK) {
        tend_endpoint_tokens_free(t, count);
        t = NULL, count = 0;
    }
    *out = t;
    *n = count;
    return st;
}

tend_auth *tend_auth_new(const tend_endpoint_token *tokens, size_t n) {
    tend_auth *a = calloc(1, sizeof *a);
    if (!a) abort();
    a->e = calloc(n ? n : 1, sizeof *a->e);
    if (!a->e) abort();
    for (size_t i = 0; i < n; i++) {
        a->e[i].tenant = dupn(tokens[i].tenant, strlen(tokens[i].tenant));
        SHA256((const unsigned char *)tokens[i].token, strlen(tokens[i].token), a->e[i].digest);
    }
    a->n = n;
    return a;
}

void tend_auth_free(tend_auth *a) {
    if (!a) return;
    for (size_t i = 0; i < a->n; i++) free(a->e[i].tenant);
    free(a->e);
    free(a);
}

const char *tend_auth_tenant(const tend_auth *a, const char *authorization) {
    if (!authorization || strncasecmp(authorization, "Bearer ", 7) != 0) return NULL;
    const char *token = authorization + 7;
    while (*token == ' ') token++;
    unsigned char d[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)token, strlen(token), d);
    const char *tenant = NULL;
    for (size_t i = 0; i < a->n; i++) {
        /* No early exit: every digest is compared. */
        int same = CRYPTO_memcmp(d, a->e[i].digest, sizeof d) == 0;
        if (same) tenant = a->e[i].tenant;
    }
    return *token ? tenant : NULL;
}
