-- The journey (DOMAIN J1-J4, J7): six stages, not a pipeline. An account is
-- in every stage whose condition holds (J2); stage changes rest on evidence
-- (J3 go-live, value and milestones; J4 usage; the renewal date and a signed
-- renewal), never on the calendar alone.
local J = tend.journey
local account = require "lib.account"

local MONTH_6, MONTH_12 = 180, 365 -- DOMAIN J1: expansion from month 6, advocacy from month 12

--- Graduated and the contract at least `days` old.
local function live_for(days)
  return function(a, t)
    local age = account.days_since_contract(a, t)
    return age ~= nil and age >= days and account.graduated(a, t)
  end
end

-- DOMAIN J3: onboarding until milestones, documented first value and a
-- confirmed go-live say it is over (however long that takes: O5 catches
-- lateness). An account with no such evidence is onboarding.
local function onboarding(a, t) return not account.graduated(a, t) end

-- DOMAIN J4: adoption until 70%+ of seats are active, 3+ features beyond the
-- first, a login every week for 4 weeks, usage stable and little CSM help;
-- then retention. J2: a champion_left, budget_cut, merger or competitor_demo
-- in the last 90 days sends a retained account back to adoption.
local function retained(a, t, r)
  return account.graduated(a, t) and (J.ready_for_retention(a, t, r)) and #J.regressions(a, t, r) == 0
end
local function adoption(a, t, r) return account.graduated(a, t) and not retained(a, t, r) end

-- DOMAIN J7: inside the segment's runway (enterprise 180, mid-market 90, SMB
-- 60 days before renewal_date) until a renewal is signed in it.
local function renewal(a, t, r)
  local days = J.days_to_renewal(a, t)
  if days == nil or days < 0 then return false end
  local _, runway = J.runway(r.segment)
  return days <= runway and t.days_since("renewal_signed") > runway - days
end

journey {
  stage "onboarding" { when = onboarding },
  stage "adoption"   { when = adoption },
  stage "retention"  { when = retained },
  stage "expansion"  { when = live_for(MONTH_6) },  -- DOMAIN J1, J6
  stage "renewal"    { when = renewal },
  stage "advocacy"   { when = live_for(MONTH_12) }, -- DOMAIN J1, J8
}
