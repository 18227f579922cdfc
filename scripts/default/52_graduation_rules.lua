-- Acting on the graduation scorecard (DOMAIN G3, G4, G7, G8, P6, P9): red
-- flags, the completion review, graduation and handoff, extensions. Work for
-- people is a task with an owner, never an automatic message (P8).
local G = tend.graduation
local O = tend.onboarding
local J = tend.journey
local account = require "lib.account"

-- T1, T2: a CSM runs the graduation of high- and low-touch accounts; SMB
-- onboardings end with the day-30 survey instead (O3, P7: 55_tech_touch.lua).
local HUMAN_TOUCH = { "enterprise", "mid_market" }
local READY = G.BANDS[1][2] -- DOMAIN G3: "ready", 8.0+

--- "graduation 8.3 close, blocked: ..." for explanations.
local function describe(g)
  local text = string.format("graduation %.1f %s", g.total, g.band)
  if #g.blockers > 0 then text = text .. ", blocked: " .. table.concat(g.blockers, "; ") end
  return text
end

local function graduation_data(_, _, r)
  local g = r.scorecards.graduation
  return { graduation = { total = g.total, band = g.band, blockers = g.blockers } }
end

--- The onboarding target date, the period of the once-per-target rules.
local function target_of(a, t, r) return (account.onboarding_target(a, t, r)) end

-- DOMAIN G4, G8, G3 --------------------------------------------------------------

-- G4: a red flag blocks graduation whatever the score.
rule "graduation_blocked" {
  stage = "onboarding",
  when  = function(_, _, r)
    local g = r.scorecards.graduation
    return #g.blockers > 0, describe(g)
  end,
  actions = { flag "graduation_blocked" },
}

-- G8: the completion review meeting, 7-14 days before the graduation date.
local function review_due(a, t, r)
  local target = account.onboarding_target(a, t, r)
  if target == nil then return false, "no onboarding target date" end
  local days = t.days_until(target)
  return days >= G.REVIEW.latest and days <= G.REVIEW.earliest,
         string.format("graduation date %s, %s (G8: review %d-%d days before)",
                       target, account.relative(days), G.REVIEW.latest, G.REVIEW.earliest)
end

rule "completion_review" {
  segment  = HUMAN_TOUCH,
  stage    = "onboarding",
  when     = review_due,
  once_per = target_of,
  actions  = { task { "Completion review meeting", owner = "csm", data = graduation_data } },
}

-- G3, P6, P9: ready -> the CSM validates success with the customer, asks for
-- a testimonial and hands off to the ongoing CSM (all human, P8).
local function handoff(a, t, r)
  local data = graduation_data(a, t, r)
  data.health = r.health
  data.expansion_signals = J.expansion_signals(a, t, r)
  data.checklist = {
    "Validate success with the customer against the criteria agreed at kickoff (P6, P8)",
    "Ask for a testimonial or case study (P6)",
    "Handoff to the ongoing CSM: account history, relationship notes, expansion opportunities, health (P9)",
    "Record go_live_confirmed, milestone_reached and value_documented: onboarding ends on that evidence (J3)",
  }
  return data
end

rule "graduation_ready" {
  segment  = HUMAN_TOUCH,
  stage    = "onboarding",
  when     = function(_, _, r)
    local g = r.scorecards.graduation
    return g.band == READY, describe(g)
  end,
  once_per = function(a, t, r) return target_of(a, t, r) or "onboarding" end,
  actions  = { task { "Graduation and handoff", owner = "csm", data = handoff } },
}

-- DOMAIN G7, C3 ---------------------------------------------------------------

-- What a weak dimension asks for before the new date (C3 focus actions).
local FOCUS = {
  technical   = "Finish the configuration, test it end to end and close open technical tickets",
  knowledge   = "Complete the remaining training; knowledge checks pass at 80% (G6)",
  usage       = "Bring active users up to the usage target (G5)",
  value       = "Document the business outcome against the success criteria",
  stakeholder = "Meet the sponsor to realign on goals and next steps",
}

--- G7: the extension this account would get: a specific reason, focus
--- actions and a new date, within 30 days of extension in all.
local function extension(a, t, r)
  local g = r.scorecards.graduation
  local reason = #g.blockers > 0 and table.concat(g.blockers, "; ")
    or string.format("the graduation score is %.1f; graduating needs %.1f (G3)", g.total, G.BANDS[1][1])
  local actions = {}
  for _, d in ipairs(G.DIMENSIONS) do
    local s = g.dimensions[d.name]
    if type(s) ~= "number" or s < G.BANDS[1][1] then actions[#actions + 1] = FOCUS[d.name] end
  end
  if #actions == 0 then actions[1] = "Clear the red flags: " .. reason end
  return G.extension(a, t, { reason = reason, days = G.EXTENSION.max_days, actions = actions })
end

--- The target date has come (and is not yet O5-late), the account is not
--- ready, and `room` says whether days of extension are left.
local function target_reached(room)
  return function(a, t, r)
    local target = account.onboarding_target(a, t, r)
    if target == nil then return false, "no onboarding target date" end
    local past, g = t.days_since_date(target), r.scorecards.graduation
    local when = string.format("target %s, %s; %s", target, account.relative(-past), describe(g))
    if past < 0 or past >= O.LATE_AFTER_DAYS or g.band == READY then return false, when end
    local ext = extension(a, t, r)
    return (ext.days > 0) == room, when .. "; " .. ext.why
  end
end

rule "extension_notice" {
  segment  = HUMAN_TOUCH,
  stage    = "onboarding",
  when     = target_reached(true),
  once_per = target_of,
  actions  = {
    email "extension_notice" { data = function(a, t, r)
      local ext = extension(a, t, r)
      return { reason = ext.reason, focus_actions = ext.actions, new_target_date = ext.new_target_date,
               readiness_criteria = ext.judged_by }
    end },
    task { "Agree the extension plan", owner = "csm", data = function(a, t, r)
      local ext = extension(a, t, r)
      return { reason = ext.reason, focus_actions = ext.actions, new_target_date = ext.new_target_date,
               days = ext.days, record = "an onboarding_extended event {days, new_target_date} (G7)" }
    end },
  },
}

-- G7: 30 days of extension used -> escalate to leadership, no more notices.
rule "extension_escalation" {
  segment  = HUMAN_TOUCH,
  stage    = "onboarding",
  when     = target_reached(false),
  once_per = target_of,
  actions  = { task { "Escalate: extensions used up", owner = "leadership", data = function(a, t, r)
    local ext = extension(a, t, r)
    return { reason = ext.reason, extended_days = ext.already, why = ext.why }
  end } },
}
