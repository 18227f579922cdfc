/* See keyset.h. MurmurHash3 x64_128 is Austin Appleby's, public domain. */
#include "base/keyset.h"

#include <stdlib.h>
#include <string.h>

static inline uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

static inline uint64_t fmix(uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ULL;
    k ^= k >> 33;
    return k;
}

static inline uint64_t load64(const unsigned char *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static void murmur3_128(const void *key, size_t len, uint64_t out[2]) {
    const unsigned char *data = key;
    const uint64_t c1 = 0x87c37b91114253d5ULL, c2 = 0x4cf5ad432745937fULL;
    uint64_t h1 = 0x9368e53c2f6af274ULL, h2 = 0x586dcd208f7cd3fdULL; /* any fixed seed */
    size_t nblocks = len / 16;
    for (size_t i = 0; i < nblocks; i++) {
        uint64_t k1 = load64(data + i * 16), k2 = load64(data + i * 16 + 8);
        k1 *= c1, k1 = rotl(k1, 31), k1 *= c2, h1 ^= k1;
        h1 = rotl(h1, 27), h1 += h2, h1 = h1 * 5 + 0x52dce729;
        k2 *= c2, k2 = rotl(k2, 33), k2 *= c1, h2 ^= k2;
        h2 = rotl(h2, 31), h2 += h1, h2 = h2 * 5 + 0x38495ab5;
    }
    const unsigned char *tail = data + nblocks * 16;
    uint64_t k1 = 0, k2 = 0;
    switch (len & 15) {
    case 15: k2 ^= (uint64_t)tail[14] << 48; /* fall through */
    case 14: k2 ^= (uint64_t)tail[13] << 40; /* fall through */
    case 13: k2 ^= (uint64_t)tail[12] << 32; /* fall through */
    case 12: k2 ^= (uint64_t)tail[11] << 24; /* fall through */
    case 11: k2 ^= (uint64_t)tail[10] << 16; /* fall through */
    case 10: k2 ^= (uint64_t)tail[9] << 8;   /* fall through */
    case 9:
        k2 ^= (uint64_t)tail[8];
        k2 *= c2, k2 = rotl(k2, 33), k2 *= c1, h2 ^= k2;
        /* fall through */
    case 8: k1 ^= (uint64_t)tail[7] << 56; /* fall through */
    case 7: k1 ^= (uint64_t)tail[6] << 48; /* fall through */
    case 6: k1 ^= (uint64_t)tail[5] << 40; /* fall through */
    case 5: k1 ^= (uint64_t)tail[4] << 32; /* fall through */
    case 4: k1 ^= (uint64_t)tail[3] << 24; /* fall through */
    case 3: k1 ^= (uint64_t)tail[2] << 16; /* fall through */
    case 2: k1 ^= (uint64_t)tail[1] << 8;  /* fall through */
    case 1:
        k1 ^= (uint64_t)tail[0];
        k1 *= c1, k1 = rotl(k1, 31), k1 *= c2, h1 ^= k1;
    }
    h1 ^= (uint64_t)len, h2 ^= (uint64_t)len;
    h1 += h2, h2 += h1;
    h1 = fmix(h1), h2 = fmix(h2);
    h1 += h2, h2 += h1;
    out[0] = h1, out[1] = h2;
}

void tend_keyset_init(tend_keyset *s, size_t max) { *s = (tend_keyset){.max = max}; }

void tend_keyset_free(tend_keyset *s) {
    free(s->slot);
    *s = (tend_keyset){.max = s->max};
}

static void put(uint64_t (*slot)[2], size_t cap, const uint64_t h[2]) {
    size_t i = (size_t)h[0] & (cap - 1);
    while (slot[i][0] | slot[i][1]) i = (i + 1) & (cap - 1);
    slot[i][0] = h[0], slot[i][1] = h[1];
}

/* Doubles the table (kept at most half full, so probes stay short). */
static int grow(tend_keyset *s) {
    size_t cap = s->cap ? s->cap * 2 : 1024;
    uint64_t(*slot)[2] = calloc(cap, sizeof *slot);
    if (!slot) return -1;
    for (size_t i = 0; i < s->cap; i++)
        if (s->slot[i][0] | s->slot[i][1]) put(slot, cap, s->slot[i]);
    free(s->slot);
    s->slot = slot;
    s->cap = cap;
    return 0;
}

int tend_keyset_add(tend_keyset *s, const void *key, size_t len) {
    uint64_t h[2];
    murmur3_128(key, len, h);
    if (!(h[0] | h[1])) h[1] = 1; /* {0, 0} marks an empty slot */
    if (s->cap) {
        for (size_t i = (size_t)h[0] & (s->cap - 1); s->slot[i][0] | s->slot[i][1]; i = (i + 1) & (s->cap - 1))
            if (s->slot[i][0] == h[0] && s->slot[i][1] == h[1]) return 0;
    }
    if (s->n >= s->max) return -1;
    if (2 * (s->n + 1) > s->cap && grow(s) != 0) return -1;
    put(s->slot, s->cap, h);
    s->n++;
    return 1;
}
