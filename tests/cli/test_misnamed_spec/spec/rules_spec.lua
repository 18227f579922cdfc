local tend = require "tend"

describe("the no_login_7d rule", function()
  it("fires for an onboarding account with no login for 8 days", function()
    local r = tend.evaluate({ id = "acme", employees = 1200, contract_signed_at = "2026-11-14" },
      { events = { { account_id = "acme", type = "login", at = "2026-11-14T10:00:00Z" } },
        now = "2026-11-22T02:00:00Z" })
    assert.are.same({ "needs_followup" }, r.flags)
    assert.are.equal("reengagement", r.actions[1].template)
    assert.are.equal("days_since(login) = 8", r.trace[1].why)
  end)

  it("does not share state with the playbook: the spec cannot see its globals", function()
    assert.is_nil(rawget(_G, "segment"))
    assert.is_nil(rawget(_G, "rule"))
  end)
end)
