/* Protected calls: the message handler, budget and status mapping. */
#include "lua/protect.h"

#include <lauxlib.h>
#include <string.h>

#include "lua/limits.h"

/* lua.c's msghandler: any error value becomes a string with a traceback. */
static int msghandler(lua_State *L) {
    const char *msg = lua_tostring(L, 1);
    if (msg == NULL) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) return 1;
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    /* The message as a Lua string, not C text: it may hold NUL bytes. */
    lua_pushstring(L, "\n");
    luaL_traceback(L, L, NULL, 1);
    lua_concat(L, 3);
    return 1;
}

/* The error message at the top as C text: NUL bytes inside it (error("a\0b"))
 * are written as \0 rather than ending the message there. No Lua
 * allocation: this runs outside any protected call. */
static const char *message_text(lua_State *L, char *buf, size_t cap) {
    size_t len;
    const char *m = lua_tolstring(L, -1, &len);
    if (!m) return "(no message)";
    if (strlen(m) == len) return m;
    size_t o = 0;
    for (size_t i = 0; i < len && o + 3 < cap; i++) {
        if (m[i]) buf[o++] = m[i];
        else buf[o++] = '\\', buf[o++] = '0';
    }
    buf[o] = 0;
    return buf;
}

tend_status tend_lua_pcall(lua_State *L, int nargs, int nresults, double budget_ms, tend_error *err) {
    int base = lua_gettop(L) - nargs;
    lua_pushcfunction(L, msghandler);
    lua_insert(L, base);
    tend_limits_mem_exceeded(L); /* reset */
    if (budget_ms > 0) tend_limits_begin(L, budget_ms);
    int rc = lua_pcall(L, nargs, nresults, base);
    int expired = budget_ms > 0 ? tend_limits_end(L) : 0;
    int mem = tend_limits_mem_exceeded(L);
    tend_status st = TEND_OK;
    if (rc != LUA_OK) {
        char text[TEND_ERROR_MAX];
        const char *m = message_text(L, text, sizeof text);
        if (expired) {
            /* Keep the "file:line: " where the hook struck. */
            const char *tb = strstr(m, "\nstack traceback:");
            const char *at = strstr(m, TEND_TIMEOUT_MSG);
            int where = at && at - m < 512 ? (int)(at - m) : 0;
            st = tend_fail(err, TEND_ETIMEOUT, "%.*stime budget of %.0f ms exceeded%s", where, m, budget_ms,
                           tb ? tb : "");
        } else if (rc == LUA_ERRMEM || (mem && strstr(m, "not enough memory"))) {
            st = tend_fail(err, TEND_EMEMORY, "memory limit of %zu MiB exceeded", tend_limits_mem_limit(L) >> 20);
        } else {
            st = tend_fail(err, TEND_ERUNTIME, "%s", m);
        }
        lua_pop(L, 1);
    }
    lua_remove(L, base);
    return st;
}

tend_status tend_lua_cpcall(lua_State *L, lua_CFunction f, void *ud, tend_error *err) {
    lua_pushcfunction(L, f);
    lua_pushlightuserdata(L, ud);
    return tend_lua_pcall(L, 1, 0, 0, err);
}
