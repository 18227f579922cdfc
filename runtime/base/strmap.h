/* A string -> uint32 hash map (open addressing) for interning account ids,
 * event types and metric names. Keys are copied into the map. */
#ifndef TEND_STRMAP_H
#define TEND_STRMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    char **keys;
    uint32_t *values;
    size_t cap, count;
} tend_strmap;

/* Returns the value for key, or UINT32_MAX if absent. */
uint32_t tend_strmap_get(const tend_strmap *m, const char *key, size_t len);
/* Returns the existing value, or inserts `value` and returns it. */
uint32_t tend_strmap_intern(tend_strmap *m, const char *key, size_t len, uint32_t value);
void tend_strmap_free(tend_strmap *m);

#endif
