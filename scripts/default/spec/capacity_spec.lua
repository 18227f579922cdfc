-- DOMAIN T4, T5: capacity is planned over the book, not decided per account;
-- the default playbook assigns work by segment (P1: a dedicated specialist for
-- enterprise, the shared pool for mid-market) and plans people with
-- tend.touch. These are the figures it assumes.
local touch = require "tend.touch"

describe("capacity (DOMAIN T4, T5)", function()
  it("knows the loads per person (T4)", function()
    assert.same({ min = 8, max = 15 }, touch.CAPACITY.specialist)
    assert.same({ min = 8, max = 12 }, touch.CAPACITY.specialist_mid_market)
    assert.same({ min = 40, max = 80 }, touch.CAPACITY.csm_low)
    assert.are.equal(200, touch.CAPACITY.generalist.max)
  end)

  it("plans the T5 example with Little's law: 50 a quarter x 8 weeks = 30.8 in flight -> 4 specialists", function()
    local plan = touch.plan { new_per_quarter = 50, onboarding_weeks = 8, per_specialist = 10, buffer = 0 }
    assert.are.equal(30.8, math.floor(plan.concurrent * 10 + 0.5) / 10)
    assert.are.equal(4, plan.specialists)
  end)

  it("differs from the source's '2 specialists', which counts a month of starts as the load (T5)", function()
    local source_load = 50 / 3 -- starts a month
    assert.are.equal(2, math.ceil(source_load / 10))
    assert.are_not.equal(2, touch.plan({ buffer = 0 }).specialists)
  end)

  it("adds the default 20% buffer for seasonality and turnover: 36.9 in flight still fits 4 x 10 (T5)", function()
    local plan = touch.plan()
    assert.are.equal(36.9, math.floor(plan.buffered_concurrent * 10 + 0.5) / 10)
    assert.are.equal(4, plan.specialists_with_buffer)
    assert.are.equal(5, touch.plan({ new_per_quarter = 60 }).specialists_with_buffer) -- 44.3 in flight
  end)
end)
