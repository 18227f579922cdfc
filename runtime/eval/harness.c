/* The spec API (`require "tend"` inside `tend test`) and the busted runner.
 * A playbook handle is a userdata created closed, so __gc and __close are
 * safe at any point and safe twice (STYLE 5). */
#include "eval/harness.h"

#include <jansson.h>
#include <lauxlib.h>
#include <lualib.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "base/isotime.h"
#include "data/fields.h"
#include "eval/playbook.h"
#include "lua/json.h"
#include "lua/limits.h"
#include "lua/modules.h"
#include "lua/protect.h"
#include "lua/sandbox.h"

#define PLAYBOOK_MT "tend.harness.playbook"
#define EXIT_MARK "tend.harness.exit"

typedef struct {
    tend_playbook *pb; /* NULL when closed */
} handle;

static int pb_close(lua_State *L) {
    handle *h = luaL_checkudata(L, 1, PLAYBOOK_MT);
    tend_playbook_close(h->pb);
    h->pb = NULL;
    return 0;
}

/* core.open(dir, mem_limit, timeout_ms) -> handle | nil, problems, message */
static int l_open(lua_State *L) {
    const char *dir = luaL_checkstring(L, 1);
    tend_playbook_opts o = {
        .mem_limit = (size_t)luaL_optinteger(L, 2, 0),
        .eval_timeout_ms = luaL_optnumber(L, 3, 0),
    };
    handle *h = lua_newuserdatauv(L, sizeof *h, 0);
    h->pb = NULL;
    luaL_setmetatable(L, PLAYBOOK_MT);
    tend_buf problems = {0};
    tend_error err;
    tend_status st = tend_playbook_open(dir, &o, &h->pb, &problems, &err);
    if (st != TEND_OK) {
        lua_pushnil(L);
        lua_newtable(L);
        lua_Integer i = 0;
        const char *text = problems.len ? tend_buf_cstr(&problems) : "";
        for (const char *line = text, *nl; *line; line = nl + 1) {
            nl = strchr(line, '\n');
            if (!nl) break;
            lua_pushlstring(L, line, (size_t)(nl - line));
            lua_rawseti(L, -2, ++i);
        }
        lua_pushstring(L, err.msg);
        tend_buf_free(&problems);
        return 3;
    }
    tend_buf_free(&problems);
    return 1;
}

/* Parses argument idx (already checked to be a string); NULL + msg on error. */
static json_t *load_json(lua_State *L, int idx, const char *what, char *msg, size_t cap) {
    size_t len;
    const char *s = lua_tolstring(L, idx, &len);
    json_error_t e;
    json_t *v = json_loadb(s, len, JSON_DECODE_ANY, &e);
    if (!v && !msg[0]) snprintf(msg, cap, "%s: invalid JSON: %s", what, e.text);
    return v;
}

/* Runs the population pass (when the playbook declares one) over accounts,
 * then evaluates each, one result line apiece, into out. */
static void evaluate_accounts(tend_playbook *pb, json_t **accs, size_t n, const tend_history *hist, int64_t now,
                              const char *facts_json, tend_buf *out, char *msg, size_t cap) {
    tend_error e;
    if (facts_json) { /* given facts: no population pass */
        if (tend_playbook_set_facts(pb, facts_json, strlen(facts_json), &e) != TEND_OK) {
            snprintf(msg, cap, "facts: %s", e.msg);
            return;
        }
    } else if (tend_playbook_has_population(pb)) {
        tend_buf rows = {0}, facts = {0};
        tend_buf_addc(&rows, '[');
        for (size_t i = 0, any = 0; i < n; i++) {
            size_t mark = rows.len;
            if (any) tend_buf_addc(&rows, ',');
            if (tend_playbook_collect(pb, accs[i], hist, now, &rows, &e) != TEND_OK) {
                rows.len = mark; /* its evaluation will fail and say why */
            } else {
                rows.len--; /* the collected line's newline */
                any = 1;
            }
        }
        tend_buf_addc(&rows, ']');
        if (tend_playbook_summarize(pb, rows.data, rows.len, &facts, &e) != TEND_OK ||
            tend_playbook_set_facts(pb, facts.data, facts.len, &e) != TEND_OK)
            snprintf(msg, cap, "population pass: %s", e.msg);
        tend_buf_free(&rows);
        tend_buf_free(&facts);
        if (msg[0]) return;
    }
    for (size_t i = 0; i < n; i++) tend_playbook_evaluate(pb, accs[i], hist, now, out, &e); /* failures: in errors */
}

