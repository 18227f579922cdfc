-- The rules a second reading of the sources added (DOMAIN G10-G13, S2, J2,
-- P6, P7) and calendar-day windows, each with accounts sitting exactly on
-- its threshold. Spec names carry the rule id.
local S = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "support.lua")
local tend = require "tend"

local DIMS = { "technical", "knowledge", "usage", "value", "stakeholder" }

local function scores(t, k, u, v, s) return { technical = t, knowledge = k, usage = u, value = v, stakeholder = s } end

--- An enterprise account 40 days into onboarding, healthy usage.
local function enterprise(id, extra)
  local a = { id = id, employees = 1200, acv = 85000, licensed_users = 100, product_type = "daily",
              contract_signed_at = S.days_ago(40) }
  for k, v in pairs(extra or {}) do a[k] = v end
  return a
end

local HEALTHY = { weekly_active = 90, daily_active = 60, features_used = 5 }

local function graduation(events, extra, metrics)
  local r = S.evaluate(enterprise("g", extra), events, metrics or S.metrics("g", 14, HEALTHY))
  return r.scorecards.graduation, r
end

describe("G13: one number decides (the band of the total as shown)", function()
  it("G13: 7, 8, 8, 9, 7 totals 8.0 exactly and is ready, with the graduation task", function()
    local g, r = graduation(S.assessments("g", scores(7, 8, 8, 9, 7)))
    assert.are.equal(8, g.total)
    assert.are.equal("ready", g.band)
    assert.same({}, g.blockers)
    assert.is_true(S.fired(r, "graduation_ready"))
  end)

  it("G13: 6.0 belongs to close (6, 6, 6, 6, 6), 7.9 to close, 5.9 to not ready", function()
    assert.are.equal("close", graduation(S.assessments("g", scores(6, 6, 6, 6, 6))).band)
    assert.are.equal("close", graduation(S.assessments("g", scores(7, 8, 8, 9, 6))).band) -- 7.9
    assert.are.equal("not_ready", graduation(S.assessments("g", scores(6, 6, 6, 6, 5))).band) -- 5.9
  end)

  it("G13: 0, 5, 9, 8, 8 totals 6.0: close, not not_ready (the floor does not apply under the top band)", function()
    local g = graduation(S.assessments("g", scores(0, 5, 9, 8, 8)))
    assert.are.equal(6, g.total)
    assert.are.equal("close", g.band)
  end)

  it("G13 (property): every whole-number score set totalling 5.9, 6.0, 7.9 or 8.0 is banded on its shown total", function()
    -- Every set of whole scores 0-10 whose exact total in tenths
    -- (2t + 2k + 2u + 3v + 1s) is 59, 60, 79 or 80: about 8,000 accounts.
    -- At 8.0 a dimension under 6 holds it at close (G10).
    local accounts, events, want = {}, {}, {}
    for t = 0, 10 do for k = 0, 10 do for u = 0, 10 do for v = 0, 10 do for s = 0, 10 do
      local tenths = 2 * t + 2 * k + 2 * u + 3 * v + s
      if tenths == 59 or tenths == 60 or tenths == 79 or tenths == 80 then
        local green = t >= 6 and k >= 6 and u >= 6 and v >= 6 and s >= 6
        local id = string.format("p%d-%d-%d-%d-%d", t, k, u, v, s)
        accounts[#accounts + 1] = enterprise(id)
        for _, e in ipairs(S.assessments(id, scores(t, k, u, v, s))) do events[#events + 1] = e end
        want[id] = { total = tenths / 10,
                     band = (tenths >= 80 and green) and "ready" or tenths >= 60 and "close" or "not_ready" }
      end
    end end end end end
    assert.is_true(#accounts > 7000)
    local wrong = {}
    for _, r in ipairs(tend.evaluate_all(accounts, { events = events, now = S.NOW })) do
      local g, w = r.scorecards.graduation, want[r.account_id]
      if g.band ~= w.band or math.abs(g.total - w.total) > 1e-9 then
        wrong[#wrong + 1] = r.account_id .. ": " .. g.total .. " " .. g.band .. ", want " .. w.total .. " " .. w.band
      end
    end
    assert.same({}, wrong)
  end)
end)

describe("G10: all five green", function()
  it("G10: 10, 10, 10, 10, 0 (no stakeholder alignment) is held at close and names stakeholder", function()
    local g, r = graduation(S.assessments("g", scores(10, 10, 10, 10, 0)))
    assert.are.equal(9, g.total)
    assert.are.equal("close", g.band)
    assert.same({ "stakeholder 0.0 is under its floor 6.0 (G10)" }, g.blockers)
    assert.is_true(S.has(r.flags, "graduation_blocked"))
    assert.is_false(S.fired(r, "graduation_ready"))
  end)

  it("G10: 0, 10, 10, 10, 10 (broken technical setup) never graduates", function()
    local g = graduation(S.assessments("g", scores(0, 10, 10, 10, 10)))
    assert.are.equal("close", g.band)
    assert.same({ "technical 0.0 is under its floor 6.0 (G10)" }, g.blockers)
  end)

  it("G10: a dimension exactly on the floor (6.0) passes; 5.9 blocks", function()
    assert.are.equal("ready", graduation(S.assessments("g", scores(10, 10, 6, 10, 10))).band)
    local g = graduation(S.assessments("g", scores(10, 10, 5.9, 10, 10)))
    assert.are.equal("close", g.band)
    assert.same({ "usage 5.9 is under its floor 6.0 (G10)" }, g.blockers)
  end)

  it("G10: the floor is a scorecard setting (a playbook may set it per dimension)", function()
    local pb = assert(tend.playbook_from { ["rules.lua"] = [[
segment "all" { touch = "high" }
scorecard "g" {
  dimension "a" { weight = 0.5, score = function(a) return a.attrs.sa end, floor = 7 },
  dimension "b" { weight = 0.5, score = function(a) return a.attrs.sb end },
  bands = { { 8, "ready" }, { 0, "not_ready" } },
  floor = { b = 2 },
}
]] })
    assert.are.equal("ready", pb:evaluate({ id = "x", sa = 7, sb = 10 }).scorecards.g.band)
    local g = pb:evaluate({ id = "y", sa = 6.9, sb = 10 }).scorecards.g
    assert.same({ "a 6.9 is under its floor 7.0 (G10)" }, g.blockers)
    pb:close()
  end)
end)

describe("G11: the customer confirms value", function()
  local CSM_SAYS_10 = S.assessments("g", scores(10, 10, 10, 10, 10), 5)

  it("G11: a later survey saying the goal was not achieved outweighs a CSM's value of 10", function()
    local events = { table.unpack(CSM_SAYS_10) }
    events[#events + 1] = S.event("g", "survey_response", 2, { goal_achieved = false })
    local g = graduation(events)
    assert.are.equal(0, g.dimensions.value)
    assert.are.equal("close", g.band)
    assert.matches("^success criteria unmet: the customer says the goal is not achieved", g.blockers[1])
  end)

  it("G11: the customer's answer outweighs even a later assessment, until a later confirmation", function()
    local events = { S.event("g", "survey_response", 8, { goal_achieved = false }) }
    for _, e in ipairs(CSM_SAYS_10) do events[#events + 1] = e end
    assert.are.equal("close", graduation(events).band)
    events[#events + 1] = S.event("g", "survey_response", 1, { goal_achieved = true })
    local g = graduation(events)
    assert.are.equal("ready", g.band)
    assert.same({}, g.blockers)
  end)
end)

describe("G12: the sponsor signs off", function()
  local EVIDENCE = { S.event("g", "milestone_reached", 10), S.event("g", "value_documented", 8),
                     S.event("g", "go_live_confirmed", 5) }

  it("G12: high touch: J3's evidence without the sign-off is ready but not complete, and the task asks for it", function()
    local events = { table.unpack(EVIDENCE) }
    for _, e in ipairs(S.assessments("g", scores(9, 9, 9, 9, 9))) do events[#events + 1] = e end
    local g, r = graduation(events)
    assert.same({ "onboarding" }, r.stages)
    assert.are.equal("ready", g.band)
    local task = S.actions_of(r, "graduation_ready")[1]
    assert.matches("sponsor_signoff", task.data.checklist[5])
    assert.is_false(S.fired(r, "onboarding_complete"))
  end)

  it("G12: with the sponsor's sign-off, onboarding completes", function()
    local events = { table.unpack(EVIDENCE) }
    events[#events + 1] = S.event("g", "sponsor_signoff", 4)
    local _, r = graduation(events)
    assert.is_false(S.has(r.stages, "onboarding"))
  end)

  it("G12: low touch needs it too; tech touch does not (P7)", function()
    local r = S.evaluate({ id = "g", employees = 300, acv = 30000, contract_signed_at = S.days_ago(40) }, EVIDENCE)
    assert.same({ "onboarding" }, r.stages)
    r = S.evaluate({ id = "g", employees = 30, acv = 3000, contract_signed_at = S.days_ago(40) }, EVIDENCE)
    assert.is_false(S.has(r.stages, "onboarding"))
  end)

  it("G12: the completion review asks for the sign-off", function()
    local r = S.evaluate(enterprise("g", { onboarding_target_at = S.in_days(10) }))
    assert.matches("sponsor_signoff", S.actions_of(r, "completion_review")[1].data.signoff)
  end)
end)

describe("P6: the completion celebration goes once, on completion", function()
  it("P6: day 9 of an enterprise onboarding, blocked, 10% active: a milestone gets a short note, no celebration", function()
    local a = enterprise("e9", { contract_signed_at = S.days_ago(9) })
    local r = S.evaluate(a, { S.event("e9", "milestone_reached", 0.2, { milestone = "SSO configured" }) },
                         S.metrics("e9", 7, { weekly_active = 10, daily_active = 5 }))
    assert.is_nil(S.action(r, "email", "celebration"))
    assert.same({ "SSO configured" }, S.action(r, "email", "milestone_note").data.achievements)
  end)

  local function completed(days, extra_events)
    local events = { S.event("c", "milestone_reached", days + 5, { achievements = { "invoices in 2 days (target 3)" } }),
                     S.event("c", "value_documented", days + 2, { outcome = "cut invoice time 53%" }),
                     S.event("c", "sponsor_signoff", days + 1), S.event("c", "go_live_confirmed", days) }
    for _, e in ipairs(extra_events or {}) do events[#events + 1] = e end
    return S.evaluate(enterprise("c"), events, S.metrics("c", 14, HEALTHY))
  end

  it("P6: onboarding completed 7 days ago: the celebration with achievements, and the handoff task", function()
    local r = completed(7)
    local email = S.action(r, "email", "celebration")
    assert.same({ "invoices in 2 days (target 3)", "cut invoice time 53%" }, email.data.achievements)
    assert.are.equal("email:celebration:c:" .. S.days_ago(40), "email:" .. email.key)
    assert.are.equal("Handoff to the ongoing CSM", S.actions_of(r, "ongoing_csm_handoff")[1].title)
  end)

  it("P6: completed 8 days ago: already celebrated, nothing more", function()
    assert.is_nil(S.action(completed(8), "email", "celebration"))
  end)

  it("P6: never while a red flag blocks graduation", function()
    local r = completed(2, { S.event("c", "support_ticket", 1, { id = "T-9", severity = "critical" }) })
    assert.is_nil(S.action(r, "email", "celebration"))
    assert.matches("red flag blocks graduation: 1 unresolved technical ticket", S.trace(r, "onboarding_complete").why)
  end)
end)

describe("P7: for tech touch the day-30 yes completes onboarding", function()
  local function smb(day, events)
    return S.evaluate({ id = "s", employees = 12, acv = 3000, licensed_users = 5, contract_signed_at = S.days_ago(day) },
                      events, S.metrics("s", 7, { weekly_active = 4, features_used = 4 }))
  end

  it("P7: a yes on the day-30 survey ends onboarding with the celebration, no human task", function()
    local r = smb(31, { S.event("s", "login", 1), S.event("s", "survey_response", 0.5, { goal_achieved = true, score = 9 }) })
    assert.is_false(S.has(r.stages, "onboarding"))
    assert.is_not_nil(S.action(r, "email", "celebration"))
    assert.are.equal(0, #S.actions(r, "task"))
  end)

  it("P7: at day 151 after that yes there is no late flag and no recovery plan", function()
    local r = smb(151, { S.event("s", "login", 1), S.event("s", "survey_response", 120, { goal_achieved = true }) })
    assert.is_false(S.has(r.flags, "late_onboarding"))
    assert.is_nil(S.trace(r, "late_onboarding"))
    assert.is_nil(S.action(r, "task", "Recovery plan"))
  end)

  it("P7: a no keeps it onboarding and hands it to a CSM", function()
    local r = smb(31, { S.event("s", "login", 1), S.event("s", "survey_response", 0.5, { goal_achieved = false }) })
    assert.is_true(S.has(r.stages, "onboarding"))
    assert.is_not_nil(S.action(r, "task", "Goal not achieved: call"))
  end)
end)

describe("S2: low ACV means tech touch", function()
  it("S2: 500 employees on a $5K contract is tech touch; $10,000 exactly is low touch", function()
    local r = S.evaluate { id = "a", employees = 500, acv = 5000 }
    assert.same({ "smb", "tech" }, { r.segment, r.touch })
    r = S.evaluate { id = "b", employees = 500, acv = 10000 }
    assert.same({ "mid_market", "low" }, { r.segment, r.touch })
    r = S.evaluate { id = "c", employees = 500, acv = 9999 }
    assert.same({ "smb", "tech" }, { r.segment, r.touch })
  end)
end)

--- A low-touch account `day` days after its contract, graduated `live` days
--- ago (J3's evidence and the sponsor's sign-off), with `extra` events.
local function low_touch(day, live, extra, metrics)
  local events = { S.event("j", "milestone_reached", live), S.event("j", "value_documented", live),
                   S.event("j", "go_live_confirmed", live), S.event("j", "sponsor_signoff", live) }
  for _, e in ipairs(extra) do events[#events + 1] = e end
  return S.evaluate({ id = "j", employees = 300, acv = 30000, licensed_users = 100, contract_signed_at = S.days_ago(day) },
                    events, S.metrics("j", 14, metrics))
end

describe("J2: the J1 windows are typical, not gates", function()
  --- A low-touch account graduated 40 days ago (J3 evidence and sign-off).
  local function live(day, ...) return low_touch(day, 40, { ... }, { weekly_active = 60, features_used = 3 }) end

  it("J2: expansion evidence on day 100 enters expansion early; none: not before day 180", function()
    assert.is_false(S.has(live(100).stages, "expansion"))
    assert.is_true(S.has(live(100, S.event("j", "business_growth", 3)).stages, "expansion"))
    assert.is_true(S.has(live(180).stages, "expansion"))
    assert.is_false(S.has(live(179).stages, "expansion"))
  end)

  it("J2: advocacy evidence (promoter, renewed, high health) on day 200 enters advocacy early", function()
    assert.is_false(S.has(live(200).stages, "advocacy"))
    local r = live(200, S.event("j", "renewal_signed", 5), S.event("j", "survey_response", 3, { nps = 10, score = 10 }))
    assert.is_true(S.has(r.stages, "advocacy"))
  end)
end)

describe("calendar-day windows (as t.days_since counts)", function()
  it("90 days: a champion_left at the same clock time 90 days ago still blocks; 91 days ago does not", function()
    local base = S.assessments("g", scores(9, 9, 9, 9, 9))
    local events = { table.unpack(base) }
    events[#events + 1] = S.event("g", "champion_left", 90)
    assert.same({ "champion left on " .. S.days_ago(90) }, graduation(events).blockers)
    events[#events] = S.event("g", "champion_left", 91)
    assert.same({}, graduation(events).blockers)
  end)

  it("90 days: a budget_cut exactly 90 days ago still sends a retained account back to adoption (J2)", function()
    local function stages(days_ago)
      local extra = { S.event("j", "budget_cut", days_ago) }
      for _, d in ipairs { 1, 8, 15, 22 } do extra[#extra + 1] = S.event("j", "login", d) end
      return low_touch(170, 150, extra, { weekly_active = 85, features_used = 5 }).stages
    end
    assert.same({ "adoption" }, stages(90))
    assert.same({ "retention" }, stages(91))
  end)

  it("90 days: an expansion trigger at the same clock time 90 days ago still counts (J6)", function()
    local function triggers(days_ago)
      local r = low_touch(330, 300, { S.event("j", "new_team_interest", days_ago) }, { weekly_active = 60, features_used = 5 })
      return S.has(r.flags, "expansion_candidate")
    end
    assert.is_true(triggers(90))
    assert.is_false(triggers(91))
  end)

  it("on: one day is today and yesterday, whatever the clock time (an event 24 hours ago to the second fires)", function()
    local function welcomed(days_ago)
      local r = S.evaluate({ id = "w", employees = 300, acv = 30000, champion = "jo@w.example" },
                           { S.event("w", "contract_signed", days_ago) })
      return S.action(r, "email", "welcome") ~= nil
    end
    assert.is_true(welcomed(1))     -- 2026-11-21T02:00:00Z, now 2026-11-22T02:00:00Z
    assert.is_true(welcomed(1.08))  -- 2026-11-21T00:04:48Z: yesterday still
    assert.is_false(welcomed(1.09)) -- 2026-11-20T23:50:24Z: the day before
  end)
end)
