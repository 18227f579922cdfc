-- What happens when something happens (DOMAIN P1, P2, P5, P6, P7, P9, J2).
-- A handler fires once per such event seen in the last day (the nightly
-- run); the event's time is in each action's dedupe key. Action data comes
-- from the event's own data, read as the latest event of its type.
local T = tend.touch
local say = require "lib.messages"

--- Handler filter: accounts with people on them (T1, T2), not tech touch (T3).
local function human_touch(_, _, _, r) return r.touch ~= "tech" end

--- Action data: the latest `type_` event's data fields, renamed ({to = from}).
local function event_data(type_, fields)
  return function(_, t)
    local e = t.last(type_)
    if e == nil then return nil end
    local out, any = {}, false
    for to, from in pairs(fields) do
      if e.data[from] ~= nil then out[to], any = e.data[from], true end
    end
    return any and out or nil
  end
end

-- DOMAIN P1: contract signed -> welcome email with next steps (every segment).
-- C1: its kickoff date is the one set in attrs, else proposed within the
-- first week (O1, O2), said as "by <date>" (lib/messages.lua).
on "contract_signed" {
  when = human_touch,
  email "welcome" { data = function(a, t) return { kickoff_date = say.kickoff_date(a, t) } end },
}

-- O3, T3: tech-touch customers set up self-serve, with no kickoff to promise.
on "contract_signed" {
  when = function(...) return not human_touch(...) end,
  email "welcome_self_serve",
}

-- DOMAIN P1, P9, P8: the sales -> CS handoff within 24 hours, and the kickoff,
-- run by an implementation specialist chosen by segment (T4: a dedicated one
-- for enterprise, the shared pool for mid-market). SMB onboards self-serve (T3).
local SPECIALIST = { enterprise = "specialist", mid_market = "specialist_pool" }

on "contract_signed" {
  when = human_touch,
  task { "Sales handoff form", owner = "sales", data = { due = "within 24 hours of the signature (P9)" } },
  task { "Schedule the kickoff", owner = function(_, _, r) return SPECIALIST[r.segment] end, data = {
    checklist = {
      "Create the onboarding project (P1)",
      "Send the kickoff invite (P1)",
      "At the kickoff, define the success criteria with the customer (P8)",
    },
  } },
}

-- DOMAIN P2: kickoff completed -> summary with the action items agreed and
-- the first check-in: the kickoff plus one cadence of the touch model (T1
-- weekly, T2 every 2 weeks; lib/messages.lua).
local kickoff_items = event_data("kickoff_completed", { action_items = "action_items", goal = "goal" })

on "kickoff_completed" {
  email "kickoff_summary" { data = function(a, t, r, e)
    local data = kickoff_items(a, t) or {}
    data.next_check_in = say.next_check_in(a, t, r, e)
    return data
  end },
}

-- DOMAIN P2, T1, T2: the CSM starts the check-ins: weekly or bi-weekly 1:1s
-- for high touch, milestone check-ins every 2 weeks for low touch.
on "kickoff_completed" {
  when = human_touch,
  task { "Start the check-ins", owner = "csm", data = function(_, _, r)
    local model, cadence = T.MODELS[r.touch], {}
    -- a copy: stdlib tables are read-only views, which action data cannot carry
    for i, c in ipairs(model.cadence) do cadence[i] = c end
    return { cadence = cadence, rule = model.rule }
  end },
}

-- DOMAIN P5: a training module completed -> congratulations and the next module.
on "training_completed" {
  email "training_next" { data = event_data("training_completed", { module_name = "module", next_module = "next_module" }) },
}

-- DOMAIN P6, C1: a milestone on the way -> a short note with what it was.
-- The completion celebration is not here: it goes once, when onboarding
-- completes (52_graduation_rules.lua, onboarding_complete).
on "milestone_reached" {
  email "milestone_note" { data = function(_, _, _, e)
    return { achievements = e.data.achievements or { e.data.milestone or e.data.name } }
  end },
}

-- DOMAIN P7, P8: the goal survey says "not achieved" -> a human CSM takes
-- over (success-validation conversations are human).
on "survey_response" {
  when = function(_, e) return e.data.goal_achieved == false end,
  task { "Goal not achieved: call", owner = "csm", data = event_data("survey_response", { score = "score", comment = "comment" }) },
}

-- DOMAIN J2, P8: the champion left -> rebuild the relationship (human).
on "champion_left" {
  task { "Find a new champion", owner = "csm", data = function(a) return { previous = a.champion } end },
}
