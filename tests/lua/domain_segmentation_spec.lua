--- tend.segmentation, specified in DOMAIN's words (S1-S5).
local seg = require "tend.segmentation"

describe("DOMAIN S1: size bands", function()
  it("makes 1,000 employees enterprise and 999 mid-market", function()
    assert.are.equal("enterprise", seg.size_band(1000))
    assert.are.equal("mid_market", seg.size_band(999))
  end)

  it("makes 99 employees SMB and 100 mid-market", function()
    assert.are.equal("smb", seg.size_band(99))
    assert.are.equal("mid_market", seg.size_band(100))
  end)

  it("says nothing when the employee count is unknown", function()
    assert.is_nil(seg.size_band(nil))
  end)

  it("takes a company's own boundaries", function()
    assert.are.equal("enterprise", seg.size_band(500, { enterprise = 500 }))
    assert.are.equal("smb", seg.size_band(150, { smb = 200 }))
  end)
end)

describe("DOMAIN S2: contract value (ACV) bands", function()
  it("makes $50,000 high and $49,999 medium", function()
    assert.are.equal("high", seg.acv_band(50000))
    assert.are.equal("medium", seg.acv_band(49999))
  end)

  it("makes $10,000 medium and $9,999 low", function()
    assert.are.equal("medium", seg.acv_band(10000))
    assert.are.equal("low", seg.acv_band(9999))
  end)

  it("makes $1,000 low and names what is under it, which the source does not band", function()
    assert.are.equal("low", seg.acv_band(1000))
    assert.are.equal("below_low", seg.acv_band(999))
  end)

  it("takes a company's own thresholds", function()
    assert.are.equal("high", seg.acv_band(30000, { high = 30000 }))
  end)
end)

describe("DOMAIN S1 + S2: the default segment", function()
  it("is enterprise on size alone or on contract value alone", function()
    assert.are.equal("enterprise", seg.segment_of({ employees = 1000, acv = 10000 }))
    assert.are.equal("enterprise", seg.segment_of({ employees = 1000 }))
    assert.are.equal("enterprise", seg.segment_of({ employees = 20, acv = 50000 }))
  end)

  it("S2: is SMB (tech touch) under $10K ACV whatever the size", function()
    assert.is_true(seg.low_acv({ acv = 9999 }))
    assert.is_false(seg.low_acv({ acv = 10000 }))
    assert.is_false(seg.low_acv({}))
    assert.are.equal("smb", seg.segment_of({ employees = 500, acv = 5000 }))
    assert.are.equal("smb", seg.segment_of({ employees = 1000, acv = 9999 }))
    assert.are.equal("enterprise", seg.segment_of({ employees = 1000, acv = 10000 }))
  end)

  it("is SMB when the ACV is low, or with no ACV under 100 employees (a missing count is 0)", function()
    assert.are.equal("smb", seg.segment_of({ employees = 99, acv = 9999 }))
    assert.are.equal("mid_market", seg.segment_of({ employees = 99, acv = 10000 }))
    assert.are.equal("smb", seg.segment_of({ employees = 99 }))
    assert.are.equal("mid_market", seg.segment_of({ employees = 100 }))
    assert.are.equal("smb", seg.segment_of({ id = "new" }))
  end)

  it("is mid-market between", function()
    assert.are.equal("mid_market", seg.segment_of({ employees = 999, acv = 49999 }))
  end)
end)

