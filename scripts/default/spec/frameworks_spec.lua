-- The pieces of the frameworks the default playbook adds (DOMAIN O1-O3, C1,
-- C3, P2, P4, P9, G4, G5, M2), each on its boundaries. Spec names carry
-- the rule id.
local S = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "support.lua")

local function acct(id, segment, day, extra)
  local sizes = { enterprise = { 1200, 85000 }, mid_market = { 300, 30000 }, smb = { 12, 3000 } }
  local a = { id = id, name = "Acct " .. id, employees = sizes[segment][1], acv = sizes[segment][2], licensed_users = 100, locale = "en",
              champion = "jo@" .. id .. ".example", csm = "ana@cs.example", contract_signed_at = S.days_ago(day) }
  for k, v in pairs(extra or {}) do a[k] = v end
  return a
end

local function fired(r, rule) return S.fired(r, rule) end

describe("C1: kickoff confirmation and agenda, day 1-2", function()
  it("C1: sent on day 1 and day 2 until the kickoff is held; not on day 0 or 3, not for tech touch", function()
    for day, want in pairs { [0] = false, [1] = true, [2] = true, [3] = false } do
      assert.are.equal(want, S.action(S.evaluate(acct("k", "enterprise", day)), "email", "kickoff_agenda") ~= nil, day)
    end
    local held = S.evaluate(acct("k", "enterprise", 1), { S.event("k", "kickoff_completed", 0.2) })
    assert.is_nil(S.action(held, "email", "kickoff_agenda"))
    assert.is_nil(S.action(S.evaluate(acct("k", "smb", 1)), "email", "kickoff_agenda"))
  end)
end)

