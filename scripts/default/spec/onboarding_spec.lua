-- DOMAIN P3, G7, O5: onboarding rules.
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
    assert.are.equal("champion", email.to)
    assert.are.equal("no_login_7d", email.rule)
    assert.are.equal(8, email.data.days_idle)
    assert.is_true(S.has(r.flags, "needs_followup"))
    local alert = S.action(r, "notify")
    assert.are.equal("csm_slack", alert.channel)
    assert.are.equal("csm", alert.to)
    assert.are.equal("Acme Ltda: no login for 8 days, onboarding day 8 (P3)", alert.text)
    assert.are.equal("onboarding day 8, days since login never (P3: 7+ each)", S.trace(r, "no_login_7d").why)
  end)

  it("counts calendar days: a contract signed late on the 7th day before still counts 7", function()
    local r = S.evaluate(customer(), { S.event("acme", "contract_signed", 6.1) }) -- 7 calendar days at 02:00
    assert.is_true(S.fired(r, "no_login_7d"))
  end)

  it("stays quiet when the customer logged in this week", function()
    local r = S.evaluate(customer { contract_signed_at = S.days_ago(8) }, { S.event("acme", "login", 1) })
    assert.is_false(S.fired(r, "no_login_7d"))
    assert.is_false(S.has(r.flags, "needs_followup"))
  end)

  it("waits for day 7", function()
    assert.is_false(S.fired(S.evaluate(customer { contract_signed_at = S.days_ago(6) }), "no_login_7d"))
  end)

  it("fires again after a week of silence that follows a first login", function()
    local r = S.evaluate(customer { contract_signed_at = S.days_ago(20) }, { S.event("acme", "login", 9) })
    assert.is_true(S.fired(r, "no_login_7d"))
  end)

  it("does not apply once onboarding is over (J3)", function()
    local events = { S.event("acme", "milestone_reached", 12), S.event("acme", "value_documented", 11),
                     S.event("acme", "go_live_confirmed", 10), S.event("acme", "sponsor_signoff", 10) }
    assert.is_nil(S.trace(S.evaluate(customer { contract_signed_at = S.days_ago(40) }, events), "no_login_7d"))
  end)
end)

