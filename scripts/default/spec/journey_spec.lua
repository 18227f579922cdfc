-- DOMAIN J1-J6, J8, P8: stages, health, and the account-level rules.
local S = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "support.lua")

local function account(days_since_contract, extra)
  local a = { id = "acme", employees = 300, acv = 30000, licensed_users = 100,
              contract_signed_at = S.days_ago(days_since_contract) }
  for k, v in pairs(extra or {}) do a[k] = v end
  return a
end

--- J3's evidence and the sponsor's sign-off (G12) 60 days ago, and a login
--- in each of the last 4 weeks (J4).
local function live(...)
  local list = { S.event("acme", "milestone_reached", 65), S.event("acme", "value_documented", 62),
                 S.event("acme", "go_live_confirmed", 60), S.event("acme", "sponsor_signoff", 60) }
  for _, d in ipairs { 1, 8, 15, 22 } do list[#list + 1] = S.event("acme", "login", d) end
  for _, e in ipairs { ... } do list[#list + 1] = e end
  return list
end

local ADOPTED = { weekly_active = 85, features_used = 5 }

describe("journey stages (DOMAIN J1-J4)", function()
  it("keeps an account in onboarding until the evidence says it is over, whatever the calendar (J2, J3)", function()
    assert.same({ "onboarding" }, S.evaluate(account(200), { S.event("acme", "go_live_confirmed", 100) }).stages)
  end)

  it("moves to adoption with milestones, documented first value and go-live confirmed (J3)", function()
    local r = S.evaluate(account(100), live(), S.metrics("acme", 3, { weekly_active = 50, features_used = 2 }))
    assert.same({ "adoption" }, r.stages)
  end)

  it("takes a 'goal achieved' survey as documented first value (J3)", function()
    local events = { S.event("acme", "milestone_reached", 30), S.event("acme", "go_live_confirmed", 20),
                     S.event("acme", "survey_response", 10, { goal_achieved = true }), S.event("acme", "sponsor_signoff", 9) }
    assert.same({ "adoption" }, S.evaluate(account(60), events).stages)
  end)

  it("moves to retention with 70%+ seats active, 3+ features beyond the first and weekly use (J4)", function()
    assert.same({ "retention" }, S.evaluate(account(100), live(), S.metrics("acme", 14, ADOPTED)).stages)
  end)

  it("keeps a broadly used account in adoption while a week went without a login (J4 pattern)", function()
    local events = live()
    table.remove(events, 6) -- no login 8 days ago: week 2 is empty
    assert.same({ "adoption" }, S.evaluate(account(100), events, S.metrics("acme", 14, ADOPTED)).stages)
  end)

  it("holds several stages at once: retention, expansion from month 6, advocacy from month 12 (J1, J2)", function()
    assert.same({ "retention", "expansion" }, S.evaluate(account(200), live(), S.metrics("acme", 14, ADOPTED)).stages)
    assert.same({ "retention", "expansion", "advocacy" },
                S.evaluate(account(400), live(), S.metrics("acme", 14, ADOPTED)).stages)
  end)

  it("sends a retained account back to adoption when the champion leaves (J2)", function()
    local r = S.evaluate(account(200), live(S.event("acme", "champion_left", 3)), S.metrics("acme", 14, ADOPTED))
    assert.same({ "adoption", "expansion" }, r.stages)
  end)

  it("counts a signed renewal as proof that onboarding ended long ago", function()
    assert.same({ "adoption", "expansion", "advocacy" },
                S.evaluate(account(500), { S.event("acme", "renewal_signed", 200) }).stages)
  end)
end)

describe("health and at-risk accounts (DOMAIN J5, P8)", function()
  it("scores an active, satisfied account green", function()
    local r = S.evaluate(account(100), live(S.event("acme", "survey_response", 10, { score = 9 })),
                         S.metrics("acme", 14, ADOPTED))
    assert.are.equal("green", r.health.band)
    assert.is_true(r.health.score >= 90)
  end)

  it("does not call a two-day-old account red for lack of history", function()
    assert.are.equal("green", S.evaluate(account(2)).health.band)
  end)

  it("has no health at all without any data", function()
    assert.are.equal(require("tend").json.null, S.evaluate({ id = "empty" }).health)
  end)

  it("flags a silent, declining account at risk and gives the CSM a task, never an automatic message (P8)", function()
    local metrics = S.metrics("acme", 14, { weekly_active = 40 })
    for i = 8, 14 do metrics[i].weekly_active = 15 end
    local events = { S.event("acme", "milestone_reached", 95), S.event("acme", "value_documented", 92),
                     S.event("acme", "go_live_confirmed", 90), S.event("acme", "sponsor_signoff", 90),
                     S.event("acme", "login", 25),
                     S.event("acme", "budget_cut", 20) }
    for i = 1, 4 do events[#events + 1] = S.event("acme", "support_ticket", i) end
    local r = S.evaluate(account(200), events, metrics)
    assert.are.equal("red", r.health.band)
    assert.is_true(S.has(r.flags, "at_risk"))
    local actions = S.actions_of(r, "at_risk")
    assert.are.equal(1, #actions)
    assert.are.equal("task", actions[1].kind)
    assert.are.equal("csm", actions[1].owner)
    assert.same({ "budget cut on " .. S.days_ago(20):sub(1, 10), "health dropped to " .. r.health.score .. " (under 40)" },
                actions[1].data.regressions)
    assert.matches("^health %d+ %(.*budget_cut %-15%)$", S.trace(r, "at_risk").why)
  end)
end)

describe("expansion and advocacy candidates (DOMAIN J6, J8)", function()
  it("flags a healthy account using 90%+ of its seats after month 6 as an expansion candidate (J6)", function()
    local r = S.evaluate(account(200), live(), S.metrics("acme", 14, { weekly_active = 95, features_used = 6 }))
    assert.is_true(S.has(r.flags, "expansion_candidate"))
    local task = S.actions_of(r, "expansion_candidate")[1]
    assert.are.equal("csm", task.owner)
    assert.same({ "usage near the licence limit: 95% of 100 seats active" }, task.data.triggers)
  end)

  it("does not take renewal timing alone for an expansion trigger (J6)", function()
    local r = S.evaluate(account(300, { renewal_date = S.in_days(60) }), live(), S.metrics("acme", 14, ADOPTED))
    assert.is_false(S.has(r.flags, "expansion_candidate"))
  end)

  it("flags a promoter with high health who renewed once as an advocate candidate (J8)", function()
    local events = live(S.event("acme", "renewal_signed", 30), S.event("acme", "survey_response", 5, { nps = 10 }))
    local r = S.evaluate(account(400), events, S.metrics("acme", 14, ADOPTED))
    assert.is_true(S.has(r.flags, "advocate_candidate"))
    assert.are.equal("csm", S.actions_of(r, "advocate_candidate")[1].owner)
  end)

  it("does not ask a customer who never renewed to advocate (J8)", function()
    local r = S.evaluate(account(400), live(S.event("acme", "survey_response", 5, { nps = 10 })),
                         S.metrics("acme", 14, ADOPTED))
    assert.is_false(S.has(r.flags, "advocate_candidate"))
  end)
end)
