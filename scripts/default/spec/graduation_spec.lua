-- DOMAIN G1-G8: the graduation scorecard and what acts on it.
local S = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "support.lua")
local json = require("tend").json

local G2_EXAMPLE = { technical = 9, knowledge = 8, usage = 7, value = 9, stakeholder = 8 }
local HEALTHY_USAGE = { weekly_active = 90, daily_active = 60, features_used = 5 }

local function onboarding_account(extra)
  local a = { id = "acme", employees = 1200, acv = 85000, licensed_users = 100,
              contract_signed_at = S.days_ago(40), product_type = "daily" }
  for k, v in pairs(extra or {}) do a[k] = v end
  return a
end

local function with(list, ...)
  for _, e in ipairs { ... } do list[#list + 1] = e end
  return list
end

describe("graduation scorecard (DOMAIN G1-G3)", function()
  it("scores the G2 worked example 9, 8, 7, 9, 8 as 1.8 + 1.6 + 1.4 + 2.7 + 0.8 = 8.3: ready", function()
    local r = S.evaluate(onboarding_account(), S.assessments("acme", G2_EXAMPLE), S.metrics("acme", 14, HEALTHY_USAGE))
    local g = r.scorecards.graduation
    assert.same(G2_EXAMPLE, g.dimensions)
    assert.are.equal(8.3, g.total)
    assert.are.equal("ready", g.band)
    assert.same({}, g.blockers)
  end)

  it("bands 8.0 as ready, 6.0 as close and 5.9 as not ready (G3)", function()
    local function band(score)
      local all = { technical = score, knowledge = score, usage = score, value = score, stakeholder = score }
      return S.evaluate(onboarding_account(), S.assessments("acme", all)).scorecards.graduation.band
    end
    assert.are.equal("ready", band(8))
    assert.are.equal("close", band(7.9))
    assert.are.equal("close", band(6))
    assert.are.equal("not_ready", band(5.9))
  end)

  it("uses the latest assessment of a dimension (G1)", function()
    local events = { S.event("acme", "assessment", 20, { dimension = "technical", score = 4 }),
                     S.event("acme", "assessment", 3, { dimension = "technical", score = 9 }) }
    assert.are.equal(9, S.evaluate(onboarding_account(), events).scorecards.graduation.dimensions.technical)
  end)

  it("prefers a CSM's assessment to the score derived from usage", function()
    local r = S.evaluate(onboarding_account(), S.assessments("acme", { usage = 3 }), S.metrics("acme", 3, HEALTHY_USAGE))
    assert.are.equal(3, r.scorecards.graduation.dimensions.usage)
  end)

  it("derives usage from the G5 targets of a daily-use product (80% weekly, 50% daily), the weakest counting", function()
    local r = S.evaluate(onboarding_account(), {}, S.metrics("acme", 3, { weekly_active = 64, daily_active = 50 }))
    assert.are.equal(8, r.scorecards.graduation.dimensions.usage) -- 64% of the 80% weekly target
  end)

  it("derives usage for a weekly-use product from monthly actives (G5: 70% monthly, 40% weekly)", function()
    local r = S.evaluate(onboarding_account { product_type = "weekly" }, {},
                         S.metrics("acme", 3, { monthly_active = 70, weekly_active = 40 }))
    assert.are.equal(10, r.scorecards.graduation.dimensions.usage)
    assert.same({}, r.scorecards.graduation.blockers) -- 40% weekly is not "under 50% active" for it
  end)

  it("derives technical, knowledge, value and stakeholder from go-live, knowledge checks and the survey", function()
    local events = {
      S.event("acme", "training_completed", 9, { module = "admin", score = 90 }, "u1"),  -- G6: passed (80%+)
      S.event("acme", "training_completed", 8, { module = "admin", score = 72 }, "u2"),  -- failed
      S.event("acme", "go_live_confirmed", 5),
      S.event("acme", "survey_response", 1, { goal_achieved = true, score = 8 }),
    }
    local d = S.evaluate(onboarding_account(), events).scorecards.graduation.dimensions
    assert.same({ technical = 10, knowledge = 5, value = 10, stakeholder = 8 },
                { technical = d.technical, knowledge = d.knowledge, value = d.value, stakeholder = d.stakeholder })
  end)

  it("leaves a dimension with no signal unknown (null), counting 0", function()
    local r = S.evaluate(onboarding_account(), S.assessments("acme", { value = 10 }))
    assert.are.equal(json.null, r.scorecards.graduation.dimensions.technical)
    assert.are.equal(3, r.scorecards.graduation.total)
  end)

  it("keeps no scorecard for a graduated account: milestones, value, go-live and the sponsor's sign-off (J3, G12)", function()
    local events = { S.event("acme", "milestone_reached", 10), S.event("acme", "value_documented", 8),
                     S.event("acme", "go_live_confirmed", 5), S.event("acme", "sponsor_signoff", 4) }
    local r = S.evaluate(onboarding_account(), events)
    assert.is_false(S.has(r.stages, "onboarding"))
    assert.is_nil(r.scorecards.graduation)
  end)
end)

describe("red flags (DOMAIN G4)", function()
  it("keeps the 8.3 example from ready when under 50% of users are active, and flags it", function()
    local r = S.evaluate(onboarding_account(), S.assessments("acme", G2_EXAMPLE),
                         S.metrics("acme", 14, { weekly_active = 40, daily_active = 20 }))
    local g = r.scorecards.graduation
    assert.are.equal(8.3, g.total)
    assert.are.equal("close", g.band)
    assert.same({ "only 40% of licensed users are active (weekly_active; threshold 50%)" }, g.blockers)
    assert.is_true(S.has(r.flags, "graduation_blocked"))
    assert.is_false(S.fired(r, "graduation_ready"))
  end)

  it("blocks graduation when usage declines week over week", function()
    local metrics = S.metrics("acme", 14, HEALTHY_USAGE)
    for i = 8, 14 do metrics[i].weekly_active = 70 end -- last week 70, the week before 90
    local r = S.evaluate(onboarding_account(), S.assessments("acme", G2_EXAMPLE), metrics)
    assert.are.equal("close", r.scorecards.graduation.band)
    assert.matches("^usage down %d+%% week over week", r.scorecards.graduation.blockers[1])
  end)

  it("blocks graduation when the champion left in the last 90 days", function()
    local events = with(S.assessments("acme", G2_EXAMPLE), S.event("acme", "champion_left", 10))
    local r = S.evaluate(onboarding_account(), events, S.metrics("acme", 14, HEALTHY_USAGE))
    assert.same({ "champion left on " .. S.days_ago(10) }, r.scorecards.graduation.blockers)
  end)

  it("blocks graduation on an unresolved technical ticket, and not once it is resolved", function()
    local events = with(S.assessments("acme", G2_EXAMPLE),
                        S.event("acme", "support_ticket", 6, { id = "T-1", severity = "high" }))
    local r = S.evaluate(onboarding_account(), events, S.metrics("acme", 14, HEALTHY_USAGE))
    assert.same({ "1 unresolved technical ticket (T-1 high)" }, r.scorecards.graduation.blockers)
    events[#events + 1] = S.event("acme", "support_ticket", 2, { id = "T-1", status = "resolved" })
    r = S.evaluate(onboarding_account(), events, S.metrics("acme", 14, HEALTHY_USAGE))
    assert.are.equal("ready", r.scorecards.graduation.band)
  end)

  it("needs no blocker for unarticulated value: without value evidence the total cannot reach 8.0", function()
    local all_but_value = { technical = 10, knowledge = 10, usage = 10, stakeholder = 10 }
    local g = S.evaluate(onboarding_account(), S.assessments("acme", all_but_value)).scorecards.graduation
    assert.are.equal(7, g.total)
    assert.are.equal("close", g.band)
  end)
end)

describe("acting on graduation (DOMAIN G3, G8, P6, P9)", function()
  it("gives the CSM a graduation and handoff task when the account is ready", function()
    local r = S.evaluate(onboarding_account { employees = 300, acv = 30000 }, S.assessments("acme", G2_EXAMPLE))
    local task = S.actions_of(r, "graduation_ready")[1]
    assert.are.equal("Graduation and handoff", task.title)
    assert.are.equal("csm", task.owner)
    assert.are.equal(5, #task.data.checklist)
    assert.matches("sponsor_signoff", task.data.checklist[5]) -- G12: the task asks for the sign-off
    -- once per onboarding target: contract + 60 days for mid-market (O2)
    assert.are.equal("task:Graduation and handoff:acme:" .. S.in_days(20), task.key)
  end)

  it("leaves SMB graduation to the day-30 survey: no human task (T3, P7)", function()
    local r = S.evaluate(onboarding_account { employees = 20, acv = 3000 }, S.assessments("acme", G2_EXAMPLE))
    assert.are.equal("ready", r.scorecards.graduation.band)
    assert.is_nil(S.trace(r, "graduation_ready"))
  end)

  it("books the completion review 7 to 14 days before the graduation date, once per date (G8)", function()
    for days, due in pairs { [6] = false, [7] = true, [14] = true, [15] = false } do
      local r = S.evaluate(onboarding_account { onboarding_target_at = S.in_days(days) })
      assert.are.equal(due, S.fired(r, "completion_review"), days .. " days before")
      if due then
        assert.are.equal("task:Completion review meeting:acme:" .. S.in_days(days), S.action(r, "task").key)
      end
    end
  end)
end)