/* core.evaluate(handle, accounts_json, events_json, metrics_json, now [, facts_json])
 *   -> one result line per account (a JSON array of accounts in). Without
 * facts, a playbook's population pass runs over the accounts given.
 * Everything C-owned is released before any Lua error is raised. */
static int l_evaluate(lua_State *L) {
    handle *h = luaL_checkudata(L, 1, PLAYBOOK_MT);
    if (!h->pb) return luaL_error(L, "the playbook is closed");
    size_t nlen;
    const char *now_text = luaL_checklstring(L, 5, &nlen);
    int64_t now;
    if (tend_time_parse(now_text, nlen, &now) != 0)
        return luaL_error(L, "now: '%s' is not an ISO-8601 time or date", now_text);
    luaL_checkstring(L, 2);
    luaL_checkstring(L, 3);
    luaL_checkstring(L, 4);
    char msg[TEND_ERROR_MAX + 64] = "";
    json_t *raw = load_json(L, 2, "accounts", msg, sizeof msg);
    json_t *events = load_json(L, 3, "events", msg, sizeof msg);
    json_t *metrics = load_json(L, 4, "metrics", msg, sizeof msg);
    size_t n = json_array_size(raw), i;
    json_t **accs = calloc(n + 1, sizeof *accs);
    tend_history hist;
    tend_history_init(&hist);
    tend_buf out = {0};
    tend_error e;
    json_t *v;
    if (msg[0]) goto done;
    json_array_foreach(raw, i, v) {
        accs[i] = json_is_object(v) ? tend_account_normalize(v, 0, &e) : NULL;
        if (!accs[i]) {
            snprintf(msg, sizeof msg, "account %zu: %s", i + 1, json_is_object(v) ? e.msg : "expected an object");
            goto done;
        }
    }
    json_array_foreach(events, i, v) {
        if (!json_is_object(v) || tend_history_add_event(&hist, v, &e) != TEND_OK) {
            snprintf(msg, sizeof msg, "events[%zu]: %s", i + 1, json_is_object(v) ? e.msg : "expected an object");
            goto done;
        }
    }
    json_array_foreach(metrics, i, v) {
        if (!json_is_object(v) || tend_history_add_metric(&hist, v, &e) != TEND_OK) {
            snprintf(msg, sizeof msg, "metrics[%zu]: %s", i + 1, json_is_object(v) ? e.msg : "expected an object");
            goto done;
        }
    }
    tend_history_finish(&hist);
    evaluate_accounts(h->pb, accs, n, &hist, now, luaL_optstring(L, 6, NULL), &out, msg, sizeof msg);
done:
    for (i = 0; i < n; i++) json_decref(accs[i]);
    free(accs);
    json_decref(raw);
    json_decref(events);
    json_decref(metrics);
    tend_history_free(&hist);
    if (msg[0]) {
        tend_buf_free(&out);
        return luaL_error(L, "%s", msg);
    }
    lua_pushlstring(L, out.data ? out.data : "", out.len);
    tend_buf_free(&out);
    return 1;
}

static int l_digest(lua_State *L) {
    handle *h = luaL_checkudata(L, 1, PLAYBOOK_MT);
    if (!h->pb) return luaL_error(L, "the playbook is closed");
    lua_pushstring(L, tend_playbook_digest(h->pb));
    return 1;
}

/* core.send_policy(handle) -> the declared send policy as JSON, or nil */
static int l_send_policy(lua_State *L) {
    handle *h = luaL_checkudata(L, 1, PLAYBOOK_MT);
    if (!h->pb) return luaL_error(L, "the playbook is closed");
    const char *json = tend_playbook_send_policy(h->pb);
    if (json) lua_pushstring(L, json);
    else lua_pushnil(L);
    return 1;
}

