/* Accounts isolated from each other (DESIGN "Sandbox and limits"): once a
 * playbook has loaded, nothing one account does may change what the next
 * one sees, whichever state or worker evaluates it.
 *
 * The model, decided once after load (tend_isolate_freeze):
 * - the playbook's globals and every table it can reach are frozen in
 *   place: their contents move to a hidden backing table, reads go through
 *   __index, and a write raises "file:line: cannot change ..." naming the
 *   table (same identity, so every reference sees the frozen table);
 * - what cannot be frozen without changing Lua's semantics is restored
 *   after every account instead: the local variables captured by the
 *   playbook's functions (upvalues) and tables used as metatables (Lua
 *   reads metamethods raw, so their fields must stay in place);
 * - coroutines created while loading cannot be resumed afterwards (a
 *   suspended coroutine keeps its locals);
 * - math.random is reseeded from the account's id before each account, so
 *   it is reproducible and independent of the order accounts run in;
 * - playbook modules must be required while loading (a first require
 *   during an evaluation would run module code with that account's state).
 * The stdlib runs in an environment of its own that the playbook cannot
 * reach, so a playbook cannot break the engine for others. */
#ifndef TEND_ISOLATE_H
#define TEND_ISOLATE_H

#include <lua.h>
#include <stddef.h>

/* lua_CFunction, called through a protected call once the playbook has
 * loaded and been validated: freezes what it can reach and records what is
 * restored after each account. */
int tend_isolate_freeze(lua_State *L);

/* lua_CFunction (protected call): puts back what an evaluation changed
 * (captured locals, metatables). */
int tend_isolate_restore(lua_State *L);

/* Before an account: reseeds math.random from the account's id. May raise
 * (call inside the protected evaluation). */
void tend_isolate_begin_account(lua_State *L, const char *id);

/* Whether the state has been frozen (evaluation has begun). */
int tend_isolate_frozen(lua_State *L);

/* Raises if co was created while the playbook loaded and the state is
 * frozen. */
void tend_isolate_check_thread(lua_State *L, lua_State *co);

/* The registry key under which sandbox.c keeps the original
 * math.randomseed. */
#define TEND_ISOLATE_RANDOMSEED "tend.randomseed"

#endif
