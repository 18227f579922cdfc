/* The sandbox: builds a fresh global table from an allow-list, never by
 * deleting from a full one (STYLE anti-pattern). */
#define _GNU_SOURCE
#include "lua/sandbox.h"

#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lua/isolate.h"
#include "lua/limits.h"
#include "lua/modules.h"
#include "lua/pattern.h"

#define REG_LOADED "tend.loaded"
#define REG_PRELOAD "tend.preload"
#define REG_PLAYBOOK_DIR "tend.playbook_dir"
#define REG_STDLIB_DIR "tend.stdlib_dir"
#define REG_STDLIB_ENV "tend.stdlib_env"

static const char *const base_allowed[] = {
    "assert", "error", "getmetatable", "ipairs", "pairs", "pcall", "rawequal", "select", "tonumber",
    "tostring", "type", "_VERSION", NULL,
};

/* ---- read-only views ------------------------------------------------- */

static int ro_newindex(lua_State *L) {
    return luaL_error(L, "attempt to modify read-only table '%s'", lua_tostring(L, lua_upvalueindex(1)));
}

static int ro_next(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 2);
    return lua_next(L, 1) ? 2 : (lua_pushnil(L), 1);
}

int tend_readonly_pairs(lua_State *L) {
    lua_pushcfunction(L, ro_next);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushnil(L);
    return 3;
}

int tend_readonly_len(lua_State *L) {
    lua_pushinteger(L, (lua_Integer)lua_rawlen(L, lua_upvalueindex(1)));
    return 1;
}

/* visited: real table -> view, so shared and cyclic tables get one view. */
static void push_view(lua_State *L, int real, int visited, const char *name) {
    lua_pushvalue(L, real);
    if (lua_rawget(L, visited) != LUA_TNIL) return;
    lua_pop(L, 1);
    luaL_checkstack(L, 8, "read-only view");
    lua_newtable(L); /* the view */
    lua_pushvalue(L, real);
    lua_pushvalue(L, -2);
    lua_rawset(L, visited);
    /* Nested tables are replaced by their views first. */
    lua_pushnil(L);
    while (lua_next(L, real)) {
        if (lua_type(L, -1) == LUA_TTABLE) { /* under any key: lists of bands too */
            if (lua_type(L, -2) == LUA_TSTRING) lua_pushfstring(L, "%s.%s", name, lua_tostring(L, -2));
            else if (lua_isinteger(L, -2)) lua_pushfstring(L, "%s[%I]", name, (LUAI_UACINT)lua_tointeger(L, -2));
            else lua_pushfstring(L, "%s[?]", name);
            push_view(L, lua_absindex(L, -2), visited, lua_tostring(L, -1));
            lua_remove(L, -2);
            lua_pushvalue(L, -3); /* key */
            lua_insert(L, -2);
            lua_rawset(L, real); /* replacing an existing key is safe in lua_next */
        }
        lua_pop(L, 1);
    }
    lua_createtable(L, 0, 6);
    lua_pushvalue(L, real);
    lua_setfield(L, -2, "__index");
    lua_pushstring(L, name);
    lua_pushcclosure(L, ro_newindex, 1);
    lua_setfield(L, -2, "__newindex");
    lua_pushvalue(L, real);
    lua_pushcclosure(L, tend_readonly_pairs, 1);
    lua_setfield(L, -2, "__pairs");
    lua_pushvalue(L, real);
    lua_pushcclosure(L, tend_readonly_len, 1);
    lua_setfield(L, -2, "__len");
    lua_pushliteral(L, "read-only table");
    lua_setfield(L, -2, "__metatable");
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, TEND_READONLY_MARK);
    lua_setmetatable(L, -2);
}

void tend_sandbox_push_readonly(lua_State *L, int idx, const char *name) {
    int real = lua_absindex(L, idx);
    lua_newtable(L);
    int visited = lua_gettop(L);
    push_view(L, real, visited, name);
    lua_remove(L, visited);
}

