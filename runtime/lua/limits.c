/* Memory cap (allocator) and time budget (watchdog + signal-armed hook).
 * See limits.h for why the hook is armed only when a deadline passes. */
#define _GNU_SOURCE
#include "lua/limits.h"

#include <lauxlib.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* ---- memory ---------------------------------------------------------- */

typedef struct {
    size_t used, limit;
    int exceeded;
} mem_account;

/* HAProxy's rule: refuse growth only; when ptr is NULL, osize is a type tag,
 * not a size. */
static void *capped_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    mem_account *m = ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        free(ptr);
        m->used -= old;
        return NULL;
    }
    if (nsize > old && m->used - old + nsize > m->limit) {
        m->exceeded = 1;
        return NULL;
    }
    void *p = realloc(ptr, nsize);
    if (p) m->used = m->used - old + nsize;
    return p;
}

static mem_account *account_of(lua_State *L) {
    void *ud = NULL;
    lua_getallocf(L, &ud);
    return ud;
}

static int panic(lua_State *L) {
    /* Only reached by a bug in the host (an unprotected call). */
    const char *msg = lua_tostring(L, -1);
    fprintf(stderr, "tend: unprotected Lua error: %s\n", msg ? msg : "?");
    abort();
}

lua_State *tend_limits_newstate(size_t mem_limit, tend_error *err) {
    mem_account *m = calloc(1, sizeof *m);
    if (!m) {
        tend_fail(err, TEND_EMEMORY, "out of memory creating a Lua state");
        return NULL;
    }
    m->limit = mem_limit;
    lua_State *L = lua_newstate(capped_alloc, m);
    if (!L) {
        free(m);
        tend_fail(err, TEND_EMEMORY, "cannot create a Lua state within %zu bytes", mem_limit);
        return NULL;
    }
    lua_atpanic(L, panic);
    return L;
}

void tend_limits_close(lua_State *L) {
    if (!L) return;
    mem_account *m = account_of(L);
    lua_close(L);
    free(m);
}

size_t tend_limits_mem_used(lua_State *L) { return account_of(L)->used; }
size_t tend_limits_mem_limit(lua_State *L) { return account_of(L)->limit; }

int tend_limits_mem_exceeded(lua_State *L) {
    mem_account *m = account_of(L);
    int e = m->exceeded;
    m->exceeded = 0;
    return e;
}

/* ---- time ------------------------------------------------------------ */

/* One budget per OS thread that runs Lua. The watchdog sees them through a
 * fixed table of slots; a slot belongs to its thread for the thread's life. */
typedef struct {
    _Atomic int64_t deadline_ns; /* 0: no budget running */
    _Atomic int64_t grace_ns;    /* how long past the deadline before giving up */
    atomic_int in_use;
    pthread_t thread;
    volatile sig_atomic_t expired;
    lua_State *volatile current; /* Lua thread running on this OS thread */
} budget;

#define MAX_BUDGETS 256
/* How late a spent budget may be noticed. Each tick wakes a thread, which
 * costs a busy machine a context switch: 10 ms is fine against budgets of
 * 100 ms and more, and 100 wakeups a second go unnoticed. */
#define WATCHDOG_TICK_NS 10000000L
#define BUDGET_SIGNAL SIGUSR2

static budget budgets[MAX_BUDGETS];
static atomic_int budgets_used; /* budgets[0..budgets_used) were ever claimed */
static pthread_once_t watchdog_once = PTHREAD_ONCE_INIT;
static _Thread_local budget *my_budget;
static pthread_key_t budget_key;

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void timeout_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    /* Stays armed: raised again on every instruction, so a playbook's pcall
     * cannot catch it and carry on. Level 0 is the interrupted function. */
    luaL_where(L, 0);
    lua_pushliteral(L, TEND_TIMEOUT_MSG);
    lua_concat(L, 2);
    lua_error(L);
}

static void arm(lua_State *L) { lua_sethook(L, timeout_hook, LUA_MASKCOUNT, 1); }

static void on_budget_signal(int sig) {
    (void)sig;
    budget *b = my_budget;
    if (!b) return;
    int64_t d = atomic_load(&b->deadline_ns);
    if (d == 0 || now_ns() < d) return;
    b->expired = 1;
    lua_State *L = b->current;
    if (L) arm(L);
}

