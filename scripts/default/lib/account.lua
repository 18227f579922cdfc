--- What the default playbook reads about an account that the stdlib
--- modules leave to the playbook: which date the contract has, how long
--- nobody has logged in, whether onboarding is over, the current onboarding
--- target. Pure functions of (account, timeline[, result so far]).
local graduation = require "tend.graduation"
local journey = require "tend.journey"
local onboarding = require "tend.onboarding"
local evidence = require "tend.evidence"

local M = {}

--- When the contract was signed: `contract_signed_at`, else the latest
--- `contract_signed` event; nil when neither is known.
---@param a table  the account
---@param t table  its timeline
---@return string|nil
function M.contract_date(a, t)
  if a.contract_signed_at then return a.contract_signed_at end
  local e = t.last("contract_signed")
  return e and e.at or nil
end

--- Calendar days since the contract (0 on the signing day); nil when unknown.
---@param a table  the account
---@param t table  its timeline
---@return integer|nil
function M.days_since_contract(a, t)
  local date = M.contract_date(a, t)
  return date and t.days_since_date(date) or nil
end

--- Days without a login: since the last login, or since the contract when
--- nobody has logged in yet (a customer who signed two days ago is not idle
--- "forever"); nil when there is neither a login nor a contract date.
---@param a table  the account
---@param t table  its timeline
---@return integer|nil
function M.idle_days(a, t)
  local login, contract = t.days_since("login"), M.days_since_contract(a, t)
  if login == math.huge then return contract end
  return contract and math.min(login, contract) or login
end

--- The customer said "yes, the goal is achieved" in their latest goal
--- survey (DOMAIN P7): that event, else nil.
---@param t table  its timeline
---@return table|nil event
function M.goal_confirmed(t)
  local achieved, e = evidence.latest_data(t, "survey_response", "goal_achieved")
  if achieved == true then return e end
  return nil
end

--- DOMAIN J3 with J2's "evidence, never the calendar": onboarding is over
--- once milestones are met, first value is documented and the customer
--- confirmed go-live, and (G12) for high- and low-touch accounts the
--- executive sponsor signed off on success; for tech touch the day-30
--- survey's "yes" is the completion evidence on its own (P7). A signed
--- renewal proves it too. While the customer's latest answer says the goal
--- was not achieved, onboarding is not over (G11).
---@param a table  the account
---@param t table  its timeline
---@param r? table  the result so far (its touch model)
---@return boolean
function M.graduated(a, t, r)
  if t.count("renewal_signed") > 0 then return true end
  if graduation.customer_says_unmet(t) then return false end
  local touch = r and r.touch
  if touch == "tech" and M.goal_confirmed(t) then return true end
  if not journey.ready_for_adoption(a, t) then return false end
  return not graduation.SIGNOFF.touches[touch] or t.count(graduation.SIGNOFF.event) > 0
end

--- The first event of `type_` that `keep` accepts (all when nil).
local function first(t, type_, keep)
  for _, e in ipairs(t.events(type_)) do
    if keep == nil or keep(e) then return e end
  end
  return nil
end

--- When onboarding completed (the time the last piece of evidence
--- arrived, see graduated), or nil when it has not, or when only a signed
--- renewal says so (no completion to celebrate).
---@param a table  the account
---@param t table  its timeline
---@param r? table  the result so far
---@return string|nil at
function M.completed_at(a, t, r)
  if not M.graduated(a, t, r) then return nil end
  local touch = r and r.touch
  if touch == "tech" then
    local yes = M.goal_confirmed(t)
    if yes then return yes.at end
  end
  local value = first(t, "value_documented")
  local marked = first(t, "milestone_reached", function(e) return e.data.first_value == true end)
  local said = first(t, "survey_response", function(e) return e.data.goal_achieved == true end)
  local value_at
  for _, e in ipairs { value, marked, said } do
    if value_at == nil or e.at < value_at then value_at = e.at end
  end
  local parts = { first(t, "milestone_reached"), first(t, "go_live_confirmed"),
                  graduation.SIGNOFF.touches[touch] and first(t, graduation.SIGNOFF.event) or nil }
  local at = value_at
  for i = 1, 3 do
    local e = parts[i]
    if i < 3 or graduation.SIGNOFF.touches[touch] then
      if e == nil then return nil end
      if at == nil or e.at > at then at = e.at end
    end
  end
  return at
end

--- The onboarding target date ("YYYY-MM-DD") and where it comes from: the
--- latest extension's new date (G7), else `onboarding_target_at`, else the
--- contract plus the segment's length (O1-O3: enterprise 120, mid-market 60,
--- SMB 30 days). nil when none of these is known.
---@param a table  the account
---@param t table  its timeline
---@param r table  the result so far (its segment)
---@return string|nil date, string how
function M.onboarding_target(a, t, r)
  local ext = t.last(graduation.EXTENSION.event)
  if ext and type(ext.data.new_target_date) == "string" then
    return ext.data.new_target_date:sub(1, 10), "extended on " .. ext.at:sub(1, 10) .. " (G7)"
  end
  local dates = { onboarding_target_at = a.onboarding_target_at, contract_signed_at = M.contract_date(a, t) }
  local date, how = onboarding.target_date(dates, r.segment)
  return date and date:sub(1, 10), how
end

--- The metric that counts active users: the product type's (G5: weekly
--- actives, monthly for weekly- and periodic-use products), else the first
--- the account reports of active_users, weekly_active, monthly_active.
---@param a table  the account
---@param t table  its timeline
---@return string
function M.active_metric(a, t)
  local field = graduation.activity_field(a)
  if t.latest(field) ~= nil then return field end
  for _, other in ipairs { "active_users", "weekly_active", "monthly_active" } do
    if t.latest(other) ~= nil then return other end
  end
  return field
end

local g5_usage = graduation.usage_score() -- DOMAIN G5 by product type

--- Usage 0-10 against DOMAIN G5's targets for the product type (the weakest
--- counting), else the active metric against the generic 70%; nil without
--- metrics.
---@param a table  the account
---@param t table  its timeline
---@return number|nil
function M.usage_score(a, t)
  local s = g5_usage(a, t)
  if s == nil then s = graduation.usage_score { target = 0.70, field = M.active_metric(a, t) }(a, t) end
  return s
end

--- Whether `list` holds `value` (r.flags, r.stages).
---@param list any[]|nil
---@param value any
---@return boolean
function M.has(list, value)
  for _, v in ipairs(list or {}) do
    if v == value then return true end
  end
  return false
end

--- "today", "in 3 days", "2 days ago": a day count from today, for explanations.
---@param days_until integer
---@return string
function M.relative(days_until)
  if days_until == 0 then return "today" end
  local n = math.abs(days_until)
  local text = string.format("%d day%s", n, n == 1 and "" or "s")
  return days_until > 0 and "in " .. text or text .. " ago"
end

--- "never" / "unknown" / the number, for explanations.
---@param n number|nil
---@return string
function M.days_text(n)
  if n == nil then return "unknown" end
  if n == math.huge then return "never" end
  return string.format("%d", n)
end

return M
