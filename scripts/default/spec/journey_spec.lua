-- DOMAIN J1-J8, P8: stages, health, and the account-level rules.
local S = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "support.lua")

local function account(days_since_contract, extra)
  local a = { id = "acme", employees = 300, acv = 30000, licensed_users = 100,
              contract_signed_at = S.days_ago(days_since_contract) }
  for k, v in pairs(extra or {}) do a[k] = v end
  return a
end

local ADOPTED = { weekly_active = 85, active_users = 85, features_used = 5 }

local function with(events, ...)
  local list = { ... }
  for _, e in ipairs(events) do list[#list + 1] = e end
  return list
end

local LIVE = { S.event("acme", "go_live_confirmed", 60), S.event("acme", "login", 1) }

describe("journey stages (DOMAIN J1-J4)", function()
  it("keeps an account in onboarding until go-live is confirmed, whatever the calendar (J2, J3)", function()
    assert.same({ "onboarding" }, S.evaluate(account(200), { S.event("acme", "login", 1) }).stages)
  end)

  it("moves a live account into adoption until 70% of seats are active and 3+ features used (J4)", function()
    local r = S.evaluate(account(100), LIVE, S.metrics("acme", 3, { weekly_active = 50, features_used = 2 }))
    assert.same({ "adoption" }, r.stages)
  end)

  it("puts a live, broadly adopted account in retention (J4)", function()
    local r = S.evaluate(account(100), LIVE, S.metrics("acme", 3, ADOPTED))
    assert.same({ "retention" }, r.stages)
  end)

  it("holds several stages at once: retention, expansion from month 6, advocacy from month 12 (J1, J2)", function()
    local r = S.evaluate(account(400), LIVE, S.metrics("acme", 3, ADOPTED))
    assert.same({ "retention", "expansion", "advocacy" }, r.stages)
    assert.same({ "retention", "expansion" }, S.evaluate(account(200), LIVE, S.metrics("acme", 3, ADOPTED)).stages)
  end)
end)

describe("health and at-risk accounts (DOMAIN J5, P8)", function()
  it("scores an active, satisfied account green", function()
    local r = S.evaluate(account(100), with(LIVE, S.event("acme", "survey_response", 10, { score = 9 })),
                         S.metrics("acme", 14, ADOPTED))
    assert.are.equal("green", r.health.band)
    assert.is_true(r.health.score >= 90)
  end)

  it("does not call a two-day-old account red for lack of history", function()
    assert.are.equal("green", S.evaluate(account(2)).health.band)
  end)

  it("flags a silent, declining account at risk and gives the CSM a task, never an automatic message (P8)", function()
    local metrics = S.metrics("acme", 14, { weekly_active = 40 })
    for i = 8, 14 do metrics[i].weekly_active = 15 end
    local events = { S.event("acme", "go_live_confirmed", 90), S.event("acme", "login", 25),
                     S.event("acme", "budget_cut", 20) }
    for i = 1, 4 do events[#events + 1] = S.event("acme", "support_ticket", i) end
    local r = S.evaluate(account(200), events, metrics)
    assert.are.equal("red", r.health.band)
    assert.is_true(S.has(r.flags, "at_risk"))
    local actions = S.actions_of(r, "at_risk")
    assert.are.equal(1, #actions)
    assert.are.equal("task", actions[1].kind)
    assert.are.equal("csm", actions[1].owner)
    assert.matches("^health %d+ %(", S.trace(r, "at_risk").why)
  end)
end)

describe("expansion and advocacy candidates (DOMAIN J6, J8)", function()
  it("flags a healthy account using 90%+ of its seats after month 6 as an expansion candidate (J6)", function()
    local r = S.evaluate(account(200), LIVE, S.metrics("acme", 14, { weekly_active = 95, active_users = 95, features_used = 6 }))
    assert.is_true(S.has(r.flags, "expansion_candidate"))
    assert.are.equal("csm", S.actions_of(r, "expansion_candidate")[1].owner)
  end)

  it("flags a promoter with high health who renewed once as an advocate candidate (J8)", function()
    local events = with(LIVE, S.event("acme", "renewal_signed", 30), S.event("acme", "survey_response", 5, { score = 10 }))
    local r = S.evaluate(account(400), events, S.metrics("acme", 14, ADOPTED))
    assert.is_true(S.has(r.flags, "advocate_candidate"))
  end)

  it("does not ask a customer who never renewed to advocate (J8)", function()
    local events = with(LIVE, S.event("acme", "survey_response", 5, { score = 10 }))
    local r = S.evaluate(account(400), events, S.metrics("acme", 14, ADOPTED))
    assert.is_false(S.has(r.flags, "advocate_candidate"))
  end)
end)
