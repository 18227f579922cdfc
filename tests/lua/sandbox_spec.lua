--- The sandbox, specified by the attacks it must stop (DESIGN "Sandbox and
--- limits"). Each attack is made by one account, "victim", inside a rule's
--- `when`; it must fail with a clear error for that account only, and the
--- next account evaluated in the same playbook state, "bystander", must
--- evaluate as if nothing had happened: the run goes on for the others.
local tend = require "tend"
local json = tend.json

local MiB = 1024 * 1024
local TIMEOUT_MS = 200
local LIMITS = { eval_timeout = TIMEOUT_MS, mem_limit = 16 * MiB }
local HEAD = 'segment "all" { touch = "tech" }\n'
local BUDGET = "time budget of " .. TIMEOUT_MS .. " ms exceeded"
local MEMORY = "memory limit of 16 MiB exceeded"

---@param prelude? string  playbook code before the rule (runs at load time)
---@param attack string    code run inside `when` for the victim only
---@return string source of rules.lua
local function attack_source(attack, prelude)
  return HEAD .. (prelude or "") .. ([[

rule "attack" {
  when = function(a, t)
    if a.id == "victim" then
%s
    end
    return false, "evaluated"
  end,
  actions = { flag "attacked" },
}
]]):format(attack)
end

--- Opens a playbook (a rules.lua source or a files table); fails the spec
--- with the problems if it does not load.
local function open(files, opts)
  if type(files) == "string" then files = { ["rules.lua"] = files } end
  local pb, problems, msg = tend.playbook_from(files, opts or LIMITS)
  assert(pb, tostring(msg) .. "\n" .. table.concat(problems or {}, "\n"))
  return pb
end

--- The account failed, with this error kind and a message matching pattern.
local function fails_with(result, kind, pattern)
  local e = result.errors and result.errors[1]
  assert(type(e) == "table", "expected the account to fail, got " .. json.encode(result))
  assert.are.equal(kind, e.kind, "error kind (message: " .. tostring(e.message) .. ")")
  assert.matches(pattern, e.message)
  assert.are.same({}, result.flags) -- a failed account decides nothing
  return e
end

--- The attack rule's trace entry in a result.
local function attack_trace(r)
  for _, e in ipairs(r.trace or {}) do
    if e.rule == "attack" then return e end
  end
  return {}
end

--- The next account in the same state evaluates normally.
local function still_evaluates(pb)
  local r = pb:evaluate({ id = "bystander" })
  assert.are.same({}, r.errors, "the bystander failed: " .. json.encode(r.errors))
  assert.are.equal("all", r.segment)
  assert.are.equal("evaluated", attack_trace(r).why)
  return r
end

--- The attack fails with kind/pattern; the bystander after it is fine.
local function blocked(attack, kind, pattern, opts, prelude)
  local pb = open(attack_source(attack, prelude), opts)
  local e = fails_with(pb:evaluate({ id = "victim" }), kind, pattern)
  still_evaluates(pb)
  still_evaluates(pb) -- twice: nothing of the attack lingers in the state
  pb:close()
  return e
end

--- Opening the playbook fails with a problem matching pattern.
local function refused_at_load(source, pattern, opts)
  local pb, problems, msg = tend.playbook_from({ ["rules.lua"] = source }, opts or LIMITS)
  if pb then pb:close() end
  assert.is_nil(pb, "the playbook loaded")
  assert.matches("the playbook", msg)
  assert.matches(pattern, table.concat(problems, "\n"))
  return problems
end

describe("the sandbox", function()
  describe("gives no way out to the operating system", function()
    it("blocks os.execute", function()
      blocked([[os.execute("touch /tmp/tend-sandbox-pwned")]], "runtime",
              "attempt to index a nil value %(global 'os'%)")
    end)

    it("blocks os.exit", function()
      blocked([[os.exit(1)]], "runtime", "attempt to index a nil value %(global 'os'%)")
    end)

    it("blocks io.open", function()
      blocked([[io.open("/etc/passwd"):read("a")]], "runtime", "attempt to index a nil value %(global 'io'%)")
    end)

    it("blocks io.popen through _G", function()
      blocked([[_G.io.popen("id")]], "runtime", "attempt to index a nil value %(field 'io'%)")
    end)

    for _, lib in ipairs { "os", "io", "debug", "package", "ffi", "lfs", "socket" } do
      it(('blocks require "%s"'):format(lib), function()
        blocked(('require "%s"'):format(lib), "runtime",
                ("module '%s' not found in the playbook folder or the stdlib"):format(lib))
      end)
    end

    it("blocks debug access (no debug library, no debug global)", function()
      blocked([[debug.sethook()]], "runtime", "attempt to index a nil value %(global 'debug'%)")
    end)

    it("blocks package.loadlib (no package table)", function()
      blocked([[package.loadlib("/lib/x86_64-linux-gnu/libc.so.6", "system")]], "runtime",
              "attempt to index a nil value %(global 'package'%)")
    end)

    it("blocks dofile", function()
      blocked([[dofile("/etc/passwd")]], "runtime", "attempt to call a nil value %(global 'dofile'%)")
    end)

    it("blocks loadfile", function()
      blocked([[loadfile("/etc/passwd")]], "runtime", "attempt to call a nil value %(global 'loadfile'%)")
    end)

    for _, name in ipairs { "../../etc/passwd", "/etc/passwd", "tend/../../../etc/passwd", "..", "a..b", ".x" } do
      it(('rejects the module name "%s"'):format(name), function()
        blocked(('require %q'):format(name), "runtime",
                "module names are letters, digits, '_' and '%.'")
      end)
    end
  end)

  describe("loads text chunks only", function()
    it("has no string.dump, so no bytecode can be made", function()
      blocked([[load(string.dump(function() end))]], "runtime",
              "attempt to call a nil value %(field 'dump'%)")
    end)

    it("refuses a hand-made binary chunk", function()
      blocked([[assert(load("\27Lua\84\0\25\147\13\10\26\10\4\8\8\120\86\0\0\0\0\0\0\0\0\0\0\0\40\119\64\1"))]],
              "runtime", "binary chunks cannot be loaded in the sandbox")
      blocked([[assert(load("\27Lua\84\0", "=x", "t"))]], "runtime", "attempt to load a binary chunk %(mode is 't'%)")
    end)

    it("refuses a binary chunk even when mode 'b' is asked for", function()
      blocked([[assert(load("\27Lua\84\0", "=x", "bt"))]], "runtime",
              "binary chunks cannot be loaded in the sandbox")
    end)

    it("refuses a reader function (which could hand over bytecode piecewise)", function()
      blocked([[load(function() return nil end)]], "runtime",
              "only text chunks given as strings can be loaded in the sandbox")
    end)

    it("gives a loaded text chunk the sandbox's globals, not the host's", function()
      blocked([[assert(load("return os.execute"))()]], "runtime",
              "attempt to index a nil value %(global 'os'%)")
    end)
  end)

  -- Issue 13, defect 12: what the sandbox keeps of Lua behaves as Lua's.
  describe("conforms to Lua where it does not restrict", function()
    local function why_of(code)
      local pb = open(HEAD .. ([[
rule "attack" {
  when = function(a)
%s
  end,
  actions = { flag "x" },
}
]]):format(code))
      local r = pb:evaluate({ id = "a" })
      pb:close()
      assert.are.same({}, r.errors, json.encode(r.errors))
      return attack_trace(r).why
    end

    it("lets a coroutine yield inside xpcall, as Lua's xpcall does", function()
      assert.are.equal("1 true 2", why_of([[
    local co = coroutine.wrap(function()
      return xpcall(function() coroutine.yield(1) return 2 end, function(m) return "handled: " .. m end)
    end)
    local first = co()
    local ok, second = co()
    return false, first .. " " .. tostring(ok) .. " " .. second]]))
    end)

    it("still runs xpcall's handler on an error after a yield", function()
      assert.are.equal("false handled", why_of([[
    local co = coroutine.wrap(function()
      return xpcall(function() coroutine.yield() error("late") end, function() return "handled" end)
    end)
    co()
    local ok, msg = co()
    return false, tostring(ok) .. " " .. msg]]))
    end)

    it("loads a text chunk when the mode is 'bt' or 't'", function()
      assert.are.equal("3 4", why_of([[
    return false, assert(load("return 3", "three", "bt"))() .. " " .. assert(load("return 4", "four", "t"))()]]))
    end)

    it("refuses a text chunk when the mode is 'b', with Lua's message", function()
      assert.are.equal("attempt to load a text chunk (mode is 'b')", why_of([[
    local f, msg = load("return 1", "x", "b")
    return false, msg]]))
    end)

    it("names chunks as Lua does", function()
      assert.are.equal([=[[string "error('boom')"]:1: boom|custom:1: e|[string "named"]:1: n]=], why_of([=[
    local _, a = pcall(load("error('boom')"))
    local _, b = pcall(load("error('e')", "=custom"))
    local _, c = pcall(load("error('n')", "named"))
    return false, a .. "|" .. b .. "|" .. c]=]))
    end)

    it("reserves the stdlib's chunk names", function()
      blocked([[load("return 1", "@stdlib/tend/engine.lua")]], "runtime", "chunk names starting with '@stdlib/' are reserved")
    end)

    it("reports deep recursion as memory under a cap smaller than Lua's stack limit needs", function()
      -- Lua's stack may grow to a million slots; below about 64 MiB the cap is
      -- reached first, so the account fails with `memory`, not `stack overflow`.
      blocked([[local function f(n) return 1 + f(n + 1) end f(1)]], "memory", MEMORY,
              { eval_timeout = 5000, mem_limit = 16 * MiB })
    end)
  end)

  describe("keeps shared tables read-only", function()
    it("blocks assigning string.upper", function()
      blocked([[string.upper = function() return "pwned" end]], "runtime",
              "attempt to modify read%-only table 'string'")
    end)

    it("blocks rawset(string, ...)", function()
      blocked([[rawset(string, "upper", function() return "pwned" end)]], "runtime",
              "attempt to modify a read%-only table with rawset")
    end)

    it("blocks setmetatable(string, ...)", function()
      blocked([[setmetatable(string, { __index = function() return "pwned" end })]], "runtime",
              "cannot change a protected metatable")
    end)

    it("hides the string metatable (getmetatable('').__index.upper = ...)", function()
      blocked([[getmetatable("").__index.upper = function() return "pwned" end]], "runtime",
              "attempt to index a boolean value")
    end)

    for _, lib in ipairs { "table", "math", "utf8", "coroutine" } do
      it(("blocks writes to %s"):format(lib), function()
        blocked(("%s.extra = 1"):format(lib), "runtime", ("attempt to modify read%%-only table '%s'"):format(lib))
      end)
    end

    it("blocks writes to the stdlib `tend` table and its subtables", function()
      blocked([[tend.flags.active_below = nil]], "runtime", "attempt to modify read%-only table")
      blocked([[rawset(tend, "flags", {})]], "runtime", "attempt to modify a read%-only table with rawset")
    end)

    it("keeps one tenant's tampering out of another tenant's playbook", function()
      local tenant_a = open(HEAD .. [[
local tried = {}
local function try(what, f)
  local ok = pcall(f)
  tried[#tried + 1] = what .. (ok and "=CHANGED" or "=refused")
end
try("string.upper", function() string.upper = function() return "pwned" end end)
try("rawset", function() rawset(string, "upper", function() return "pwned" end) end)
try("setmetatable", function() setmetatable(string, { __index = function() return "pwned" end }) end)
try("string metatable", function() getmetatable("").__index.upper = function() return "pwned" end end)
try("tend.flags", function() tend.flags = nil end)
try("tend.flags.active_below", function() tend.flags.active_below = nil end)
try("rawset tend", function() rawset(tend, "flags", nil) end)
try("table.insert", function() table.insert = nil end)
SHARED = "from tenant A" -- A's own global: allowed, but only A sees it
rule "report" {
  when = function() return false, table.concat(tried, ",") .. "|" .. ("a"):upper() end,
  actions = { flag "x" },
}
]])
      local tenant_b = open(HEAD .. [[
rule "look" {
  when = function()
    return false, string.upper("b") .. "|" .. tostring(SHARED) .. "|" .. type(tend.flags)
      .. "|" .. type(tend.flags.active_below) .. "|" .. ("x"):upper() .. "|" .. type(table.insert)
  end,
  actions = { flag "x" },
}
]])
      local b = tenant_b:evaluate({ id = "b1" })
      assert.are.same({}, b.errors)
      assert.are.equal("B|nil|table|function|X|function", b.trace[1].why)
      local a = tenant_a:evaluate({ id = "a1" })
      assert.are.same({}, a.errors)
      assert.are.equal("string.upper=refused,rawset=refused,setmetatable=refused,string metatable=refused,"
                       .. "tend.flags=refused,tend.flags.active_below=refused,rawset tend=refused,"
                       .. "table.insert=refused|A", a.trace[1].why)
      tenant_a:close()
      tenant_b:close()
    end)
  end)

  describe("enforces the time budget", function()
    it("fails a playbook whose file body loops forever at load time", function()
      refused_at_load("while true do end", "rules%.lua: while loading: .-rules%.lua:1: " .. BUDGET)
    end)

    it("fails a playbook whose load-time loop hides behind pcall", function()
      refused_at_load("while true do pcall(function() while true do end end) end", BUDGET)
    end)

    it("stops an infinite loop inside a rule", function()
      local e = blocked([[while true do end]], "timeout", BUDGET)
      assert.matches("rules%.lua:%d+: in field 'when'", e.traceback)
    end)

    it("stops a loop hidden in coroutine.wrap", function()
      blocked([[coroutine.wrap(function() while true do end end)()]], "timeout", BUDGET)
    end)

    it("stops a loop hidden in coroutine.resume (whose error the playbook ignores)", function()
      blocked([[
      local co = coroutine.create(function() while true do end end)
      local ok = coroutine.resume(co)
      while true do end]], "timeout", BUDGET)
    end)

    it("stops a loop that keeps resuming coroutines that loop", function()
      blocked([[
      while true do
        coroutine.resume(coroutine.create(function() while true do coroutine.yield() end end))
      end]], "timeout", BUDGET)
    end)

    it("cannot be swallowed by the playbook's own pcall", function()
      blocked([[while true do pcall(function() while true do end end) end]], "timeout", BUDGET)
    end)

    it("cannot be swallowed inside a coroutine's pcall", function()
      blocked([[coroutine.wrap(function() while true do pcall(function() while true do end end) end end)()]],
              "timeout", BUDGET)
    end)

    it("stops an error object whose __tostring loops", function()
      blocked([[error(setmetatable({}, { __tostring = function() while true do end end }))]], "timeout", BUDGET)
    end)

    it("stops a pathological pattern match", function()
      blocked([[string.find(string.rep("a", 5000), ".-.-.-.-.-b")]], "timeout", BUDGET)
    end)

    it("stops pathological gsub and gmatch", function()
      blocked([[string.gsub(string.rep("a", 5000), ".-.-.-.-.-b", "")]], "timeout", BUDGET)
      blocked([[for _ in string.gmatch(string.rep("a", 5000), ".-.-.-.-.-b") do end]], "timeout", BUDGET)
    end)

    it("gives the next playbook evaluation a fresh budget after a timeout", function()
      local pb = open(attack_source([[while true do end]]))
      for _ = 1, 3 do
        fails_with(pb:evaluate({ id = "victim" }), "timeout", BUDGET)
        still_evaluates(pb)
      end
      pb:close()
    end)
  end)

  describe("enforces the memory cap", function()
    -- A generous time budget, so the memory cap is what stops these even
    -- on a loaded machine.
    local ROOMY = { eval_timeout = 5000, mem_limit = 16 * MiB }

    it("stops a string.rep memory bomb", function()
      blocked([[local s = string.rep("x", 1 << 30)]], "memory", MEMORY)
    end)

    it("stops a doubling-string memory bomb", function()
      blocked([[local s = "x" while true do s = s .. s end]], "memory", MEMORY, ROOMY)
    end)

    it("stops a table-growth memory bomb", function()
      blocked([[local t = {} for i = 1, math.maxinteger do t[i] = i end]], "memory", MEMORY, ROOMY)
    end)

    for _, opt in ipairs { "stop", "restart", "generational", "incremental", "setpause", "setstepmul" } do
      it(("refuses collectgarbage('%s')"):format(opt), function()
        blocked(("collectgarbage(%q)"):format(opt), "runtime",
                ("collectgarbage%%('%s'%%) is not allowed in the sandbox"):format(opt))
      end)
    end

    it("still catches a memory bomb after collectgarbage('stop') was tried", function()
      blocked([[
      pcall(collectgarbage, "stop")
      local t = {}
      for i = 1, math.maxinteger do t[i] = ("x"):rep(64) .. i end]], "memory", MEMORY, ROOMY)
    end)

    it("ends a loop that swallows memory errors with pcall by the time budget", function()
      blocked([[
      while true do
        pcall(function() local t = {} while true do t[#t + 1] = {} end end)
      end]], "timeout", BUDGET)
    end)

    it("stops deep recursion with a stack overflow", function()
      blocked([[local function f(n) return 1 + f(n + 1) end f(1)]], "runtime", "stack overflow",
              { eval_timeout = 15000, mem_limit = 256 * MiB }) -- a generous budget: the overflow, not the clock, must stop it (slow under ASan or a loaded machine)
    end)

    it("stops deep recursion through metamethods (C stack)", function()
      blocked([[local t = setmetatable({}, {}) getmetatable(t).__index = function(s, k) return s[k] end local _ = t.x]],
              "runtime", "stack overflow")
    end)
  end)

  describe("reads what the playbook returns defensively", function()
    it("fails only the account whose result contains a cycle", function()
      blocked("", "runtime", "cannot encode actions%[1%]%.data%.self.- as JSON: nested too deep %(or a cycle%)", nil,
              [[rule "cycle" {
  when = function(a) return a.id == "victim" end,
  actions = { task { "Call", data = function(a) local d = {} d.self = d return d end } },
}]])
    end)

    it("fails only the account whose result contains NaN", function()
      blocked("", "runtime", "cannot encode actions%[1%]%.data%.x as JSON: NaN is not a JSON number", nil,
              [[rule "nan" {
  when = function(a) return a.id == "victim" end,
  actions = { task { "Call", data = function() return { x = 0/0 } end } },
}]])
    end)

    it("never runs a hostile metatable found inside the result, and does not crash", function()
      local pb = open(HEAD .. [[
HITS = 0
local function hit() HITS = HITS + 1 end
rule "hostile" {
  when = function(a) return a.id == "victim", "evaluated, hits=" .. HITS end,
  actions = { task { "Call", data = function()
    return setmetatable({}, {
      __index = function() hit() return "x" end, __newindex = function() hit() end,
      __len = function() hit() return 1 end, __pairs = function() hit() return next, { x = 1 }, nil end,
      __tostring = function() hit() return "x" end, __eq = function() hit() return true end,
      __concat = function() hit() return "x" end, __name = "hostile", __jsonorder = { "x" },
    })
  end } },
}
]])
      local r = pb:evaluate({ id = "victim" })
      assert.are.same({}, r.errors)
      assert.are.same({}, r.actions[1].data) -- read raw: an empty table, no metamethod consulted
      local b = pb:evaluate({ id = "bystander" })
      assert.are.same({}, b.errors)
      assert.are.equal("evaluated, hits=0", b.trace[1].why)
      pb:close()
    end)

    it("does not let a declared action be changed after validation", function()
      local pb = open(HEAD .. [[
local marked = flag "marked"
rule "attack" {
  when = function(a)
    if a.id ~= "victim" then return false, "evaluated" end
    marked.flag = setmetatable({}, { __index = function() return "x" end })
    return true
  end,
  actions = { marked },
}
]])
      fails_with(pb:evaluate({ id = "victim" }), "runtime", "actions are read%-only once declared")
      still_evaluates(pb)
      pb:close()
    end)

    it("keeps tables inside stdlib lists read-only too (a band list is shared by every rule)", function()
      blocked([[require("tend.graduation").BANDS[1][1] = 0]], "runtime",
              "attempt to modify read%-only table 'tend%.graduation%.BANDS%[1%]'")
    end)

    it("refuses finalizers: Lua runs __gc with hooks off, out of the budget's reach", function()
      blocked([[
      setmetatable({}, { __gc = function() error("finalizer says no") end })
      collectgarbage()
      error("the attack ends here")]], "runtime", "metatables with __gc are not allowed in the sandbox")
    end)
  end)

  -- Issue 13, defects 1 and 2: what one account does must not change what
  -- the next one sees (globals, captured locals, tables, coroutines, random
  -- numbers), so every account is evaluated against the state the playbook
  -- loaded into, whichever worker evaluates it.
  describe("keeps accounts isolated from each other", function()
    local FIXED = "cannot assign the global '%s' while evaluating an account"

    --- Evaluates ids in order in one state; returns each trace's why.
    local function whys(source, ids)
      local pb = open(source)
      local out = {}
      for i, id in ipairs(ids) do
        local r = pb:evaluate({ id = id })
        assert.are.same({}, r.errors, id .. " failed: " .. json.encode(r.errors))
        out[i] = attack_trace(r).why
      end
      pb:close()
      return out
    end

    for _, name in ipairs { "pairs", "ipairs", "type", "next", "tostring" } do
      it(("fails the account that reassigns %s, with file and line, and no later one"):format(name), function()
        blocked(("%s = function() error('poisoned') end"):format(name), "runtime",
                "rules%.lua:%d+: " .. FIXED:format(name))
      end)
    end

    it("keeps the engine working when the attempt is swallowed by pcall", function()
      local pb = open(attack_source([[
      pcall(function() pairs = function() error("poisoned") end end)
      pcall(function() type = function() return "table" end end)
      pcall(function() rawset(_G, "ipairs", nil) end)]]))
      local v = pb:evaluate({ id = "victim" })
      assert.are.same({}, v.errors)
      assert.are.equal("evaluated", attack_trace(v).why)
      still_evaluates(pb)
      pb:close()
    end)

    it("keeps the engine working when the playbook replaces base functions while loading", function()
      -- The stdlib runs in an environment of its own.
      still_evaluates(open(attack_source("", [[
pairs = function() error("poisoned") end
ipairs = nil
type = function() return "table" end
setmetatable = nil
]])))
    end)

    it("refuses writes to the playbook's tables, naming the table, file and line", function()
      blocked([[cache[a.id] = true]], "runtime", "rules%.lua:%d+: cannot set 'victim' in 'cache' while evaluating an account",
              nil, "local cache = {}\n")
      blocked([[table.insert(SEEN.ids, a.id)]], "runtime", "rules%.lua:%d+: cannot set '%[1%]' in 'SEEN%.ids'",
              nil, "SEEN = { ids = {} }\n")
      blocked([[rawset(SEEN, "last", a.id)]], "runtime", "read%-only table", nil, "SEEN = {}\n")
      blocked([[setmetatable(SEEN, {})]], "runtime", "cannot change a protected metatable", nil, "SEEN = {}\n")
    end)

    it("still reads frozen tables as before: index, #, pairs, ipairs, next, rawget, rawlen, metatables", function()
      local why = whys(HEAD .. [[
local config = { limits = { 3, 1, 2 }, name = "x" }
local Point = {}
Point.__index = Point
function Point.norm(p) return p.x + p.y end
local origin = setmetatable({ x = 1, y = 2 }, Point)
rule "attack" {
  when = function()
    local keys = 0
    for _ in pairs(config) do keys = keys + 1 end
    local sum = 0
    for _, v in ipairs(config.limits) do sum = sum + v end
    return false, table.concat({ #config.limits, keys, sum, tostring(next(config) ~= nil), rawget(config, "name"),
      rawlen(config.limits), origin:norm(), tostring(getmetatable(origin) == Point),
      table.concat(config.limits, "") }, " ")
  end,
  actions = { flag "x" },
}
]], { "a" })
      assert.are.equal("3 2 6 true x 3 3 true 312", why[1])
    end)

    it("puts captured locals back after each account: a counter does not run across accounts", function()
      local why = whys(HEAD .. [[
local seen, last = 0, nil
rule "attack" {
  when = function(a)
    seen = seen + 1
    local prev = last
    last = a.id
    return false, "seen=" .. seen .. " previous=" .. tostring(prev)
  end,
  actions = { flag "x" },
}
]], { "a", "b", "c" })
      assert.are.same({ "seen=1 previous=nil", "seen=1 previous=nil", "seen=1 previous=nil" }, why)
    end)

    it("puts metatables back after each account", function()
      local why = whys(HEAD .. [[
local Counter = { n = 0 }
Counter.__index = Counter
local c = setmetatable({}, Counter)
rule "attack" {
  when = function(a)
    Counter.n = Counter.n + 1
    Counter.extra = a.id
    return false, "n=" .. c.n
  end,
  actions = { flag "x" },
}
]], { "a", "b" })
      assert.are.same({ "n=1", "n=1" }, why)
    end)

    it("refuses to resume a coroutine made while loading (its locals would carry)", function()
      blocked([[gen()]], "runtime", "a coroutine created while the playbook loaded cannot be resumed",
              nil, "local gen = coroutine.wrap(function() local i = 0 while true do i = i + 1 coroutine.yield(i) end end)\n")
      blocked([[coroutine.resume(co)]], "runtime", "cannot be resumed or closed",
              nil, "local co = coroutine.create(function() coroutine.yield() end)\n")
    end)

    it("still runs coroutines made while evaluating", function()
      local why = whys(HEAD .. [[
rule "attack" {
  when = function()
    local gen = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i) end end)
    return false, "got " .. gen() + gen() + gen()
  end,
  actions = { flag "x" },
}]], { "a", "b" })
      assert.are.equal("got 6", why[1])
    end)

    it("refuses a declaration made while an account is evaluated", function()
      blocked([[rule "late" { when = function() return true end, actions = { flag "late" } }]], "runtime",
              "rules%.lua:%d+: rule: declarations are made while the playbook loads")
      blocked([[segment "late" { touch = "tech" }]], "runtime", "segment: declarations are made while the playbook loads")
    end)

    it("refuses a playbook module required for the first time while evaluating", function()
      -- The folder stays while the playbook runs (playbook_from removes it).
      local dir = os.tmpname()
      os.remove(dir)
      assert(os.execute("mkdir -p '" .. dir .. "'"))
      for name, text in pairs { ["rules.lua"] = attack_source([[local m = require "helper"]]),
                                ["helper.lua"] = "return { x = 1 }" } do
        local f = assert(io.open(dir .. "/" .. name, "w"))
        f:write(text)
        f:close()
      end
      local pb = assert(tend.playbook(dir, LIMITS))
      fails_with(pb:evaluate({ id = "victim" }), "runtime", "module 'helper' is required for the first time while evaluating")
      still_evaluates(pb)
      pb:close()
      os.execute("rm -rf '" .. dir .. "'")
      local ok = open({ ["rules.lua"] = 'local helper = require "helper"\n' .. attack_source([[
      local m = require "helper"
      if m.x ~= 1 then error("wrong module") end
      m.x = 2]]), ["helper.lua"] = "return { x = 1 }" })
      fails_with(ok:evaluate({ id = "victim" }), "runtime", "cannot set 'x' in 'helper'")
      still_evaluates(ok)
      ok:close()
    end)

    it("gives each account its own reproducible math.random, whatever ran before", function()
      local src = HEAD .. [[
rule "attack" {
  when = function() return false, tostring(math.random(1000000)) .. "," .. tostring(math.random(1000000)) end,
  actions = { flag "x" },
}
]]
      local first = whys(src, { "a", "b", "c" })
      local again = whys(src, { "c", "x", "y", "a" })
      assert.are.equal(first[1], again[4])
      assert.are.equal(first[3], again[1])
      assert.are_not.equal(first[1], first[2])
    end)

    it("refuses collectgarbage('count') while evaluating: its answer depends on earlier accounts", function()
      blocked([[collectgarbage("count")]], "runtime", "collectgarbage%('count'%) is not allowed while evaluating accounts")
    end)

    it("keeps an error message whole when it holds a NUL byte (issue 13, defect 9)", function()
      local e = blocked([[error("customer acme\0 and what follows")]], "runtime", "customer acme\\0 and what follows")
      assert.matches("^[^\n]*rules%.lua:%d+: customer acme", e.message)
    end)

    it("puts back a replaced _ENV", function()
      local why = whys(HEAD .. [[
local function peek() return tostring(MARK) end
rule "attack" {
  when = function(a)
    local before = peek()
    _ENV = { tostring = tostring, MARK = a.id }
    return false, before
  end,
  actions = { flag "x" },
}
]], { "a", "b" })
      assert.are.same({ "nil", "nil" }, why)
    end)
  end)

  describe("keeps host state out of reach outside an evaluation", function()
    it("refuses the timeline at load time", function()
      refused_at_load(HEAD .. [[require("tend.timeline").events("login")]],
                      "the timeline is only available while an account is evaluated")
    end)
  end)
end)

-- Attacks below run in C where the count hook never fires, or run Lua with
-- hooks off, so a failing case hangs instead of failing. They therefore run
-- in child `tend eval` processes, all at once, each killed after DEADLINE
-- seconds; a case passes when its child finishes on its own.
describe("the host, against attacks out of the count hook's sight", function()
  local DEADLINE = 10 -- generous: sanitized builds on a loaded machine are slow to start

  local function quote(s) return "'" .. (s:gsub("'", "'\\''")) .. "'" end

  local function tend_binary()
    local f = assert(io.open("/proc/self/stat"))
    local pid = f:read("n")
    f:close()
    local p = assert(io.popen("readlink /proc/" .. pid .. "/exe"))
    local exe = p:read("l")
    p:close()
    return exe
  end

  local function read(path)
    local f = io.open(path)
    if not f then return "" end
    local s = f:read("a")
    f:close()
    return s
  end

  local CASES = {
    control_loop = attack_source([[while true do end]]),
    gc_loop_in_evaluation = attack_source([[
      local x = setmetatable({}, { __gc = function() while true do end end })
      x = nil
      collectgarbage()]]),
    gc_loop_at_load = attack_source("", [[setmetatable({}, { __gc = function() while true do end end })]]),
    gc_loop_at_close = attack_source([[KEEP = setmetatable({}, { __gc = function() while true do end end })]]),
    close_loop_coroutine_close = attack_source([[
      local co = coroutine.create(function()
        local x <close> = setmetatable({}, { __close = function() while true do end end })
        coroutine.yield()
      end)
      local ok, err = coroutine.resume(co)
      if not ok then error(err, 0) end
      coroutine.close(co)]]),
    close_loop_wrap_error = attack_source([[
      coroutine.wrap(function()
        local x <close> = setmetatable({}, { __close = function() while true do end end })
        error("boom")
      end)()]]),
    xpcall_handler_loop = attack_source([[xpcall(function() while true do end end, function() while true do end end)]]),
    empty_string_rep = attack_source([[string.rep("", 1 << 60)]]),
    table_move = attack_source([[table.move({}, 1, 1 << 50, 2)]]),
  }

  local outcomes
  --- Runs every case once, in parallel; returns name -> outcome.
  local function outcome(name)
    if outcomes then return outcomes[name] end
    outcomes = {}
    local exe = tend_binary()
    local root = os.tmpname()
    os.remove(root)
    assert(os.execute("mkdir -p " .. quote(root)))
    local accounts = root .. "/accounts.jsonl"
    local f = assert(io.open(accounts, "w"))
    f:write('{"id":"victim"}\n{"id":"bystander"}\n')
    f:close()
    local jobs = {}
    for case, source in pairs(CASES) do
      local dir = root .. "/" .. case
      assert(os.execute("mkdir -p " .. quote(dir .. "/pb")))
      local rf = assert(io.open(dir .. "/pb/rules.lua", "w"))
      rf:write(source)
      rf:close()
      jobs[#jobs + 1] = ("(timeout -s KILL %d %s eval --playbook %s --accounts %s --eval-timeout %d --mem-limit 16M"
                         .. " --now 2026-11-22T02:00:00Z >%s 2>%s; echo $? >%s) &")
        :format(DEADLINE, quote(exe), quote(dir .. "/pb"), quote(accounts), TIMEOUT_MS, quote(dir .. "/out"),
                quote(dir .. "/err"), quote(dir .. "/rc"))
    end
    os.execute(table.concat(jobs, " ") .. " wait")
    for case in pairs(CASES) do
      local dir = root .. "/" .. case
      local o = { code = tonumber(read(dir .. "/rc")), stderr = read(dir .. "/err"), accounts = {} }
      for line in read(dir .. "/out"):gmatch("[^\n]+") do
        local r = json.decode(line)
        if r then o.accounts[r.account_id] = r end
      end
      outcomes[case] = o
    end
    os.execute("rm -rf " .. quote(root))
    return outcomes[name]
  end

  --- The child ended by itself; the victim failed with a clear error and
  --- the bystander was evaluated.
  local function contained(case, kinds, patterns)
    local o = outcome(case)
    assert(o.code ~= 137, ("%s: the host hung and was killed after %d s (stderr: %s)"):format(case, DEADLINE, o.stderr))
    assert.are.equal(1, o.code, "exit code (stderr: " .. o.stderr .. ")")
    local v = assert(o.accounts.victim, "no result for the victim")
    local e = assert(v.errors[1], "the victim did not fail: " .. json.encode(v))
    assert.is_true(kinds[e.kind] == true, "error kind " .. tostring(e.kind) .. ": " .. tostring(e.message))
    local matched = false
    for _, p in ipairs(patterns) do matched = matched or e.message:find(p) ~= nil end
    assert(matched, "unclear message: " .. e.message)
    local b = assert(o.accounts.bystander, "no result for the bystander")
    assert.are.same({}, b.errors)
    assert.are.equal("evaluated", attack_trace(b).why)
  end

  it("(control) a plain infinite loop ends with a timeout in a child process", function()
    contained("control_loop", { timeout = true }, { BUDGET })
  end)

  it("stops a __gc finalizer that loops during an evaluation", function()
    contained("gc_loop_in_evaluation", { timeout = true, runtime = true }, { BUDGET, "__gc" })
  end)

  it("stops a __gc finalizer that loops when the host collects after loading", function()
    local o = outcome("gc_loop_at_load")
    assert(o.code ~= 137, ("the host hung and was killed after %d s (stderr: %s)"):format(DEADLINE, o.stderr))
    if o.code == 3 then
      assert.matches("rules%.lua", o.stderr)
    else
      assert.are.same({}, (o.accounts.bystander or {}).errors)
    end
  end)

  it("stops a __gc finalizer that loops when the playbook is closed", function()
    local o = outcome("gc_loop_at_close")
    assert(o.code ~= 137, ("the host hung and was killed after %d s (stderr: %s)"):format(DEADLINE, o.stderr))
  end)

  it("stops a __close handler that loops when coroutine.close closes it", function()
    contained("close_loop_coroutine_close", { timeout = true, runtime = true }, { BUDGET, "__close" })
  end)

  it("stops a __close handler that loops when coroutine.wrap unwinds after an error", function()
    contained("close_loop_wrap_error", { timeout = true, runtime = true }, { BUDGET, "boom", "__close" })
  end)

  it("stops an xpcall message handler that loops after the budget ran out", function()
    contained("xpcall_handler_loop", { timeout = true }, { BUDGET })
  end)

  it("answers string.rep('', huge) at once instead of looping in C", function()
    local o = outcome("empty_string_rep")
    assert(o.code ~= 137, ("the host hung and was killed after %d s (stderr: %s)"):format(DEADLINE, o.stderr))
    assert.are.equal(0, o.code, "exit code (stderr: " .. o.stderr .. ")")
    assert.are.same({}, o.accounts.victim.errors)
    assert.are.equal("evaluated", attack_trace(o.accounts.victim).why)
  end)

  it("stops table.move over a huge empty range, a C loop that allocates nothing", function()
    contained("table_move", { timeout = true, runtime = true }, { BUDGET, "too many" })
  end)
end)
