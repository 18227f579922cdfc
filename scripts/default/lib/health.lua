--- The health score, 0-100. DOMAIN J5 names the signals to watch but gives
--- no formula; this is the default playbook's own, small and explainable.
---
--- Five parts, each 0..1 and weighted; a part without data is left out and
--- the others are rescaled, so a new account is not red for lack of
--- history. Regression events (J2) seen in the last 90 days then take
--- points off.
local evidence = require "tend.evidence"
local journey = require "tend.journey"
local account = require "lib.account"

local M = {}

M.BANDS = { { 70, "green" }, { 40, "yellow" }, { 0, "red" } }

M.WEIGHTS = { usage = 35, recency = 20, sentiment = 20, trend = 15, support = 10 }
M.PARTS = { "usage", "recency", "sentiment", "trend", "support" } -- report order

-- DOMAIN J2: points off for a regression event within journey.REGRESSION_WINDOW.
M.PENALTIES = { champion_left = 20, budget_cut = 15, merger = 10, competitor_demo = 10 }

local function clamp01(x) return math.max(0, math.min(1, x)) end

--- Each part: (a, t) -> 0..1, or nil when there is no data for it.
local parts = {
  -- DOMAIN G5: usage against the product type's targets.
  usage = function(a, t)
    local s = account.usage_score(a, t)
    return s and s / 10 or nil
  end,
  -- DOMAIN J5 silent disengagement: full marks up to 7 idle days, none at 30.
  recency = function(a, t)
    local idle = account.idle_days(a, t)
    return idle and clamp01((30 - idle) / 23) or nil
  end,
  -- DOMAIN J5 NPS/CSAT: the latest survey_response score (0-10), else its NPS.
  sentiment = function(_, t)
    local s = evidence.latest_data(t, "survey_response", "score")
    if type(s) ~= "number" then s = evidence.latest_data(t, "survey_response", "nps") end
    return type(s) == "number" and clamp01(s / 10) or nil
  end,
  -- DOMAIN J5 usage trend: flat or rising is full marks, down 25% or more none.
  trend = function(a, t)
    local change = t.trend(account.active_metric(a, t), "7d")
    return change and clamp01(1 + change / 0.25) or nil
  end,
  -- DOMAIN J5 support volume: each ticket in the last 30 days costs a fifth
  -- (silent before the contract: no tickets then says nothing).
  support = function(a, t)
    if account.contract_date(a, t) == nil then return nil end
    return clamp01(1 - t.count("support_ticket", "30d") / 5)
  end,
}

--- The health score (0-100, rounded as the engine reports it) and how it
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
  for _, g in ipairs(journey.REGRESSIONS) do
    local off = M.PENALTIES[g.event]
    if off and evidence.count_within(t, g.event, journey.REGRESSION_WINDOW) > 0 then -- calendar days
      score = score - off
      shown[#shown + 1] = string.format("%s -%d", g.event, off)
    end
  end
  score = math.max(0, math.min(100, math.floor(score + 0.5)))
  return score, string.format("health %d (%s)", score, table.concat(shown, ", "))
end

return M
