--- The graduation scorecard's definition (DOMAIN G1-G5): weights, bands,
--- how each dimension is scored, and the blockers. 30_graduation.lua
--- declares the scorecard from it; rules that act on graduation use
--- `assess`, which computes exactly what the engine does.
local tend = require "tend"
local signals = require "lib.signals"

local M = {}

M.DIMENSIONS = { "technical", "knowledge", "usage", "value", "stakeholder" } -- DOMAIN G1
M.WEIGHTS = { technical = 0.20, knowledge = 0.20, usage = 0.20, value = 0.30, stakeholder = 0.10 } -- DOMAIN G2
M.BANDS = { { 8.0, "ready" }, { 6.0, "close" }, { 0, "not_ready" } } -- DOMAIN G3

M.KNOWLEDGE_PASS = 80       -- DOMAIN G6: knowledge checks pass at 80%
M.ACTIVE_BLOCKER = 0.50     -- DOMAIN G4: fewer than 50% of users active
M.DECLINE_BLOCKER = 0.10    -- DOMAIN G4: "declining" = weekly usage down more than 10%
M.CHAMPION_WINDOW = "90d"   -- DOMAIN G4: a champion who left in the last 90 days

--- Dimension scores derived from signals, used when no CSM `assessment`
--- exists for the dimension. Each returns 0-10, or nil when nothing says.
local derived = {
  -- Systems configured and tested: the customer confirmed go-live.
  technical = function(_, t)
    if t.count("go_live_confirmed") > 0 then return 10 end
    return nil
  end,
  -- DOMAIN G6: the latest training_completed data.score (percent) against
  -- the 80% pass mark.
  knowledge = function(_, t)
    local pct = signals.latest_data(t, "training_completed", "score")
    if type(pct) ~= "number" then return nil end
    return 10 * math.max(0, math.min(1, pct / M.KNOWLEDGE_PASS))
  end,
  -- DOMAIN G5: active shares against the product type's targets.
  usage = signals.usage_score,
  -- DOMAIN P7: the customer's answer to "have you achieved your goal?".
  value = function(_, t)
    local achieved = signals.latest_data(t, "survey_response", "goal_achieved")
    if type(achieved) ~= "boolean" then return nil end
    return achieved and 10 or 0
  end,
  -- Satisfaction: the latest survey_response data.score (0-10, NPS scale).
  stakeholder = function(_, t)
    local score = signals.latest_data(t, "survey_response", "score")
    if type(score) ~= "number" then return nil end
    return math.max(0, math.min(10, score))
  end,
}

--- Score function for a dimension: the latest CSM assessment, else the
--- signal-derived score.
---@param name string
---@return fun(a: table, t: table): number|nil
function M.score(name)
  local assessed, derive = tend.assessed(name), derived[name]
  return function(a, t)
    local s = assessed(a, t)
    if s ~= nil then return s end
    return derive(a, t)
  end
end

--- DOMAIN G4, the red flags this version can see in the data. Each returns
--- a reason, or nil. (Unresolved technical issues, unused core workflows,
--- unmet success criteria and sponsor disengagement have no signal yet;
--- a CSM records them as a low assessment.)
M.BLOCKERS = {
  active_below_half = function(a, t)
    return tend.flags.active_below(M.ACTIVE_BLOCKER, signals.activity_field(a))(a, t)
  end,
  usage_declining = tend.flags.usage_declining(M.DECLINE_BLOCKER),
  champion_left = function(_, t)
    local left = t.events("champion_left", M.CHAMPION_WINDOW)
    if #left > 0 then return "champion left on " .. left[#left].at:sub(1, 10) end
    return nil
  end,
}

local BLOCKER_ORDER = {}
for name in pairs(M.BLOCKERS) do BLOCKER_ORDER[#BLOCKER_ORDER + 1] = name end
table.sort(BLOCKER_ORDER) -- the engine reports blockers in name order too

--- The scorecard for one account, as the engine computes it: unknown
--- dimensions count 0; a blocker keeps the account out of the top band.
---@param a table  the account
---@param t table  its timeline
---@return {total: number, band: string, blockers: string[]}
function M.assess(a, t)
  local total = 0
  for _, name in ipairs(M.DIMENSIONS) do
    total = total + M.WEIGHTS[name] * (M.score(name)(a, t) or 0)
  end
  local band = M.BANDS[#M.BANDS][2]
  for _, b in ipairs(M.BANDS) do
    if total >= b[1] then band = b[2] break end
  end
  local blockers = {}
  for _, name in ipairs(BLOCKER_ORDER) do
    local why = M.BLOCKERS[name](a, t)
    if why then blockers[#blockers + 1] = type(why) == "string" and why or name end
  end
  if #blockers > 0 and band == M.BANDS[1][2] then band = M.BANDS[2][2] end
  return { total = total, band = band, blockers = blockers }
end

--- "8.3 ready" / "8.3 close, blocked: ..." for traces.
---@param g {total: number, band: string, blockers: string[]}
---@return string
function M.describe(g)
  local text = string.format("graduation %.1f %s", g.total, g.band)
  if #g.blockers > 0 then text = text .. ", blocked: " .. table.concat(g.blockers, "; ") end
  return text
end

return M
