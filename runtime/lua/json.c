/* JSON <-> Lua (module tend.json). See json.h for the determinism rules. */
#include "lua/json.h"
#include "lua/sandbox.h"

#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OBJECT_MT "tend.json.object"

void tend_json_push_object_mt(lua_State *L) {
    if (luaL_newmetatable(L, OBJECT_MT)) {
        lua_pushliteral(L, "object");
        lua_setfield(L, -2, "__jsontype");
    }
}

/* ---- decode ---------------------------------------------------------- */

static void push_value(lua_State *L, const json_t *v, int depth) {
    if (depth > TEND_JSON_MAX_DEPTH) luaL_error(L, "JSON nested deeper than %d levels", TEND_JSON_MAX_DEPTH);
    luaL_checkstack(L, 3, "JSON value too deep");
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        const char *k;
        json_t *x;
        lua_createtable(L, 0, (int)json_object_size(v));
        if (json_object_size(v) == 0) {
            tend_json_push_object_mt(L);
            lua_setmetatable(L, -2);
        }
        json_object_foreach((json_t *)v, k, x) {
            push_value(L, x, depth + 1);
            lua_setfield(L, -2, k);
        }
        break;
    }
    case JSON_ARRAY: {
        size_t n = json_array_size(v);
        lua_createtable(L, (int)n, 0);
        for (size_t i = 0; i < n; i++) {
            push_value(L, json_array_get(v, i), depth + 1);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        break;
    }
    case JSON_STRING: lua_pushlstring(L, json_string_value(v), json_string_length(v)); break;
    case JSON_INTEGER: lua_pushinteger(L, (lua_Integer)json_integer_value(v)); break;
    case JSON_REAL: lua_pushnumber(L, json_real_value(v)); break;
    case JSON_TRUE: lua_pushboolean(L, 1); break;
    case JSON_FALSE: lua_pushboolean(L, 0); break;
    case JSON_NULL: lua_pushlightuserdata(L, NULL); break;
    }
}

void tend_json_push(lua_State *L, const json_t *v) { push_value(L, v, 0); }

/* ---- encode ---------------------------------------------------------- */

typedef struct {
    lua_State *L;
    tend_buf *out;
    const char *root; /* what the top value is called in error messages */
    /* The path to the value being written, for error messages only. */
    struct { const char *key; lua_Integer index; } path[TEND_JSON_MAX_DEPTH + 1];
    int depth;
} encoder;

static void fail(encoder *e, const char *what) {
    tend_buf p = {0};
    tend_buf_adds(&p, e->root);
    for (int i = 1; i <= e->depth; i++) {
        if (e->path[i].key) tend_buf_printf(&p, ".%s", e->path[i].key);
        else tend_buf_printf(&p, "[%lld]", (long long)e->path[i].index);
    }
    lua_pushfstring(e->L, "cannot encode %s as JSON: %s", tend_buf_cstr(&p), what);
    tend_buf_free(&p);
    lua_error(e->L);
}

static void encode_number(encoder *e, int idx) {
    char tmp[64];
    int n;
    if (lua_isinteger(e->L, idx)) {
        n = snprintf(tmp, sizeof tmp, "%lld", (long long)lua_tointeger(e->L, idx));
    } else {
        double d = lua_tonumber(e->L, idx);
        if (!isfinite(d)) fail(e, isnan(d) ? "NaN is not a JSON number" : "infinity is not a JSON number");
        /* The shortest of 15, 16 or 17 significant digits that reads back. */
        for (int prec = 15; prec <= 17; prec++) {
            n = snprintf(tmp, sizeof tmp, "%.*g", prec, d);
            if (strtod(tmp, NULL) == d) break;
        }
        if (!strpbrk(tmp, ".eEn")) { tmp[n++] = '.'; tmp[n++] = '0'; tmp[n] = 0; }
    }
    tend_buf_add(e->out, tmp, (size_t)n);
}

static void encode_string(encoder *e, int idx) {
    size_t len;
    const char *s = lua_tolstring(e->L, idx, &len);
    if (!tend_utf8_valid(s, len)) fail(e, "invalid UTF-8 in string");
    tend_json_quote(e->out, s, len);
}

static void encode_value(encoder *e, int idx);

