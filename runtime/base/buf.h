/* A growable byte buffer: output lines, error text, file contents.
 * Allocation failure aborts: the host cannot do anything useful without
 * memory, and Lua's own allocations are capped separately. */
#ifndef TEND_BUF_H
#define TEND_BUF_H

#include <stddef.h>

typedef struct {
    char *data;
    size_t len, cap;
} tend_buf;

void tend_buf_reserve(tend_buf *b, size_t extra);
void tend_buf_add(tend_buf *b, const void *p, size_t n);
void tend_buf_adds(tend_buf *b, const char *s);
void tend_buf_addc(tend_buf *b, char c);
void tend_buf_printf(tend_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* NUL-terminates without counting the terminator in len. */
const char *tend_buf_cstr(tend_buf *b);
void tend_buf_free(tend_buf *b);

#endif
