-- Tech-touch automation for SMB (DOMAIN T3, P4, P7): automated emails; a
-- human steps in only for stuck or at-risk accounts (no_login_7d, at_risk).
local signals = require "lib.signals"

local IDLE_DAYS = 3      -- DOMAIN P4: no login in 3 days
local FEATURES = 3       -- DOMAIN J4: 3+ features adopted
local SURVEY_DAY = 30    -- DOMAIN O3, P7: success survey on day 30

-- DOMAIN P4: no login in 3 days -> re-engagement email. A silent first week
-- in onboarding is P3's (no_login_7d), which also alerts a human.
local function idle(a, t)
  local days, contract = signals.idle_days(a, t), signals.days_since_contract(a, t)
  if signals.silent_first_week(a, t) then return false, "silent first week: no_login_7d handles it (P3)" end
  return days ~= nil and days >= IDLE_DAYS and contract ~= nil and contract >= IDLE_DAYS,
         string.format("days without login %s (P4: %d)", signals.days_text(days), IDLE_DAYS)
end

rule "tech_touch_idle" {
  segment = "smb",
  when    = idle,
  every   = "7d",
  actions = { email "reengagement" },
}

-- DOMAIN P4: a feature unused -> "how to use it" email. The metrics say how
-- many features are used, not which: fewer than 3 after the first week.
local function few_features(a, t)
  local used, day = t.latest("features_used"), signals.days_since_contract(a, t)
  return used ~= nil and used < FEATURES and day ~= nil and day >= 7,
         string.format("features used %s (J4: %d+), contract day %s",
                       used and string.format("%g", used) or "unknown", FEATURES, signals.days_text(day))
end

rule "feature_howto" {
  segment = "smb",
  stage   = { "onboarding", "adoption" },
  when    = few_features,
  every   = "14d",
  actions = { email "feature_howto" },
}

-- DOMAIN P4: weekly usage summary email, for accounts that used the product
-- this week and are not idle (an idle account gets re-engagement instead).
local function active_this_week(a, t)
  local logins, idle = t.count("login", "7d"), signals.idle_days(a, t)
  return logins > 0 and idle ~= nil and idle < IDLE_DAYS,
         string.format("logins in the last 7 days %d, days without login %s (P4: under %d)",
                       logins, signals.days_text(idle), IDLE_DAYS)
end

rule "weekly_summary" {
  segment = "smb",
  when    = active_this_week,
  every   = "7d",
  actions = { email "weekly_summary" },
}

-- DOMAIN P7: day 30 (SMB) -> "have you achieved your stated goal?" survey.
-- The answer is handled in 60_events.lua.
local function day_30(a, t)
  local day = signals.days_since_contract(a, t)
  return day == SURVEY_DAY, string.format("contract day %s (P7: day %d)", signals.days_text(day), SURVEY_DAY)
end

rule "smb_day30_survey" {
  segment = "smb",
  when    = day_30,
  actions = { email "survey_goal" },
}
