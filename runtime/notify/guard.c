/* Deadlines on plugin callbacks (see guard.h). The state a signal handler
 * reads is per thread and set only by that thread, around its own calls. */
#define _GNU_SOURCE
#include "notify/guard.h"

#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

#define TICK_NS 100000000L /* the timer checks ten times a second */
#define STOP_GRACE 1.0     /* a stopped run waits this long for a callback */

static _Thread_local timer_t tick;
static _Thread_local int ticking;
static _Thread_local const tend_guard_call *volatile current;
static _Thread_local volatile double began;

static const int crash_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
#define NCRASH (sizeof crash_signals / sizeof crash_signals[0])
static struct sigaction before[NCRASH]; /* process-wide dispositions, as found */
static volatile sig_atomic_t installed;  /* threads guarding now */

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* snprintf is not async-signal-safe: the line is built by hand. */
typedef struct {
    char b[512];
    size_t n;
} line;

static void put(line *l, const char *s) {
    while (s && *s && l->n + 1 < sizeof l->b) l->b[l->n++] = *s++;
}

static void put_num(line *l, long long v) {
    char d[24];
    int k = 0;
    if (v < 0) put(l, "-"), v = -v;
    do d[k++] = (char)('0' + v % 10), v /= 10;
    while (v && k < 23);
    while (k && l->n + 1 < sizeof l->b) l->b[l->n++] = d[--k];
}

static void say(const tend_guard_call *c, const char *what, long long detail) {
    line l = {.n = 0};
    put(&l, "tend: connector '");
    put(&l, c->instance);
    put(&l, "' (");
    put(&l, c->origin);
    put(&l, "): ");
    put(&l, c->callback);
    put(&l, "() ");
    put(&l, what);
    if (detail >= 0) put_num(&l, detail);
    put(&l, " on outbox row ");
    put_num(&l, c->outbox_id);
    put(&l, "; ending the process (the attempt counts against the row)\n");
    ssize_t w = write(2, l.b, l.n);
    (void)w;
}

static void on_tick(int sig) {
    (void)sig;
    const tend_guard_call *c = current;
    if (!c) return;
    double ran = now_s() - began;
    if (ran > c->deadline_s) {
        say(c, "did not return within its deadline (s): ", (long long)(c->deadline_s + 0.5));
        _exit(TEND_GUARD_EXIT);
    }
    if (c->stop && *c->stop && ran > STOP_GRACE) {
        say(c, "was still running when the run was stopped", -1);
        _exit(TEND_GUARD_EXIT);
    }
}

static void on_crash(int sig) {
    const tend_guard_call *c = current;
    if (c) say(c, "crashed with signal ", sig);
    for (size_t i = 0; i < NCRASH; i++)
        if (crash_signals[i] == sig) sigaction(sig, &before[i], NULL);
    if (c) _exit(TEND_GUARD_EXIT);
    raise(sig); /* not a plugin's: as it would have been without the guard */
}

static int tick_signal(void) { return SIGRTMIN + 2; }

int tend_guard_open(void) {
    if (ticking) return 0;
    struct sigaction sa = {.sa_handler = on_tick, .sa_flags = SA_RESTART};
    sigemptyset(&sa.sa_mask);
    if (sigaction(tick_signal(), &sa, NULL) != 0) return -1;
    struct sigevent ev;
    memset(&ev, 0, sizeof ev);
    ev.sigev_notify = SIGEV_THREAD_ID;
    ev.sigev_signo = tick_signal();
    ev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
    if (timer_create(CLOCK_MONOTONIC, &ev, &tick) != 0) return -1;
    ticking = 1;
    if (installed++ == 0) {
        struct sigaction cr = {.sa_handler = on_crash, .sa_flags = SA_ONSTACK};
        sigemptyset(&cr.sa_mask);
        for (size_t i = 0; i < NCRASH; i++) sigaction(crash_signals[i], &cr, &before[i]);
    }
    return 0;
}

void tend_guard_close(void) {
    if (!ticking) return;
    timer_delete(tick);
    ticking = 0;
    current = NULL;
    if (--installed == 0)
        for (size_t i = 0; i < NCRASH; i++) sigaction(crash_signals[i], &before[i], NULL);
}

void tend_guard_begin(const tend_guard_call *c) {
    if (!ticking) return;
    began = now_s();
    current = c;
    struct itimerspec it = {.it_interval = {0, TICK_NS}, .it_value = {0, TICK_NS}};
    timer_settime(tick, 0, &it, NULL);
}

void tend_guard_end(void) {
    if (!ticking) return;
    current = NULL;
    struct itimerspec off = {{0, 0}, {0, 0}};
    timer_settime(tick, 0, &off, NULL);
}
