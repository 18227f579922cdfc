-- Onboarding that stalls: silence in the first weeks (DOMAIN P3) and
-- onboardings 30+ days past their target (O5). The graduation decision is
-- in 52_graduation_rules.lua. Work for people is a task with an owner (P8).
local O = tend.onboarding
local account = require "lib.account"

-- DOMAIN P3 ------------------------------------------------------------------

-- Day 7 with no login -> re-engagement email, flag for human follow-up, alert
-- the assigned CSM; again each week the silence lasts.
local function silent_week(a, t)
  local day, idle = account.days_since_contract(a, t), t.days_since("login")
  return day ~= nil and day >= 7 and idle >= 7,
         string.format("onboarding day %s, days since login %s (P3: 7+ each)",
                       account.days_text(day), account.days_text(idle))
end

rule "no_login_7d" {
  stage = "onboarding",
  when  = silent_week,
  every = "7d",
  actions = {
    email "reengagement" { data = function(a, t) return { days_idle = account.idle_days(a, t) } end },
    flag "needs_followup",
    notify { channel = "csm_slack", to = "csm", text = function(a, t)
      return string.format("%s: no login for %s days, onboarding day %s (P3)", a.name or a.id,
                           account.days_text(account.idle_days(a, t)), account.days_text(account.days_since_contract(a, t)))
    end },
  },
}

-- DOMAIN O5 --------------------------------------------------------------------

-- 30+ days past the target -> late: a recovery plan (root cause, reset
-- expectations, raise intensity, minimum viable success).
local function late(a, t, r)
  local target, how = account.onboarding_target(a, t, r)
  if target == nil then return false, "no onboarding target date" end
  local past = t.days_since_date(target)
  return past >= O.LATE_AFTER_DAYS,
         string.format("onboarding target %s, %s (%s; O5: late %d days after)", target, account.relative(-past), how,
                       O.LATE_AFTER_DAYS)
end

rule "late_onboarding" {
  stage    = "onboarding",
  when     = late,
  once_per = function(a, t, r) return (account.onboarding_target(a, t, r)) end,
  actions  = {
    flag "late_onboarding",
    task { "Recovery plan", owner = "csm", data = function(_, _, r)
      local g = r.scorecards.graduation
      return { steps = O.recovery_plan(#g.blockers > 0 and table.concat(g.blockers, "; ") or nil) }
    end },
  },
}
