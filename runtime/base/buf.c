/* Growable byte buffer. */
#include "base/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"

void tend_buf_reserve(tend_buf *b, size_t extra) {
    if (b->len + extra + 1 <= b->cap) return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1) cap *= 2;
    char *p = tend_realloc(b->data, cap);
    b->data = p;
    b->cap = cap;
}

void tend_buf_add(tend_buf *b, const void *p, size_t n) {
    tend_buf_reserve(b, n);
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

void tend_buf_adds(tend_buf *b, const char *s) { tend_buf_add(b, s, strlen(s)); }

void tend_buf_addc(tend_buf *b, char c) {
    tend_buf_reserve(b, 1);
    b->data[b->len++] = c;
}

void tend_buf_printf(tend_buf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    tend_buf_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

const char *tend_buf_cstr(tend_buf *b) {
    tend_buf_reserve(b, 0);
    b->data[b->len] = '\0';
    return b->data;
}

void tend_buf_free(tend_buf *b) {
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
