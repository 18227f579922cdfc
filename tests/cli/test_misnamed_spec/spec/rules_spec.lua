-- Runs when the misnamed spec is gone: the support module beside it loads.
local tend = require "tend"
local support = require "support"

describe("a spec folder with a support module", function()
  it("evaluates the support module's account", function()
    local r = tend.evaluate(support.account, { now = "2026-11-22T02:00:00Z" })
    assert.are.equal("acme", r.account_id)
  end)
end)
