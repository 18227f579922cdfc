/* Accounts isolated from each other: freezing after load, restoring after
 * each account (see isolate.h for the model). */
#include "lua/isolate.h"

#include <lauxlib.h>
#include <string.h>

#include "lua/sandbox.h"

#define REG_FROZEN "tend.isolate.frozen"
#define REG_UPVALS "tend.isolate.upvalues"  /* {f1, n1, v1, f2, n2, v2, ...} */
#define REG_SNAPS "tend.isolate.snapshots"  /* {t1, copy1, count1, ...} */
#define REG_THREADS "tend.isolate.threads"  /* weak set of load-time coroutines */

/* ---- frozen tables ----------------------------------------------------- */

/* "file:line: " of the innermost Lua function on the stack (a write may come
 * through table.insert or rawset, which are C functions). */
static void push_where(lua_State *L) {
    lua_Debug ar;
    for (int level = 1; lua_getstack(L, level, &ar); level++) {
        lua_getinfo(L, "Sl", &ar);
        if (ar.currentline > 0) {
            lua_pushfstring(L, "%s:%d: ", ar.short_src, ar.currentline);
            return;
        }
    }
    lua_pushliteral(L, "");
}

static void push_key(lua_State *L, int k) {
    if (lua_type(L, k) == LUA_TSTRING) {
        size_t len;
        const char *s = lua_tolstring(L, k, &len);
        lua_pushlstring(L, s, len > 60 ? 60 : len);
    } else if (lua_type(L, k) == LUA_TNUMBER) {
        lua_pushfstring(L, "[%s]", luaL_tolstring(L, k, NULL));
        lua_remove(L, -2);
    } else {
        lua_pushfstring(L, "a %s key", luaL_typename(L, k));
    }
}

/* __newindex of a frozen table: upvalue 1 its name, 2 true for the globals. */
static int frozen_newindex(lua_State *L) {
    int globals = lua_toboolean(L, lua_upvalueindex(2));
    push_where(L);
    push_key(L, 2);
    if (globals)
        lua_pushfstring(L, "%scannot assign the global '%s' while evaluating an account: the globals are fixed "
                           "once the playbook has loaded, so no account can change what the next one sees",
                        lua_tostring(L, -2), lua_tostring(L, -1));
    else
        lua_pushfstring(L, "%scannot set '%s' in '%s' while evaluating an account: tables the playbook built "
                           "while loading are read-only afterwards, so no account can change what the next one sees",
                        lua_tostring(L, -2), lua_tostring(L, -1), lua_tostring(L, lua_upvalueindex(1)));
    return lua_error(L);
}

/* Metamethods the proxy keeps from the table's own metatable; __index and
 * __newindex are the freeze itself, the rest stay with the backing table
 * (whose metatable is the original: inherited fields, __jsonorder). */
static int kept_on_proxy(const char *k) {
    static const char *const skip[] = {"__index", "__newindex", "__gc", "__close", "__mode", "__metatable", NULL};
    for (int i = 0; skip[i]; i++)
        if (strcmp(k, skip[i]) == 0) return 0;
    return 1;
}

/* Moves t's contents into a backing table and makes t a read-only proxy
 * of it; t keeps its identity. */
