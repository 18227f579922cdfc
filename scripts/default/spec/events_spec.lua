-- DOMAIN P1, P2, P5, P6, P9, J2: what happens when something happens.
local S = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "support.lua")

local function account(extra)
  local a = { id = "acme", employees = 1200, acv = 85000, locale = "pt-BR", contract_signed_at = S.days_ago(20) }
  for k, v in pairs(extra or {}) do a[k] = v end
  return a
end

describe("event playbooks", function()
  it("welcomes a new customer, asks sales for the handoff form and a specialist for the kickoff (P1, P9)", function()
    local r = S.evaluate(account { contract_signed_at = S.days_ago(0) }, { S.event("acme", "contract_signed", 0.5) })
    local email = S.action(r, "email", "welcome")
    assert.are.equal("pt-BR", email.locale)
    assert.are.equal("on contract_signed", email.rule)
    assert.are.equal("sales", S.action(r, "task", "Sales handoff form").owner)
    assert.are.equal("specialist", S.action(r, "task", "Schedule the kickoff").owner)
  end)

  it("gives a mid-market kickoff to the shared specialist pool (T4)", function()
    local r = S.evaluate(account { employees = 300, acv = 20000 }, { S.event("acme", "contract_signed", 0.5) })
    assert.are.equal("specialist_pool", S.action(r, "task", "Schedule the kickoff").owner)
  end)

  it("only welcomes an SMB customer: self-serve, no kickoff promised, no human task (T3, O3)", function()
    local r = S.evaluate(account { employees = 20, acv = 2000, contract_signed_at = S.days_ago(0),
                                   name = "Acme", champion = "joao@acme.example" },
                         { S.event("acme", "contract_signed", 0.5) })
    local email = S.action(r, "email", "welcome_self_serve")
    assert.is_not_nil(email)
    assert.is_nil(S.action(r, "email", "welcome"))
    assert.is_nil(S.action(r, "task"))
    assert.is_nil(email.error)
    assert.is_nil(email.text:find("kickoff", 1, true))
    assert.is_not_nil(email.text:find("Dia 3", 1, true)) -- pt-BR, the account's locale
  end)

  it("acts on a contract only once: the event's time is in the dedupe key (P1)", function()
    local r = S.evaluate(account(), { S.event("acme", "contract_signed", 0.5) })
    assert.are.equal("welcome:acme:" .. S.at(0.5), S.action(r, "email", "welcome").key)
    assert.is_nil(S.action(S.evaluate(account(), { S.event("acme", "contract_signed", 2) }), "email", "welcome"))
  end)

  it("sends the kickoff summary with its action items and starts the check-ins (P2, T1)", function()
    local items = { "Connect the ERP", "Invite finance" }
    local r = S.evaluate(account(), { S.event("acme", "kickoff_completed", 0.3, { action_items = items }) })
    assert.same(items, S.action(r, "email", "kickoff_summary").data.action_items)
    local task = S.action(r, "task", "Start the check-ins")
    assert.are.equal("csm", task.owner)
    assert.same({ "weekly", "biweekly" }, task.data.cadence)
  end)

  it("congratulates a completed training module and names the next one (P5)", function()
    local r = S.evaluate(account(), { S.event("acme", "training_completed", 0.2, { module = "basics", next_module = "reports" }) })
    local email = S.action(r, "email", "training_next")
    assert.are.equal("on training_completed", email.rule)
    assert.same({ module_name = "basics", next_module = "reports" }, email.data)
  end)

  it("P6: notes a milestone on the way with what it was, and does not celebrate completion on it", function()
    local achieved = { "cut invoice processing time 53%, target was 40%", "trained 47 users in 3 departments" }
    local r = S.evaluate(account(), { S.event("acme", "milestone_reached", 0.2, { achievements = achieved }) })
    assert.same(achieved, S.action(r, "email", "milestone_note").data.achievements)
    assert.is_nil(S.action(r, "email", "celebration"))
  end)

  it("asks the CSM to find a new champion when the champion leaves (J2, P8)", function()
    local r = S.evaluate(account { champion = "joao@acme.example" }, { S.event("acme", "champion_left", 0.2) })
    local task = S.action(r, "task", "Find a new champion")
    assert.are.equal("csm", task.owner)
    assert.are.equal("joao@acme.example", task.data.previous)
  end)
end)