/* Last resort: Lua code the hook cannot reach (a finalizer, a handler run
 * with hooks off) has held the thread far past its budget. The state cannot
 * be unwound from outside, so the process stops with a clear message rather
 * than hang the scheduler that started it. */
static void stuck(budget *b) {
    (void)b;
    static const char msg[] = "tend: a playbook kept running past its time budget where it cannot be "
                              "interrupted (a finalizer or error handler?); stopping\n";
    if (write(STDERR_FILENO, msg, sizeof msg - 1) < 0) { /* nothing more to do */ }
    _exit(3);
}

static void *watchdog(void *arg) {
    (void)arg;
    for (;;) {
        struct timespec tick = {0, WATCHDOG_TICK_NS};
        nanosleep(&tick, NULL);
        int64_t now = now_ns();
        int used = atomic_load(&budgets_used);
        for (int i = 0; i < used; i++) {
            budget *b = &budgets[i];
            if (!atomic_load(&b->in_use)) continue;
            int64_t d = atomic_load(&b->deadline_ns);
            if (d == 0 || now < d) continue;
            if (!b->expired) pthread_kill(b->thread, BUDGET_SIGNAL);
            else if (now - d > atomic_load(&b->grace_ns)) stuck(b);
        }
    }
    return NULL;
}

static void release_budget(void *p) {
    budget *b = p;
    atomic_store(&b->deadline_ns, 0);
    atomic_store(&b->in_use, 0);
}

static void start_watchdog(void) {
    struct sigaction sa = {0};
    sa.sa_handler = on_budget_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(BUDGET_SIGNAL, &sa, NULL);
    pthread_key_create(&budget_key, release_budget);
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &attr, watchdog, NULL) != 0) {
        fprintf(stderr, "tend: cannot start the time-budget watchdog\n");
        abort();
    }
    pthread_attr_destroy(&attr);
}

/* budgets_used = max(budgets_used, n), against other claiming threads. */
static void note_used(int n) {
    int u = atomic_load(&budgets_used);
    while (u < n && !atomic_compare_exchange_weak(&budgets_used, &u, n)) continue;
}

static budget *claim_budget(void) {
    if (my_budget) return my_budget;
    pthread_once(&watchdog_once, start_watchdog);
    for (int i = 0; i < MAX_BUDGETS; i++) {
        int expected = 0;
        if (atomic_compare_exchange_strong(&budgets[i].in_use, &expected, 1)) {
            budgets[i].thread = pthread_self();
            note_used(i + 1);
            my_budget = &budgets[i];
            pthread_setspecific(budget_key, my_budget);
            return my_budget;
        }
    }
    fprintf(stderr, "tend: more than %d threads run Lua at once\n", MAX_BUDGETS);
    abort();
}

void tend_limits_begin(lua_State *L, double ms) {
    budget *b = claim_budget();
    b->current = L;
    b->expired = 0;
    int64_t budget_ns = (int64_t)(ms * 1e6);
    atomic_store(&b->grace_ns, budget_ns > 5000000000LL ? budget_ns : 5000000000LL);
    atomic_store(&b->deadline_ns, now_ns() + budget_ns);
}

int tend_limits_end(lua_State *L) {
    budget *b = claim_budget();
    atomic_store(&b->deadline_ns, 0);
    int expired = b->expired;
    b->expired = 0;
    lua_State *cur = b->current;
    b->current = NULL;
    lua_sethook(L, NULL, 0, 0);
    if (cur && cur != L) lua_sethook(cur, NULL, 0, 0);
    return expired;
}

int tend_limits_expired(void) { return my_budget && my_budget->expired; }

void tend_limits_check(lua_State *L) {
    if (tend_limits_expired()) luaL_error(L, TEND_TIMEOUT_MSG);
}

lua_State *tend_limits_enter_thread(lua_State *co) {
    budget *b = claim_budget();
    lua_State *prev = b->current;
    b->current = co;
    /* A coroutine may still carry a hook from an earlier, expired budget. */
    lua_sethook(co, NULL, 0, 0);
    /* Re-check after clearing: the signal may have come in between. */
    if (b->expired) arm(co);
    return prev;
}

void tend_limits_leave_thread(lua_State *prev) {
    budget *b = claim_budget();
    b->current = prev;
    if (b->expired && prev) arm(prev);
}
