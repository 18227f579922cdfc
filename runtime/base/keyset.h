/* A set of keys remembered by a 128-bit fingerprint (MurmurHash3 x64_128),
 * for finding repeated records in one input without keeping the records.
 * Two different keys share a fingerprint with probability about n²/2¹²⁹
 * (10⁻²⁶ for a million keys). The set holds at most `max` keys, so its
 * memory is bounded: 32 bytes per key at most. */
#ifndef TEND_KEYSET_H
#define TEND_KEYSET_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t (*slot)[2]; /* {0, 0}: empty */
    size_t cap, n, max;
} tend_keyset;

void tend_keyset_init(tend_keyset *s, size_t max);
/* 1: the key is new (now remembered); 0: seen before; -1: the set is full
 * (or out of memory) and the key was not remembered. */
int tend_keyset_add(tend_keyset *s, const void *key, size_t len);
void tend_keyset_free(tend_keyset *s);

#endif
