-- The onboarding plan (DOMAIN O1-O3, C1, P2, P4, P9): the phase each
-- onboarding is in, the check-ins each phase asks for, the kickoff
-- confirmation, the SMB setup emails and the implementation -> CSM handoff.
-- Meetings are tasks (P8); the emails are C1's templated touchpoints.
local O = tend.onboarding
local G = tend.graduation
local account = require "lib.account"
local say = require "lib.messages"

local HUMAN_TOUCH = { "enterprise", "mid_market" }

-- DOMAIN O1, O2, T1, T2: days between check-ins by phase. Enterprise: the
-- T1 weekly 1:1, daily in the pilot's first live week (O1, week 7);
-- mid-market: weekly 30-minute check-ins while implementing (O2, weeks
-- 2-3), otherwise T2's milestone check-in every 2 weeks (O2's bi-weekly
-- go-live check-ins).
local CADENCE = {
  enterprise = { default = 7, first_live_week = 1 },
  mid_market = { default = 14, implementation = 7 },
}
local GRACE_DAYS = 2 -- tend's default: a check-in this late is missed
local CHECK_IN = "check_in" -- the event a CSM records for a check-in held

--- The phase of the plan today, its cadence and why, for a human-touch
--- onboarding after the kickoff (P2 starts the check-ins); nil before.
local function plan(a, t, r)
  local day = account.days_since_contract(a, t)
  if day == nil then return nil, "no contract date" end
  local phase, why = O.phase_of(r.segment, day)
  if phase == nil then return nil, why .. " (" .. O.TIMELINES[r.segment].rule .. ")" end
  local c = CADENCE[r.segment]
  local every = c[phase.name] or c.default
  local first, _ = O.phase_days(phase)
  if phase.name == "pilot_adoption" and day < first + 7 then every = c.first_live_week end
  return { phase = phase, day = day, every = every,
           why = string.format("%s %s (%s)", O.TIMELINES[r.segment].rule, why, phase.check_ins or
                               string.format("check-ins every %d days", every)) }
end

--- Days since the last check-in, else since the kickoff; nil before the kickoff.
local function since_check_in(t)
  local held = t.days_since(CHECK_IN)
  local kickoff = t.days_since("kickoff_completed")
  if kickoff == math.huge then return nil end
  return math.min(held, kickoff)
end

local function check_in_due(a, t, r)
  local p, why = plan(a, t, r)
  if p == nil then return false, why end
  local since = since_check_in(t)
  if since == nil then return false, p.why .. "; check-ins start after the kickoff (P2)" end
  return since >= p.every, string.format("%s; last check-in %d days ago, every %d", p.why, since, p.every)
end

