-- The scenarios CS ops rely on, each with an account carrying as little data
-- as it can: what the default playbook must do for accounts it has never
-- seen (DOMAIN S1, S2, G2-G4, P3, P4, O5, J7, C4).
local S = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "support.lua")

describe("accounts with minimal data", function()
  it("segments by size and contract value alone (S1, S2, T1-T3)", function()
    local function seg(a) local r = S.evaluate(a) return r.segment .. "/" .. r.touch end
    assert.are.equal("enterprise/high", seg { id = "a", employees = 1000 })
    assert.are.equal("enterprise/high", seg { id = "b", acv = 50000 })
    assert.are.equal("smb/tech", seg { id = "c", employees = 100, acv = 5000 }) -- S2: low ACV, whatever the size
    assert.are.equal("mid_market/low", seg { id = "c2", employees = 100 })
    assert.are.equal("mid_market/low", seg { id = "d", employees = 20, acv = 10000 })
    assert.are.equal("smb/tech", seg { id = "e", employees = 99, acv = 9999 })
    assert.are.equal("smb/tech", seg { id = "f" })
  end)

  it("scores graduation from assessments alone: 9, 8, 7, 9, 8 is 8.3, ready (G2, G3)", function()
    local r = S.evaluate({ id = "g2" }, S.assessments("g2", { technical = 9, knowledge = 8, usage = 7, value = 9, stakeholder = 8 }))
    local g = r.scorecards.graduation
    assert.are.equal(8.3, g.total)
    assert.are.equal("ready", g.band)
    assert.same({}, g.blockers)
  end)

  it("holds a high score at close when 40% of users are active (G4)", function()
    local events = S.assessments("blk", { technical = 9, knowledge = 9, usage = 9, value = 9, stakeholder = 9 })
    local r = S.evaluate({ id = "blk", licensed_users = 100 }, events, S.metrics("blk", 3, { weekly_active = 40 }))
    local g = r.scorecards.graduation
    assert.are.equal(9, g.total)
    assert.are.equal("close", g.band)
    assert.matches("only 40%% of licensed users are active", g.blockers[1])
    assert.is_true(S.has(r.flags, "graduation_blocked"))
  end)

  it("reads active_users when that is the only usage metric (G4, G5)", function()
    local events = S.assessments("au", { technical = 9, knowledge = 9, usage = 9, value = 9, stakeholder = 9 })
    local r = S.evaluate({ id = "au", licensed_users = 50 }, events, S.metrics("au", 3, { active_users = 20 }))
    assert.are.equal("close", r.scorecards.graduation.band)
    assert.matches("only 40%% of licensed users are active %(active_users", r.scorecards.graduation.blockers[1])
  end)

  it("re-engages, flags and alerts the CSM when a contract signed 8 days ago has no login (P3)", function()
    local r = S.evaluate { id = "new", contract_signed_at = S.days_ago(8) }
    assert.are.equal(1, #S.actions(r, "email", "reengagement"))
    assert.is_true(S.has(r.flags, "needs_followup"))
    local alert = S.action(r, "notify")
    assert.are.equal("csm", alert.to)
    assert.are.equal("no_login_7d", alert.rule)
  end)

  it("counts the contract from a contract_signed event when the account has no date (P3)", function()
    local r = S.evaluate({ id = "ev" }, { S.event("ev", "contract_signed", 8) })
    assert.is_true(S.fired(r, "no_login_7d"))
  end)

  it("re-engages an SMB account idle for 3+ days (P4)", function()
    local r = S.evaluate({ id = "idle", employees = 12, acv = 3000, contract_signed_at = S.days_ago(40) },
                         { S.event("idle", "login", 4) })
    assert.are.equal("tech", r.touch)
    assert.are.equal("tech_touch_idle", S.action(r, "email", "reengagement").rule)
  end)

  it("re-engages an idle SMB account whose contract date is unknown (P4)", function()
    local r = S.evaluate({ id = "nodate", employees = 12, acv = 3000 }, { S.event("nodate", "login", 3) })
    assert.is_not_nil(S.action(r, "email", "reengagement"))
  end)

  it("flags an onboarding 30+ days past onboarding_target_at as late, with a recovery task (O5)", function()
    local r = S.evaluate { id = "late", onboarding_target_at = S.days_ago(30) }
    assert.is_true(S.has(r.flags, "late_onboarding"))
    local task = S.actions_of(r, "late_onboarding")[1]
    assert.are.equal("task", task.kind)
    assert.are.equal("csm", task.owner)
    assert.are.equal(4, #task.data.steps) -- root cause, reset expectations, raise intensity, minimum viable success
  end)

  it("opens an enterprise renewal 120 days out: stage, email and a task for the conversation (J7, P8)", function()
    local r = S.evaluate { id = "ren", employees = 2000, renewal_date = S.in_days(120) }
    assert.is_true(S.has(r.stages, "renewal"))
    assert.are.equal("renewal_open", S.action(r, "email", "renewal_open").rule)
    assert.are.equal("csm", S.action(r, "task", "Open the renewal conversation").owner)
  end)

  it("writes to a pt-BR account in pt-BR (C4)", function()
    local r = S.evaluate { id = "br", locale = "pt-BR", contract_signed_at = S.days_ago(8) }
    local emails = S.actions(r, "email")
    assert.is_true(#emails > 0)
    for _, e in ipairs(emails) do assert.are.equal("pt-BR", e.locale) end
  end)
end)
