/* Tests runtime/lua/pattern.c.
 *
 * 1. Differential: every case runs once against the stock string.find,
 *    match, gmatch and gsub and once against our copies, and the results
 *    (values with their types, or the error message) must be identical.
 *    The copy is meant to behave exactly like Lua 5.4.4 except for
 *    polling the time budget, so any difference is a bug.
 * 2. Budget: a pattern that backtracks for hours in the stock matcher
 *    must stop with the timeout error soon after a 50 ms budget ends.
 *
 * check.h prints each failure, then "N passed, M failed"; exits non-zero
 * if anything failed. */
#define _POSIX_C_SOURCE 200809L

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/status.h"
#include "check.h"
#include "lua/limits.h"
#include "lua/pattern.h"

/* Lua chunks run with S bound to the implementation under test and
 * all(iterator) collecting every gmatch iteration into one string. */
static const char *const cases[] = {
    /* find: plain searches (no specials, or plain=true) */
    "return S.find('hello world', 'o w')",
    "return S.find('hello world', 'o', 6)",
    "return S.find('hello', 'xyz')",
    "return S.find('hello', '')",
    "return S.find('hello', '', 6)",
    "return S.find('hello', '', 10)",
    "return S.find('hello', 'l', -2)",
    "return S.find('hello', 'h', -100)",
    "return S.find('a.b', '.', 1, true)",
    "return S.find('a+b', '+', 1, true)",
    "return S.find('abc', 'b', 1, false)",
    "return S.find('a.c', '.', 2, 1)",
    "return S.find('abc\\0def', 'c\\0d')",
    "return S.find('hello', 'l', 1.0)",
    "return S.find('hello', 'l', 2^53)",
    "return S.find('hello', 'l', math.mininteger)",
    /* find: patterns, anchors, captures */
    "return S.find('hello world', 'l+')",
    "return S.find('hello', '^h')",
    "return S.find('hello', '^e')",
    "return S.find('hello', 'o$')",
    "return S.find('hello', 'l$')",
    "return S.find('a$b', '$b')",
    "return S.find('hello', '(l)(l)')",
    "return S.find('hello', '()ll()')",
    "return S.find('  x', '^%s*')",
    "return S.find('abc\\0def', '%z')",
    "return S.find('abc', '[b-]')",
    "return S.find('a-c', '[b-]', 2)",
    "return S.find(string.rep('a', 30), '.-.-b')",
    "return S.find(string.rep('a', 1000) .. 'b', '.-b')",
    "return S.find(123, '%d')",
    /* match: repetition */
    "return S.match('hello', '.-')",
    "return S.match('hello', '.*')",
    "return S.match('hello', 'l*')",
    "return S.match('hello', 'x*')",
    "return S.match('hello', 'hel?l')",
    "return S.match('helo', 'hel?lo')",
    "return S.match('aaa', 'a-b')",
    "return S.match('aaab', 'a-b')",
    "return S.match('aaab', '^(a+)(b?)$')",
    "return S.match('  trim me  ', '^%s*(.-)%s*$')",
    /* match: captures, position captures, back-references */
    "return S.match('key = value', '(%w+)%s*=%s*(%w+)')",
    "return S.match('2024-01-15', '(%d+)-(%d+)-(%d+)')",
    "return S.match('hello', '(h)(e)(l)(l)(o)')",
    "return S.match('aaa', '(a*(.)%w(%s*))')",
    "return S.match('abcabc', '(abc)%1')",
    "return S.match('abab', '(a)(b)%1%2')",
    "return S.match('xyz', '(x)y%1')",
    "return S.match('hello', '()')",
    "return S.match('hello', '(()l)')",
    "return S.match('hello', 'l', -2)",
    "return S.match('hello', '.', 10)",
    /* match: %b, %f, sets, classes */
    "return S.match('f(a(b)c)d', '%b()')",
    "return S.match('[[x]]', '%b[]')",
    "return S.match('f(a(b', '%b()')",
    "return S.match('THE (quick) fox', '%f[%a]%a+')",
    "return S.match('THE (quick) fox', '%f[%l]%a+')",
    "return S.match('hello world', '%f[%w]%w+$')",
    "return S.match('abc', '%f[%z]')",
    "return S.match('abc123', '[%a]+')",
    "return S.match('abc123', '[^%a]+')",
    "return S.match('abc-123', '[a-c%-]+')",
    "return S.match('x]y', '[]]')",
    "return S.match('x^y', '[%^]')",
    "return S.match('x^y', '[^^x]')",
    "return S.match('a1 B2', '%u%d')",
    "return S.match('\\t\\n x', '%s+()')",
    "return S.match('abc', '%A')",
    "return S.match('ab!c', '%p')",
    "return S.match('0x1F', '0x(%x+)')",
    "return S.match('ab c', '%g+')",
    "return S.match('\\1\\2a', '%c+')",
    "return S.match('caf\\195\\169!', '[\\128-\\255]+')",
    "return S.match('a.b', '%.')",
    /* errors from the matcher */
    "return S.find('a', '%')",
    "return S.find('a', '[a')",
    "return S.match('a', '[')",
    "return S.match('a', '[^')",
    "return S.match('a', '[%')",
    "return S.find('a', '(%1)')",
    "return S.match('a', '%2')",
    "return S.match('aa', '(a)%2')",
    "return S.match('a', '(a')",
    "return S.match('a', 'a)')",
    "return S.match('a', '%b')",
    "return S.match('a', '%bx')",
    "return S.match('a', '%fa')",
    "return S.match('a', string.rep('(', 40) .. 'a' .. string.rep(')', 40))",
    "return S.match(string.rep('a', 300), string.rep('a?', 250))",
    /* argument errors */
    "return S.find(nil, 'a')",
    "return S.find('a', 'a', 'x')",
    "return S.match('a')",
    "return S.gsub('abc', 'b', true)",
    "return S.gsub('abc', 'b')",
    "return S.gsub('abc', 'b', 'x', 'y')",
    "return S.gmatch({}, 'a')",
    /* gsub: string replacement */
    "return S.gsub('hello world', 'o', '0')",
    "return S.gsub('hello world', 'o', '0', 1)",
    "return S.gsub('hello world', 'o', '0', 0)",
    "return S.gsub('hello world', 'o', '0', -1)",
    "return S.gsub('hello world', 'o', '0', 1.0)",
    "return S.gsub('hello world', '(%w+)', '<%1>')",
    "return S.gsub('hello world', '%w+', '%0 %0')",
    "return S.gsub('hello world', '(%w+) (%w+)', '%2 %1')",
    "return S.gsub('hello', '', '-')",
    "return S.gsub('', '', 'x')",
    "return S.gsub('abc', '%w', '%%')",
    "return S.gsub('abc', '', '%0')",
    "return S.gsub('abc', '()', '%1')",
    "return S.gsub('abc', '.-', '[%0]')",
    "return S.gsub('abc', 'x*', '-')",
    "return S.gsub('a,b,,c', ',', ';', 2)",
    "return S.gsub('hello', '^h', 'H')",
    "return S.gsub('hhh', '^h', 'H')",
    "return S.gsub('hello', 'xyz', 'H')",
    "return S.gsub('hello world', 'o', 0)",
    "return S.gsub(12345, '3', 'x')",
    "return S.gsub('abc', '(b)', '%2')",
    "return S.gsub('abc', 'b', '%x')",
    "return S.gsub('abc', 'b', 'x%')",
    /* gsub: table and function replacement */
    "return S.gsub('$name is $age', '%$(%w+)', {name = 'Bob', age = 42})",
    "return S.gsub('$name $missing', '%$(%w+)', {name = 'Bob'})",
    "return S.gsub('abc', '%w', {a = false})",
    "return S.gsub('abc', '.', {a = 1, b = 2.5})",
    "return S.gsub('abc', 'b', {b = {}})",
    "return S.gsub('abc', '[ac]', {a = '1', c = true})",
    "return S.gsub('abc', '()b', {[2] = 'two'})",
    "return S.gsub('abc', '%w', function(c) return c:upper() .. '.' end)",
    "return S.gsub('abc', '%w', function(c) if c ~= 'b' then return 'X' end end)",
    "return S.gsub('hello', 'l+', function(s) return #s end)",
    "return S.gsub('k=v', '(%w)=(%w)', function(a, b) return b .. '=' .. a end)",
    "return S.gsub('abc', 'b', function() return {} end)",
    "return S.gsub('abc', 'b', function() error('boom', 0) end)",
    /* gmatch */
    "return all(S.gmatch('one two three', '%a+'))",
    "return all(S.gmatch('k1=v1, k2=v2', '(%w+)=(%w+)'))",
    "return all(S.gmatch('abc', ''))",
    "return all(S.gmatch('abc', '.-'))",
    "return all(S.gmatch('abc', 'x*'))",
    "return all(S.gmatch('aXbXc', '[^X]*'))",
    "return all(S.gmatch('hello world', '%a+', 3))",
    "return all(S.gmatch('hello world', '%a+', -5))",
    "return all(S.gmatch('hello world', '%a+', -100))",
    "return all(S.gmatch('hello', '.', 10))",
    "return all(S.gmatch('hello', '.', 6))",
    "return all(S.gmatch('hello', '()l'))",
    "return all(S.gmatch('a^b^', '^.'))",
    "return all(S.gmatch('f(a)(b(c))', '%b()'))",
    "return all(S.gmatch('THE quick', '%f[%a]%a'))",
    "return all(S.gmatch('abc', '%'))",
    "return all(S.gmatch('abc', '(%1)'))",
};

