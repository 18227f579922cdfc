--- tend.graduation, specified in DOMAIN's words (G1-G9).
local graduation = require "tend.graduation"

local timeline = require "support.fake_timeline"

local function ev(type_, at, data, user) return { type = type_, at = at, data = data, user = user } end

describe("DOMAIN G1: five dimensions scored 0-10", function()
  it("names technical, knowledge, usage, value and stakeholder, in that order", function()
    local names = {}
    for i, d in ipairs(graduation.DIMENSIONS) do names[i] = d.name end
    assert.are.same({ "technical", "knowledge", "usage", "value", "stakeholder" }, names)
  end)

  it("reads a CSM's latest assessment of a dimension, skipping scores outside 0-10", function()
    local t = timeline { events = {
      ev("assessment", "2026-11-01T10:00:00Z", { dimension = "technical", score = 6 }),
      ev("assessment", "2026-11-10T10:00:00Z", { dimension = "technical", score = 9 }),
      ev("assessment", "2026-11-12T10:00:00Z", { dimension = "value", score = 4 }),
      ev("assessment", "2026-11-15T10:00:00Z", { dimension = "technical", score = 90 }),
    } }
    assert.are.equal(9, graduation.assessed("technical")({}, t))
    assert.are.equal(4, graduation.assessed("value")({}, t))
    assert.is_nil(graduation.assessed("knowledge")({}, t))
  end)

  it("reads a rating that arrived as text from a CSV cell, and skips text that is not a rating", function()
    local t = timeline { events = {
      ev("assessment", "2026-11-10T10:00:00Z", { dimension = "technical", score = "8.5" }),
      ev("assessment", "2026-11-12T10:00:00Z", { dimension = "value", score = "7" }),
      ev("assessment", "2026-11-13T10:00:00Z", { dimension = "value", score = "seven" }),
    } }
    assert.are.equal(8.5, graduation.assessed("technical")({}, t))
    assert.are.equal(7, graduation.assessed("value")({}, t))
  end)

  it("scores usage as the active share against a target, reaching it scoring 10", function()
    local a = { licensed_users = 100 }
    local t = timeline { latest = { weekly_active = 56 } }
    assert.are.near(8, graduation.usage_score { target = 0.70 }(a, t), 1e-9)
    assert.are.equal(10, graduation.usage_score { target = 0.50 }(a, t))
    assert.is_nil(graduation.usage_score { target = 0.70 }({}, t)) -- no licensed_users: unknown
  end)

  it("scores usage against the product type's G5 thresholds when no target is given, the weakest counting", function()
    local a = { licensed_users = 100, product_type = "daily" }
    local t = timeline { latest = { weekly_active = 80, daily_active = 25 } }
    assert.are.near(5, graduation.usage_score()(a, t), 1e-9) -- daily 25% of 50%
  end)

  it("falls back from the assessment to signals: go-live for technical, the goal survey for value", function()
    local t = timeline { events = {
      ev("go_live_confirmed", "2026-11-01T10:00:00Z"),
      ev("survey_response", "2026-11-20T10:00:00Z", { goal_achieved = true, score = 8 }),
      ev("assessment", "2026-11-21T10:00:00Z", { dimension = "value", score = 7 }),
    } }
    assert.are.equal(10, graduation.score("technical")({}, t))
    assert.are.equal(7, graduation.score("value")({}, t)) -- the CSM's rating wins
    assert.are.equal(8, graduation.score("stakeholder")({}, t))
    assert.is_nil(graduation.score("technical")({}, timeline()))
  end)
end)

describe("DOMAIN G2: weighted total", function()
  it("has the default weights 20/20/20/30/10", function()
    assert.are.same({ technical = 0.20, knowledge = 0.20, usage = 0.20, value = 0.30, stakeholder = 0.10 },
                    graduation.WEIGHTS)
  end)

  it("scores the worked example 9, 8, 7, 9, 8 as 8.3 and ready", function()
    local s = { technical = 9, knowledge = 8, usage = 7, value = 9, stakeholder = 8 }
    assert.are.equal(8.3, graduation.total(s)) -- 1.8 + 1.6 + 1.4 + 2.7 + 0.8
    assert.are.equal("ready", graduation.assess(s).band)
  end)

  it("counts a missing dimension as 0", function()
    assert.are.equal(7.5, graduation.total { technical = 9, knowledge = 8, usage = 7, value = 9 })
  end)

  it("takes a company's own weights", function()
    assert.are.equal(9, graduation.total({ value = 9, usage = 9 }, { value = 0.5, usage = 0.5 }))
  end)
end)