static void freeze(lua_State *L, int t, int name, int globals) {
    luaL_checkstack(L, 12, "freezing the playbook");
    lua_newtable(L);
    int backing = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, t)) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, backing);
    }
    lua_pushnil(L);
    while (lua_next(L, backing)) { /* clearing existing fields while traversing t is allowed */
        lua_pop(L, 1);
        lua_pushvalue(L, -1);
        lua_pushnil(L);
        lua_rawset(L, t);
    }
    int orig = lua_getmetatable(L, t) ? lua_gettop(L) : 0;
    lua_newtable(L);
    int mt = lua_gettop(L);
    if (orig) {
        lua_pushvalue(L, orig);
        lua_setmetatable(L, backing);
        lua_pushnil(L);
        while (lua_next(L, orig)) {
            if (lua_type(L, -2) == LUA_TSTRING && kept_on_proxy(lua_tostring(L, -2))) {
                lua_pushvalue(L, -2);
                lua_insert(L, -2);
                lua_rawset(L, mt);
            } else {
                lua_pop(L, 1);
            }
        }
    }
    lua_pushvalue(L, backing);
    lua_setfield(L, mt, "__index");
    lua_pushvalue(L, name);
    lua_pushboolean(L, globals);
    lua_pushcclosure(L, frozen_newindex, 2);
    lua_setfield(L, mt, "__newindex");
    if (lua_getfield(L, mt, "__pairs") == LUA_TNIL) {
        lua_pushvalue(L, backing);
        lua_pushcclosure(L, tend_readonly_pairs, 1);
        lua_setfield(L, mt, "__pairs");
    }
    lua_pop(L, 1);
    if (lua_getfield(L, mt, "__len") == LUA_TNIL) {
        lua_pushvalue(L, backing);
        lua_pushcclosure(L, tend_readonly_len, 1);
        lua_setfield(L, mt, "__len");
    }
    lua_pop(L, 1);
    /* getmetatable(t) answers what it answered before (the original
     * metatable, or its __metatable), never the freeze's own. */
    if (orig) {
        if (lua_getfield(L, orig, "__metatable") == LUA_TNIL) {
            lua_pop(L, 1);
            lua_pushvalue(L, orig);
        }
    } else {
        lua_pushliteral(L, "read-only table");
    }
    lua_setfield(L, mt, "__metatable");
    lua_pushboolean(L, 1);
    lua_setfield(L, mt, TEND_READONLY_MARK);
    lua_setmetatable(L, t);
    lua_settop(L, backing - 1);
}

/* ---- finding what the playbook can reach ------------------------------- */

/* Two ways of reaching a value. REACHED: the playbook's code can reach it
 * (its globals, its functions' upvalues, its modules): tables found so are
 * frozen. THROUGH: only the stdlib holds it (the declarations the DSL
 * recorded, the engine's own tables): walked to find the playbook's
 * functions stored there (a rule's `when`), left as they are. */
enum { THROUGH = 1, REACHED = 2 };

typedef struct {
    int work, visited, found, metas, upvals, upids, threads;
    lua_Integer top, nup;
    int mode; /* of the item being visited */
} walker;

static void push_work_mode(lua_State *L, walker *w, int v, int name, int mode) {
    int t = lua_type(L, v);
    if (t != LUA_TTABLE && t != LUA_TFUNCTION && t != LUA_TTHREAD) return;
    lua_pushvalue(L, v);
    lua_rawseti(L, w->work, ++w->top);
    lua_pushvalue(L, name);
    lua_rawseti(L, w->work, ++w->top);
    lua_pushinteger(L, mode);
    lua_rawseti(L, w->work, ++w->top);
}

static void push_work(lua_State *L, walker *w, int v, int name) { push_work_mode(L, w, v, name, w->mode); }

/* The name of t[k] for messages: "config.limits", "bands[2]". */
static void push_child_name(lua_State *L, int parent, int k) {
    size_t plen;
    const char *p = lua_tolstring(L, parent, &plen);
    if (plen > 120) lua_pushvalue(L, parent);
    else if (lua_type(L, k) == LUA_TSTRING) lua_pushfstring(L, plen ? "%s.%s" : "%s%s", p, lua_tostring(L, k));
    else if (lua_isinteger(L, k)) lua_pushfstring(L, "%s[%I]", p, (LUAI_UACINT)lua_tointeger(L, k));
    else lua_pushfstring(L, "%s[?]", p);
}

/* Queues the keys and values of table t (children named after name). */
static void push_children(lua_State *L, walker *w, int t, int name) {
    lua_pushnil(L);
    while (lua_next(L, t)) {
        int k = lua_gettop(L) - 1, v = k + 1;
        push_work(L, w, k, name);
        push_child_name(L, name, k);
        push_work(L, w, v, lua_gettop(L));
        lua_settop(L, k);
    }
}

/* Whether v is new in this mode (a table seen THROUGH the stdlib is
 * visited again when the playbook turns out to reach it). */
static int mark_visited(lua_State *L, walker *w, int v) {
    lua_pushvalue(L, v);
    lua_rawget(L, w->visited);
    lua_Integer seen = lua_tointeger(L, -1);
    lua_pop(L, 1);
    if (seen >= w->mode) return 0;
    lua_pushvalue(L, v);
    lua_pushinteger(L, w->mode);
    lua_rawset(L, w->visited);
    return 1;
}

