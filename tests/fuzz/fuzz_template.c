/* libFuzzer harness: the email template renderer (stdlib/tend/templates.lua,
 * Lua code reached from C as tend deliver and tend eval reach it): each
 * input is a template text, scanned for placeholders and rendered against
 * fixed variables inside a sandboxed state, under the memory cap and a
 * time budget. Errors are expected (unknown or malformed placeholders);
 * a crash, a sanitizer report or a blown budget is a finding. */
#include <lauxlib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua/protect.h"
#include "lua/sandbox.h"

static lua_State *L;

static int setup(lua_State *S) {
    lua_getglobal(S, "require");
    lua_pushliteral(S, "tend.templates");
    lua_call(S, 1, 1);
    lua_setfield(S, LUA_REGISTRYINDEX, "fuzz.templates");
    luaL_dostring(S, "return { account = { name = 'Acme', id = 'acme' }, champion_name = 'Ana', n = 3,"
                     " items = { 'a', 2 }, data = { reason = 'r', nested = { x = 1.5 } } }");
    lua_setfield(S, LUA_REGISTRYINDEX, "fuzz.vars");
    return 0;
}

static int one(lua_State *S) {
    size_t len;
    const char *text = lua_tolstring(S, 1, &len);
    lua_getfield(S, LUA_REGISTRYINDEX, "fuzz.templates");
    lua_getfield(S, -1, "placeholders");
    lua_pushlstring(S, text, len);
    lua_call(S, 1, 0);
    lua_getfield(S, -1, "render");
    lua_pushlstring(S, text, len);
    lua_getfield(S, LUA_REGISTRYINDEX, "fuzz.vars");
    lua_pushliteral(S, "fuzz");
    lua_call(S, 3, 1);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    tend_error err;
    if (!L) {
        tend_sandbox_opts o = {.mem_limit = (size_t)64 << 20, .playbook_dir = NULL, .stdlib_dir = tend_stdlib_dir()};
        L = tend_sandbox_new(&o, &err);
        if (!L || tend_lua_cpcall(L, setup, NULL, &err) != TEND_OK) {
            fprintf(stderr, "fuzz_template: cannot start: %s\n", err.msg);
            abort();
        }
    }
    lua_pushcfunction(L, one);
    lua_pushlstring(L, (const char *)data, size);
    tend_status st = tend_lua_pcall(L, 1, 0, 2000, &err);
    if (st == TEND_ETIMEOUT) {
        fprintf(stderr, "fuzz_template: %s\n", err.msg);
        abort(); /* a template must render in linear-ish time */
    }
    lua_settop(L, 0);
    return 0;
}
