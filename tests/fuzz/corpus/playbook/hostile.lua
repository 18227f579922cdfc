local seen, cache = 0, {}
local Class = { n = 0 }
Class.__index = Class
local obj = setmetatable({ x = 1 }, Class)
local gen = coroutine.wrap(function() while true do coroutine.yield(seen) end end)
SHARED = { list = { 1, 2, 3 }, [cache] = true }
segment "all" { touch = "tech" }
rule "r" {
  when = function(a)
    seen = seen + 1
    Class.n = Class.n + 1
    pcall(function() cache[a.id] = true end)
    pcall(gen)
    pcall(function() pairs = nil end)
    _ENV = setmetatable({}, { __index = _G })
    return seen > 1, tostring(next(SHARED.list)) .. obj.x
  end,
  actions = { flag "x", task { "t", data = function(a) return { n = #SHARED.list } end } },
}