static void set_readonly_global(lua_State *L, int env, const char *name) {
    int real = lua_gettop(L);
    lua_newtable(L);
    push_view(L, real, real + 1, name);
    lua_setfield(L, env, name);
    lua_settop(L, real - 1);
}

/* ---- replaced base functions ---------------------------------------- */

int tend_sandbox_is_readonly(lua_State *L, int idx) {
    if (!lua_getmetatable(L, idx)) return 0;
    lua_pushliteral(L, TEND_READONLY_MARK);
    int ro = lua_rawget(L, -2) != LUA_TNIL;
    lua_pop(L, 2);
    return ro;
}

/* Pushes the table a read-only view or frozen table shows (its __index),
 * or the table itself: raw access sees the contents, as before freezing. */
static int push_contents(lua_State *L, int idx) {
    if (tend_sandbox_is_readonly(L, idx)) {
        lua_getmetatable(L, idx);
        lua_getfield(L, -1, "__index");
        lua_remove(L, -2);
        if (lua_istable(L, -1)) return lua_gettop(L);
        lua_pop(L, 1);
    }
    lua_pushvalue(L, idx);
    return lua_gettop(L);
}

static int sb_next(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 2);
    int t = push_contents(L, 1);
    lua_pushvalue(L, 2);
    if (lua_next(L, t)) return 2;
    lua_pushnil(L);
    return 1;
}

static int sb_rawget(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checkany(L, 2);
    lua_settop(L, 2);
    int t = push_contents(L, 1);
    lua_pushvalue(L, 2);
    lua_rawget(L, t);
    return 1;
}

static int sb_rawlen(lua_State *L) {
    int ty = lua_type(L, 1);
    luaL_argexpected(L, ty == LUA_TTABLE || ty == LUA_TSTRING, 1, "table or string");
    lua_pushinteger(L, (lua_Integer)lua_rawlen(L, ty == LUA_TTABLE ? push_contents(L, 1) : 1));
    return 1;
}

/* rawset would bypass a view's __newindex. */
static int sb_rawset(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checkany(L, 2);
    luaL_checkany(L, 3);
    if (tend_sandbox_is_readonly(L, 1)) return luaL_error(L, "attempt to modify a read-only table with rawset");
    lua_settop(L, 3);
    lua_rawset(L, 1);
    return 1;
}

/* setmetatable: no __gc or __close. Lua runs finalizers with hooks off, so
 * a looping __gc would escape the time budget; __close likewise runs while
 * a coroutine is closed or an error unwinds. */
