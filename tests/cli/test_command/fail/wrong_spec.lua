local tend = require "tend"
describe("a wrong expectation", function()
  it("is reported as a failure", function()
    local r = tend.evaluate({ id = "x", employees = 5 })
    assert.are.equal("enterprise", r.segment)
  end)
  it("passes", function() assert.are.equal(1, 1) end)
end)
