/* A deadline on a plugin's callback, in process. A plugin runs on the
 * delivery thread, so nothing can take a call back from it: a callback
 * that overruns its deadline, crashes, or is still running when a stop was
 * asked for (SIGTERM) and a second has passed, ends the process with one
 * line naming the connector, its plugin, the callback and the outbox row.
 * The row's attempt was counted when it was claimed, so a row that keeps
 * killing its connector is dead-lettered after its schedule (deliver.c:
 * "connector crashed") and the others go through on the next run.
 * Built-in connectors are not guarded. Per thread: the timer signals the
 * thread that armed it (`tend serve` delivers on a thread of its own). */
#ifndef TEND_NOTIFY_GUARD_H
#define TEND_NOTIFY_GUARD_H

#include <signal.h>

typedef struct {
    const char *instance, *origin, *callback;
    long long outbox_id;
    double deadline_s;
    const volatile sig_atomic_t *stop;
} tend_guard_call;

/* Starts guarding the calling thread's plugin calls: 0, or -1 when the
 * timer cannot be made (then calls run unguarded). */
int tend_guard_open(void);
void tend_guard_close(void);

/* Around one plugin callback; *c must live until tend_guard_end. */
void tend_guard_begin(const tend_guard_call *c);
void tend_guard_end(void);

/* The exit status of a process ended by the guard. */
#define TEND_GUARD_EXIT 70

#endif
