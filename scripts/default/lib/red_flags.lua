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
