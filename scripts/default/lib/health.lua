--- The health score, 0-100 (DOMAIN J5 names the signals to watch; it gives
--- no formula, so this is the default's own, kept small and explainable).
---
--- Five parts, each 0..1 and weighted; a part with no data is left out and
--- the others are rescaled, so a new account is not "red" for lack of
--- history. Recent regression events (DOMAIN J2) then take points off.
local signals = require "lib.signals"

local M = {}

M.BANDS = { { 70, "green" }, { 40, "yellow" }, { 0, "red" } }

M.WEIGHTS = { usage = 35, recency = 20, sentiment = 20, trend = 15, support = 10 }
M.PARTS = { "usage", "recency", "sentiment", "trend", "support" } -- report order

-- DOMAIN J2: regression triggers, points off when seen in the last 90 days.
M.PENALTIES = { champion_left = 20, budget_cut = 15, merger = 10 }
M.PENALTY_ORDER = { "champion_left", "budget_cut", "merger" }
M.PENALTY_WINDOW = "90d"

local function clamp01(x) return math.max(0, math.min(1, x)) end

--- Each part: (a, t) -> 0..1, or nil when there is no data for it.
local parts = {
  -- DOMAIN G5 usage against the product's targets.
  usage = function(a, t)
    local s = signals.usage_score(a, t)
    return s and s / 10 or nil
  end,
  -- Silent disengagement (J5): full marks up to 7 idle days, none at 30.
  recency = function(a, t)
    local idle = signals.idle_days(a, t)
    if idle == nil then return nil end
    return clamp01((30 - idle) / 23)
  end,
  -- NPS/CSAT (J5): the latest survey_response data.score, 0-10.
  sentiment = function(_, t)
    local score = signals.latest_data(t, "survey_response", "score")
    return type(score) == "number" and clamp01(score / 10) or nil
  end,
  -- Usage trend (J5): flat or rising is full marks, down 25% or more none.
  trend = function(a, t)
    local change = t.trend(signals.activity_field(a), "7d")
    if change == nil then return nil end
    return clamp01(1 + change / 0.25)
  end,
  -- Support volume (J5): each ticket in the last 30 days costs a fifth
  -- (unknown before the contract: no tickets then says nothing).
  support = function(a, t)
    if signals.contract_date(a, t) == nil then return nil end
    return clamp01(1 - t.count("support_ticket", "30d") / 5)
  end,
}

--- The health score (rounded 0-100, as the engine reports it) and how it
--- was made; nil when no part has data.
---@param a table  the account
---@param t table  its timeline
---@return integer|nil score, string explanation
function M.score(a, t)
  local sum, weight, shown = 0, 0, {}
  for _, name in ipairs(M.PARTS) do
    local v = parts[name](a, t)
    if v ~= nil then
      sum, weight = sum + M.WEIGHTS[name] * v, weight + M.WEIGHTS[name]
      shown[#shown + 1] = string.format("%s %.2f", name, v)
    end
  end
  if weight == 0 then return nil, "no health data" end
  local score = 100 * sum / weight
  for _, ev in ipairs(M.PENALTY_ORDER) do
    if t.count(ev, M.PENALTY_WINDOW) > 0 then
      score = score - M.PENALTIES[ev]
      shown[#shown + 1] = string.format("%s -%d", ev, M.PENALTIES[ev])
    end
  end
  score = math.max(0, math.min(100, math.floor(score + 0.5)))
  return score, string.format("health %d (%s)", score, table.concat(shown, ", "))
end

--- The band of a score.
---@param score integer
---@return string
function M.band(score)
  for _, b in ipairs(M.BANDS) do
    if score >= b[1] then return b[2] end
  end
  return M.BANDS[#M.BANDS][2]
end

return M
