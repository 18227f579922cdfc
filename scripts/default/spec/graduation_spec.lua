-- DOMAIN G1-G6: the graduation scorecard.
local S = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "support.lua")

local G2_EXAMPLE = { technical = 9, knowledge = 8, usage = 7, value = 9, stakeholder = 8 }

local function onboarding_account(extra)
  local a = { id = "acme", employees = 1200, acv = 85000, licensed_users = 100,
              contract_signed_at = S.days_ago(40), product_type = "daily" }
  for k, v in pairs(extra or {}) do a[k] = v end
  return a
end

local HEALTHY_USAGE = { weekly_active = 90, daily_active = 60, features_used = 5 }

describe("graduation scorecard (DOMAIN G)", function()
  it("scores the G2 worked example 9, 8, 7, 9, 8 as 8.3: ready (G3)", function()
    local r = S.evaluate(onboarding_account(), S.assessments("acme", G2_EXAMPLE), S.metrics("acme", 14, HEALTHY_USAGE))
    local g = r.scorecards.graduation
    assert.same(G2_EXAMPLE, g.dimensions)
    assert.are.equal(8.3, g.total)
    assert.are.equal("ready", g.band)
    assert.same({}, g.blockers)
    assert.is_true(S.fired(r, "graduation_ready"))
    assert.are.equal("csm", S.actions_of(r, "graduation_ready")[1].owner)
  end)

  it("keeps a high score from ready when under 50% of users are active (G4)", function()
    local r = S.evaluate(onboarding_account(), S.assessments("acme", G2_EXAMPLE),
                         S.metrics("acme", 14, { weekly_active = 40, daily_active = 20 }))
    local g = r.scorecards.graduation
    assert.are.equal(8.3, g.total)
    assert.are.equal("close", g.band)
    assert.are.equal("only 40% of licensed users are active (threshold 50%)", g.blockers[1])
    assert.is_true(S.has(r.flags, "graduation_blocked"))
    assert.is_false(S.fired(r, "graduation_ready"))
  end)

  it("blocks graduation when usage declines week over week (G4)", function()
    local metrics = S.metrics("acme", 14, HEALTHY_USAGE)
    for i = 8, 14 do metrics[i].weekly_active = 70 end -- last week 70, the week before 90
    local r = S.evaluate(onboarding_account(), S.assessments("acme", G2_EXAMPLE), metrics)
    assert.are.equal("close", r.scorecards.graduation.band)
    assert.matches("^usage down %d+%% week over week$", r.scorecards.graduation.blockers[1])
  end)

  it("blocks graduation when the champion left (G4)", function()
    local events = S.assessments("acme", G2_EXAMPLE)
    events[#events + 1] = S.event("acme", "champion_left", 10)
    local r = S.evaluate(onboarding_account(), events, S.metrics("acme", 14, HEALTHY_USAGE))
    assert.are.equal("close", r.scorecards.graduation.band)
    assert.are.equal("champion left on " .. S.days_ago(10), r.scorecards.graduation.blockers[1])
  end)

  it("bands 6.0 as close and 5.9 as not ready (G3)", function()
    local six = { technical = 6, knowledge = 6, usage = 6, value = 6, stakeholder = 6 }
    local r = S.evaluate(onboarding_account(), S.assessments("acme", six))
    assert.are.equal("close", r.scorecards.graduation.band)
    local below = { technical = 5.9, knowledge = 5.9, usage = 5.9, value = 5.9, stakeholder = 5.9 }
    r = S.evaluate(onboarding_account(), S.assessments("acme", below))
    assert.are.equal("not_ready", r.scorecards.graduation.band)
  end)

  it("uses the latest assessment of a dimension", function()
    local events = { S.event("acme", "assessment", 20, { dimension = "technical", score = 4 }),
                     S.event("acme", "assessment", 3, { dimension = "technical", score = 9 }) }
    local r = S.evaluate(onboarding_account(), events)
    assert.are.equal(9, r.scorecards.graduation.dimensions.technical)
  end)

  it("prefers a CSM's assessment to the score derived from usage", function()
    local r = S.evaluate(onboarding_account(), S.assessments("acme", { usage = 3 }), S.metrics("acme", 3, HEALTHY_USAGE))
    assert.are.equal(3, r.scorecards.graduation.dimensions.usage)
  end)

  it("derives usage from the G5 targets of a daily-use product (80% weekly, 50% daily)", function()
    local r = S.evaluate(onboarding_account(), {}, S.metrics("acme", 3, { weekly_active = 64, daily_active = 50 }))
    assert.are.equal(8, r.scorecards.graduation.dimensions.usage) -- 64% of the 80% weekly target
  end)

  it("derives usage for a weekly-use product from monthly actives (G5: 70% monthly, 40% weekly)", function()
    local r = S.evaluate(onboarding_account { product_type = "weekly" }, {},
                         S.metrics("acme", 3, { monthly_active = 70, weekly_active = 40 }))
    assert.are.equal(10, r.scorecards.graduation.dimensions.usage)
    assert.same({}, r.scorecards.graduation.blockers) -- 40% weekly is not "under 50% active" for it
  end)

  it("derives technical, knowledge, value and stakeholder from go-live, training and the survey", function()
    local events = {
      S.event("acme", "training_completed", 9, { module = "admin", score = 72 }),   -- G6: 72% of the 80% pass mark
      S.event("acme", "go_live_confirmed", 5),
      S.event("acme", "survey_response", 1, { goal_achieved = true, score = 8 }),
    }
    local d = S.evaluate(onboarding_account(), events).scorecards.graduation.dimensions
    assert.same({ technical = 10, knowledge = 9, value = 10, stakeholder = 8 },
                { technical = d.technical, knowledge = d.knowledge, value = d.value, stakeholder = d.stakeholder })
  end)

  it("leaves a dimension with no signal unknown (null), counting 0", function()
    local r = S.evaluate(onboarding_account(), S.assessments("acme", { value = 10 }))
    assert.are.equal(require("tend").json.null, r.scorecards.graduation.dimensions.technical)
    assert.are.equal(3, r.scorecards.graduation.total)
  end)
end)