describe("DOMAIN G3: bands", function()
  it("is ready at 8.0 and close at 7.95", function()
    assert.are.equal("ready", graduation.band(8.0))
    assert.are.equal("close", graduation.band(7.95))
  end)

  it("is close at 6.0 and not ready at 5.99", function()
    assert.are.equal("close", graduation.band(6.0))
    assert.are.equal("not_ready", graduation.band(5.99))
  end)

  it("puts all 8s at exactly 8.0 (ready), whatever the float noise", function()
    local all8 = { technical = 8, knowledge = 8, usage = 8, value = 8, stakeholder = 8 }
    assert.are.equal(8, graduation.total(all8))
    assert.are.equal("ready", graduation.assess(all8).band)
  end)

  it("gives bands in the DSL's form", function()
    assert.are.same({ { 8.0, "ready" }, { 6.0, "close" }, { 0, "not_ready" } }, graduation.BANDS)
  end)
end)

describe("DOMAIN G4: red flags block graduation whatever the score", function()
  local a = { id = "acme", licensed_users = 100 }

  it("keeps a 9.0 account out of ready while blocked", function()
    local s = { technical = 9, knowledge = 9, usage = 9, value = 9, stakeholder = 9 }
    local g = graduation.assess(s, { "champion left on 2026-11-01" })
    assert.are.equal("close", g.band)
    assert.are.same({ "champion left on 2026-11-01" }, g.blockers)
  end)

  it("blocks under 50% of licensed users active, not at 50%", function()
    local block = graduation.active_below(0.50)
    assert.are.equal("only 49% of licensed users are active (weekly_active; threshold 50%)",
                     block(a, timeline { latest = { weekly_active = 49 } }))
    assert.is_nil(block(a, timeline { latest = { weekly_active = 50 } }))
    assert.is_nil(block(a, timeline())) -- no data: no verdict
  end)

  it("reads monthly actives for weekly- and periodic-use products", function()
    local w = { licensed_users = 100, product_type = "weekly" }
    assert.matches("monthly_active", graduation.BLOCKERS.active_below_half(w, timeline { latest = { monthly_active = 30 } }))
  end)

  it("blocks usage declining week over week by more than 10%", function()
    local block = graduation.usage_declining()
    assert.are.equal("usage down 15% week over week (weekly_active)", block(a, timeline { trend = { weekly_active = -0.15 } }))
    assert.is_nil(block(a, timeline { trend = { weekly_active = -0.10 } }))
    assert.is_nil(block(a, timeline { trend = { weekly_active = 0.05 } }))
  end)

  it("blocks when the champion left in the last 90 days", function()
    local block = graduation.champion_left()
    assert.are.equal("champion left on 2026-11-01",
                     block(a, timeline { events = { ev("champion_left", "2026-11-01T09:00:00Z") } }))
    assert.is_nil(block(a, timeline { events = { ev("champion_left", "2026-05-01T09:00:00Z") } }))
  end)

  describe("unresolved technical issues", function()
    local block = graduation.unresolved_technical()

    it("blocks on an open ticket marked technical or of high/critical severity", function()
      local t = timeline { events = {
        ev("support_ticket", "2026-11-01T09:00:00Z", { id = "T-1", technical = true, severity = "low" }),
        ev("support_ticket", "2026-11-02T09:00:00Z", { id = "T-2", severity = "critical" }),
        ev("support_ticket", "2026-11-03T09:00:00Z", { id = "T-3", severity = "low", category = "billing" }),
      } }
      assert.are.equal("2 unresolved technical tickets (T-1 low, T-2 critical)", block(a, t))
    end)

    it("lets the newest update of a ticket, or a support_ticket_resolved event, resolve it", function()
      local t = timeline { events = {
        ev("support_ticket", "2026-11-01T09:00:00Z", { id = "T-1", technical = true }),
        ev("support_ticket", "2026-11-02T09:00:00Z", { id = "T-2", category = "technical" }),
        ev("support_ticket", "2026-11-05T09:00:00Z", { id = "T-1", technical = true, status = "resolved" }),
        ev("support_ticket_resolved", "2026-11-06T09:00:00Z", { id = "T-2" }),
      } }
      assert.is_nil(block(a, t))
    end)

    it("treats a ticket without an id as a ticket of its own", function()
      local t = timeline { events = { ev("support_ticket", "2026-11-01T09:00:00Z", { technical = true }) } }
      assert.are.equal("1 unresolved technical ticket (ticket)", block(a, t))
    end)
  end)

  it("blocks when success criteria are unmet: no milestone or value evidence, or the customer says no", function()
    local block = graduation.success_criteria_unmet()
    assert.are.equal("success criteria unmet: no milestone_reached, value_documented or goal survey",
                     block(a, timeline()))
    assert.is_nil(block(a, timeline { events = { ev("milestone_reached", "2026-11-01T09:00:00Z") } }))
    assert.are.equal("success criteria unmet: the customer says the goal is not achieved (survey of 2026-11-10, G11)",
                     block(a, timeline { events = {
                       ev("milestone_reached", "2026-11-01T09:00:00Z"),
                       ev("survey_response", "2026-11-10T09:00:00Z", { goal_achieved = false }),
                     } }))
  end)

  it("blocks on core workflows unused in 30 days when the playbook names them", function()
    local block = graduation.core_workflows_unused { workflows = { "invoices", "approvals" } }
    local t = timeline { events = { ev("feature_used", "2026-11-20T09:00:00Z", { feature = "invoices" }) } }
    assert.are.equal("core workflows unused in 30d: approvals", block(a, t))
    assert.is_nil(graduation.core_workflows_unused()(a, t))
  end)

  it("has the default blockers by name, for a scorecard's blockers", function()
    local names = {}
    for k, fn in pairs(graduation.BLOCKERS) do
      assert.are.equal("function", type(fn))
      names[#names + 1] = k
    end
    table.sort(names)
    assert.are.same({ "active_below_half", "champion_left", "core_workflow_unused", "internal_resistance",
                      "sponsor_disengaged", "success_criteria_unmet", "unresolved_technical", "usage_declining" }, names)
  end)

  it("G4: blocks on a red flag reported as an event until a later red_flag_cleared names it", function()
    local block = graduation.reported("sponsor_disengaged")
    local e = ev("sponsor_disengaged", "2026-11-10T09:00:00Z", { reason = "missed two steering meetings" })
    assert.are.equal("sponsor disengaged on 2026-11-10: missed two steering meetings", block(a, timeline { events = { e } }))
    assert.is_nil(block(a, timeline { events = { e, ev("red_flag_cleared", "2026-11-12T09:00:00Z", { flag = "sponsor_disengaged" }) } }))
    assert.are.equal("sponsor disengaged on 2026-11-10: missed two steering meetings",
                     block(a, timeline { events = { e, ev("red_flag_cleared", "2026-11-12T09:00:00Z", { flag = "internal_resistance" }) } }))
    -- 90 calendar days: lapsed on the 91st
    assert.is_nil(block(a, timeline { events = { ev("sponsor_disengaged", "2026-08-23T09:00:00Z") } }))
    assert.are.equal("sponsor disengaged on 2026-08-24", block(a, timeline { events = { ev("sponsor_disengaged", "2026-08-24T09:00:00Z") } }))
  end)
end)

describe("DOMAIN G5: usage thresholds by product type", function()
  local function status(product_type, latest, extra)
    local a = { licensed_users = 100, product_type = product_type, attrs = extra }
    return graduation.usage_status(a, timeline { latest = latest })
  end

  it("holds the thresholds as data", function()
    assert.are.same({ { field = "weekly_active", share = 0.80 }, { field = "daily_active", share = 0.50 } },
                    graduation.USAGE.daily.thresholds)
    assert.are.same({ { field = "monthly_active", share = 0.70 }, { field = "weekly_active", share = 0.40 } },
                    graduation.USAGE.weekly.thresholds)
    assert.are.same({ { field = "weekly_active", share = 0.70 } }, graduation.USAGE.generic.thresholds)
  end)

  it("needs 80% weekly and 50% daily active for daily-use products", function()
    local s, why = status("daily", { weekly_active = 80, daily_active = 50 })
    assert.are.equal("meets", s)
    assert.are.equal("daily use: weekly_active 80% (target 80%), daily_active 50% (target 50%)", why)
    assert.are.equal("below", (status("daily", { weekly_active = 79, daily_active = 60 })))
    assert.are.equal("below", (status("daily", { weekly_active = 90, daily_active = 49 })))
  end)

  it("needs 70% monthly and 40% weekly active for weekly-use products", function()
    assert.are.equal("meets", (status("weekly", { monthly_active = 70, weekly_active = 40 })))
    assert.are.equal("below", (status("weekly", { monthly_active = 69, weekly_active = 40 })))
  end)

  it("needs every key user active for periodic-use products, and says so when it cannot tell", function()
    assert.are.equal("meets", (status("periodic", { key_users_active = 5 }, { key_users = 5 })))
    assert.are.equal("below", (status("periodic", { key_users_active = 4 }, { key_users = 5 })))
    local s, why = status("periodic", { weekly_active = 90 })
    assert.is_nil(s)
    assert.are.equal("periodic use: key_users_active no data (target 100%)", why)
  end)

  it("uses the generic 70% weekly minimum for other products", function()
    assert.are.equal("meets", (status(nil, { weekly_active = 70 })))
    assert.are.equal("below", (status("other", { weekly_active = 69 })))
  end)

  it("warns at 30-40% active (investigate before graduation), and lower", function()
    assert.are.equal("below", (status(nil, { weekly_active = 41 })))
    local s, why = status(nil, { weekly_active = 40 })
    assert.are.equal("warning", s)
    assert.are.equal("generic use: weekly_active 40% (target 70%); at or under the 40% warning line (G5)", why)
    assert.are.equal("warning", (status(nil, { weekly_active = 30 })))
    assert.are.equal("warning", (status(nil, { weekly_active = 12 })))
  end)
end)

describe("DOMAIN G6: knowledge checks pass at 80%", function()
  local score = graduation.knowledge_check()

  it("passes at 80% and fails at 79%, as a fraction or a percent", function()
    local function one(v) return timeline { events = { ev("training_completed", "2026-11-01T09:00:00Z", { score = v }, "u1") } } end
    assert.are.equal(10, score({}, one(0.80)))
    assert.are.equal(10, score({}, one(80)))
    assert.are.equal(0, score({}, one(0.79)))
    assert.are.equal(0, score({}, one(79)))
  end)

  it("scores the share of users whose latest check passed", function()
    local t = timeline { events = {
      ev("training_completed", "2026-11-01T09:00:00Z", { score = 0.60 }, "ana"),
      ev("training_completed", "2026-11-02T09:00:00Z", { score = 0.90 }, "bo"),
      ev("knowledge_check", "2026-11-03T09:00:00Z", { score = 85 }, "ana"),   -- ana retook it and passed
      ev("knowledge_check", "2026-11-04T09:00:00Z", { score = 70 }, "cy"),
      ev("training_completed", "2026-11-05T09:00:00Z", { score = 95 }, "dee"),
    } }
    assert.are.equal(7.5, score({}, t)) -- 3 of 4 users
  end)

  it("is unknown without checks, and takes another pass mark", function()
    assert.is_nil(score({}, timeline()))
    local t = timeline { events = { ev("training_completed", "2026-11-01T09:00:00Z", { score = 0.75 }) } }
    assert.are.equal(10, graduation.knowledge_check { pass = 0.70 }({}, t))
  end)
end)

describe("DOMAIN G7: extension", function()
  local a = { id = "acme", onboarding_target_at = "2026-11-30" }

  it("extends with a specific reason, actions and a new target date", function()
    local x = graduation.extension(a, timeline(), {
      reason = "only 60% of users are active; the graduation threshold is 70%",
      days = 21, actions = { "Team training for finance", "Weekly usage review" },
    })
    assert.are.equal("2026-12-21", x.new_target_date)
    assert.are.equal(21, x.days)
    assert.are.same({ "Team training for finance", "Weekly usage review" }, x.actions)
    assert.is_nil(x.escalate)
    assert.are.equal("extended 21 days to 2026-12-21 (21 of 30 days used, G7)", x.why)
    assert.are.equal("graduation score 8.0+ with no red flags (G3, G4)", x.judged_by)
  end)

  it("allows 30 days in all; beyond that it grants what is left and escalates to leadership", function()
    local t = timeline { events = {
      ev("onboarding_extended", "2026-11-15T09:00:00Z", { days = 20, new_target_date = "2026-12-05" }),
    } }
    local x = graduation.extension(a, t, { reason = "integration not live", days = 10 })
    assert.are.equal(10, x.days)
    assert.are.equal("2026-12-15", x.new_target_date)
    assert.is_nil(x.escalate)
    local y = graduation.extension(a, t, { reason = "integration not live", days = 14 })
    assert.are.equal(10, y.days)
    assert.are.equal(30, y.total)
    assert.are.equal("2026-12-15", y.new_target_date)
    assert.are.equal("leadership", y.escalate)
    assert.are.equal("14 days asked, 20 already extended: over the 30-day cap, 10 granted; escalate to leadership (G7)", y.why)
  end)

  it("extends a target already passed from today, so the new date is never in the past", function()
    local late = { id = "late", onboarding_target_at = "2026-09-01" }
    local x = graduation.extension(late, timeline(), { reason = "data migration unfinished", days = 14 })
    assert.are.equal("2026-11-22", x.from)
    assert.are.equal("2026-12-06", x.new_target_date)
  end)

  it("refuses an extension without a reason", function()
    assert.has_error(function() graduation.extension(a, timeline(), { days = 7 }) end,
                     "extension: a specific reason is required (DOMAIN G7)")
    assert.has_error(function() graduation.extension(a, timeline(), { reason = "x", days = 0 }) end)
  end)
end)

describe("DOMAIN G8: completion review 7-14 days before graduation", function()
  it("gives the window's dates", function()
    assert.are.same({ from = "2026-11-01", to = "2026-11-08" }, graduation.review_window("2026-11-15"))
  end)

  it("is due from 14 to 7 days before onboarding_target_at", function()
    local a = { onboarding_target_at = "2026-12-06" }
    assert.is_true((graduation.review_due(a, timeline()))) -- 14 days before
    assert.is_false((graduation.review_due(a, timeline { today = "2026-11-21T02:00:00Z" }))) -- 15
    assert.is_true((graduation.review_due(a, timeline { today = "2026-11-29T02:00:00Z" })))  -- 7
    assert.is_false((graduation.review_due(a, timeline { today = "2026-11-30T02:00:00Z" }))) -- 6
  end)
end)

describe("DOMAIN G9: value-based graduation retains better", function()
  it("records 94% retention vs 71% on attendance-based criteria", function()
    assert.are.same({ value_based_retention = 0.94, attendance_based_retention = 0.71 }, graduation.OUTCOME)
  end)
end)

describe("in a playbook's sandbox", function()
  local tend = require "tend"

  it("declares the graduation scorecard from the module and scores the worked example 8.3 ready", function()
    local pb, problems, msg = tend.playbook_from { ["rules.lua"] = [==[
local g = require "tend.graduation"
segment "all" { touch = "high" }
scorecard "graduation" {
  dimension "technical"   { weight = g.WEIGHTS.technical,   score = g.score("technical") },
  dimension "knowledge"   { weight = g.WEIGHTS.knowledge,   score = g.score("knowledge") },
  dimension "usage"       { weight = g.WEIGHTS.usage,       score = g.score("usage") },
  dimension "value"       { weight = g.WEIGHTS.value,       score = g.score("value") },
  dimension "stakeholder" { weight = g.WEIGHTS.stakeholder, score = g.score("stakeholder") },
  bands = g.BANDS, blockers = g.BLOCKERS,
}
]==] }
    assert(pb, tostring(msg) .. "\n" .. table.concat(problems or {}, "\n"))
    local events = { { account_id = "acme", type = "milestone_reached", at = "2026-11-01T09:00:00Z" } }
    for dim, score in pairs { technical = 9, knowledge = 8, usage = 7, value = 9, stakeholder = 8 } do
      events[#events + 1] = { account_id = "acme", type = "assessment", at = "2026-11-20T09:00:00Z",
                              data = { dimension = dim, score = score } }
    end
    local r = pb:evaluate({ id = "acme" }, { events = events })
    assert.are.same({ total = 8.3, band = "ready", blockers = {},
                      dimensions = { technical = 9, knowledge = 8, usage = 7, value = 9, stakeholder = 8 } },
                    r.scorecards.graduation)
    events[#events + 1] = { account_id = "acme", type = "champion_left", at = "2026-11-21T09:00:00Z" }
    r = pb:evaluate({ id = "acme" }, { events = events })
    assert.are.equal("close", r.scorecards.graduation.band)
    assert.are.same({ "champion left on 2026-11-21" }, r.scorecards.graduation.blockers)
    pb:close()
  end)

  it("cannot change the module's numbers for the rules that follow", function()
    local pb, problems, msg = tend.playbook_from { ["rules.lua"] = [==[
local g = require "tend.graduation"
g.WEIGHTS.value = 1
segment "all" { touch = "high" }
]==] }
    assert.is_nil(pb)
    assert.matches("read%-only", tostring(msg) .. table.concat(problems or {}, "\n"))
  end)
end)
