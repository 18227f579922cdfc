--- What an account's timeline says, as small pure functions of (account,
--- timeline). Shared by the journey, the scorecard, the health score and
--- the rules, so each fact is computed one way everywhere.
local calendar = require "lib.calendar"
local segments = require "lib.segments"

local M = {}

-- DOMAIN G5: usage targets by product_type, as shares of licensed users.
-- Periodic-use products ("key users active when needed") have no signal for
-- that in the metrics, so they use the generic minimum, as do unknown types.
M.USAGE_TARGETS = {
  daily    = { weekly_active = 0.80, daily_active = 0.50 },
  weekly   = { monthly_active = 0.70, weekly_active = 0.40 },
  periodic = { weekly_active = 0.70 },
  generic  = { weekly_active = 0.70 },
}

M.ADOPTED = { active = 0.70, features = 3 } -- DOMAIN J4: 70%+ seats active, 3+ features

--- Text for a day count in a trace: "never" for math.huge, "unknown" for nil.
---@param n number|nil
---@return string
function M.days_text(n)
  if n == nil then return "unknown" end
  if n == math.huge then return "never" end
  return string.format("%d", n)
end

--- When the contract was signed: the account field, else the last
--- contract_signed event. nil when neither is known.
---@param a table  the account
---@param t table  its timeline
---@return string|nil
function M.contract_date(a, t)
  if a.contract_signed_at then return a.contract_signed_at end
  local e = t.last("contract_signed")
  return e and e.at or nil
end

--- Calendar days since the contract was signed (day 0 = signing day).
---@param a table  the account
---@param t table  its timeline
---@return integer|nil
function M.days_since_contract(a, t)
  return calendar.days_between(M.contract_date(a, t), t.today)
end

--- Whole days since the last login; math.huge when there was none.
---@param t table  its timeline
---@return number
function M.days_since_login(t)
  return t.days_since("login")
end

--- Days without a login, counted from the contract when there was none yet
--- (a customer signed two days ago is not "idle for ever"). nil when the
--- account has neither a login nor a contract date.
---@param a table  the account
---@param t table  its timeline
---@return number|nil
function M.idle_days(a, t)
  local login, contract = M.days_since_login(t), M.days_since_contract(a, t)
  if contract == nil then return login ~= math.huge and login or nil end
  return math.min(login, contract)
end

--- DOMAIN J3: the customer confirmed go-live (a renewal also proves it).
---@param t table  its timeline
---@return boolean
function M.live(t)
  return t.count("go_live_confirmed") > 0 or t.count("renewal_signed") > 0
end

--- DOMAIN J1/J3: onboarding from the contract until go-live is confirmed;
--- the calendar alone never ends it (J2), lateness is O5's business.
---@param a table  the account
---@param t table  its timeline
---@return boolean
function M.onboarding(a, t)
  return M.contract_date(a, t) ~= nil and not M.live(t)
end

--- DOMAIN P3: a week into onboarding and a week without a login (or none
--- at all). Returns the decision and its explanation.
---@param a table  the account
---@param t table  its timeline
---@return boolean, string
function M.silent_first_week(a, t)
  local day, idle = M.days_since_contract(a, t), M.days_since_login(t)
  local fired = M.onboarding(a, t) and day ~= nil and day >= 7 and idle >= 7
  return fired, string.format("onboarding day %s, days since login %s (P3: both >= 7)",
                              M.days_text(day), M.days_text(idle))
end

--- The product's usage targets (DOMAIN G5).
---@param a table  the account
---@return table<string, number>
function M.usage_targets(a)
  return M.USAGE_TARGETS[a.product_type] or M.USAGE_TARGETS.generic
end

--- The metric that says "a user is active" for this product: monthly for
--- weekly/periodic-use products, weekly otherwise (DOMAIN G5).
---@param a table  the account
---@return string
function M.activity_field(a)
  if a.product_type == "weekly" or a.product_type == "periodic" then return "monthly_active" end
  return "weekly_active"
end

--- Share of licensed users active on the latest metric `field`; nil when
--- either number is unknown.
---@param a table  the account
---@param t table  its timeline
---@param field string
---@return number|nil
function M.active_share(a, t, field)
  local active, licensed = t.latest(field), a.licensed_users
  if active == nil or not licensed or licensed <= 0 then return nil end
  return active / licensed
end

--- DOMAIN G5 as a 0-10 score: each target's share reached (capped at 1),
--- the weakest one counts; nil when no targeted metric is known.
---@param a table  the account
---@param t table  its timeline
---@return number|nil
function M.usage_score(a, t)
  local worst
  for field, target in pairs(M.usage_targets(a)) do
    local share = M.active_share(a, t, field)
    if share ~= nil then
      local reached = math.min(1, share / target)
      worst = worst and math.min(worst, reached) or reached
    end
  end
  return worst and 10 * worst or nil
end

--- DOMAIN J4: adoption succeeded (70%+ seats active, 3+ features used).
---@param a table  the account
---@param t table  its timeline
---@return boolean
function M.adopted(a, t)
  local share, features = M.active_share(a, t, M.activity_field(a)), t.latest("features_used")
  return share ~= nil and share >= M.ADOPTED.active and features ~= nil and features >= M.ADOPTED.features
end

--- The newest value of data[key] among events of `type`; nil when none has it.
---@param t table  its timeline
---@param type_ string
---@param key string
---@return any
function M.latest_data(t, type_, key)
  local list = t.events(type_)
  for i = #list, 1, -1 do
    local v = list[i].data[key]
    if v ~= nil then return v end
  end
  return nil
end

--- Calendar days until renewal_date (negative once past); nil without one.
---@param a table  the account
---@param t table  its timeline
---@return integer|nil
function M.days_to_renewal(a, t)
  return calendar.days_between(t.today, a.renewal_date)
end

--- A renewal was signed within the longest runway (DOMAIN J7: 180 days).
---@param t table  its timeline
---@return boolean
function M.renewed_recently(t)
  return t.count("renewal_signed", "180d") > 0
end

--- Calendar days past the onboarding target (negative before it): the
--- account's onboarding_target_at, else contract + the segment's length
--- (DOMAIN O1-O3). nil when neither date is known.
---@param a table  the account
---@param t table  its timeline
---@return integer|nil
function M.days_past_target(a, t)
  if a.onboarding_target_at then return calendar.days_between(a.onboarding_target_at, t.today) end
  local day = M.days_since_contract(a, t)
  return day and day - segments.ONBOARDING_DAYS[segments.of(a)] or nil
end

return M
