--- DOMAIN G13 as a property of the engine: for every whole-number score
--- set of the G2 scorecard (11^5 = 161,051 sets), the band is the one of
--- the total as shown (one decimal), and the shown total is the exact
--- weighted sum; exact boundaries belong to the upper band. Also health
--- bands (0-100, shown as an integer).
local engine = require "tend.engine"
local graduation = require "tend.graduation"

local DIMS = { "technical", "knowledge", "usage", "value", "stakeholder" }

--- A compiled playbook with just the G2 scorecard, scores from the account.
local function evaluator(extra, floor)
  local dims = {}
  for i, name in ipairs(DIMS) do
    dims[i] = { name = name, weight = graduation.WEIGHTS[name], score = function(a) return a.s[i] end }
  end
  local decl = { segments = {}, journey = {}, rules = {}, handlers = {}, templates = {}, message_vars = {},
                 scorecards = { { name = "g", dimensions = dims, bands = graduation.BANDS, blockers = {}, floor = floor } } }
  for k, v in pairs(extra or {}) do decl[k] = v end
  local t = { _why = function() return "" end }
  return engine.compile(decl, t)
end

describe("G13: the band is decided on the total as shown", function()
  it("G13: bands every one of the 161,051 whole-number score sets on its exact one-decimal total", function()
    local evaluate = evaluator()
    local wrong, n = {}, 0
    local s = {}
    for t = 0, 10 do for k = 0, 10 do for u = 0, 10 do for v = 0, 10 do for st = 0, 10 do
      s[1], s[2], s[3], s[4], s[5] = t, k, u, v, st
      local g = evaluate({ id = "x", s = s }, 0).scorecards.g
      local tenths = 2 * t + 2 * k + 2 * u + 3 * v + st -- G2 weights 20/20/20/30/10, in tenths
      local band = tenths >= 80 and "ready" or tenths >= 60 and "close" or "not_ready"
      n = n + 1
      if g.band ~= band or g.total * 10 ~= tenths then
        if #wrong < 5 then wrong[#wrong + 1] = string.format("%d,%d,%d,%d,%d: %s %s", t, k, u, v, st, g.total, g.band) end
      end
    end end end end end
    assert.are.equal(161051, n)
    assert.same({}, wrong)
  end)

  it("G13: graduation.assess agrees with the engine (8.0 ready, 6.0 close, 7.9 close)", function()
    local function band(t, k, u, v, s)
      return graduation.assess({ technical = t, knowledge = k, usage = u, value = v, stakeholder = s }).band
    end
    assert.are.equal("ready", band(7, 8, 8, 9, 7))
    assert.are.equal(8, graduation.total({ technical = 7, knowledge = 8, usage = 8, value = 9, stakeholder = 7 }))
    assert.are.equal("close", band(0, 5, 9, 8, 8)) -- 6.0 (under the top band, the floor does not apply)
    assert.are.equal("close", band(7, 8, 8, 9, 6)) -- 7.9
    assert.are.equal("close", band(10, 10, 10, 10, 0)) -- 9.0, stakeholder under its floor (G10)
  end)

  it("G13: health is banded on the integer shown: 69.5 shows 70 and is green, 39.49 shows 39 and is red", function()
    local function health(x)
      local evaluate = evaluator { scorecards = {}, health = { score = function() return x end,
                                                              bands = { { 70, "green" }, { 40, "yellow" }, { 0, "red" } } } }
      local h = evaluate({ id = "x" }, 0).health
      return h.score, h.band
    end
    assert.same({ 70, "green" }, { health(69.5) })
    assert.same({ 69, "yellow" }, { health(69.49) })
    assert.same({ 40, "yellow" }, { health(40) })
    assert.same({ 39, "red" }, { health(39.49) })
  end)
end)

describe("G10: floors in the engine", function()
  it("G10: a dimension under its floor holds a top-band total back and names it; under the top band it does not", function()
    assert.are.equal("ready", evaluator()({ id = "x", s = { 10, 10, 10, 10, 0 } }, 0).scorecards.g.band) -- no floor
    local evaluate = evaluator(nil, 6.0)
    local g = evaluate({ id = "x", s = { 10, 10, 10, 10, 0 } }, 0).scorecards.g
    assert.are.equal("close", g.band)
    assert.same({ "stakeholder 0.0 is under its floor 6.0 (G10)" }, g.blockers)
    g = evaluate({ id = "x", s = { 10, 10, 6, 10, 6 } }, 0).scorecards.g -- exactly on the floor
    assert.are.equal("ready", g.band)
    g = evaluate({ id = "x", s = { 0, 5, 9, 8, 8 } }, 0).scorecards.g -- 6.0: close, no blocker
    assert.same({ "close", {} }, { g.band, g.blockers })
  end)
end)