describe("extension at the target date (DOMAIN G7, C3)", function()
  local login = { S.event("acme", "login", 1) }
  local close = S.assessments("acme", { technical = 8, knowledge = 7, usage = 6, value = 6, stakeholder = 7 })

  it("sends the extension notice with the reason, focus actions, new date and readiness criteria (C3)", function()
    local r = S.evaluate(customer { contract_signed_at = S.days_ago(100), onboarding_target_at = S.days_ago(0) }, close)
    local email = S.action(r, "email", "extension_notice")
    assert.are.equal("pt-BR", email.locale)
    -- C3: the specific shortfall, weakest first, in the account's language; never a bare score
    assert.are.equal("valor de negócio 6.0/10, uso 6.0/10, conhecimento da equipe 7.0/10, alinhamento com os "
                     .. "patrocinadores 7.0/10; para concluir o onboarding é preciso 8.0 no total (hoje 6.7)",
                     email.data.reason)
    assert.are.equal(4, #email.data.focus_actions) -- knowledge, usage, value, stakeholder under 8
    assert.are.equal(S.in_days(30), email.data.new_target_date)
    assert.matches("8%.0%+ with no red flags", email.data.readiness_criteria)
    assert.are.equal("extension_notice:acme:" .. S.days_ago(0), email.key) -- once per target date
    local task = S.actions_of(r, "extension_notice")[2]
    assert.are.equal("csm", task.owner)
  end)

  it("names the red flag as the reason when one holds the account back (C3)", function()
    local r = S.evaluate(customer { contract_signed_at = S.days_ago(100), onboarding_target_at = S.days_ago(3) },
                         close, S.metrics("acme", 3, { weekly_active = 40 }))
    assert.are.equal("only 40% of licensed users are active (weekly_active; threshold 50%)",
                     S.action(r, "email", "extension_notice").data.reason)
  end)

  it("extends from the last extension's date, within 30 days in all", function()
    local events = { S.event("acme", "onboarding_extended", 20, { days = 10, new_target_date = S.days_ago(1) }) }
    local r = S.evaluate(customer { contract_signed_at = S.days_ago(100), onboarding_target_at = S.days_ago(11) }, events)
    local email = S.action(r, "email", "extension_notice")
    assert.are.equal(S.in_days(20), email.data.new_target_date) -- 20 of the 30 days left
    assert.are.equal("extension_notice:acme:" .. S.days_ago(1), email.key)
  end)

  it("escalates to leadership instead once 30 days of extension are used", function()
    local events = { S.event("acme", "onboarding_extended", 32, { days = 30, new_target_date = S.days_ago(2) }) }
    local r = S.evaluate(customer { contract_signed_at = S.days_ago(150), onboarding_target_at = S.days_ago(32) }, events)
    assert.is_nil(S.action(r, "email", "extension_notice"))
    local task = S.actions_of(r, "extension_escalation")[1]
    assert.are.equal("leadership", task.owner)
    assert.are.equal(30, task.data.extended_days)
  end)

  it("sends nothing on the target date when the account is ready", function()
    local ready = S.assessments("acme", { technical = 9, knowledge = 9, usage = 9, value = 9, stakeholder = 9 })
    local r = S.evaluate(customer { contract_signed_at = S.days_ago(100), onboarding_target_at = S.days_ago(0) }, ready)
    assert.is_false(S.fired(r, "extension_notice"))
  end)

  it("leaves SMB onboardings to the day-30 survey instead (O3, P7)", function()
    local r = S.evaluate({ id = "lojinha", employees = 12, acv = 3000, contract_signed_at = S.days_ago(30) },
                         { S.event("lojinha", "login", 1) })
    assert.is_nil(S.action(r, "email", "extension_notice"))
    assert.is_not_nil(S.action(r, "email", "survey_goal"))
  end)

  it("hands over to late_onboarding from 30 days past the target (O5)", function()
    local r = S.evaluate(customer { contract_signed_at = S.days_ago(150), onboarding_target_at = S.days_ago(30) }, login)
    assert.is_false(S.fired(r, "extension_notice"))
    assert.is_true(S.fired(r, "late_onboarding"))
  end)
end)

describe("late onboarding (DOMAIN O5)", function()
  local login = { S.event("acme", "login", 1) }

  it("flags an onboarding 31 days past its target and asks the CSM for a recovery plan", function()
    local r = S.evaluate(customer { contract_signed_at = S.days_ago(140), onboarding_target_at = S.days_ago(31) }, login)
    assert.is_true(S.has(r.flags, "late_onboarding"))
    local task = S.actions_of(r, "late_onboarding")[1]
    assert.are.equal("Recovery plan", task.title)
    assert.are.equal("csm", task.owner)
    local steps = {}
    for i, s in ipairs(task.data.steps) do steps[i] = s.name end
    assert.same({ "root_cause", "reset_expectations", "raise_intensity", "minimum_viable_success" }, steps)
    assert.are.equal("task:Recovery plan:acme:" .. S.days_ago(31), task.key) -- once per missed target
  end)

  it("does not call 29 days past the target late", function()
    local r = S.evaluate(customer { contract_signed_at = S.days_ago(140), onboarding_target_at = S.days_ago(29) }, login)
    assert.is_false(S.has(r.flags, "late_onboarding"))
  end)

  it("uses the segment's onboarding length when there is no target date (O1: enterprise 120 days)", function()
    assert.is_true(S.has(S.evaluate(customer { contract_signed_at = S.days_ago(150) }, login).flags, "late_onboarding"))
    assert.is_false(S.has(S.evaluate(customer { contract_signed_at = S.days_ago(149) }, login).flags, "late_onboarding"))
  end)

  it("uses 60 days for mid-market (O2) and 30 for SMB (O3)", function()
    local mm = customer { employees = 300, acv = 20000, contract_signed_at = S.days_ago(90) }
    assert.is_true(S.has(S.evaluate(mm, login).flags, "late_onboarding"))
    local smb = customer { employees = 30, acv = 3000, contract_signed_at = S.days_ago(59) }
    assert.is_false(S.has(S.evaluate(smb, login).flags, "late_onboarding"))
    smb.contract_signed_at = S.days_ago(60)
    assert.is_true(S.has(S.evaluate(smb, login).flags, "late_onboarding"))
  end)
end)
