-- Continuous improvement feedback (DOMAIN M2): the mid-onboarding "how is it
-- going" check-in, the post-onboarding survey (NPS and open text) after
-- graduation, and an exit interview on churn. The answers come back as
-- survey_response events (data.nps, data.comment), which health and
-- advocacy already read.
local account = require "lib.account"

local AFTER_COMPLETION = 7 -- tend's default: the survey a week after onboarding completes

-- M2: halfway to the onboarding target, ask how it is going.
rule "mid_onboarding_pulse" {
  stage    = "onboarding",
  when     = function(a, t, r)
    local target = account.onboarding_target(a, t, r)
    local day = account.days_since_contract(a, t)
    if target == nil or day == nil then return false, "no contract or target date" end
    local length = day + t.days_until(target)
    local half = length // 2
    return day >= half and day <= half + 1,
           string.format("contract day %d of %d to the target %s (M2: halfway, day %d)", day, length, target, half)
  end,
  once_per = account.contract_date,
  actions  = { email "pulse_check" },
}

-- M2: the post-onboarding survey, a week after onboarding completed (P6).
rule "post_onboarding_survey" {
  when     = function(a, t, r)
    local at = account.completed_at(a, t, r)
    if at == nil then return false, "onboarding not complete" end
    local days = t.days_since_date(at)
    return days >= AFTER_COMPLETION and days <= AFTER_COMPLETION + 1,
           string.format("onboarding completed %d days ago (M2: survey after %d)", days, AFTER_COMPLETION)
  end,
  once_per = function(a, t) return account.contract_date(a, t) or "onboarding" end,
  actions  = { email "nps_survey" },
}

-- M2, P8: an exit interview when a customer churns (a `churned` event).
on "churned" {
  task { "Exit interview", owner = "csm", data = function(_, _, _, e)
    return { reason = e.data.reason, questions = {
      "Why did you decide to leave?", "What would have made you stay?",
      "How was the onboarding (O1-O3) for your team?",
    } }
  end },
}

