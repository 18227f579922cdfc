/* libFuzzer harness: ISO-8601 times and durations (base/isotime.c). A
 * time that parses and lies in years 0001-9999 must come back from its
 * formatted text unchanged, to the second. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/isotime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *s = malloc(size + 1);
    if (!s) return 0;
    memcpy(s, data, size);
    s[size] = 0;
    int64_t t, back, seconds;
    if (tend_time_parse(s, size, &t) == 0) {
        const int64_t lo = tend_days_from_civil(1, 1, 1) * 86400, hi = tend_days_from_civil(10000, 1, 1) * 86400;
        if (t >= lo && t < hi) {
            char text[21], day[11];
            tend_time_format(t, text);
            if (tend_time_parse(text, strlen(text), &back) != 0 || back != t) __builtin_trap();
            tend_date_format(t, day);
            if (tend_time_parse(day, strlen(day), &back) != 0 || back != t - (t % 86400 + 86400) % 86400)
                __builtin_trap();
        }
    }
    (void)tend_duration_parse(s, &seconds);
    free(s);
    return 0;
}