describe("DOMAIN S3: revenue tiers are a population rule", function()
  local ten = { 10, 20, 30, 40, 50, 60, 70, 80, 90, 100 }

  it("computes percentiles by interpolating between ranks", function()
    assert.are.equal(10, seg.percentile(ten, 0))
    assert.are.equal(100, seg.percentile(ten, 1))
    assert.are.near(55, seg.percentile(ten, 0.5), 1e-9)
    assert.are.near(82, seg.percentile(ten, 0.8), 1e-9)
    assert.are.near(46, seg.percentile(ten, 0.4), 1e-9)
  end)

  it("does not care about order, ignores missing values and leaves the list alone", function()
    local values = { 100, 10, "n/a", 90, 20 }
    assert.are.equal(55, seg.percentile(values, 0.5))
    assert.are.same({ 100, 10, "n/a", 90, 20 }, values)
    assert.is_nil(seg.percentile({}, 0.5))
  end)

  it("rejects a percentile outside 0..1", function()
    assert.has_error(function() seg.percentile(ten, 80) end,
                     "percentile: p must be a number between 0 and 1, got 80")
  end)

  it("puts the top 20% in tier 1, the middle 40% in tier 2 and the bottom 40% in tier 3", function()
    local th = seg.revenue_tier_thresholds(ten)
    assert.are.near(82, th.tier1, 1e-9) -- the top-20% boundary
    assert.are.near(46, th.tier2, 1e-9) -- the bottom-40% boundary
    local count = { tier1 = 0, tier2 = 0, tier3 = 0 }
    for _, acv in ipairs(ten) do
      local tier = seg.revenue_tier(acv, th)
      count[tier] = count[tier] + 1
    end
    assert.are.same({ tier1 = 2, tier2 = 4, tier3 = 4 }, count)
  end)

  it("gives an account on a boundary the higher tier", function()
    local th = { tier1 = 80000, tier2 = 20000 }
    assert.are.equal("tier1", seg.revenue_tier(80000, th))
    assert.are.equal("tier2", seg.revenue_tier(79999, th))
    assert.are.equal("tier2", seg.revenue_tier(20000, th))
    assert.are.equal("tier3", seg.revenue_tier(19999, th))
    assert.is_nil(seg.revenue_tier(nil, th))
  end)

  it("takes other shares, but not more than the whole population", function()
    local th = seg.revenue_tier_thresholds(ten, { top = 0.10, bottom = 0.50 })
    assert.are.near(91, th.tier1, 1e-9)
    assert.are.near(55, th.tier2, 1e-9)
    assert.has_error(function() seg.revenue_tier_thresholds(ten, { top = 0.7, bottom = 0.4 }) end)
  end)

  it("has no thresholds for an empty population", function()
    assert.is_nil(seg.revenue_tier_thresholds({}))
  end)
end)

describe("DOMAIN S4: other segment dimensions", function()
  it("reads a technical buyer, who gets APIs and automation; others get UI-guided setup", function()
    assert.is_true(seg.technical_buyer({ technical = true }))
    assert.are.equal("api_and_automation", seg.setup_style({ technical = true }))
    assert.are.equal("ui_guided", seg.setup_style({ technical = false }))
    assert.are.equal("ui_guided", seg.setup_style({}))
    assert.is_nil(seg.technical_buyer({}))
  end)

  it("reads a product-led sign-up from the account or its attrs", function()
    assert.is_true(seg.product_led({ attrs = { product_led = true } }))
    assert.is_true(seg.product_led({ attrs = { signup = "self_serve" } }))
    assert.is_false(seg.product_led({ attrs = {} }))
  end)

  it("makes product-led its own segment only when asked, and never over enterprise", function()
    local plg = { employees = 40, acv = 2000, attrs = { product_led = true } }
    assert.are.equal("smb", seg.segment_of(plg))
    assert.are.equal("product_led", seg.segment_of(plg, { product_led = true }))
    assert.are.equal("enterprise", seg.segment_of({ employees = 5000, attrs = { product_led = true } },
                                                  { product_led = true }))
  end)

  it("lists the dimensions with the field each reads", function()
    assert.are.equal("industry", seg.DIMENSIONS.industry.field)
    assert.is_true(seg.DIMENSIONS.revenue_tier.population)
  end)
end)

describe("DOMAIN S5: one plan for every segment fails both", function()
  it("records the source's before and after", function()
    assert.are.same({ single_plan_days = 90, smb_time_to_value_days = 14, enterprise_success_lift = 0.40 }, seg.OUTCOME)
  end)
end)

describe("in a playbook's sandbox", function()
  it("declares the segments and places an account in its revenue tier", function()
    local tend = require "tend"
    local pb, problems, msg = tend.playbook_from { ["rules.lua"] = [==[
local seg = require "tend.segmentation"
local TIERS = seg.revenue_tier_thresholds { 5000, 12000, 30000, 45000, 80000 } -- the population pass's output
segment "enterprise" { when = seg.is_enterprise, touch = "high" }
segment "smb"        { when = seg.is_smb,        touch = "tech" }
segment "mid_market" {                            touch = "low" }
rule "tier" {
  when = function(a) local tier = seg.revenue_tier(a.acv, TIERS) return tier == "tier1", tier end,
  actions = { flag "tier1" },
}
]==] }
    assert(pb, tostring(msg) .. "\n" .. table.concat(problems or {}, "\n"))
    local r = pb:evaluate { id = "acme", employees = 1000, acv = 80000 }
    assert.are.equal("enterprise", r.segment)
    assert.are.same({ "tier1" }, r.flags)
    r = pb:evaluate { id = "tiny", employees = 99, acv = 9999 }
    assert.are.equal("smb", r.segment)
    assert.are.equal("tier3", r.trace[1].why)
    pb:close()
  end)
end)
