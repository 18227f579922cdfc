/* Module tend.cron: the host's cron parser and time zones, so the DSL
 * validates `schedule { cron, timezone }` with the code the scheduler runs
 * (base/cron.h), and specs can ask when a schedule comes next. */
#include <lauxlib.h>

#include "base/cron.h"
#include "lua/modules.h"

/* true, or nil + the message of a failed status (STYLE 6: what a playbook
 * got wrong is an answer, not an error). */
static int answer(lua_State *L, tend_status st, const tend_error *err) {
    if (st) {
        lua_pushnil(L);
        lua_pushstring(L, err->msg);
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* check(expr) -> true, or nil + "cron \"…\": hour: 25 is out of range 0-23 (…)" */
static int l_check(lua_State *L) {
    const char *expr = luaL_checkstring(L, 1);
    tend_cron *c = NULL;
    tend_error err = {0};
    tend_status st = tend_cron_parse(expr, &c, &err);
    tend_cron_free(c); /* before anything that can raise */
    return answer(L, st, &err);
}

/* check_zone(name) -> true, or nil + "time zone 'X': unknown (…)" */
static int l_check_zone(lua_State *L) {
    const char *name = luaL_checkstring(L, 1);
    tend_zone *z = NULL;
    tend_error err = {0};
    tend_status st = tend_zone_load(name, &z, &err);
    tend_zone_free(z);
    return answer(L, st, &err);
}

/* next(expr, zone, after) -> the first occurrence after `after` (epoch
 * seconds) and its local ISO-8601 text, or nil + message */
static int l_next(lua_State *L) {
    const char *expr = luaL_checkstring(L, 1);
    const char *zone = luaL_optstring(L, 2, "UTC");
    lua_Integer after = luaL_checkinteger(L, 3);
    tend_cron *c = NULL;
    tend_zone *z = NULL;
    tend_error err = {0};
    int64_t next = 0;
    char text[TEND_ZONE_TIME_MAX] = "";
    tend_status st = tend_cron_parse(expr, &c, &err);
    if (!st) st = tend_zone_load(zone, &z, &err);
    if (!st) st = tend_cron_next(c, z, (int64_t)after, &next, &err);
    if (!st) tend_zone_format(z, next, text);
    tend_cron_free(c);
    tend_zone_free(z);
    if (st) return answer(L, st, &err);
    lua_pushinteger(L, (lua_Integer)next);
    lua_pushstring(L, text);
    return 2;
}

static const luaL_Reg cron_funcs[] = {
    {"check", l_check},
    {"check_zone", l_check_zone},
    {"next", l_next},
    {NULL, NULL},
};

int tend_open_cron(lua_State *L) {
    luaL_newlib(L, cron_funcs);
    return 1;
}