static const luaL_Reg core_funcs[] = {
    {"send_policy", l_send_policy},
    {"open", l_open},
    {"evaluate", l_evaluate},
    {"digest", l_digest},
    {"close", pb_close},
    {NULL, NULL},
};

static int open_core(lua_State *L) {
    if (luaL_newmetatable(L, PLAYBOOK_MT)) {
        lua_pushcfunction(L, pb_close);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, pb_close);
        lua_setfield(L, -2, "__close");
    }
    lua_pop(L, 1);
    luaL_newlib(L, core_funcs);
    lua_pushstring(L, lua_tostring(L, lua_upvalueindex(1)));
    lua_setfield(L, -2, "default_playbook");
    return 1;
}

/* os.exit inside the harness: unwinds to the host instead of exiting. */
static int harness_exit(lua_State *L) {
    int code = lua_isboolean(L, 1) ? !lua_toboolean(L, 1) : (int)luaL_optinteger(L, 1, 0);
    lua_pushinteger(L, code);
    lua_setfield(L, LUA_REGISTRYINDEX, EXIT_MARK);
    lua_pushliteral(L, EXIT_MARK);
    return lua_error(L);
}

lua_State *tend_harness_new(const char *default_playbook) {
    tend_error err;
    lua_State *L = tend_limits_newstate((size_t)-1 / 2, &err); /* trusted: no cap */
    if (!L) return NULL;
    luaL_openlibs(L);
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "preload");
    lua_pushstring(L, default_playbook ? default_playbook : "");
    lua_pushcclosure(L, open_core, 1);
    lua_setfield(L, -2, "tend.harness.core");
    tend_register_modules(L, -1); /* tend.json, tend.host for stdlib specs */
    lua_pop(L, 1);
    /* require "tend" in a spec is the spec API; tend.* are the stdlib. */
    const char *stdlib = tend_stdlib_dir();
    lua_getfield(L, -1, "path");
    lua_pushfstring(L, "%s/?.lua;%s/?/init.lua;%s", stdlib, stdlib, lua_tostring(L, -1));
    lua_setfield(L, -3, "path");
    lua_pop(L, 1);
    lua_getfield(L, -1, "preload");
    lua_pushfstring(L, "%s/tend/harness.lua", stdlib);
    if (luaL_loadfilex(L, lua_tostring(L, -1), "t") == LUA_OK) lua_setfield(L, -3, "tend");
    else lua_pop(L, 1); /* reported when a spec requires it */
    lua_pop(L, 3);
    lua_getglobal(L, "os");
    lua_pushcfunction(L, harness_exit);
    lua_setfield(L, -2, "exit");
    lua_pop(L, 1);
    return L;
}

static int run_busted(lua_State *L) {
    lua_getglobal(L, "require");
    lua_pushliteral(L, "busted.runner");
    lua_call(L, 1, 1);
    lua_newtable(L);
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "standalone");
    lua_call(L, 1, 0);
    return 0;
}

int tend_harness_run_busted(lua_State *L, char **args, int n) {
    lua_createtable(L, n, 1);
    lua_pushliteral(L, "tend test");
    lua_rawseti(L, -2, 0);
    for (int i = 0; i < n; i++) {
        lua_pushstring(L, args[i]);
        lua_rawseti(L, -2, i + 1);
    }
    lua_setglobal(L, "arg");
    lua_pushcfunction(L, run_busted);
    tend_error err;
    tend_status st = tend_lua_pcall(L, 0, 0, 0, &err);
    lua_getfield(L, LUA_REGISTRYINDEX, EXIT_MARK);
    int code = lua_isinteger(L, -1) ? (int)lua_tointeger(L, -1) : -1;
    lua_pop(L, 1);
    if (code >= 0) return code;
    if (st != TEND_OK) {
        fprintf(stderr, "tend test: %s\n", err.msg);
        return 1;
    }
    return 0;
}

void tend_harness_close(lua_State *L) { tend_limits_close(L); }

void tend_harness_add_path(lua_State *L, const char *dir) {
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "path");
    lua_pushfstring(L, "%s/?.lua;%s", dir, lua_tostring(L, -1));
    lua_setfield(L, -3, "path");
    lua_pop(L, 2);
}
