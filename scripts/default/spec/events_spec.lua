-- DOMAIN P1, P2, P5, P6, J2: what happens when something happens.
local S = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "support.lua")

local function account(extra)
  local a = { id = "acme", employees = 1200, acv = 85000, locale = "pt-BR", contract_signed_at = S.days_ago(20) }
  for k, v in pairs(extra or {}) do a[k] = v end
  return a
end

describe("event playbooks", function()
  it("welcomes a new customer and asks the specialist to schedule the kickoff (P1)", function()
    local r = S.evaluate(account { contract_signed_at = S.days_ago(0) }, { S.event("acme", "contract_signed", 0.5) })
    local email = S.action(r, "email", "welcome")
    assert.are.equal("pt-BR", email.locale)
    assert.are.equal("on contract_signed", email.rule)
    local task = S.action(r, "task", "Schedule kickoff")
    assert.are.equal("specialist", task.owner)
  end)

  it("acts on a contract only once: the event's time is in the dedupe key (P1)", function()
    local r = S.evaluate(account(), { S.event("acme", "contract_signed", 0.5) })
    assert.are.equal("welcome:acme:" .. S.at(0.5), S.action(r, "email", "welcome").key)
    local later = S.evaluate(account(), { S.event("acme", "contract_signed", 2) })
    assert.is_nil(S.action(later, "email", "welcome"))
  end)

  it("sends the kickoff summary and starts the check-ins (P2)", function()
    local r = S.evaluate(account(), { S.event("acme", "kickoff_completed", 0.3) })
    assert.is_not_nil(S.action(r, "email", "kickoff_summary"))
    assert.are.equal("csm", S.action(r, "task", "Start the check-in series").owner)
  end)

  it("congratulates a completed training module with the next one (P5)", function()
    local r = S.evaluate(account(), { S.event("acme", "training_completed", 0.2, { module = "basics", score = 90 }) })
    assert.are.equal("on training_completed", S.action(r, "email", "training_next").rule)
  end)

  it("celebrates a milestone reached (P6, C2)", function()
    local r = S.evaluate(account(), { S.event("acme", "milestone_reached", 0.2, { name = "first workflow" }) })
    assert.is_not_nil(S.action(r, "email", "celebration"))
  end)

  it("asks the CSM to find a new champion when the champion leaves (J2, P8)", function()
    local r = S.evaluate(account(), { S.event("acme", "champion_left", 0.2) })
    assert.are.equal("csm", S.action(r, "task", "Champion left: find and confirm a new champion").owner)
  end)
end)
