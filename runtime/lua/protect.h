/* The one way into Lua: a protected call under the time budget, with a
 * traceback message handler, and Lua's status codes mapped to tend_status. */
#ifndef TEND_PROTECT_H
#define TEND_PROTECT_H

#include <lua.h>

#include "base/status.h"

/* Calls the function below nargs arguments, like lua_pcall, with a budget of
 * budget_ms milliseconds (<= 0: none). On failure pops the error, fills err
 * with "message\ntraceback" and returns TEND_ERUNTIME, TEND_ETIMEOUT or
 * TEND_EMEMORY; the stack then holds what it held below the function. */
tend_status tend_lua_pcall(lua_State *L, int nargs, int nresults, double budget_ms, tend_error *err);

/* Runs a C function in protected mode (so converters may raise). */
tend_status tend_lua_cpcall(lua_State *L, lua_CFunction f, void *ud, tend_error *err);

#endif
