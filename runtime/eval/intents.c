/* Reading stdlib/tend/intents.lua into C, in a sandbox of its own. */
#include "eval/intents.h"

#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "lua/protect.h"
#include "lua/sandbox.h"

/* Enough for the declaration; it runs stdlib code only. */
#define INTENTS_MEM_LIMIT ((size_t)8 << 20)
#define INTENTS_BUDGET_MS 10000.0

static char *field(lua_State *L, int idx, const char *key) {
    char *s = NULL;
    if (lua_getfield(L, idx, key) == LUA_TSTRING) s = tend_strdup(lua_tostring(L, -1));
    lua_pop(L, 1);
    return s;
}

/* Copies the declaration's list (require("tend.intents").declaration()) into out. */
static int copy_list(lua_State *L) {
    tend_intents *out = lua_touserdata(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_getfield(L, 2, "list");
    luaL_checktype(L, -1, LUA_TTABLE);
    lua_Integer n = luaL_len(L, -1);
    out->kinds = tend_calloc((size_t)n + 1, sizeof *out->kinds);
    for (lua_Integer i = 1; i <= n; i++) {
        if (lua_rawgeti(L, -1, i) != LUA_TTABLE) return luaL_error(L, "tend.intents: entry %d is not a table", (int)i);
        tend_intent_kind *k = &out->kinds[out->n++];
        k->kind = field(L, -1, "kind");
        k->name = field(L, -1, "name");
        k->kept_in = field(L, -1, "kept_in");
        lua_getfield(L, -1, "queued");
        k->queued = lua_toboolean(L, -1);
        lua_getfield(L, -2, "quoted");
        k->quoted = lua_toboolean(L, -1);
        lua_pop(L, 3);
        if (!k->kind || !k->name) return luaL_error(L, "tend.intents: entry %d needs a kind and a name", (int)i);
    }
    return 0;
}

tend_status tend_intents_load(const char *stdlib_dir, tend_intents *out, tend_error *err) {
    memset(out, 0, sizeof *out);
    tend_sandbox_opts so = {.mem_limit = INTENTS_MEM_LIMIT, .stdlib_dir = stdlib_dir ? stdlib_dir : tend_stdlib_dir()};
    lua_State *L = tend_sandbox_new(&so, err);
    if (!L) return err->status;
    lua_getglobal(L, "require");
    lua_pushliteral(L, "tend.intents");
    tend_status st = tend_lua_pcall(L, 1, 1, INTENTS_BUDGET_MS, err);
    if (st == TEND_OK) {
        lua_getfield(L, -1, "declaration");
        st = tend_lua_pcall(L, 0, 1, INTENTS_BUDGET_MS, err);
    }
    if (st == TEND_OK) {
        lua_pushcfunction(L, copy_list);
        lua_pushlightuserdata(L, out);
        lua_pushvalue(L, -3);
        st = tend_lua_pcall(L, 2, 0, INTENTS_BUDGET_MS, err);
    }
    tend_sandbox_close(L);
    if (st != TEND_OK) {
        tend_error cause = *err;
        tend_intents_free(out);
        return tend_fail(err, st, "reading the intent kinds (tend/intents.lua): %s", cause.msg);
    }
    return TEND_OK;
}

const tend_intent_kind *tend_intents_find(const tend_intents *in, const char *kind) {
    for (size_t i = 0; kind && i < in->n; i++)
        if (!strcmp(in->kinds[i].kind, kind)) return &in->kinds[i];
    return NULL;
}

void tend_intents_queued_array(const tend_intents *in, tend_buf *out) {
    int first = 1;
    tend_buf_addc(out, '{');
    for (size_t i = 0; i < in->n; i++) {
        if (!in->kinds[i].queued) continue;
        if (!first) tend_buf_addc(out, ',');
        /* Quoted: a kind is a word, but the literal must not depend on it. */
        tend_buf_addc(out, '"');
        for (const char *s = in->kinds[i].kind; *s; s++) {
            if (*s == '"' || *s == '\\') tend_buf_addc(out, '\\');
            tend_buf_addc(out, *s);
        }
        tend_buf_addc(out, '"');
        first = 0;
    }
    tend_buf_addc(out, '}');
    tend_buf_cstr(out);
}

void tend_intents_free(tend_intents *in) {
    for (size_t i = 0; i < in->n; i++) {
        free(in->kinds[i].kind);
        free(in->kinds[i].name);
        free(in->kinds[i].kept_in);
    }
    free(in->kinds);
    memset(in, 0, sizeof *in);
}
