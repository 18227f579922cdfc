--- DOMAIN G4 red flags as the default playbook reads them: the graduation
--- scorecard's blockers (30_graduation.lua), and what the completion
--- celebration checks (P6: never while a red flag blocks graduation).
--- Each is (a, t, r) -> reason or nil.
local G = require "tend.graduation"
local account = require "lib.account"

local M = {}

-- DOMAIN G4: under 50% of users active, counted on the product's metric
-- (or on whichever active count the account reports).
local function active_below_half(a, t)
  return G.active_below(G.ACTIVE_BLOCKER, account.active_metric(a, t))(a, t)
end

--- The blockers by name (a scorecard's `blockers` table).
M.BLOCKERS = {
  active_below_half      = active_below_half,
  usage_declining        = G.BLOCKERS.usage_declining,      -- weekly actives down 10%+ week over week
  champion_left          = G.BLOCKERS.champion_left,        -- within 90 calendar days
  unresolved_technical   = G.BLOCKERS.unresolved_technical, -- open technical or high/critical tickets
  -- G11: the customer's latest survey says the goal was not achieved, until
  -- a later survey or the sponsor's sign-off confirms it. "Value not
  -- articulated" needs no blocker: without value evidence the value
  -- dimension counts 0, under its floor (G10).
  success_criteria_unmet = G.success_criteria_unmet { require_evidence = false },
  -- G4 red flags people report as events (cleared by a later
  -- red_flag_cleared {flag = <type>}): the sponsor disengaged, internal
  -- resistance, a core workflow unused.
  sponsor_disengaged     = G.BLOCKERS.sponsor_disengaged,
  internal_resistance    = G.BLOCKERS.internal_resistance,
  -- ... and the core workflows the account names (attrs.core_workflows)
  -- without a feature_used event for each in 30 days.
  core_workflows_unused  = function(a, t, r)
    local reported = G.BLOCKERS.core_workflow_unused(a, t, r)
    if reported then return reported end
    local list = type(a.attrs) == "table" and a.attrs.core_workflows or nil
    if type(list) ~= "table" or #list == 0 then return nil end
    return G.core_workflows_unused { workflows = list } (a, t, r)
  end,
}

--- The red flags raised now, in name order.
---@param a table  the account
---@param t table  its timeline
---@param r table  the result so far
---@return string[]
function M.found(a, t, r)
  local names = {}
  for name in pairs(M.BLOCKERS) do names[#names + 1] = name end
  table.sort(names)
  local out = {}
  for _, name in ipairs(names) do
    local why = M.BLOCKERS[name](a, t, r)
    if why then out[#out + 1] = why end
  end
  return out
end

return M
