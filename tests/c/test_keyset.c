/* The fingerprint set behind a first load's in-file dedupe (base/keyset.c). */
#include <stdio.h>

#include "base/keyset.h"
#include "check.h"

int main(void) {
    tend_keyset s;
    tend_keyset_init(&s, 300000);
    char key[64];
    int fresh = 0, again = 0;
    /* Keys that differ in one character, across the growth of the table. */
    for (int i = 0; i < 200000; i++) {
        int n = snprintf(key, sizeof key, "acc-%07d\tlogin\t2026-11-20T10:00:00Z\tu%d\t{}", i, i % 7);
        fresh += tend_keyset_add(&s, key, (size_t)n) == 1;
    }
    for (int i = 0; i < 200000; i++) {
        int n = snprintf(key, sizeof key, "acc-%07d\tlogin\t2026-11-20T10:00:00Z\tu%d\t{}", i, i % 7);
        again += tend_keyset_add(&s, key, (size_t)n) == 0;
    }
    CHECK(fresh == 200000);
    CHECK(again == 200000);
    CHECK(s.n == 200000);
    CHECK(s.cap >= 2 * s.n); /* at most half full */
    /* Prefixes and the empty key are keys of their own. */
    CHECK(tend_keyset_add(&s, "", 0) == 1);
    CHECK(tend_keyset_add(&s, "acc-0000001", 11) == 1);
    CHECK(tend_keyset_add(&s, "acc-0000001", 11) == 0);
    tend_keyset_free(&s);

    /* Full: a new key is refused (-1), a known one is still found. */
    tend_keyset_init(&s, 2);
    CHECK(tend_keyset_add(&s, "a", 1) == 1);
    CHECK(tend_keyset_add(&s, "b", 1) == 1);
    CHECK(tend_keyset_add(&s, "c", 1) == -1);
    CHECK(tend_keyset_add(&s, "a", 1) == 0);
    CHECK(s.n == 2);
    tend_keyset_free(&s);
    return check_report();
}
