-- Acting on the graduation scorecard (DOMAIN G3, G4, G7, G8, P6, P9): red
-- flags, the completion review, graduation and handoff, extensions. Work for
-- people is a task with an owner, never an automatic message (P8).
local G = tend.graduation
local O = tend.onboarding
local J = tend.journey
local account = require "lib.account"
local red_flags = require "lib.red_flags"
local say = require "lib.messages"

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

local function pct(x) return string.format("%d%%", math.floor(x * 100 + 0.5)) end

-- G5: 30-40% of users active is a warning: flag it with its reason, to
-- investigate before graduation (at or under 40%; under 50% also blocks, G4).
local function usage_warning(a, t)
  local field = account.active_metric(a, t)
  local share = G.active_share(a, t, { field = field })
  if share == nil then return false, "no usage data (G5)" end
  local band = string.format("the %s-%s warning band (G5)", pct(G.USAGE_WARNING.from), pct(G.USAGE_WARNING.to))
  local text = string.format("%s of licensed users active (%s)", pct(share), field)
  if share > G.USAGE_WARNING.to then return false, text .. ", above " .. band end
  return true, string.format("%s: %s %s", text, share >= G.USAGE_WARNING.from and "in" or "under", band)
end

rule "usage_warning" {
  stage   = "onboarding",
  when    = usage_warning,
  actions = { flag "usage_warning" },
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

--- The review's agenda: the scorecard, and the sign-off it must ask for (G12).
local function review_data(a, t, r)
  local data = graduation_data(a, t, r)
  data.signoff = t.count(G.SIGNOFF.event) > 0 and "recorded"
    or "ask the executive sponsor to sign off on success (record a sponsor_signoff event, G12)"
  return data
end

rule "completion_review" {
  segment  = HUMAN_TOUCH,
  stage    = "onboarding",
  when     = review_due,
  once_per = target_of,
  actions  = { task { "Completion review meeting", owner = "csm", data = review_data } },
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
    "Get the executive sponsor's sign-off on success and record it (a sponsor_signoff event): until then the "
      .. "account is ready but not complete (G12)",
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

--- DOMAIN C3: usage's specific shortfall from the metrics, in the
--- account's language ("usage 55%; the graduation threshold is 70%"); nil
--- when a CSM assessed usage instead.
local function usage_shortfall(a, t)
  if t.last("assessment", { dimension = "usage" }) then return nil end
  local field = account.active_metric(a, t)
  local thresholds = G.usage_thresholds(a)
  local th = thresholds[1]
  for _, x in ipairs(thresholds) do if x.field == field then th = x end end
  local share = G.active_share(a, t, { field = field, of = th.of })
  if share == nil then return say.phrase(a, "usage_unknown", pct(th.share)) end
  return say.phrase(a, "usage_short", pct(share), pct(th.share))
end

--- C3: the reason an account is not ready: its red flags, else what falls
--- short, weakest first: usage against its G5 threshold, the other
--- dimensions under the ready line with their scores (never a bare total).
local function not_ready_reason(a, t, r)
  local g = r.scorecards.graduation
  if #g.blockers > 0 then return table.concat(g.blockers, "; ") end
  local ready = G.BANDS[1][1]
  local weak = {}
  for i, d in ipairs(G.DIMENSIONS) do
    local s = g.dimensions[d.name]
    s = type(s) == "number" and s or nil
    if s == nil or s < ready then
      weak[#weak + 1] = { name = d.name, score = s, i = i, cost = G.WEIGHTS[d.name] * (ready - (s or 0)) }
    end
  end
  table.sort(weak, function(x, y) if x.cost ~= y.cost then return x.cost > y.cost end return x.i < y.i end)
  local clauses, scores = {}, {}
  for _, w in ipairs(weak) do
    local usage = w.name == "usage" and usage_shortfall(a, t) or nil
    if usage then
      clauses[#clauses + 1] = usage
    else
      scores[#scores + 1] = say.phrase(a, w.name) .. " " ..
        (w.score and string.format("%.1f/10", w.score) or say.phrase(a, "not_assessed"))
    end
  end
  if #scores > 0 or #clauses == 0 then
    clauses[#clauses + 1] = say.phrase(a, "scores_short", table.concat(scores, ", "), string.format("%.1f", ready),
                                       string.format("%.1f", g.total))
  end
  return table.concat(clauses, "; ")
end

--- G7: the extension this account would get: a specific reason, focus
--- actions and a new date, within 30 days of extension in all.
local function extension(a, t, r)
  local g = r.scorecards.graduation
  local reason = not_ready_reason(a, t, r)
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

-- DOMAIN P6, P7, G10-G12 --------------------------------------------------------

-- P6: onboarding complete -> the celebration email (C2: what the customer
-- achieved, with numbers; the testimonial ask; the next phase), once, when
-- onboarding completes: J3's evidence and the sponsor's sign-off (G12), or
-- for tech touch the day-30 survey's "yes" (P7). Never on a milestone on
-- the way (those get milestone_note) and never while a red flag blocks
-- graduation. A completion seen in the last week is celebrated, so a
-- missed night is caught up; the key names the contract, so it goes once.
local CELEBRATE_WITHIN = 7 -- tend's default

local function completed(a, t, r)
  local at = account.completed_at(a, t, r)
  if at == nil then return false, "onboarding not complete" end
  local days = t.days_since_date(at)
  local when = string.format("onboarding completed on %s", at:sub(1, 10))
  if days > CELEBRATE_WITHIN then
    return false, string.format("%s, %d days ago (celebrated within %d days, P6)", when, days, CELEBRATE_WITHIN)
  end
  local flags = red_flags.found(a, t, r)
  if #flags > 0 then return false, when .. ", but a red flag blocks graduation: " .. table.concat(flags, "; ") .. " (P6, G4)" end
  return true, when .. " (P6)"
end

--- C2: what the customer achieved: each milestone's data.achievements (or
--- its name) and each documented outcome, in order.
local function achievements(_, t)
  local list = {}
  for _, e in ipairs(t.events("milestone_reached")) do
    if type(e.data.achievements) == "table" then
      for _, x in ipairs(e.data.achievements) do list[#list + 1] = x end
    elseif e.data.milestone or e.data.name then
      list[#list + 1] = e.data.milestone or e.data.name
    end
  end
  for _, e in ipairs(t.events("value_documented")) do
    if type(e.data.outcome) == "string" then list[#list + 1] = e.data.outcome end
  end
  return { achievements = list }
end

local function contract_key(a, t) return account.contract_date(a, t) or "onboarding" end

rule "onboarding_complete" {
  when     = completed,
  once_per = contract_key,
  actions  = { email "celebration" { data = achievements } },
}

-- P6, P9: the handoff to the ongoing CSM when onboarding completes (human
-- work, P8): account history, relationship notes, expansion opportunities,
-- health assessment.
rule "ongoing_csm_handoff" {
  segment  = HUMAN_TOUCH,
  when     = completed,
  once_per = contract_key,
  actions  = { task { "Handoff to the ongoing CSM", owner = "csm", data = function(a, t, r)
    return {
      health = r.health, expansion_signals = J.expansion_signals(a, t, r),
      checklist = { "Account history", "Relationship notes", "Expansion opportunities", "Health assessment" },
    }
  end } },
}
