/* Retry schedules (see retry.h). */
#include "notify/retry.h"

#include <stdlib.h>
#include <string.h>

void tend_retry_standard(tend_retry_policy *p) {
    static const double standard[] = {0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400};
    memset(p, 0, sizeof *p);
    p->n = (int)(sizeof standard / sizeof standard[0]);
    memcpy(p->delays, standard, sizeof standard);
    p->jitter = 0.1;
}

int tend_retry_parse_duration(const char *s, double *seconds) {
    if (!s || !*s) return -1;
    char *end;
    double v = strtod(s, &end);
    if (end == s || !(v >= 0) || v > 1e9) return -1;
    double mult;
    if (!*end) mult = 1;
    else if (!strcmp(end, "ms")) mult = 0.001;
    else if (!strcmp(end, "s")) mult = 1;
    else if (!strcmp(end, "m")) mult = 60;
    else if (!strcmp(end, "h")) mult = 3600;
    else if (!strcmp(end, "d")) mult = 86400;
    else return -1;
    *seconds = v * mult;
    return 0;
}

double tend_retry_next(const tend_retry_policy *p, int done, double retry_after, double u) {
    if (done < 1 || done >= p->n) return -1;
    double d = p->delays[done];
    d += d * p->jitter * (2 * u - 1);
    if (retry_after > TEND_RETRY_AFTER_CAP) retry_after = TEND_RETRY_AFTER_CAP;
    if (retry_after > d) d = retry_after;
    return d < 0 ? 0 : d;
}
