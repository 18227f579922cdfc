-- Onboarding rules: silence in the first week (P3), graduation (G3, G4, G7,
-- G8) and late onboardings (O5). Human work is a task (P8).
local graduation = require "lib.graduation"
local signals = require "lib.signals"

local LATE_AFTER = 30 -- DOMAIN O5: 30+ days past the target is late

-- DOMAIN P3: day 7 with no login -> re-engagement email, flag for human
-- follow-up, alert the assigned CSM.
rule "no_login_7d" {
  stage = "onboarding",
  when  = signals.silent_first_week,
  every = "7d",
  actions = {
    email "reengagement",
    flag "needs_followup",
    notify { channel = "csm_slack", to = "csm" },
  },
}

-- DOMAIN G4: a red flag blocks graduation whatever the score.
local function graduation_blocked(a, t)
  local g = graduation.assess(a, t)
  return #g.blockers > 0, graduation.describe(g)
end

rule "graduation_blocked" {
  stage = "onboarding",
  when  = graduation_blocked,
  actions = { flag "graduation_blocked" },
}

-- DOMAIN G3, G8, P6, P9: ready to graduate -> a completion review and the
-- handoff to the ongoing CSM, both human conversations.
local function ready_to_graduate(a, t)
  local g = graduation.assess(a, t)
  return g.band == graduation.BANDS[1][2], graduation.describe(g)
end

rule "graduation_ready" {
  stage = "onboarding",
  when  = ready_to_graduate,
  every = "14d",
  actions = { task { "Graduation review: confirm success criteria, hand off to the ongoing CSM", owner = "csm" } },
}

-- DOMAIN G7, C3: the target date arrives and the account is not ready ->
-- extension notice, and the CSM sets the reason, actions and new date.
-- SMB onboardings end with the day-30 survey instead (O3, P7).
local function target_day_not_ready(a, t)
  local past, g = signals.days_past_target(a, t), graduation.assess(a, t)
  return past == 0 and g.band ~= graduation.BANDS[1][2],
         string.format("days past onboarding target %s (G7: on the target day); %s",
                       signals.days_text(past), graduation.describe(g))
end

rule "extension_notice" {
  segment = { "enterprise", "mid_market" },
  stage   = "onboarding",
  when    = target_day_not_ready,
  actions = {
    email "extension_notice",
    task { "Extension: agree the reason, focus actions and a new target date (30 days at most)", owner = "csm" },
  },
}

-- DOMAIN O5: 30+ days past the target -> late; it needs a recovery plan.
local function late(a, t)
  local past = signals.days_past_target(a, t)
  return past ~= nil and past >= LATE_AFTER,
         string.format("days past onboarding target %s (O5: late at %d)", signals.days_text(past), LATE_AFTER)
end

rule "late_onboarding" {
  stage = "onboarding",
  when  = late,
  every = "30d",
  actions = {
    flag "late_onboarding",
    task { "Recovery plan: root cause, reset expectations, raise intensity, minimum viable success", owner = "csm" },
  },
}
