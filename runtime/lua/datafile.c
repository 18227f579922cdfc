/* Evaluating a declarative Lua file into JSON (see datafile.h). */
#include "lua/datafile.h"

#include <lauxlib.h>
#include <string.h>

#include "lua/json.h"
#include "lua/protect.h"
#include "lua/sandbox.h"

#define DEFAULT_MEM ((size_t)16 << 20)
#define DEFAULT_TIMEOUT_MS 2000.0

typedef struct {
    const char *path;
    tend_buf *out;
} encode_args;

/* Stack: the file's result. Encoded in protected mode: the converter
 * raises on values JSON cannot hold, naming where they are. */
static int encode_result(lua_State *L) {
    encode_args *a = lua_touserdata(L, -1);
    lua_pop(L, 1);
    if (!lua_istable(L, -1))
        return luaL_error(L,
                          "%s: must return a table, e.g. return { connectors = { ... }, routes = { ... } } "
                          "(it returned %s)",
                          a->path, luaL_typename(L, -1));
    tend_json_encode_as(L, -1, a->out, "settings");
    return 0;
}

static int read_text(lua_State *L) { return tend_push_file(L, lua_tostring(L, 1)); }

/* The first line of a Lua error message (no traceback), after "file: "
 * unless it already starts with where it happened. */
static tend_status fail_with(tend_error *err, const char *file, const char *msg) {
    const char *tb = strstr(msg, "\nstack traceback:");
    int len = tb ? (int)(tb - msg) : (int)strlen(msg);
    return tend_fail(err, TEND_EPLAYBOOK, "%s%s%.*s", file ? file : "", file ? ": " : "", len, msg);
}

tend_status tend_datafile_eval(const char *path, const tend_datafile_opts *o, tend_buf *json, tend_error *err) {
    tend_sandbox_opts so = {
        .mem_limit = o && o->mem_limit ? o->mem_limit : DEFAULT_MEM,
        .playbook_dir = o ? o->playbook_dir : NULL,
        .stdlib_dir = tend_stdlib_dir(),
    };
    double budget = o && o->timeout_ms > 0 ? o->timeout_ms : DEFAULT_TIMEOUT_MS;
    tend_error e;
    lua_State *L = tend_sandbox_new(&so, &e);
    if (!L) return tend_fail(err, TEND_EPLAYBOOK, "%s: %s", path, e.msg);
    tend_status st = TEND_OK;
    lua_pushfstring(L, "@%s", path);
    const char *chunkname = lua_tostring(L, -1);
    /* Read and compile inside Lua's own protected loader: text only. */
    lua_pushcfunction(L, read_text);
    lua_pushstring(L, path);
    if ((st = tend_lua_pcall(L, 1, 1, 0, &e)) != TEND_OK) {
        st = tend_fail(err, TEND_EPLAYBOOK, "%s: cannot be read", path);
        goto done;
    }
    size_t len;
    const char *text = lua_tolstring(L, -1, &len);
    if (luaL_loadbufferx(L, text, len, chunkname, "t") != LUA_OK) {
        st = fail_with(err, NULL, lua_tostring(L, -1));
        goto done;
    }
    lua_remove(L, -2); /* the text */
    if ((st = tend_lua_pcall(L, 0, 1, budget, &e)) != TEND_OK) {
        st = fail_with(err, strncmp(e.msg, path, strlen(path)) ? path : NULL, e.msg);
        goto done;
    }
    size_t mark = json->len;
    encode_args a = {path, json};
    lua_pushcfunction(L, encode_result);
    lua_insert(L, -2);
    lua_pushlightuserdata(L, &a);
    if ((st = tend_lua_pcall(L, 2, 0, budget, &e)) != TEND_OK) {
        json->len = mark;
        st = fail_with(err, strncmp(e.msg, path, strlen(path)) ? path : NULL, e.msg);
    }
done:
    tend_sandbox_close(L);
    return st;
}