static void visit_table(lua_State *L, walker *w, int t, int name) {
    if (tend_sandbox_is_readonly(L, t)) {
        /* Already read-only: its contents may still hold the playbook's
         * functions and tables (an action's options). */
        lua_getmetatable(L, t);
        if (lua_getfield(L, -1, "__index") == LUA_TTABLE && mark_visited(L, w, lua_gettop(L)))
            push_children(L, w, lua_gettop(L), name);
        lua_pop(L, 2);
        return;
    }
    if (w->mode == REACHED) {
        lua_pushvalue(L, t);
        lua_pushvalue(L, name);
        lua_rawset(L, w->found);
    }
    push_children(L, w, t, name);
    if (lua_getmetatable(L, t)) {
        lua_pushvalue(L, -1);
        lua_pushboolean(L, 1);
        if (w->mode == REACHED) lua_rawset(L, w->metas);
        else lua_pop(L, 2);
        lua_pushfstring(L, "%s (metatable)", lua_tostring(L, name));
        push_work(L, w, lua_gettop(L) - 1, lua_gettop(L));
        lua_pop(L, 2);
    }
}

static void visit_function(lua_State *L, walker *w, int f, int name) {
    const char *uname;
    if (lua_iscfunction(L, f)) { /* only coroutine.wrap's thread matters here */
        for (int i = 1; lua_getupvalue(L, f, i) != NULL; i++) {
            if (lua_type(L, -1) == LUA_TTHREAD) push_work(L, w, lua_gettop(L), name);
            lua_pop(L, 1);
        }
        return;
    }
    lua_Debug ar;
    lua_pushvalue(L, f);
    lua_getinfo(L, ">S", &ar);
    if (strncmp(ar.source, "@stdlib/", 8) == 0) {
        /* The stdlib keeps no state of its own (STYLE 10), but what it
         * holds may hold the playbook's functions. */
        for (int i = 1; (uname = lua_getupvalue(L, f, i)) != NULL; i++) {
            push_work_mode(L, w, lua_gettop(L), name, THROUGH);
            lua_pop(L, 1);
        }
        return;
    }
    w->mode = REACHED; /* a playbook function reaches its upvalues */
    for (int i = 1; (uname = lua_getupvalue(L, f, i)) != NULL; i++) {
        int v = lua_gettop(L);
        lua_pushlightuserdata(L, lua_upvalueid(L, f, i));
        if (lua_rawget(L, w->upids) == LUA_TNIL) {
            lua_pushlightuserdata(L, lua_upvalueid(L, f, i));
            lua_pushboolean(L, 1);
            lua_rawset(L, w->upids);
            lua_pushvalue(L, f);
            lua_rawseti(L, w->upvals, ++w->nup);
            lua_pushinteger(L, i);
            lua_rawseti(L, w->upvals, ++w->nup);
            lua_pushvalue(L, v);
            lua_rawseti(L, w->upvals, ++w->nup);
            lua_pushstring(L, uname);
            push_work(L, w, v, lua_gettop(L));
            lua_pop(L, 1);
        }
        lua_settop(L, v - 1);
    }
}

/* A table with "__" keys is (or will be) a metatable: Lua reads those
 * raw, so it is restored after each account rather than frozen. */
static int looks_like_metatable(lua_State *L, int t) {
    lua_pushnil(L);
    while (lua_next(L, t)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) == LUA_TSTRING && strncmp(lua_tostring(L, -1), "__", 2) == 0) {
            lua_pop(L, 1);
            return 1;
        }
    }
    return 0;
}

static void snapshot(lua_State *L, int snaps, lua_Integer *n, int t) {
    lua_newtable(L);
    lua_Integer count = 0;
    lua_pushnil(L);
    while (lua_next(L, t)) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, -4);
        count++;
    }
    lua_pushvalue(L, t);
    lua_rawseti(L, snaps, ++*n);
    lua_rawseti(L, snaps, ++*n);
    lua_pushinteger(L, count);
    lua_rawseti(L, snaps, ++*n);
}