/* Returns run(S, code): the results of code with S as the string
 * functions, serialised with their types, or "error <message>". */
static const char harness[] =
    "local function val(v)\n"
    "  return (math.type(v) or type(v)) .. ':' .. tostring(v)\n"
    "end\n"
    "local function ser(...)\n"
    "  local t = {}\n"
    "  for i = 1, select('#', ...) do t[i] = val((select(i, ...))) end\n"
    "  return table.concat(t, ', ')\n"
    "end\n"
    "local function all(it)\n"
    "  local t = {}\n"
    "  for _ = 1, 1000 do\n"
    "    local r = table.pack(it())\n"
    "    if r[1] == nil then break end\n"
    "    t[#t + 1] = '{' .. ser(table.unpack(r, 1, r.n)) .. '}'\n"
    "  end\n"
    "  return table.concat(t, ' ')\n"
    "end\n"
    "return function(S, code)\n"
    "  local env = setmetatable({S = S, all = all}, {__index = _G})\n"
    "  local f = assert(load(code, '=case', 't', env))\n"
    "  local r = table.pack(pcall(f))\n"
    "  return (r[1] and 'ok ' or 'error ') .. ser(table.unpack(r, 2, r.n))\n"
    "end\n";

static const char *const names[] = {"find", "match", "gmatch", "gsub"};