static int sb_setmetatable(lua_State *L) {
    if (lua_istable(L, 2)) {
        static const char *const banned[] = {"__gc", "__close", NULL};
        for (int i = 0; banned[i]; i++) {
            lua_pushstring(L, banned[i]);
            int has = lua_rawget(L, 2) != LUA_TNIL;
            lua_pop(L, 1);
            if (has) return luaL_error(L, "metatables with %s are not allowed in the sandbox", banned[i]);
        }
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

/* The message handler of a playbook's xpcall runs with hooks off when the
 * error is the timeout (raised from inside the hook), so once the budget
 * is spent the handler is skipped and the error passes through. */
static int guarded_handler(lua_State *L) {
    if (tend_limits_expired()) return 1;
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

/* lbaselib's xpcall with the guarded handler: lua_pcallk with a
 * continuation, so a coroutine may yield inside it as in plain Lua. */
static int finish_xpcall(lua_State *L, int status, lua_KContext extra) {
    if (status != LUA_OK && status != LUA_YIELD) {
        lua_pushboolean(L, 0);
        lua_pushvalue(L, -2);
        return 2;
    }
    return lua_gettop(L) - (int)extra;
}

static int sb_xpcall(lua_State *L) {
    int n = lua_gettop(L);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_pushvalue(L, 2);
    lua_pushcclosure(L, guarded_handler, 1);
    lua_replace(L, 2);
    lua_pushboolean(L, 1);
    lua_pushvalue(L, 1);
    lua_rotate(L, 3, 2); /* true and the function below its arguments */
    int status = lua_pcallk(L, n - 2, LUA_MULTRET, 2, 2, finish_xpcall);
    return finish_xpcall(L, status, 2);
}

/* string.rep of an empty result loops n times in C without allocating,
 * out of reach of both the hook and the memory cap. */
static int sb_rep(lua_State *L) {
    size_t l, lsep = 0;
    luaL_checklstring(L, 1, &l);
    lua_Integer n = luaL_checkinteger(L, 2);
    luaL_optlstring(L, 3, "", &lsep);
    if (n <= 0 || (l == 0 && (lsep == 0 || n == 1))) {
        lua_pushliteral(L, "");
        return 1;
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

/* table.move over a huge range of nils allocates nothing; this copy of
 * ltablib's tmove polls the time budget as it goes. */
static int sb_tmove(lua_State *L) {
    lua_Integer f = luaL_checkinteger(L, 2), e = luaL_checkinteger(L, 3), t = luaL_checkinteger(L, 4);
    int tt = !lua_isnoneornil(L, 5) ? 5 : 1;
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checktype(L, tt, LUA_TTABLE);
    if (e >= f) {
        luaL_argcheck(L, f > 0 || e < LUA_MAXINTEGER + f, 3, "too many elements to move");
        lua_Integer n = e - f + 1;
        luaL_argcheck(L, t <= LUA_MAXINTEGER - n + 1, 4, "destination wrap around");
        int forward = t > e || t <= f || (tt != 1 && !lua_compare(L, 1, tt, LUA_OPEQ));
        for (lua_Integer i = 0; i < n; i++) {
            if ((i & 1023) == 0) tend_limits_check(L);
            lua_Integer k = forward ? i : n - 1 - i;
            lua_geti(L, 1, f + k);
            lua_seti(L, tt, t + k);
        }
    }
    lua_pushvalue(L, tt);
    return 1;
}

/* load: text only, whatever the mode asks ("bt" loads a text chunk; a
 * binary one is refused); chunk names as Lua's (the text itself by
 * default, so messages read [string "..."]); the environment defaults to
 * the sandbox's globals. "@stdlib/" names are the stdlib's own: a chunk
 * named so would pass for trusted code (see isolate.c). */
static int sb_load(lua_State *L) {
    size_t len;
    if (lua_type(L, 1) != LUA_TSTRING)
        return luaL_argerror(L, 1, "only text chunks given as strings can be loaded in the sandbox");
    const char *s = lua_tolstring(L, 1, &len);
    const char *name = luaL_optstring(L, 2, s);
    const char *mode = luaL_optstring(L, 3, "bt");
    if (strncmp(name, "@stdlib/", 8) == 0) return luaL_argerror(L, 2, "chunk names starting with '@stdlib/' are reserved");
    int binary = len > 0 && s[0] == LUA_SIGNATURE[0];
    if (binary && strchr(mode, 'b')) {
        lua_pushnil(L);
        lua_pushliteral(L, "binary chunks cannot be loaded in the sandbox");
        return 2;
    }
    int has_env = !lua_isnone(L, 4);
    if (luaL_loadbufferx(L, s, len, name, binary ? "t" : mode) != LUA_OK) {
        lua_pushnil(L);
        lua_insert(L, -2);
        return 2;
    }
    if (has_env) {
        lua_pushvalue(L, 4);
        if (!lua_setupvalue(L, -2, 1)) lua_pop(L, 1);
    }
    return 1;
}

/* collectgarbage: reading and collecting are fine; stopping or retuning
 * the collector is not (memory bombs would then go unnoticed longer). */
static int sb_collectgarbage(lua_State *L) {
    static const char *const allowed[] = {"count", "collect", "step", "isrunning", NULL};
    const char *opt = luaL_optstring(L, 1, "collect");
    /* What the collector holds depends on the accounts evaluated before. */
    if (tend_isolate_frozen(L) && (strcmp(opt, "count") == 0 || strcmp(opt, "step") == 0))
        return luaL_error(L, "collectgarbage('%s') is not allowed while evaluating accounts: its answer depends on "
                             "the accounts evaluated before", opt);
    for (int i = 0; allowed[i]; i++)
        if (strcmp(opt, allowed[i]) == 0) {
            lua_pushvalue(L, lua_upvalueindex(1));
            lua_insert(L, 1);
            lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
            return lua_gettop(L);
        }
    return luaL_error(L, "collectgarbage('%s') is not allowed in the sandbox", opt);
}

/* ---- require: playbook folder, then stdlib; text only ----------------- */

static int valid_module_name(const char *s) {
    if (!*s) return 0;
    int start = 1;
    for (; *s; s++) {
        if (*s == '.') {
            if (start) return 0;
            start = 1;
        } else if (*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
                   (!start && *s >= '0' && *s <= '9')) {
            start = 0;
        } else {
            return 0;
        }
    }
    return !start;
}

/* Pushes the chunk name and the path of dir/rel+suffix if it is readable.
 * Stdlib chunks are named "@stdlib/...", so errors and tracebacks read the
 * same on every machine. */
static int try_file(lua_State *L, const char *dir, const char *label, const char *rel, const char *suffix) {
    if (!dir) return 0;
    lua_pushfstring(L, "%s/%s%s", dir, rel, suffix);
    if (access(lua_tostring(L, -1), R_OK) != 0) {
        lua_pop(L, 1);
        return 0;
    }
    lua_pushfstring(L, "@%s/%s%s", label ? label : dir, rel, suffix);
    lua_insert(L, -2);
    return 1; /* chunk name and path left on the stack */
}

int tend_push_file(lua_State *L, const char *path) {
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return luaL_error(L, "cannot read %s", path);
    /* The buffer is a userdata, allocated before the file is opened: a
     * memory error can raise without leaking the FILE or the buffer. */
    size_t size = (size_t)st.st_size;
    char *buf = lua_newuserdatauv(L, size ? size : 1, 0);
    FILE *f = fopen(path, "rb");
    size_t got = f ? fread(buf, 1, size, f) : 0;
    int bad = !f || ferror(f);
    if (f) fclose(f);
    if (bad) return luaL_error(L, "cannot read %s", path);
    lua_pushlstring(L, buf, got);
    lua_remove(L, -2);
    return 1;
}

/* Loads a text chunk from path under the given chunk name. Stdlib chunks
 * get the stdlib's own environment: the playbook cannot reach it, so no
 * playbook global (pairs = ..., type = ...) changes how the engine runs. */
static int load_chunk(lua_State *L, const char *path, const char *chunkname) {
    tend_push_file(L, path);
    size_t len;
    const char *text = lua_tolstring(L, -1, &len);
    int rc = luaL_loadbufferx(L, text, len, chunkname, "t");
    lua_remove(L, -2);
    if (rc == LUA_OK && strncmp(chunkname, "@stdlib/", 8) == 0) {
        lua_getfield(L, LUA_REGISTRYINDEX, REG_STDLIB_ENV);
        if (!lua_setupvalue(L, -2, 1)) lua_pop(L, 1);
    }
    return rc;
}

static int sb_require(lua_State *L) {
    const char *name = luaL_checkstring(L, 1);
    lua_settop(L, 1);
    lua_getfield(L, LUA_REGISTRYINDEX, REG_LOADED); /* 2 */
    if (lua_getfield(L, 2, name) != LUA_TNIL) return 1;
    lua_pop(L, 1);
    lua_getfield(L, LUA_REGISTRYINDEX, REG_PRELOAD);
    if (lua_getfield(L, -1, name) == LUA_TFUNCTION) {
        lua_pushvalue(L, 1);
        lua_call(L, 1, 1);
    } else {
        lua_settop(L, 2);
        if (!valid_module_name(name))
            return luaL_error(L, "module '%s' not found: module names are letters, digits, '_' and '.'", name);
        lua_pushstring(L, name);
        luaL_gsub(L, name, ".", "/");
        const char *rel = lua_tostring(L, -1);
        lua_getfield(L, LUA_REGISTRYINDEX, REG_PLAYBOOK_DIR);
        const char *pdir = lua_tostring(L, -1);
        lua_getfield(L, LUA_REGISTRYINDEX, REG_STDLIB_DIR);
        const char *sdir = lua_tostring(L, -1);
        int stdlib_only = strcmp(name, "tend") == 0 || strncmp(name, "tend.", 5) == 0;
        if (!((!stdlib_only && (try_file(L, pdir, NULL, rel, ".lua") || try_file(L, pdir, NULL, rel, "/init.lua"))) ||
              try_file(L, sdir, "stdlib", rel, ".lua") || try_file(L, sdir, "stdlib", rel, "/init.lua")))
            return luaL_error(L, "module '%s' not found in the playbook folder or the stdlib "
                                 "(the sandbox has no io, os, debug or C modules)", name);
        const char *path = lua_tostring(L, -1);
        /* A first load now would run module code with this account's state. */
        if (tend_isolate_frozen(L) && strncmp(lua_tostring(L, -2), "@stdlib/", 8) != 0)
            return luaL_error(L, "module '%s' is required for the first time while evaluating an account: require "
                                 "it at the top of a playbook file, so it loads once with the playbook", name);
        if (load_chunk(L, path, lua_tostring(L, -2)) != LUA_OK) return lua_error(L);
        lua_pushvalue(L, 1);
        lua_pushstring(L, path);
        lua_call(L, 2, 1);
    }
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushboolean(L, 1);
    }
    /* Stdlib module tables are shared by every rule: give out read-only views. */
    if (lua_istable(L, -1) && strncmp(name, "tend", 4) == 0) {
        tend_sandbox_push_readonly(L, -1, name);
        lua_remove(L, -2);
    }
    lua_pushvalue(L, -1);
    lua_setfield(L, 2, name);
    return 1;
}

/* ---- coroutines that carry the time budget --------------------------- */

static int auxresume(lua_State *L, lua_State *co, int narg) {
    int status, nres;
    if (!lua_checkstack(co, narg)) {
        lua_pushliteral(L, "too many arguments to resume");
        return -1;
    }
    if (lua_status(co) == LUA_OK && lua_gettop(co) == 0) {
        lua_pushliteral(L, "cannot resume dead coroutine");
        return -1;
    }
    lua_xmove(L, co, narg);
    lua_State *prev = tend_limits_enter_thread(co);
    status = lua_resume(co, L, narg, &nres);
    tend_limits_leave_thread(prev);
    if (status == LUA_OK || status == LUA_YIELD) {
        if (!lua_checkstack(L, nres + 1)) {
            lua_pop(co, nres);
            lua_pushliteral(L, "too many results to resume");
            return -1;
        }
        lua_xmove(co, L, nres);
        return nres;
    }
    lua_xmove(co, L, 1);
    return -1;
}

static int sb_resume(lua_State *L) {
    lua_State *co = lua_tothread(L, 1);
    luaL_argexpected(L, co, 1, "coroutine");
    if (tend_isolate_frozen(L)) tend_isolate_check_thread(L, co);
    int r = auxresume(L, co, lua_gettop(L) - 1);
    if (r < 0) {
        lua_pushboolean(L, 0);
        lua_insert(L, -2);
        return 2;
    }
    lua_pushboolean(L, 1);
    lua_insert(L, -(r + 1));
    return r + 1;
}

/* Closing a coroutine may run its pending __close handlers: do it as the
 * running thread, under the budget. */
static int close_thread(lua_State *L, lua_State *co) {
    lua_State *prev = tend_limits_enter_thread(co);
#if LUA_VERSION_RELEASE_NUM >= 50406
    int stat = lua_closethread(co, L);
#else
    (void)L;
    int stat = lua_resetthread(co);
#endif
    tend_limits_leave_thread(prev);
    return stat;
}

static int sb_close(lua_State *L) {
    lua_State *co = lua_tothread(L, 1);
    luaL_argexpected(L, co, 1, "coroutine");
    if (tend_isolate_frozen(L)) tend_isolate_check_thread(L, co);
    int status = lua_status(co);
    if (co == L || (status == LUA_OK && lua_getstack(co, 0, &(lua_Debug){0})))
        return luaL_error(L, "cannot close a %s coroutine", co == L ? "running" : "normal");
    status = close_thread(L, co);
    if (status == LUA_OK) {
        lua_pushboolean(L, 1);
        return 1;
    }
    lua_pushboolean(L, 0);
    lua_xmove(co, L, 1);
    return 2;
}

static int auxwrap(lua_State *L) {
    lua_State *co = lua_tothread(L, lua_upvalueindex(1));
    if (tend_isolate_frozen(L)) tend_isolate_check_thread(L, co);
    int r = auxresume(L, co, lua_gettop(L));
    if (r < 0) {
        int stat = lua_status(co);
        if (stat != LUA_OK && stat != LUA_YIELD) {
            stat = close_thread(L, co);
            lua_xmove(co, L, 1);
        }
        if (stat != LUA_ERRMEM && lua_type(L, -1) == LUA_TSTRING) {
            luaL_where(L, 1);
            lua_insert(L, -2);
            lua_concat(L, 2);
        }
        return lua_error(L);
    }
    return r;
}

static int sb_wrap(lua_State *L) {
    luaL_checktype(L, 1, LUA_TFUNCTION);
    lua_State *co = lua_newthread(L);
    lua_pushvalue(L, 1);
    lua_xmove(L, co, 1);
    lua_pushcclosure(L, auxwrap, 1);
    return 1;
}

/* ---- building the state ---------------------------------------------- */

typedef struct {
    const tend_sandbox_opts *o;
} build_args;

static void open_lib(lua_State *L, const char *name, lua_CFunction open) {
    luaL_requiref(L, name, open, 0);
}

static int build(lua_State *L) {
    const build_args *a = lua_touserdata(L, 1);

    /* Base functions are opened into the original globals, then only the
     * allowed ones are copied into a fresh table that becomes _G. */
    open_lib(L, "_G", luaopen_base);
    int orig = lua_gettop(L);
    lua_newtable(L);
    int env = lua_gettop(L);
    for (const char *const *n = base_allowed; *n; n++) {
        lua_getfield(L, orig, *n);
        lua_setfield(L, env, *n);
    }
    lua_pushvalue(L, env);
    lua_setfield(L, env, "_G");
    lua_getfield(L, orig, "collectgarbage");
    lua_pushcclosure(L, sb_collectgarbage, 1);
    lua_setfield(L, env, "collectgarbage");
    lua_pushcfunction(L, sb_load);
    lua_setfield(L, env, "load");
    lua_pushcfunction(L, sb_rawset);
    lua_setfield(L, env, "rawset");
    lua_pushcfunction(L, sb_rawget);
    lua_setfield(L, env, "rawget");
    lua_pushcfunction(L, sb_rawlen);
    lua_setfield(L, env, "rawlen");
    lua_pushcfunction(L, sb_next);
    lua_setfield(L, env, "next");
    lua_getfield(L, orig, "setmetatable");
    lua_pushcclosure(L, sb_setmetatable, 1);
    lua_setfield(L, env, "setmetatable");
    lua_getfield(L, orig, "xpcall");
    lua_pushcclosure(L, sb_xpcall, 1);
    lua_setfield(L, env, "xpcall");
    lua_pushcfunction(L, sb_require);
    lua_setfield(L, env, "require");
    tend_open_host(L);
    lua_getfield(L, -1, "log");
    lua_setfield(L, env, "print");
    lua_pop(L, 1);
    lua_pushvalue(L, env);
    lua_rawseti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);

    /* string: no dump (bytecode), budgeted patterns, locked metatable. */
    open_lib(L, LUA_STRLIBNAME, luaopen_string);
    lua_pushnil(L);
    lua_setfield(L, -2, "dump");
    lua_getfield(L, -1, "rep");
    lua_pushcclosure(L, sb_rep, 1);
    lua_setfield(L, -2, "rep");
    tend_pattern_install(L, -1);
    lua_pushliteral(L, "");
    lua_getmetatable(L, -1);
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 2);
    set_readonly_global(L, env, LUA_STRLIBNAME);

    open_lib(L, LUA_TABLIBNAME, luaopen_table);
    lua_pushcfunction(L, sb_tmove);
    lua_setfield(L, -2, "move");
    set_readonly_global(L, env, LUA_TABLIBNAME);
    open_lib(L, LUA_MATHLIBNAME, luaopen_math);
    lua_getfield(L, -1, "randomseed"); /* isolate.c reseeds it per account */
    lua_setfield(L, LUA_REGISTRYINDEX, TEND_ISOLATE_RANDOMSEED);
    set_readonly_global(L, env, LUA_MATHLIBNAME);
    open_lib(L, LUA_UTF8LIBNAME, luaopen_utf8);
    set_readonly_global(L, env, LUA_UTF8LIBNAME);
    open_lib(L, LUA_COLIBNAME, luaopen_coroutine);
    lua_pushcfunction(L, sb_resume);
    lua_setfield(L, -2, "resume");
    lua_pushcfunction(L, sb_wrap);
    lua_setfield(L, -2, "wrap");
    lua_pushcfunction(L, sb_close);
    lua_setfield(L, -2, "close");
    set_readonly_global(L, env, LUA_COLIBNAME);

    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, REG_LOADED);
    lua_newtable(L);
    tend_register_modules(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, REG_PRELOAD);
    lua_pushstring(L, a->o->playbook_dir);
    lua_setfield(L, LUA_REGISTRYINDEX, REG_PLAYBOOK_DIR);
    lua_pushstring(L, a->o->stdlib_dir ? a->o->stdlib_dir : tend_stdlib_dir());
    lua_setfield(L, LUA_REGISTRYINDEX, REG_STDLIB_DIR);

    /* The stdlib's environment: the same allow-list, a table of its own. */
    lua_newtable(L);
    lua_pushnil(L);
    while (lua_next(L, env)) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, -4);
    }
    lua_pushvalue(L, -1);
    lua_setfield(L, -2, "_G");
    lua_setfield(L, LUA_REGISTRYINDEX, REG_STDLIB_ENV);
    return 0;
}