int tend_isolate_freeze(lua_State *L) {
    lua_settop(L, 0);
    walker w = {0};
    for (int *slot[] = {&w.work, &w.visited, &w.found, &w.metas, &w.upvals, &w.upids}, i = 0; i < 6; i++) {
        lua_newtable(L);
        *slot[i] = lua_gettop(L);
    }
    lua_newtable(L); /* coroutines made while loading: weak keys, they may die */
    lua_newtable(L);
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    w.threads = lua_gettop(L);

    lua_pushglobaltable(L);
    int env = lua_gettop(L);
    lua_pushliteral(L, "");
    /* The registry holds the compiled evaluator and, through it, every
     * declaration; processed after the globals (the work list is a stack). */
    w.mode = THROUGH;
    lua_pushvalue(L, LUA_REGISTRYINDEX);
    push_work(L, &w, lua_gettop(L), lua_gettop(L) - 1);
    lua_pop(L, 1);
    w.mode = REACHED;
    push_work(L, &w, env, lua_gettop(L));
    lua_pop(L, 1);
    /* Playbook modules are reachable through require's cache too. */
    lua_getfield(L, LUA_REGISTRYINDEX, "tend.loaded");
    if (lua_istable(L, -1)) {
        lua_pushliteral(L, "");
        push_children(L, &w, lua_gettop(L) - 1, lua_gettop(L));
        lua_pop(L, 1);
    }
    lua_pop(L, 1);

    int base = lua_gettop(L);
    while (w.top > 0) {
        luaL_checkstack(L, 16, "walking the playbook");
        lua_rawgeti(L, w.work, w.top - 2);
        lua_rawgeti(L, w.work, w.top - 1);
        lua_rawgeti(L, w.work, w.top);
        w.mode = (int)lua_tointeger(L, -1);
        lua_pop(L, 1);
        for (int i = 0; i < 3; i++) {
            lua_pushnil(L);
            lua_rawseti(L, w.work, w.top--);
        }
        int v = base + 1, name = base + 2;
        /* A playbook function is the same whichever way it is found. */
        if (lua_type(L, v) == LUA_TFUNCTION && !lua_iscfunction(L, v)) w.mode = REACHED;
        /* Threads matter only where the playbook can resume them. */
        int skip = lua_type(L, v) == LUA_TTHREAD && w.mode == THROUGH;
        if (!skip && mark_visited(L, &w, v)) {
            switch (lua_type(L, v)) {
            case LUA_TTABLE: visit_table(L, &w, v, name); break;
            case LUA_TFUNCTION: visit_function(L, &w, v, name); break;
            case LUA_TTHREAD:
                lua_pushvalue(L, v);
                lua_pushboolean(L, 1);
                lua_rawset(L, w.threads);
                break;
            }
        }
        lua_settop(L, base);
    }

    /* Decide per table, then change: freezing a table that is found to be
     * a metatable later would hide its metamethods. */
    lua_newtable(L);
    int list = lua_gettop(L);
    lua_Integer n = 0;
    lua_pushnil(L);
    while (lua_next(L, w.found)) {
        lua_pushvalue(L, -2);
        lua_rawseti(L, list, ++n);
        lua_rawseti(L, list, ++n);
    }
    lua_newtable(L);
    int snaps = lua_gettop(L);
    lua_Integer nsnaps = 0;
    for (lua_Integer i = 1; i <= n; i += 2) {
        lua_rawgeti(L, list, i);     /* table */
        lua_rawgeti(L, list, i + 1); /* name */
        int t = lua_gettop(L) - 1;
        lua_pushvalue(L, t);
        int is_meta = lua_rawget(L, w.metas) != LUA_TNIL;
        lua_pop(L, 1);
        if (is_meta || looks_like_metatable(L, t)) snapshot(L, snaps, &nsnaps, t);
        else freeze(L, t, t + 1, lua_rawequal(L, t, env));
        lua_settop(L, snaps);
    }
    lua_setfield(L, LUA_REGISTRYINDEX, REG_SNAPS);
    lua_pushvalue(L, w.upvals);
    lua_setfield(L, LUA_REGISTRYINDEX, REG_UPVALS);
    lua_pushvalue(L, w.threads);
    lua_setfield(L, LUA_REGISTRYINDEX, REG_THREADS);
    lua_pushboolean(L, 1);
    lua_setfield(L, LUA_REGISTRYINDEX, REG_FROZEN);
    return 0;
}