/* detail: indented lines, each ending in a newline, shown on failure. */
static void report(int ok, const char *what, const char *detail) { CHECK_WHY(ok, "FAIL %s\n%s", what, detail); }

/* Runs every case against both implementations. Stack: run, stock, ours. */
static void test_differential(void) {
    lua_State *L = luaL_newstate();
    luaL_openlibs(L);
    if (luaL_dostring(L, harness) != LUA_OK) {
        report(0, "harness", lua_pushfstring(L, "  %s\n", lua_tostring(L, -1)));
        lua_close(L);
        return;
    }
    /* The stock functions, taken before anything is replaced. */
    lua_newtable(L);
    lua_getglobal(L, "string");
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        lua_getfield(L, -1, names[i]);
        lua_setfield(L, -3, names[i]);
    }
    lua_pop(L, 1);
    lua_newtable(L);
    tend_pattern_install(L, -1);

    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        int broken = 0; /* a case that does not compile compares equal */
        for (int impl = 2; impl <= 3; impl++) {
            lua_pushvalue(L, 1);
            lua_pushvalue(L, impl);
            lua_pushstring(L, cases[i]);
            broken |= lua_pcall(L, 2, 1, 0) != LUA_OK;
        }
        int same = lua_rawequal(L, -2, -1);
        const char *detail = lua_pushfstring(L, "  stock: %s\n  ours:  %s\n",
                                             lua_tostring(L, -2), lua_tostring(L, -1));
        report(same && !broken, cases[i], detail);
        lua_pop(L, 3);
    }
    lua_close(L);
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The stock matcher takes hours here; ours must honour a 50 ms budget. */
static void test_budget(void) {
    static const char code[] =
        "return string.find(string.rep('a', 5000), '.-.-.-.-.-b')";
    const char *what = "budget: pathological find stops with the timeout error";
    char detail[TEND_ERROR_MAX + 64];
    tend_error err;
    lua_State *L = tend_limits_newstate(64 << 20, &err);
    if (!L) {
        snprintf(detail, sizeof detail, "  newstate: %s\n", err.msg);
        report(0, what, detail);
        return;
    }
    luaL_openlibs(L);
    lua_getglobal(L, "string");
    tend_pattern_install(L, -1);
    lua_pop(L, 1);
    luaL_loadstring(L, code);

    double start = now_ms();
    tend_limits_begin(L, 50);
    int rc = lua_pcall(L, 0, LUA_MULTRET, 0);
    double elapsed = now_ms() - start;
    tend_limits_end(L);

    const char *msg = rc != LUA_OK ? lua_tostring(L, -1) : NULL;
    int ok = msg && strstr(msg, TEND_TIMEOUT_MSG) && elapsed < 2000;
    snprintf(detail, sizeof detail, "  pcall %s after %.0f ms: %s\n",
             rc != LUA_OK ? "failed" : "succeeded", elapsed, msg ? msg : "(no error)");
    report(ok, what, detail);
    tend_limits_close(L);
}

int main(void) {
    test_differential();
    test_budget();
    return check_report();
}
