-- Tech-touch automation for SMB (DOMAIN T3, P4, P7, O3): automated emails;
-- a human steps in only for stuck or at-risk accounts (tech_touch_escalation
-- below, and no_login_7d, late_onboarding, at_risk for every segment).
local J = tend.journey
local evidence = require "tend.evidence"
local account = require "lib.account"
local say = require "lib.messages"

local IDLE_DAYS = 3       -- DOMAIN P4: no login in 3 days
local FEATURES = J.ADOPTION.initial_features + J.ADOPTION.features_beyond -- DOMAIN J4: 3+ beyond the first
local SURVEY_DAY = 30     -- DOMAIN O3, P7: success survey on day 30
local ANSWER_WITHIN = 7   -- tend's default: no answer a week later is a P4 red flag
local NO_USAGE_DAYS = 14  -- tend's default: P4 "no usage" = two weeks without a login
local DETRACTOR = 6       -- NPS 0-6: a survey problem (P4)

local function idle_data(a, t) return { days_idle = account.idle_days(a, t) } end

-- DOMAIN P4: no login in 3 days -> re-engagement email, weekly while idle.
-- A silent first week already got it from no_login_7d, with a human alert.
local function idle(a, t, r)
  if account.has(r.flags, "needs_followup") then
    return false, "needs_followup already set: no_login_7d sent the re-engagement (P3)"
  end
  local days = account.idle_days(a, t)
  return days ~= nil and days >= IDLE_DAYS, string.format("days without login %s (P4: %d+)", account.days_text(days), IDLE_DAYS)
end

rule "tech_touch_idle" {
  segment = "smb",
  when    = idle,
  every   = "7d",
  actions = { email "reengagement" { data = idle_data } },
}

-- DOMAIN P4: a feature unused -> "how to use it". The metrics say how many
-- features are used, not which: fewer than J4's 4 after the first week. The
-- feature named is attrs.feature_name or a `feature_unused` event's, else a
-- neutral phrase (lib/messages.lua); the link is help_link (05_messages.lua).
local function few_features(a, t)
  local used, day = t.latest("features_used"), account.days_since_contract(a, t)
  return used ~= nil and used < FEATURES and (day == nil or day >= 7),
         string.format("features used %s (J4: %d+), contract day %s",
                       used and string.format("%g", used) or "unknown", FEATURES, account.days_text(day))
end

rule "feature_howto" {
  segment = "smb",
  stage   = { "onboarding", "adoption" },
  when    = few_features,
  every   = "14d",
  actions = { email "feature_howto" { data = function(a, t)
    local used = t.latest("features_used")
    return { features_used = math.tointeger(used) or used, features_target = FEATURES,
             feature_name = say.feature_name(a, t) }
  end } },
}

-- DOMAIN P4: weekly usage summary, for accounts that used the product this
-- week and are not idle (an idle one gets re-engagement instead).
local function active_this_week(a, t)
  local logins, days = t.count("login", "7d"), account.idle_days(a, t)
  return logins > 0 and days ~= nil and days < IDLE_DAYS,
         string.format("logins in 7 days %d, days without login %s (P4: under %d)", logins, account.days_text(days), IDLE_DAYS)
end

local function week_summary(a, t)
  local logins = t.count("login", "7d")
  local lines = { string.format("%d login%s this week", logins, logins == 1 and "" or "s") }
  local active = t.latest(account.active_metric(a, t))
  if active then
    lines[#lines + 1] = a.licensed_users and string.format("%g of %g users active", active, a.licensed_users)
                        or string.format("%g users active", active)
  end
  local features = t.latest("features_used")
  if features then lines[#lines + 1] = string.format("%g feature%s in use", features, features == 1 and "" or "s") end
  return { week_summary = lines }
end

rule "weekly_summary" {
  segment = "smb",
  when    = active_this_week,
  every   = "7d",
  actions = { email "weekly_summary" { data = week_summary } },
}

-- DOMAIN P7, O3: day 30 -> "have you achieved your stated goal?" (sent on
-- the first night from day 30, once per contract). The answer is handled in
-- 60_events.lua; no answer within a week is a red flag below.
local function goal_answered(t) return evidence.latest_data(t, "survey_response", "goal_achieved") ~= nil end

local function survey_due(a, t)
  local day = account.days_since_contract(a, t)
  return day ~= nil and day >= SURVEY_DAY and day < SURVEY_DAY + ANSWER_WITHIN and not goal_answered(t),
         string.format("contract day %s (P7: day %d), goal answered: %s", account.days_text(day), SURVEY_DAY,
                       tostring(goal_answered(t)))
end

rule "smb_day30_survey" {
  segment  = "smb",
  stage    = "onboarding",
  when     = survey_due,
  once_per = account.contract_date,
  -- the goal agreed at the kickoff (or assessed, or in attrs), else a
  -- neutral phrase; survey_link from 05_messages.lua or the account's attrs.
  actions  = { email "survey_goal" { data = function(a, t) return { goal = say.goal(a, t) } end } },
}

-- DOMAIN P4: red flags (no usage, support escalations, survey problems) ->
-- escalate to a human.
local function red_flags(a, t)
  local found = {}
  local days = account.idle_days(a, t)
  if days and days >= NO_USAGE_DAYS then found[#found + 1] = string.format("no usage: %d days without a login", days) end
  for _, e in ipairs(t.events("support_ticket", "14d")) do
    local d = e.data
    if d.escalated == true or d.severity == "high" or d.severity == "critical" then
      found[#found + 1] = "support escalation on " .. e.at:sub(1, 10)
      break
    end
  end
  local surveys = t.events("survey_response", "30d")
  local last = surveys[#surveys]
  local score = last and (last.data.score or last.data.nps)
  if type(score) == "number" and score <= DETRACTOR then
    found[#found + 1] = string.format("survey problem: score %g on %s", score, last.at:sub(1, 10))
  end
  local day = account.days_since_contract(a, t)
  if day and day >= SURVEY_DAY + ANSWER_WITHIN and day < SURVEY_DAY + 2 * ANSWER_WITHIN and not goal_answered(t) then
    found[#found + 1] = string.format("no answer to the day-%d survey by day %d", SURVEY_DAY, day)
  end
  return found
end

rule "tech_touch_escalation" {
  segment = "smb",
  when    = function(a, t)
    local found = red_flags(a, t)
    return #found > 0, #found > 0 and table.concat(found, "; ") .. " (P4)" or "no red flags (P4)"
  end,
  every   = "7d",
  actions = {
    flag "needs_followup",
    task { "Tech-touch escalation", owner = "csm", data = function(a, t) return { red_flags = red_flags(a, t) } end },
  },
}
