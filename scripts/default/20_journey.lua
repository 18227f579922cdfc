-- The journey (DOMAIN J1-J4, J7): six stages, not a pipeline. An account is
-- in every stage whose condition holds (J2); stage changes rest on evidence
-- (J3 go-live, value and milestones, G12 the sponsor's sign-off, P7 the
-- day-30 survey; J4 usage; the renewal date and a signed renewal), never on
-- the calendar alone.
local J = tend.journey
local account = require "lib.account"
local vitals = require "lib.health"

local MONTH_6, MONTH_12 = 180, 365 -- DOMAIN J1: expansion typically from month 6, advocacy from month 12

--- DOMAIN J1, J2: graduated and either the contract at least `days` old
--- (the typical window) or, earlier, the stage's own evidence: the J1
--- windows are typical, not gates.
local function live_for(days, evidence)
  return function(a, t, r)
    if not account.graduated(a, t, r) then return false end
    local age = account.days_since_contract(a, t)
    return (age ~= nil and age >= days) or evidence(a, t, r)
  end
end

--- The health score as the health declaration will give it (stages are
--- decided before health; J6 and J8 evidence needs it).
local function with_health(a, t, r)
  local score = vitals.score(a, t)
  return { segment = r.segment, flags = r.flags, health = score and { score = score } or nil }
end

-- DOMAIN J6: an expansion trigger (renewal timing alone is not one: the
-- signals are read without the segment that would add it).
local function expansion_evidence(a, t, r)
  local h = with_health(a, t, r)
  h.segment = nil
  return #J.expansion_signals(a, t, h) > 0
end

-- DOMAIN J8: every required advocacy signal (promoter, renewed, high health).
local function advocacy_evidence(a, t, r) return (J.advocacy_candidate(a, t, with_health(a, t, r))) end

-- DOMAIN J3: onboarding until milestones, documented first value, a
-- confirmed go-live and (G12) the sponsor's sign-off say it is over; for
-- tech touch the day-30 survey's "yes" (P7). However long that takes: O5
-- catches lateness. An account with no such evidence is onboarding.
local function onboarding(a, t, r) return not account.graduated(a, t, r) end

-- DOMAIN J4: adoption until 70%+ of seats are active, 3+ features beyond the
-- first, a login every week for 4 weeks, usage stable and little CSM help;
-- then retention. J2: a champion_left, budget_cut, merger or competitor_demo
-- in the last 90 calendar days sends a retained account back to adoption.
local function retained(a, t, r)
  return account.graduated(a, t, r) and (J.ready_for_retention(a, t, r)) and #J.regressions(a, t, r) == 0
end
local function adoption(a, t, r) return account.graduated(a, t, r) and not retained(a, t, r) end

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
  stage "expansion"  { when = live_for(MONTH_6, expansion_evidence) },  -- DOMAIN J1, J2, J6
  stage "renewal"    { when = renewal },
  stage "advocacy"   { when = live_for(MONTH_12, advocacy_evidence) }, -- DOMAIN J1, J2, J8
}