lua_State *tend_sandbox_new(const tend_sandbox_opts *o, tend_error *err) {
    lua_State *L = tend_limits_newstate(o->mem_limit, err);
    if (!L) return NULL;
    build_args a = {o};
    lua_pushcfunction(L, build);
    lua_pushlightuserdata(L, &a);
    if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
        tend_fail(err, TEND_EMEMORY, "cannot build the sandbox: %s", lua_tostring(L, -1));
        tend_limits_close(L);
        return NULL;
    }
    return L;
}

void tend_sandbox_close(lua_State *L) { tend_limits_close(L); }

const char *tend_stdlib_dir(void) {
    const char *env = getenv("TEND_STDLIB");
    if (env && *env) return env;
#ifdef TEND_SOURCE_STDLIB
    if (access(TEND_SOURCE_STDLIB "/tend/dsl.lua", R_OK) == 0) return TEND_SOURCE_STDLIB;
#endif
    static char installed[4096]; /* computed once; read-only afterwards */
    if (!installed[0]) {
        char exe[4000];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (n > 0) {
            exe[n] = 0;
            char *slash = strrchr(exe, '/');
            if (slash) *slash = 0;
            snprintf(installed, sizeof installed, "%s/../share/tend/stdlib", exe);
        }
    }
    return installed;
}
