/* The JSON bridge: round trips, determinism, integers, null, UTF-8, limits. */
#include <lauxlib.h>
#include <lualib.h>

#include "check.h"
#include "lua/json.h"
#include "lua/limits.h"
#include "lua/protect.h"

static lua_State *L;

/* Runs Lua code with the json module as `json`; returns its string result. */
static const char *run(const char *code) {
    static char out[TEND_ERROR_MAX + 16];
    lua_settop(L, 0);
    if (luaL_loadstring(L, code) != LUA_OK) return lua_tostring(L, -1);
    tend_error err;
    if (tend_lua_pcall(L, 0, 1, 1000, &err) != TEND_OK) {
        snprintf(out, sizeof out, "ERROR: %s", err.msg);
        char *nl = strchr(out, '\n');
        if (nl) *nl = 0;
        return out;
    }
    snprintf(out, sizeof out, "%s", lua_tostring(L, -1) ? lua_tostring(L, -1) : "(not a string)");
    return out;
}

static int starts_with(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

int main(void) {
    tend_error err;
    L = tend_limits_newstate(64 << 20, &err);
    luaL_openlibs(L);
    tend_open_json(L);
    lua_setglobal(L, "json");

    /* Key order is byte order; integers stay integers; floats shortest. */
    CHECK_STR(run("return json.encode({b=1, a=2, c={z=true, y=false}})"), "{\"a\":2,\"b\":1,\"c\":{\"y\":false,\"z\":true}}");
    CHECK_STR(run("return json.encode({8.3, 1/3, 2^53, 3.0, -0.5, 1e300})"),
              "[8.3,0.3333333333333333,9007199254740992.0,3.0,-0.5,1e+300]");
    CHECK_STR(run("return json.encode({math.maxinteger, math.mininteger})"),
              "[9223372036854775807,-9223372036854775808]");
    /* Round trip through decode keeps types and order. */
    CHECK_STR(run("return json.encode(json.decode('{\"x\":[1,2.5,\"s\",null,true],\"e\":{},\"a\":[]}'))"),
              "{\"a\":[],\"e\":{},\"x\":[1,2.5,\"s\",null,true]}");
    CHECK_STR(run("return math.type(json.decode('[12]')[1]) .. ' ' .. math.type(json.decode('[12.0]')[1])"),
              "integer float");
    CHECK_STR(run("return tostring(json.decode('null') == json.null)"), "true");
    /* __jsonorder puts listed keys first. */
    CHECK_STR(run("return json.encode(setmetatable({b=1, a=2, z=3}, {__jsonorder={'z','b'}}))"),
              "{\"z\":3,\"b\":1,\"a\":2}");
    CHECK_STR(run("return json.encode(json.object())"), "{}");
    /* Escapes and UTF-8. */
    CHECK_STR(run("return json.encode('a\"b\\\\c\\n\\1\\u{e9}')"), "\"a\\\"b\\\\c\\n\\u0001\xc3\xa9\"");
    CHECK(starts_with(run("return json.encode('\\xff')"), "ERROR: cannot encode value as JSON: invalid UTF-8"));
    CHECK(starts_with(run("local _, e = json.decode('\"\\xff\"') return e"), "invalid JSON"));
    /* Values JSON cannot hold: a clear error naming the path. */
    CHECK(starts_with(run("return json.encode({a={b={0/0}}})"), "ERROR: cannot encode value.a.b[1] as JSON: NaN"));
    CHECK(starts_with(run("return json.encode({f=print})"), "ERROR: cannot encode value.f as JSON: a function"));
    CHECK(starts_with(run("local t = {} t.self = t return json.encode(t)"), "ERROR: cannot encode value.self.self"));
    CHECK(starts_with(run("return json.encode({[1]=1, x=2})"), "ERROR: cannot encode value as JSON: a table mixes"));
    CHECK(starts_with(run("return json.encode({[1]=1, [3]=3})"), "ERROR: cannot encode value as JSON: a table mixes"));
    /* Depth limit on decode. */
    CHECK(starts_with(run("return json.decode(string.rep('[', 100) .. string.rep(']', 100))"),
                      "ERROR: JSON nested deeper than 64 levels"));
    /* A hostile __index is never consulted: encoding reads raw. */
    CHECK_STR(run("return json.encode(setmetatable({a=1}, {__index=function() error('boom') end, __pairs=function() error('boom') end}))"),
              "{\"a\":1}");
    /* Invalid JSON gives nil and a message, not an error. */
    CHECK(starts_with(run("local v, e = json.decode('{\"a\":') return tostring(v) .. ' | ' .. e"),
                      "nil | invalid JSON at line 1, column 5: "));
    tend_limits_close(L);
    return check_report();
}
