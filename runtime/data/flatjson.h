/* A fast path for the flat JSON objects events and metrics arrive as: one
 * pass over the line, no allocation. Anything unusual (\u escapes,
 * duplicate keys, invalid syntax, more than TEND_FLAT_MAX fields) makes it
 * decline, and the caller takes the full jansson path, which also produces
 * the error message. Measured: jansson spent ~25,000 instructions on a
 * 130-byte event line, mostly building and freeing its hashtable. */
#ifndef TEND_FLATJSON_H
#define TEND_FLATJSON_H

#include <stddef.h>

#define TEND_FLAT_MAX 32

typedef enum { FLAT_STRING, FLAT_NUMBER, FLAT_TRUE, FLAT_FALSE, FLAT_NULL, FLAT_OBJECT, FLAT_ARRAY } tend_flat_type;

typedef struct {
    const char *key;
    size_t klen;
    tend_flat_type type;
    const char *text; /* strings: unescaped (in the record's scratch); others: the raw span */
    size_t len;
    double num;
    long long ival;
    int is_int;
} tend_flat_field;

typedef struct {
    tend_flat_field f[TEND_FLAT_MAX];
    int n;
    char scratch[4096]; /* unescaped strings */
    size_t used;
} tend_flat_record;

/* Scans s[0..len) as one JSON object with scalar values (nested objects and
 * arrays are returned as raw spans, unvalidated). Returns 0 on success, -1
 * to decline. */
int tend_flat_scan(const char *s, size_t len, tend_flat_record *out);

/* Whether every number of r is finite: the scanner reads 1e400 as inf,
 * where jansson refuses the line, so fast paths decline such records. */
int tend_flat_finite(const tend_flat_record *r);

/* The field named key, or NULL. */
const tend_flat_field *tend_flat_get(const tend_flat_record *r, const char *key);

#endif
