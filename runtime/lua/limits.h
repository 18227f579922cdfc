/* Resource limits for a sandboxed lua_State: a memory cap enforced by the
 * allocator, and a time budget enforced by a watchdog.
 *
 * The time budget costs nothing on the normal path: no count hook is set
 * while a deadline is in the future (any LUA_MASKCOUNT hook makes pure Lua
 * about 2x slower). One watchdog thread per process polls the deadlines;
 * when one passes it signals the worker thread, whose handler arms a count
 * hook on the Lua thread running there (lua_sethook is signal-safe). The
 * hook then raises on every instruction until the host disarms it, so a
 * playbook's own pcall cannot swallow the timeout. Coroutines are covered
 * because the sandbox's coroutine.resume/wrap record the running thread. */
#ifndef TEND_LIMITS_H
#define TEND_LIMITS_H

#include <lua.h>
#include <stddef.h>

#include "base/status.h"

typedef struct tend_limits tend_limits;

/* Creates a state whose allocations are capped at mem_limit bytes.
 * Returns NULL (and fills err) if the state cannot be created. */
lua_State *tend_limits_newstate(size_t mem_limit, tend_error *err);
/* Frees the state created above (full GC happens in lua_close). */
void tend_limits_close(lua_State *L);

/* Memory in use by the state, and whether its cap was hit since reset. */
size_t tend_limits_mem_used(lua_State *L);
size_t tend_limits_mem_limit(lua_State *L);
int tend_limits_mem_exceeded(lua_State *L);

/* Starts a budget of `ms` milliseconds for the calling OS thread, which is
 * about to run L. Pair with tend_limits_end. */
void tend_limits_begin(lua_State *L, double ms);
/* Ends the budget, disarms any hook; returns 1 if the deadline had passed. */
int tend_limits_end(lua_State *L);

/* Whether the budget of the current OS thread has run out. Cheap (reads a
 * thread-local flag); long-running C code called from Lua (the pattern
 * matcher) polls it. */
int tend_limits_expired(void);
/* Raises the timeout error if the budget has run out. May longjmp. */
void tend_limits_check(lua_State *L);

/* The Lua thread now running on this OS thread (main state or coroutine):
 * the sandbox's coroutine.resume swaps it so the watchdog's hook lands on
 * the thread that is actually executing. Returns the previous one. */
lua_State *tend_limits_enter_thread(lua_State *co);
void tend_limits_leave_thread(lua_State *prev);

/* The message raised when the budget runs out; the host recognises it. */
#define TEND_TIMEOUT_MSG "evaluation time budget exceeded"

#endif
