/* Allocation that aborts instead of returning NULL (see alloc.h). */
#include "base/alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void *tend_alloc_check(void *p) {
    if (!p) abort();
    return p;
}

void *tend_malloc(size_t n) { return tend_alloc_check(malloc(n ? n : 1)); }

void *tend_calloc(size_t n, size_t size) { return tend_alloc_check(calloc(n ? n : 1, size ? size : 1)); }

void *tend_realloc(void *p, size_t n) { return tend_alloc_check(realloc(p, n ? n : 1)); }

void *tend_grow(void *p, size_t *cap, size_t need, size_t size) {
    if (need <= *cap) return p;
    size_t c = *cap ? *cap : 8;
    while (c < need) c *= 2;
    if (size && c > SIZE_MAX / size) abort();
    p = tend_realloc(p, c * size);
    *cap = c;
    return p;
}

char *tend_strdup(const char *s) {
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    return memcpy(tend_malloc(n), s, n);
}
