/* The flat-record scanner (see flatjson.h). */
#include "data/flatjson.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsontext.h"

static size_t skip_ws(const char *s, size_t len, size_t i) {
    while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) i++;
    return i;
}

/* A string starting at s[i] == '"'; unescaped into scratch. Returns the
 * index after the closing quote, or 0 to decline. */
static size_t scan_string(const char *s, size_t len, size_t i, tend_flat_record *r, const char **out, size_t *olen) {
    size_t start = ++i;
    /* The common case: plain ASCII up to the closing quote, pointed to in place. */
    const char *q = memchr(s + start, '"', len - start);
    if (q) {
        size_t end = (size_t)(q - s);
        unsigned char bad = 0;
        for (size_t k = start; k < end; k++) {
            unsigned char c = (unsigned char)s[k];
            bad |= (unsigned char)((c < 0x20) | (c == '\\') | (c >= 0x80));
        }
        if (!bad) {
            *out = s + start;
            *olen = end - start;
            return end + 1;
        }
    }
    while (i < len && s[i] != '"' && s[i] != '\\' && (unsigned char)s[i] >= 0x20) i++;
    if (i >= len || (unsigned char)s[i] < 0x20) return 0;
    if (s[i] == '"') { /* no escapes, but not all ASCII */
        if (!tend_utf8_valid(s + start, i - start)) return 0;
        *out = s + start;
        *olen = i - start;
        return i + 1;
    }
    char *dst = r->scratch + r->used;
    size_t room = sizeof r->scratch - r->used, n = i - start;
    if (n >= room) return 0;
    memcpy(dst, s + start, n);
    while (i < len && s[i] != '"') {
        char c = s[i];
        if ((unsigned char)c < 0x20) return 0;
        if (c == '\\') {
            if (++i >= len) return 0;
            switch (s[i]) {
            case '"': c = '"'; break;
            case '\\': c = '\\'; break;
            case '/': c = '/'; break;
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            default: return 0; /* \u: jansson handles surrogates properly */
            }
        }
        if (n + 1 >= room) return 0;
        dst[n++] = c;
        i++;
    }
    if (i >= len || !tend_utf8_valid(dst, n)) return 0;
    dst[n] = '\0';
    r->used += n + 1;
    *out = dst;
    *olen = n;
    return i + 1;
}

/* Skips a nested object or array (strings respected). 0 to decline. */
static size_t skip_nested(const char *s, size_t len, size_t i) {
    int depth = 0;
    for (; i < len; i++) {
        char c = s[i];
        if (c == '"') {
            for (i++; i < len && s[i] != '"'; i++)
                if (s[i] == '\\') i++;
            if (i >= len) return 0;
        } else if (c == '{' || c == '[') {
            if (++depth > 32) return 0;
        } else if (c == '}' || c == ']') {
            if (--depth == 0) return i + 1;
        }
    }
    return 0;
}

static size_t scan_number(const char *s, size_t len, size_t i, tend_flat_field *f) {
    size_t start = i;
    int is_int = 1;
    if (i < len && s[i] == '-') i++;
    if (i >= len) return 0;
    if (s[i] == '0') i++;
    else if (s[i] >= '1' && s[i] <= '9') while (i < len && s[i] >= '0' && s[i] <= '9') i++;
    else return 0;
    if (i < len && s[i] == '.') {
        is_int = 0;
        size_t d = ++i;
        while (i < len && s[i] >= '0' && s[i] <= '9') i++;
        if (i == d) return 0;
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        is_int = 0;
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-')) i++;
        size_t d = i;
        while (i < len && s[i] >= '0' && s[i] <= '9') i++;
        if (i == d) return 0;
    }
    char tmp[64];
    size_t n = i - start;
    if (n >= sizeof tmp) return 0;
    memcpy(tmp, s + start, n);
    tmp[n] = '\0';
    if (is_int) {
        errno = 0;
        f->ival = strtoll(tmp, NULL, 10);
        if (errno) return 0; /* out of range: jansson decides */
        f->num = (double)f->ival;
    } else {
        f->num = strtod(tmp, NULL);
    }
    f->is_int = is_int;
    f->type = FLAT_NUMBER;
    f->text = s + start;
    f->len = n;
    return i;
}

static int literal(const char *s, size_t len, size_t i, const char *word) {
    size_t n = strlen(word);
    return i + n <= len && memcmp(s + i, word, n) == 0;
}

int tend_flat_scan(const char *s, size_t len, tend_flat_record *r) {
    r->n = 0;
    r->used = 0;
    size_t i = skip_ws(s, len, 0);
    if (i >= len || s[i] != '{') return -1;
    i = skip_ws(s, len, i + 1);
    if (i < len && s[i] == '}') return skip_ws(s, len, i + 1) == len ? 0 : -1;
    for (;;) {
        if (r->n == TEND_FLAT_MAX || i >= len || s[i] != '"') return -1;
        tend_flat_field *f = &r->f[r->n];
        if (!(i = scan_string(s, len, i, r, &f->key, &f->klen))) return -1;
        for (int k = 0; k < r->n; k++) /* duplicate keys: jansson reports them */
            if (r->f[k].klen == f->klen && memcmp(r->f[k].key, f->key, f->klen) == 0) return -1;
        i = skip_ws(s, len, i);
        if (i >= len || s[i] != ':') return -1;
        i = skip_ws(s, len, i + 1);
        if (i >= len) return -1;
        char c = s[i];
        f->is_int = 0;
        if (c == '"') {
            f->type = FLAT_STRING;
            if (!(i = scan_string(s, len, i, r, &f->text, &f->len))) return -1;
        } else if (c == '{' || c == '[') {
            size_t end = skip_nested(s, len, i);
            if (!end) return -1;
            f->type = c == '{' ? FLAT_OBJECT : FLAT_ARRAY;
            f->text = s + i;
            f->len = end - i;
            i = end;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            if (!(i = scan_number(s, len, i, f))) return -1;
        } else if (literal(s, len, i, "true")) {
            f->type = FLAT_TRUE;
            i += 4;
        } else if (literal(s, len, i, "false")) {
            f->type = FLAT_FALSE;
            i += 5;
        } else if (literal(s, len, i, "null")) {
            f->type = FLAT_NULL;
            i += 4;
        } else {
            return -1;
        }
        r->n++;
        i = skip_ws(s, len, i);
        if (i < len && s[i] == ',') {
            i = skip_ws(s, len, i + 1);
            continue;
        }
        if (i < len && s[i] == '}') return skip_ws(s, len, i + 1) == len ? 0 : -1;
        return -1;
    }
}

const tend_flat_field *tend_flat_get(const tend_flat_record *r, const char *key) {
    size_t n = strlen(key);
    for (int i = 0; i < r->n; i++)
        if (r->f[i].klen == n && memcmp(r->f[i].key, key, n) == 0) return &r->f[i];
    return NULL;
}

int tend_flat_finite(const tend_flat_record *r) {
    for (int i = 0; i < r->n; i++)
        if (r->f[i].type == FLAT_NUMBER && !r->f[i].is_int && !isfinite(r->f[i].num)) return 0;
    return 1;
}