describe("O1, O2: phases and check-in cadence", function()
  local function onboarding(id, segment, day, kickoff_ago, check_in_ago)
    local events = { S.event(id, "kickoff_completed", kickoff_ago) }
    if check_in_ago then events[#events + 1] = S.event(id, "check_in", check_in_ago) end
    return S.evaluate(acct(id, segment, day), events)
  end

  it("O2: mid-market implementation (weeks 2-3) has weekly check-ins: due at 7 days, not at 6", function()
    local r = onboarding("m", "mid_market", 10, 9, 7)
    assert.is_true(fired(r, "check_in_due"))
    assert.matches("O2 day 10: implementation %(days 8%-21%)", S.trace(r, "check_in_due").why)
    assert.are.equal("Check-in", S.actions_of(r, "check_in_due")[1].title)
    assert.is_not_nil(S.action(r, "email", "checkin_agenda"))
    assert.is_false(fired(onboarding("m", "mid_market", 10, 9, 6), "check_in_due"))
  end)

  it("O2: go-live and early adoption (weeks 5-6) check in every two weeks: 13 days is not due, 14 is", function()
    assert.is_false(fired(onboarding("m", "mid_market", 30, 29, 13), "check_in_due"))
    assert.is_true(fired(onboarding("m", "mid_market", 30, 29, 14), "check_in_due"))
  end)

  it("O1: enterprise checks in daily in the pilot's first live week (days 43-49), weekly otherwise", function()
    local r = onboarding("e", "enterprise", 43, 40, 1)
    assert.is_true(fired(r, "check_in_due"))
    assert.is_nil(S.action(r, "email", "checkin_agenda")) -- daily stand-ups get no agenda email
    assert.is_false(fired(onboarding("e", "enterprise", 50, 40, 1), "check_in_due"))
    assert.is_true(fired(onboarding("e", "enterprise", 50, 40, 7), "check_in_due"))
  end)

  it("O1, O2: a check-in more than 2 days past its cadence is missed: flagged, the CSM told", function()
    local r = onboarding("m", "mid_market", 12, 10, 10) -- weekly, 10 days: missed (> 9)
    assert.is_true(S.has(r.flags, "check_in_missed"))
    assert.is_not_nil(S.action(r, "notify", "csm_slack"))
    assert.is_false(S.has(onboarding("m", "mid_market", 12, 10, 9).flags, "check_in_missed"))
  end)

  it("O1, O2: no check-ins before the kickoff (P2 starts them), and none for tech touch", function()
    local r = S.evaluate(acct("m", "mid_market", 10))
    assert.is_false(fired(r, "check_in_due"))
    assert.matches("check%-ins start after the kickoff", S.trace(r, "check_in_due").why)
    assert.is_nil(S.trace(S.evaluate(acct("s", "smb", 10)), "check_in_due"))
  end)
end)

describe("O3: the SMB setup emails", function()
  it("O3: day 1, 3 and 7 setup emails and the week-2 feature highlights, each on its day (or the next)", function()
    local want = { [1] = "setup_day1", [3] = "setup_day3", [7] = "setup_day7", [8] = "feature_highlights" }
    for day = 0, 10 do
      local r = S.evaluate(acct("s", "smb", day), { S.event("s", "login", 0.5) })
      local sent = {}
      for _, e in ipairs(S.actions(r, "email")) do
        if e.template:match("^setup_") or e.template == "feature_highlights" then sent[#sent + 1] = e.template end
      end
      local expect = {}
      for d, name in pairs(want) do if day >= d and day <= d + 1 then expect[#expect + 1] = name end end
      table.sort(sent)
      table.sort(expect)
      assert.same(expect, sent, "day " .. day)
    end
  end)
end)

describe("P2, P4, P9", function()
  it("P2: the kickoff puts the onboarding in progress", function()
    assert.is_false(S.has(S.evaluate(acct("p", "mid_market", 5)).flags, "onboarding_in_progress"))
    local r = S.evaluate(acct("p", "mid_market", 5), { S.event("p", "kickoff_completed", 2) })
    assert.is_true(S.has(r.flags, "onboarding_in_progress"))
  end)

  it("P4: stuck on step Y -> automated help naming the step (tech touch); a specialist's task otherwise", function()
    local r = S.evaluate(acct("s", "smb", 5), { S.event("s", "setup_stuck", 0.3, { step = "Import products" }) })
    local email = S.action(r, "email", "step_help")
    assert.are.equal("Import products", email.data.step_name)
    assert.matches('"Import products"', email.subject)
    r = S.evaluate(acct("m", "mid_market", 5), { S.event("m", "setup_stuck", 0.3, { step = "SSO" }) })
    assert.is_nil(S.action(r, "email", "step_help"))
    assert.are.equal("specialist", S.action(r, "task", "Help with a stuck setup step").owner)
  end)

  it("P9: the implementation -> CSM handoff once setup is complete and training delivered", function()
    local live = S.event("m", "go_live_confirmed", 2)
    assert.is_false(fired(S.evaluate(acct("m", "mid_market", 40), { live }), "implementation_handoff"))
    local r = S.evaluate(acct("m", "mid_market", 40), { live, S.event("m", "training_completed", 5, { score = 90 }) })
    assert.are.equal("specialist", S.actions_of(r, "implementation_handoff")[1].owner)
  end)
end)

describe("G5: the 30-40% usage warning", function()
  local function flags(active)
    return S.evaluate(acct("u", "mid_market", 20), {}, S.metrics("u", 3, { weekly_active = active })).flags
  end

  it("G5: 30% and 40% active raise usage_warning with the reason; 41% does not", function()
    assert.is_true(S.has(flags(30), "usage_warning"))
    assert.is_true(S.has(flags(40), "usage_warning"))
    assert.is_false(S.has(flags(41), "usage_warning"))
    local r = S.evaluate(acct("u", "mid_market", 20), {}, S.metrics("u", 3, { weekly_active = 35 }))
    assert.are.equal("35% of licensed users active (weekly_active): in the 30%-40% warning band (G5)",
                     S.trace(r, "usage_warning").why)
  end)
end)

describe("G4: red flags fed by events", function()
  local ready = S.assessments("g", { technical = 9, knowledge = 9, usage = 9, value = 9, stakeholder = 9 })
  local healthy = S.metrics("g", 14, { weekly_active = 90, daily_active = 60 })
  local function blockers(...)
    local events = { table.unpack(ready) }
    for _, e in ipairs { ... } do events[#events + 1] = e end
    return S.evaluate(acct("g", "enterprise", 40, { product_type = "daily" }), events, healthy).scorecards.graduation
  end

  it("G4: sponsor disengaged and internal resistance block graduation until cleared", function()
    local g = blockers(S.event("g", "sponsor_disengaged", 5, { reason = "missed the steering committee" }))
    assert.are.equal("close", g.band)
    assert.same({ "sponsor disengaged on " .. S.days_ago(5) .. ": missed the steering committee" }, g.blockers)
    g = blockers(S.event("g", "internal_resistance", 5),
                 S.event("g", "red_flag_cleared", 1, { flag = "internal_resistance" }))
    assert.are.equal("ready", g.band)
  end)

  it("G4: core workflows unused: reported, or named in attrs without a feature_used in 30 days", function()
    assert.same({ "core workflow unused on " .. S.days_ago(3) .. ": approvals" },
                blockers(S.event("g", "core_workflow_unused", 3, { workflow = "approvals" })).blockers)
    local r = S.evaluate(acct("g", "enterprise", 40, { product_type = "daily", core_workflows = { "invoices", "approvals" } }),
                         { table.unpack(ready) }, healthy)
    assert.same({ "core workflows unused in 30d: invoices, approvals" }, r.scorecards.graduation.blockers)
  end)
end)

describe("C3: the extension notice names the specific shortfall", function()
  it("C3: with no blocker, the reason is the shortfall: usage 55% against the 70% threshold, then the scores", function()
    local a = acct("x", "mid_market", 70, { onboarding_target_at = S.days_ago(0) })
    local events = S.assessments("x", { technical = 7, knowledge = 7, value = 7, stakeholder = 9 })
    local r = S.evaluate(a, events, S.metrics("x", 3, { weekly_active = 55 }))
    assert.are.equal("usage 55%; the graduation threshold is 70%; business value 7.0/10, technical setup 7.0/10, "
                     .. "team knowledge 7.0/10; graduation needs 8.0 overall (now 7.4)",
                     S.action(r, "email", "extension_notice").data.reason)
  end)
end)

describe("M2: feedback", function()
  it("M2: the mid-onboarding check-in halfway to the target (mid-market day 30 of 60), once", function()
    assert.is_nil(S.action(S.evaluate(acct("m", "mid_market", 29)), "email", "pulse_check"))
    assert.is_not_nil(S.action(S.evaluate(acct("m", "mid_market", 30)), "email", "pulse_check"))
    assert.is_nil(S.action(S.evaluate(acct("m", "mid_market", 32)), "email", "pulse_check"))
  end)

  it("M2: the post-onboarding survey (NPS and open text) a week after completion", function()
    local function survey(days)
      local events = { S.event("s", "login", 1), S.event("s", "survey_response", days, { goal_achieved = true }) }
      return S.action(S.evaluate(acct("s", "smb", 60), events), "email", "nps_survey")
    end
    assert.is_nil(survey(6))
    assert.matches("0 to 10", survey(7).text)
    assert.is_nil(survey(9))
  end)

  it("M2: an exit interview task when the customer churns", function()
    local r = S.evaluate(acct("c", "mid_market", 300), { S.event("c", "churned", 0.5, { reason = "budget" }) })
    local task = S.action(r, "task", "Exit interview")
    assert.are.equal("csm", task.owner)
    assert.are.equal("budget", task.data.reason)
  end)
end)
