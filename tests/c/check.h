/* A minimal test harness for the C unit tests: CHECK records a failure with
 * its line and goes on; check_report prints "N passed, M failed". */
#ifndef TEND_CHECK_H
#define TEND_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (cond) check_passed++;                                                \
        else {                                                                   \
            check_failed++;                                                      \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                        \
    } while (0)

#define CHECK_STR(got, want)                                                            \
    do {                                                                                \
        const char *g_ = (got), *w_ = (want);                                           \
        if (g_ && strcmp(g_, w_) == 0) check_passed++;                                  \
        else {                                                                          \
            check_failed++;                                                             \
            fprintf(stderr, "%s:%d: got %s\n  want %s\n", __FILE__, __LINE__, g_ ? g_ : "(null)", w_); \
        }                                                                               \
    } while (0)

/* CHECK with the reason in words: the arguments after cond are a printf
 * format and its values, printed (after file:line) when cond is false. */
#define CHECK_WHY(cond, ...)                                   \
    do {                                                       \
        if (cond) check_passed++;                              \
        else {                                                 \
            check_failed++;                                    \
            fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);    \
            fprintf(stderr, __VA_ARGS__);                      \
        }                                                      \
    } while (0)

static int check_report(void) {
    printf("%d passed, %d failed\n", check_passed, check_failed);
    return check_failed ? 1 : 0;
}

#endif
