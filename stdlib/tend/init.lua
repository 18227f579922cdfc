--- The `tend` library every playbook sees as the global `tend`: small,
--- pure helpers that turn an account and its timeline into scores and
--- blockers. Domain frameworks live in the tend.* modules beside this one.
local json = require "tend.json"
local graduation = require "tend.graduation"

local tend = {
  json = json,
  -- The domain frameworks (stdlib/DOMAIN.md), one module each.
  segmentation = require "tend.segmentation",   -- S1-S4
  touch = require "tend.touch",                 -- T1-T5
  onboarding = require "tend.onboarding",       -- O1-O5
  graduation = graduation,                      -- G1-G9
  journey = require "tend.journey",             -- J1-J9
  templates = require "tend.templates",         -- C1-C4
}

--- Score function: the latest `assessment` event for a dimension (a CSM's
--- 0-10 rating, DESIGN "Data contract"), or nil when none was recorded.
tend.assessed = graduation.assessed

--- Share of licensed users active, from the latest metric `field`
--- (default weekly_active); nil when either number is missing.
---@param a table
---@param t table
---@param field? string
---@return number|nil
function tend.active_ratio(a, t, field)
  local active = t.latest(field or "weekly_active")
  local licensed = a.licensed_users
  if not active or not licensed or licensed <= 0 then return nil end
  return active / licensed
end

tend.usage = {}

--- Score function 0-10: the active ratio against a target ratio (reaching
--- the target scores 10). DOMAIN G5: the generic target is 0.70 weekly.
---@param opts {target: number, field?: string}
---@return fun(a: table, t: table): number|nil
function tend.usage.active_ratio(opts)
  local target, field = opts.target or 0.70, opts.field
  return function(a, t)
    local r = tend.active_ratio(a, t, field)
    if r == nil then return nil end
    return math.min(10, 10 * r / target)
  end
end

tend.flags = {}

--- Blocker: fewer than `share` of licensed users active (DOMAIN G4: 50%).
---@param share number
---@param field? string
function tend.flags.active_below(share, field)
  return function(a, t)
    local r = tend.active_ratio(a, t, field)
    if r ~= nil and r < share then
      return string.format("only %d%% of licensed users are active (threshold %d%%)",
                           math.floor(r * 100 + 0.5), math.floor(share * 100 + 0.5))
    end
  end
end

--- Blocker: usage falling week over week by more than `drop` (default 10%).
---@param drop? number
---@param field? string
function tend.flags.usage_declining(drop, field)
  drop = drop or 0.10
  return function(_, t)
    local tr = t.trend(field or "weekly_active", "7d")
    if tr ~= nil and tr < -drop then
      return string.format("usage down %d%% week over week", math.floor(-tr * 100 + 0.5))
    end
  end
end

return tend