--- One key per cadence period of the phase, so a check-in is asked once.
local function period(a, t, r)
  local p = plan(a, t, r)
  return p and string.format("%s:%d", p.phase.name, p.day // p.every) or "none"
end

-- O1, O2: the check-in the phase asks for, as a task for the CSM (P8).
rule "check_in_due" {
  segment  = HUMAN_TOUCH,
  stage    = "onboarding",
  when     = check_in_due,
  once_per = period,
  actions  = {
    task { "Check-in", owner = "csm", data = function(a, t, r)
      local p = plan(a, t, r)
      return { phase = p.phase.name, every_days = p.every,
               record = "a check_in event when it is held",
               agenda = { "Progress against the plan", "Blockers", "Next milestone and owners", "Questions" } }
    end },
  },
}

-- C1: the weekly check-in agenda to the customer (not for O1's daily
-- check-ins of the first live week: those are stand-ups).
rule "check_in_agenda" {
  segment  = HUMAN_TOUCH,
  stage    = "onboarding",
  when     = function(a, t, r)
    local due, why = check_in_due(a, t, r)
    local p = plan(a, t, r)
    return due and p.every >= 7, why
  end,
  once_per = period,
  actions  = { email "checkin_agenda" { data = function(a)
    local set = type(a.attrs) == "table" and a.attrs.next_check_in or nil
    return { check_in_date = type(set) == "string" and set or say.phrase(a, "check_in_soon") }
  end } },
}

-- O1, O2: a check-in GRACE_DAYS past its cadence was missed: flag it and
-- tell the CSM.
rule "check_in_missed" {
  segment  = HUMAN_TOUCH,
  stage    = "onboarding",
  when     = function(a, t, r)
    local p, why = plan(a, t, r)
    if p == nil then return false, why end
    local since = since_check_in(t)
    if since == nil then return false, p.why .. "; before the kickoff" end
    return since > p.every + GRACE_DAYS,
           string.format("%s; last check-in %d days ago (missed after %d)", p.why, since, p.every + GRACE_DAYS)
  end,
  once_per = period,
  actions  = {
    flag "check_in_missed",
    notify { channel = "csm_slack", to = "csm", text = function(a, t)
      return string.format("%s: no check-in for %d days (O1, O2)", a.name or a.id, since_check_in(t))
    end },
  },
}

-- DOMAIN C1, P1: kickoff confirmation and agenda on day 1-2, until the
-- kickoff is held.
rule "kickoff_confirmation" {
  segment  = HUMAN_TOUCH,
  stage    = "onboarding",
  when     = function(a, t)
    local day = account.days_since_contract(a, t)
    return day ~= nil and day >= 1 and day <= 2 and t.count("kickoff_completed") == 0,
           string.format("contract day %s, kickoff held: %s (C1: day 1-2)", account.days_text(day),
                         tostring(t.count("kickoff_completed") > 0))
  end,
  once_per = account.contract_date,
  actions  = { email "kickoff_agenda" { data = function(a, t) return { kickoff_date = say.kickoff_date(a, t) } end } },
}

-- DOMAIN P2: the kickoff puts the onboarding "in progress".
rule "onboarding_in_progress" {
  stage   = "onboarding",
  when    = function(_, t) return t.count("kickoff_completed") > 0, "kickoff held (P2)" end,
  actions = { flag "onboarding_in_progress" },
}

-- DOMAIN O3: the self-serve setup emails on days 1, 3 and 7, and the week-2
-- feature highlights (initial training). A missed night is caught up the
-- next day; the key names the contract, so each goes once.
local function setup_email(day, template)
  rule("smb_setup_" .. template) {
    segment  = "smb",
    stage    = "onboarding",
    when     = function(a, t, r)
      local d = account.days_since_contract(a, t)
      local phase = d and O.phase_of(r.segment, d)
      return d ~= nil and d >= day and d <= day + 1,
             string.format("contract day %s (O3: day %d%s)", account.days_text(d), day,
                           phase and (", " .. phase.name) or "")
    end,
    once_per = account.contract_date,
    actions  = { email(template) },
  }
end
setup_email(1, "setup_day1")
setup_email(3, "setup_day3")
setup_email(7, "setup_day7")
setup_email(8, "feature_highlights") -- week 2, initial training

-- DOMAIN P4: stuck on step Y -> automated help for tech touch; a task for the
-- specialist when people run the onboarding (P8: complex troubleshooting).
on "setup_stuck" {
  when = function(_, _, _, r) return r.touch == "tech" end,
  email "step_help" { data = function(a, _, _, e) return { step_name = e.data.step or say.phrase(a, "setup_step") } end },
}
on "setup_stuck" {
  when = function(_, _, _, r) return r.touch ~= "tech" end,
  task { "Help with a stuck setup step", owner = "specialist", data = function(_, _, _, e) return { step = e.data.step } end },
}

-- DOMAIN P9: implementation -> CSM handoff when setup is complete (go-live
-- confirmed) and training delivered (a training completed, or knowledge
-- scored at the floor or above).
local function implemented(a, t, r)
  local live, trained = t.count("go_live_confirmed") > 0, t.count("training_completed") > 0
  local g = r.scorecards.graduation
  if not trained and g and type(g.dimensions.knowledge) == "number" then
    trained = g.dimensions.knowledge >= G.FLOOR
  end
  return live and trained, string.format("setup complete (go-live): %s, training delivered: %s (P9)",
                                         tostring(live), tostring(trained))
end

rule "implementation_handoff" {
  segment  = HUMAN_TOUCH,
  stage    = "onboarding",
  when     = implemented,
  once_per = account.contract_date,
  actions  = { task { "Implementation handoff to the CSM", owner = "specialist", data = {
    checklist = { "Configuration and integrations as delivered", "Training delivered and who attended",
                  "Open technical items", "Contacts on the customer's side" },
  } } },
}