/* ---- after each account ----------------------------------------------- */

/* Pushes the registry's table under key and returns its index; 0, with
 * nothing pushed, when there is none (the state was never frozen). */
static int push_list(lua_State *L, const char *key) {
    if (lua_getfield(L, LUA_REGISTRYINDEX, key) == LUA_TTABLE) return lua_gettop(L);
    lua_pop(L, 1);
    return 0;
}

static void restore_upvalues(lua_State *L) {
    int ups = push_list(L, REG_UPVALS);
    if (!ups) return;
    lua_Integer n = (lua_Integer)lua_rawlen(L, ups);
    for (lua_Integer i = 1; i + 2 <= n; i += 3) {
        lua_rawgeti(L, ups, i + 1);
        int slot = (int)lua_tointeger(L, -1);
        lua_pop(L, 1);
        lua_rawgeti(L, ups, i);
        lua_rawgeti(L, ups, i + 2);
        if (lua_getupvalue(L, -2, slot) != NULL) {
            if (!lua_rawequal(L, -1, -2)) {
                lua_pushvalue(L, -2);
                lua_setupvalue(L, -4, slot);
            }
            lua_pop(L, 1);
        }
        lua_pop(L, 2);
    }
    lua_pop(L, 1);
}

static void restore_tables(lua_State *L) {
    int snaps = push_list(L, REG_SNAPS);
    if (!snaps) return;
    lua_Integer n = (lua_Integer)lua_rawlen(L, snaps);
    for (lua_Integer i = 1; i + 2 <= n; i += 3) {
        lua_rawgeti(L, snaps, i);
        lua_rawgeti(L, snaps, i + 1);
        lua_rawgeti(L, snaps, i + 2);
        int t = snaps + 1, copy = snaps + 2;
        lua_Integer want = lua_tointeger(L, -1), count = 0;
        int dirty = 0;
        lua_pushnil(L);
        while (!dirty && lua_next(L, t)) {
            count++;
            lua_pushvalue(L, -2);
            lua_rawget(L, copy);
            dirty = !lua_rawequal(L, -1, -2);
            lua_pop(L, 2);
        }
        if (dirty) lua_pop(L, 1); /* the key lua_next left */
        if (dirty || count != want) {
            lua_pushnil(L);
            while (lua_next(L, t)) {
                lua_pop(L, 1);
                lua_pushvalue(L, -1);
                lua_pushnil(L);
                lua_rawset(L, t);
            }
            lua_pushnil(L);
            while (lua_next(L, copy)) {
                lua_pushvalue(L, -2);
                lua_insert(L, -2);
                lua_rawset(L, t);
            }
        }
        lua_settop(L, snaps);
    }
    lua_pop(L, 1);
}

int tend_isolate_restore(lua_State *L) {
    if (!tend_isolate_frozen(L)) return 0;
    restore_upvalues(L);
    restore_tables(L);
    return 0;
}

int tend_isolate_frozen(lua_State *L) {
    lua_getfield(L, LUA_REGISTRYINDEX, REG_FROZEN);
    int frozen = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return frozen;
}

void tend_isolate_check_thread(lua_State *L, lua_State *co) {
    if (!push_list(L, REG_THREADS)) return;
    lua_pushthread(co);
    lua_xmove(co, L, 1);
    int loaded = lua_rawget(L, -2) != LUA_TNIL;
    lua_pop(L, 2);
    if (loaded)
        luaL_error(L, "a coroutine created while the playbook loaded cannot be resumed or closed while evaluating "
                      "accounts: its suspended locals would carry from one account to the next");
}

void tend_isolate_begin_account(lua_State *L, const char *id) {
    if (!tend_isolate_frozen(L)) return;
    if (lua_getfield(L, LUA_REGISTRYINDEX, TEND_ISOLATE_RANDOMSEED) != LUA_TFUNCTION) {
        lua_pop(L, 1);
        return;
    }
    /* FNV-1a of the id: the same account draws the same numbers in every
     * run, whatever was evaluated before it. */
    unsigned long long h = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *)id; *p; p++) h = (h ^ *p) * 1099511628211ULL;
    lua_pushinteger(L, (lua_Integer)(h >> 1));
    lua_call(L, 1, 0);
}
