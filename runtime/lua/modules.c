/* The single list of host modules (STYLE: one list, like linit.c). */
#include "lua/modules.h"

#include <lauxlib.h>

static const luaL_Reg host_modules[] = {
    {"tend.host", tend_open_host},
    {"tend.json", tend_open_json},
    {"tend.timeline", tend_open_timeline},
    {"tend.cron", tend_open_cron},
    {NULL, NULL},
};

void tend_register_modules(lua_State *L, int idx) {
    idx = lua_absindex(L, idx);
    for (const luaL_Reg *m = host_modules; m->name; m++) {
        lua_pushcfunction(L, m->func);
        lua_setfield(L, idx, m->name);
    }
}
