/* The host modules exposed to Lua, registered from one list (like linit.c).
 * Each module lives in its own file with one luaL_Reg and one opener. */
#ifndef TEND_MODULES_H
#define TEND_MODULES_H

#include <lua.h>

int tend_open_host(lua_State *L);     /* tend.host: where, log    (host.c) */
int tend_open_json(lua_State *L);     /* tend.json                (json.c) */
int tend_open_timeline(lua_State *L); /* tend.timeline            (timeline.c) */
int tend_open_cron(lua_State *L);     /* tend.cron: check, next   (cron.c) */

/* Fills the table at idx with name -> opener for every host module. */
void tend_register_modules(lua_State *L, int idx);

#endif
