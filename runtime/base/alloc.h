/* Allocation that cannot fail: without memory the host has nothing useful
 * to do (tend_buf has always aborted), so these abort instead of returning
 * NULL, and callers write no out-of-memory checks of their own. The Lua
 * states' memory cap is separate (lua/limits.c): a playbook over its cap
 * gets an error, never an abort. */
#ifndef TEND_ALLOC_H
#define TEND_ALLOC_H

#include <stddef.h>

void *tend_malloc(size_t n);
/* Zeroed; n * size is checked for overflow. */
void *tend_calloc(size_t n, size_t size);
void *tend_realloc(void *p, size_t n);
/* Grows an array of *cap elements of size to hold at least need (doubling). */
void *tend_grow(void *p, size_t *cap, size_t need, size_t size);
/* NULL stays NULL. */
char *tend_strdup(const char *s);
/* p itself, for what another library allocated (json_dumps): aborts on NULL. */
void *tend_alloc_check(void *p);

#endif
