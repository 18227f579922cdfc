/* Module tend.host: what the stdlib needs from the host that Lua cannot
 * give a sandboxed script: where a declaration was written, and a log. */
#include <lauxlib.h>
#include <stdio.h>
#include <string.h>

#include "base/isotime.h"
#include "lua/modules.h"

/* where(level) -> "file:line" of the function `level` levels up, so a DSL
 * constructor can record where its declaration stands in the playbook. */
static int l_where(lua_State *L) {
    int level = (int)luaL_optinteger(L, 1, 1);
    lua_Debug ar;
    if (!lua_getstack(L, level, &ar) || !lua_getinfo(L, "Sl", &ar) || ar.currentline < 0) {
        lua_pushliteral(L, "?");
        return 1;
    }
    lua_pushfstring(L, "%s:%d", ar.short_src, ar.currentline);
    return 1;
}

/* log(...) writes one line to stderr; the sandbox's print uses it. */
static int l_log(lua_State *L) {
    int n = lua_gettop(L);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    lua_Debug ar;
    if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "Sl", &ar) && ar.currentline > 0) {
        lua_pushfstring(L, "%s:%d: ", ar.short_src, ar.currentline);
        luaL_addvalue(&b);
    }
    for (int i = 1; i <= n; i++) {
        if (i > 1) luaL_addchar(&b, '\t');
        luaL_tolstring(L, i, NULL);
        luaL_addvalue(&b);
    }
    luaL_addchar(&b, '\n');
    luaL_pushresult(&b);
    fputs(lua_tostring(L, -1), stderr);
    return 0;
}

/* date(epoch) -> "2026-11-22" */
static int l_date(lua_State *L) {
    char out[11];
    tend_date_format((int64_t)luaL_checkinteger(L, 1), out);
    lua_pushstring(L, out);
    return 1;
}

/* isotime(epoch) -> "2026-11-22T02:00:00Z" */
static int l_isotime(lua_State *L) {
    char out[21];
    tend_time_format((int64_t)luaL_checkinteger(L, 1), out);
    lua_pushstring(L, out);
    return 1;
}

/* parse_time("2026-11-22T02:00:00Z") -> epoch, or nil + message */
static int l_parse_time(lua_State *L) {
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    int64_t e;
    if (tend_time_parse(s, len, &e) != 0) {
        lua_pushnil(L);
        lua_pushfstring(L, "'%s' is not an ISO-8601 date or time", s);
        return 2;
    }
    lua_pushinteger(L, e);
    return 1;
}

/* duration("7d") -> seconds, or nil + message */
static int l_duration(lua_State *L) {
    if (lua_type(L, 1) == LUA_TNUMBER) {
        lua_pushinteger(L, (lua_Integer)(lua_tonumber(L, 1) * 86400));
        return 1;
    }
    const char *s = luaL_checkstring(L, 1);
    int64_t secs;
    if (tend_duration_parse(s, &secs) != 0) {
        lua_pushnil(L);
        lua_pushfstring(L, "'%s' is not a duration like '7d', '24h' or '2w'", s);
        return 2;
    }
    lua_pushinteger(L, secs);
    return 1;
}

static const luaL_Reg host_funcs[] = {
    {"where", l_where},
    {"log", l_log},
    {"date", l_date},
    {"isotime", l_isotime},
    {"parse_time", l_parse_time},
    {"duration", l_duration},
    {NULL, NULL},
};

int tend_open_host(lua_State *L) {
    luaL_newlib(L, host_funcs);
    return 1;
}
