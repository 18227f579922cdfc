-- DOMAIN P3, O5, G7: onboarding rules.
local S = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "support.lua")

local function customer(extra)
  local a = { id = "acme", name = "Acme Ltda", employees = 1200, acv = 85000, locale = "pt-BR",
              licensed_users = 100, csm = "ana@example.com", champion = "joao@acme.example" }
  for k, v in pairs(extra or {}) do a[k] = v end
  return a
end

describe("day 7 without a login (DOMAIN P3)", function()
  it("sends re-engagement, flags for follow-up and alerts the CSM when the contract is 8 days old and nobody logged in", function()
    local r = S.evaluate(customer { contract_signed_at = S.days_ago(8) })
    assert.same({ "onboarding" }, r.stages)
    local email = S.action(r, "email", "reengagement")
    assert.is_not_nil(email)
    assert.are.equal("champion", email.to)
    assert.are.equal("no_login_7d", email.rule)
    assert.is_true(S.has(r.flags, "needs_followup"))
    local alert = S.action(r, "notify")
    assert.are.equal("csm", alert.to)
    assert.are.equal("no_login_7d", alert.rule)
    assert.are.equal("onboarding day 8, days since login never (P3: both >= 7)", S.trace(r, "no_login_7d").why)
  end)

  it("carries the account's pt-BR locale into the email", function()
    local r = S.evaluate(customer { contract_signed_at = S.days_ago(8) })
    assert.are.equal("pt-BR", S.action(r, "email", "reengagement").locale)
  end)

  it("stays quiet when the customer logged in this week", function()
    local r = S.evaluate(customer { contract_signed_at = S.days_ago(8) }, { S.event("acme", "login", 1) })
    assert.is_false(S.fired(r, "no_login_7d"))
    assert.is_false(S.has(r.flags, "needs_followup"))
  end)

  it("waits for day 7", function()
    local r = S.evaluate(customer { contract_signed_at = S.days_ago(6) })
    assert.is_false(S.fired(r, "no_login_7d"))
  end)

  it("fires again after a week of silence that follows a first login", function()
    local r = S.evaluate(customer { contract_signed_at = S.days_ago(20) }, { S.event("acme", "login", 9) })
    assert.is_true(S.fired(r, "no_login_7d"))
  end)

  it("does not apply once the customer confirmed go-live (J3: no longer onboarding)", function()
    local r = S.evaluate(customer { contract_signed_at = S.days_ago(40) }, { S.event("acme", "go_live_confirmed", 10) })
    assert.is_nil(S.trace(r, "no_login_7d"))
  end)
end)

describe("late onboarding (DOMAIN O5)", function()
  local login = { S.event("acme", "login", 1) }

  it("flags an onboarding 31 days past its target and asks the CSM for a recovery plan", function()
    local r = S.evaluate(customer { contract_signed_at = S.days_ago(140), onboarding_target_at = S.days_ago(31) }, login)
    assert.is_true(S.has(r.flags, "late_onboarding"))
    local task = S.actions_of(r, "late_onboarding")[1]
    assert.are.equal("task", task.kind)
    assert.are.equal("csm", task.owner)
    assert.matches("^Recovery plan", task.title)
  end)

  it("does not call 29 days past the target late", function()
    local r = S.evaluate(customer { contract_signed_at = S.days_ago(140), onboarding_target_at = S.days_ago(29) }, login)
    assert.is_false(S.has(r.flags, "late_onboarding"))
  end)

  it("uses the segment's onboarding length when there is no target date (O1: enterprise 120 days)", function()
    local late = S.evaluate(customer { contract_signed_at = S.days_ago(150) }, login)
    assert.is_true(S.has(late.flags, "late_onboarding"))
    local on_time = S.evaluate(customer { contract_signed_at = S.days_ago(149) }, login)
    assert.is_false(S.has(on_time.flags, "late_onboarding"))
  end)
end)

describe("extension at the target date (DOMAIN G7, C3)", function()
  it("sends the extension notice and asks the CSM for a plan when the target arrives and the account is not ready", function()
    local r = S.evaluate(customer { contract_signed_at = S.days_ago(100), onboarding_target_at = S.days_ago(0) },
                         { S.event("acme", "login", 1) })
    assert.is_not_nil(S.action(r, "email", "extension_notice"))
    assert.are.equal("csm", S.actions_of(r, "extension_notice")[2].owner)
  end)

  it("leaves SMB onboardings to the day-30 survey instead (O3, P7)", function()
    local r = S.evaluate({ id = "lojinha", employees = 12, acv = 3000, contract_signed_at = S.days_ago(30) },
                         { S.event("lojinha", "login", 1) })
    assert.is_nil(S.action(r, "email", "extension_notice"))
    assert.is_not_nil(S.action(r, "email", "survey_goal"))
  end)

  it("sends nothing on the target date when the account is ready", function()
    local events = S.assessments("acme", { technical = 9, knowledge = 9, usage = 9, value = 9, stakeholder = 9 })
    local r = S.evaluate(customer { contract_signed_at = S.days_ago(100), onboarding_target_at = S.days_ago(0) }, events)
    assert.is_false(S.fired(r, "extension_notice"))
  end)
end)