static int cmp_keys(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int in_order(const char **order, int n, const char *k) {
    for (int i = 0; i < n; i++)
        if (strcmp(order[i], k) == 0) return 1;
    return 0;
}

static void encode_member(encoder *e, int t, const char *k, int *first) {
    lua_pushstring(e->L, k);
    lua_rawget(e->L, t);
    if (!*first) tend_buf_addc(e->out, ',');
    *first = 0;
    tend_json_quote(e->out, k, strlen(k));
    tend_buf_addc(e->out, ':');
    e->path[e->depth].key = k;
    encode_value(e, -1);
    lua_pop(e->L, 1);
}

static void encode_table(encoder *e, int idx) {
    lua_State *L = e->L;
    int t = lua_absindex(L, idx);
    /* A read-only view of a stdlib table (sandbox.c) is written as the
     * table it shows, not as the empty proxy it is. */
    if (lua_getmetatable(L, t)) {
        lua_pushliteral(L, TEND_READONLY_MARK);
        if (lua_rawget(L, -2) != LUA_TNIL) {
            lua_pop(L, 1);
            lua_pushliteral(L, "__index");
            lua_rawget(L, -2);
            lua_remove(L, -2);
            encode_table(e, -1);
            lua_pop(L, 1);
            return;
        }
        lua_pop(L, 2);
    }
    if (e->depth >= TEND_JSON_MAX_DEPTH) fail(e, "nested too deep (or a cycle)");
    luaL_checkstack(L, 8, "JSON encoder");
    /* One raw pass: count keys and see whether they are exactly 1..n. */
    lua_Integer n = (lua_Integer)lua_rawlen(L, t), count = 0;
    int all_strings = 1, is_array = 1;
    lua_pushnil(L);
    while (lua_next(L, t)) {
        count++;
        if (lua_type(L, -2) == LUA_TSTRING) is_array = 0;
        else {
            all_strings = 0;
            if (!lua_isinteger(L, -2) || lua_tointeger(L, -2) < 1 || lua_tointeger(L, -2) > n) is_array = 0;
        }
        lua_pop(L, 1);
    }
    if (count > 0 && !all_strings && !(is_array && count == n))
        fail(e, "a table mixes non-string keys with string keys (or has holes)");
    e->depth++;
    e->path[e->depth].key = NULL;
    e->path[e->depth].index = 0;
    if (count == 0) {
        int object = 0;
        if (lua_getmetatable(L, t)) {
            lua_pushliteral(L, "__jsontype");
            lua_rawget(L, -2);
            object = lua_isstring(L, -1) && strcmp(lua_tostring(L, -1), "object") == 0;
            lua_pop(L, 2);
        }
        tend_buf_add(e->out, object ? "{}" : "[]", 2);
    } else if (is_array && count == n) {
        tend_buf_addc(e->out, '[');
        for (lua_Integer i = 1; i <= n; i++) {
            if (i > 1) tend_buf_addc(e->out, ',');
            e->path[e->depth].index = i;
            lua_rawgeti(L, t, i);
            encode_value(e, -1);
            lua_pop(L, 1);
        }
        tend_buf_addc(e->out, ']');
    } else {
        /* Keys listed in the metatable's __jsonorder come first. */
        const char *order[32];
        int norder = 0, pushed = 0;
        if (lua_getmetatable(L, t)) {
            lua_pushliteral(L, "__jsonorder");
            lua_rawget(L, -2);
            if (lua_istable(L, -1)) {
                for (lua_Integer i = 1; norder < 32; i++) {
                    if (lua_rawgeti(L, -1, i) != LUA_TSTRING) { lua_pop(L, 1); break; }
                    order[norder++] = lua_tostring(L, -1);
                    lua_pop(L, 1); /* the string stays alive in the order table */
                }
            }
            lua_remove(L, -2); /* keep the order table on the stack */
            pushed = 1;
        }
        /* The key array is a userdata so an error cannot leak it; the key
         * strings live in t, anchored on the stack, so the pointers hold. */
        const char **keys = lua_newuserdatauv(L, sizeof *keys * (size_t)count, 0);
        int nk = 0;
        lua_pushnil(L);
        while (lua_next(L, t)) {
            lua_pop(L, 1);
            const char *k = lua_tostring(L, -1); /* string keys: no conversion */
            if (!in_order(order, norder, k)) keys[nk++] = k;
        }
        qsort(keys, (size_t)nk, sizeof *keys, cmp_keys);
        tend_buf_addc(e->out, '{');
        int first = 1;
        for (int i = 0; i < norder; i++) {
            lua_pushstring(L, order[i]);
            int present = lua_rawget(L, t) != LUA_TNIL;
            lua_pop(L, 1);
            if (present) encode_member(e, t, order[i], &first);
        }
        for (int i = 0; i < nk; i++) encode_member(e, t, keys[i], &first);
        tend_buf_addc(e->out, '}');
        lua_pop(L, 1 + pushed);
    }
    e->depth--;
}

static void encode_value(encoder *e, int idx) {
    switch (lua_type(e->L, idx)) {
    case LUA_TNIL: tend_buf_add(e->out, "null", 4); break;
    case LUA_TBOOLEAN: tend_buf_adds(e->out, lua_toboolean(e->L, idx) ? "true" : "false"); break;
    case LUA_TNUMBER: encode_number(e, idx); break;
    case LUA_TSTRING: encode_string(e, idx); break;
    case LUA_TTABLE: encode_table(e, idx); break;
    case LUA_TLIGHTUSERDATA:
        if (lua_touserdata(e->L, idx) == NULL) { tend_buf_add(e->out, "null", 4); break; }
        /* fall through */
    default: fail(e, lua_pushfstring(e->L, "a %s has no JSON form", luaL_typename(e->L, idx)));
    }
}

void tend_json_encode_as(lua_State *L, int idx, tend_buf *out, const char *root) {
    encoder e = {.L = L, .out = out, .root = root, .depth = 0};
    encode_value(&e, lua_absindex(L, idx));
}

void tend_json_encode(lua_State *L, int idx, tend_buf *out) { tend_json_encode_as(L, idx, out, "value"); }

/* ---- module tend.json ------------------------------------------------ */

/* Converters run inside an inner protected call so the C-side buffer or
 * jansson value is always released, whatever Lua raises. */
static int encode_into(lua_State *L) {
    tend_buf *b = lua_touserdata(L, 2);
    tend_json_encode(L, 1, b);
    return 0;
}

static int l_encode(lua_State *L) {
    luaL_checkany(L, 1);
    lua_settop(L, 1);
    tend_buf b = {0};
    lua_pushcfunction(L, encode_into);
    lua_pushvalue(L, 1);
    lua_pushlightuserdata(L, &b);
    int rc = lua_pcall(L, 2, 0, 0);
    if (rc == LUA_OK) lua_pushlstring(L, b.data ? b.data : "", b.len);
    tend_buf_free(&b);
    if (rc != LUA_OK) return lua_error(L);
    return 1;
}

static int push_decoded(lua_State *L) {
    tend_json_push(L, lua_touserdata(L, 1));
    return 1;
}

void tend_json_push_text(lua_State *L, const char *text, size_t len) {
    json_error_t jerr;
    json_t *v = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (!v) luaL_error(L, "invalid JSON at column %d: %s", jerr.column, jerr.text);
    lua_pushcfunction(L, push_decoded);
    lua_pushlightuserdata(L, v);
    int rc = lua_pcall(L, 1, 1, 0);
    json_decref(v);
    if (rc != LUA_OK) lua_error(L);
}

static int l_decode(lua_State *L) {
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    json_error_t jerr;
    json_t *v = json_loadb(s, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    if (!v) {
        lua_pushnil(L);
        lua_pushfstring(L, "invalid JSON at line %d, column %d: %s", jerr.line, jerr.column, jerr.text);
        return 2;
    }
    lua_pushcfunction(L, push_decoded);
    lua_pushlightuserdata(L, v);
    int rc = lua_pcall(L, 1, 1, 0);
    json_decref(v);
    if (rc != LUA_OK) return lua_error(L);
    return 1;
}

static int l_object(lua_State *L) {
    if (lua_isnoneornil(L, 1)) lua_newtable(L);
    else luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    tend_json_push_object_mt(L);
    lua_setmetatable(L, 1);
    return 1;
}

static const luaL_Reg json_funcs[] = {
    {"encode", l_encode},
    {"decode", l_decode},
    {"object", l_object},
    {NULL, NULL},
};

int tend_open_json(lua_State *L) {
    luaL_newlib(L, json_funcs);
    lua_pushlightuserdata(L, NULL);
    lua_setfield(L, -2, "null");
    return 1;
}
