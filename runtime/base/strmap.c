/* Open-addressing string map with FNV-1a hashing and linear probing. */
#include "base/strmap.h"

#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"

static uint64_t hash(const char *s, size_t len) {
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

static size_t find(const tend_strmap *m, const char *key, size_t len) {
    size_t mask = m->cap - 1, i = (size_t)hash(key, len) & mask;
    while (m->keys[i] && !(strncmp(m->keys[i], key, len) == 0 && m->keys[i][len] == '\0')) i = (i + 1) & mask;
    return i;
}

uint32_t tend_strmap_get(const tend_strmap *m, const char *key, size_t len) {
    if (!m->cap) return UINT32_MAX;
    size_t i = find(m, key, len);
    return m->keys[i] ? m->values[i] : UINT32_MAX;
}

static void grow(tend_strmap *m) {
    tend_strmap n = {0};
    n.cap = m->cap ? m->cap * 2 : 64;
    n.keys = tend_calloc(n.cap, sizeof *n.keys);
    n.values = tend_malloc(n.cap * sizeof *n.values);
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->keys[i]) continue;
        size_t j = find(&n, m->keys[i], strlen(m->keys[i]));
        n.keys[j] = m->keys[i];
        n.values[j] = m->values[i];
    }
    n.count = m->count;
    free(m->keys);
    free(m->values);
    *m = n;
}

uint32_t tend_strmap_intern(tend_strmap *m, const char *key, size_t len, uint32_t value) {
    if ((m->count + 1) * 4 > m->cap * 3) grow(m);
    size_t i = find(m, key, len);
    if (m->keys[i]) return m->values[i];
    char *k = tend_malloc(len + 1);
    memcpy(k, key, len);
    k[len] = '\0';
    m->keys[i] = k;
    m->values[i] = value;
    m->count++;
    return value;
}

void tend_strmap_free(tend_strmap *m) {
    for (size_t i = 0; i < m->cap; i++) free(m->keys[i]);
    free(m->keys);
    free(m->values);
    memset(m, 0, sizeof *m);
}
