/* The delivery loop: claims due outbox rows under a lease, sends them
 * through their connectors — HTTP ones with libcurl multi at bounded
 * concurrency over kept-alive connections, local ones (file) inline —
 * records every attempt in `deliveries`, and moves each row on: sent,
 * retried on its connector's schedule (Retry-After honoured), held when
 * its connector is gone (410), or dead-lettered after the last attempt.
 * One thread, one database connection. A crash anywhere leaves leased rows
 * to be claimed again when their lease runs out; a receiver that dedupes
 * by webhook-id sees each message once. */
#ifndef TEND_NOTIFY_DELIVER_H
#define TEND_NOTIFY_DELIVER_H

#include <libpq-fe.h>
#include <signal.h>

#include "base/status.h"
#include "notify/config.h"
#include "notify/outbox.h"
#include "notify/policy.h"

typedef enum {
    TEND_DELIVER_ONCE,        /* what is due when the run starts (up to `limit` rows) */
    TEND_DELIVER_UNTIL_EMPTY, /* until nothing is due (retries that come due meanwhile included) */
    TEND_DELIVER_DRAIN        /* until no row is pending at all (waits for scheduled retries) */
} tend_deliver_mode;

typedef struct {
    tend_deliver_mode mode;
    int concurrency;  /* requests in flight at most (default 32) */
    double lease_s;   /* lease per claimed row (default: 4 x the longest timeout, at least 60 s) */
    const char *tenant; /* NULL: every tenant */
    long long limit;  /* ONCE: rows at most (0: no limit) */
    const volatile sig_atomic_t *stop; /* 1: finish what is in flight and return; 2: return now */
    tend_send_policy *policy; /* the playbook's send policy, applied to each claimed row; NULL: none */
    const char *now;  /* act as of this ISO time (tests, replays): due rows and the policy's clock; NULL: now */
    /* Called after each attempt (for --verbose and progress); may be NULL. */
    void (*on_attempt)(void *ud, const tend_outbox_row *row, const tend_attempt *a);
    void *ud;
} tend_deliver_opts;

typedef struct {
    long long attempts, sent, retried, dead, held, parked;
    tend_policy_stats policy; /* held for quiet hours, capped, admitted by the send policy */
    long long connections; /* new connections libcurl opened */
    double seconds;
} tend_deliver_stats;

tend_status tend_deliver_run(PGconn *c, tend_notify_config *cfg, const tend_deliver_opts *o, tend_deliver_stats *st,
                             tend_error *err);

/* The longest timeout of cfg's HTTP connectors, in seconds (0: none). */
double tend_deliver_max_timeout(const tend_notify_config *cfg);

/* Copies at most cap-1 bytes of s into out as valid UTF-8 without control
 * characters other than tab and newline (others become '?'); for text
 * stored in the database. */
void tend_text_excerpt(const char *s, size_t len, char *out, size_t cap);

#endif
