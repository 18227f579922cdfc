/* When to try again. A connector's schedule lists the delay before each
 * attempt of a round; the default is the Standard Webhooks schedule:
 * immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h — ten
 * attempts over about three days. Each delay gets +-jitter (default 10%),
 * a Retry-After answer is honoured (never waiting less than it asks, up to
 * a day), and after the round's last attempt the row is dead-lettered.
 * `tend outbox retry` starts a new round. */
#ifndef TEND_NOTIFY_RETRY_H
#define TEND_NOTIFY_RETRY_H

#define TEND_RETRY_MAX 64
#define TEND_RETRY_AFTER_CAP 86400.0

typedef struct {
    double delays[TEND_RETRY_MAX]; /* seconds before attempt i+1; delays[0] is the first (0: at once) */
    int n;                         /* attempts in a round */
    double jitter;                 /* fraction of each delay, 0..1 */
} tend_retry_policy;

/* The Standard Webhooks schedule, 10% jitter. */
void tend_retry_standard(tend_retry_policy *p);

/* "0", "250ms", "5s", "5m", "2h", "1d", or a bare number of seconds.
 * Returns 0, or -1 if it is not a duration. */
int tend_retry_parse_duration(const char *s, double *seconds);

/* After attempt `done` (1-based, counted within the round) failed: the
 * seconds to wait before the next, or -1 when it was the last. u is a
 * uniform random number in [0, 1) for the jitter; retry_after < 0: none. */
double tend_retry_next(const tend_retry_policy *p, int done, double retry_after, double u);

#endif
