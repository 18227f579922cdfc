-- DOMAIN S3 overriding S1/S2: revenue tiers from the book's ACV percentiles.
local S = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "support.lua")
local seg = require "tend.segmentation"

describe("revenue tiers (DOMAIN S3)", function()
  it("puts the top 20% of ACV in tier1, the middle 40% in tier2, the bottom 40% in tier3", function()
    -- 12 ACVs: p80 = 11,400 and p40 = 2,640 (linear interpolation)
    local results = S.eval_book()
    local tiers = {}
    for id, r in pairs(results) do tiers[r.segment] = (tiers[r.segment] or 0) + 1 end
    assert.same({ tier1 = 3, tier2 = 4, tier3 = 5 }, tiers)
    assert.are.equal("tier1", results["meridian-cloud"].segment) -- $12,000: above p80
    assert.are.equal("tier2", results["northpeak"].segment)      -- $3,000
    assert.are.equal("tier3", results["trailhead"].segment)      -- $2,400: under p40
  end)

  it("gives each tier its touch model (T1-T3)", function()
    local results = S.eval_book()
    assert.are.equal("high", results["vertex-ai"].touch)
    assert.are.equal("low", results["sendwise"].touch)
    assert.are.equal("tech", results["pixelnote"].touch)
  end)

  it("ranks against the whole book: the same $5,000 account changes tier with its neighbours", function()
    local function book(acvs)
      local path = os.tmpname()
      local f = assert(io.open(path, "w"))
      for i, acv in ipairs(acvs) do f:write(string.format('{"id":"a%d","acv":%d}\n', i, acv)) end
      f:write('{"id":"x","acv":5000}\n{"id":"no-acv"}\n')
      f:close()
      local results = S.eval_book(path)
      os.remove(path)
      return results
    end
    -- ACVs 1,000-10,000 and 5,000: p80 = 8,000, p40 = 5,000 (the missing ACV is
    -- left out); an ACV on a boundary belongs to the higher tier
    assert.same({ tier1 = 8000, tier2 = 5000 },
                seg.revenue_tier_thresholds { 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000, 5000 })
    local big = book { 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000 }
    assert.are.equal("tier2", big.x.segment)
    assert.are.equal("tier1", big.a8.segment)
    assert.are.equal("tier3", big["no-acv"].segment)
    local small = book { 100, 200, 300, 400, 500 }
    assert.are.equal("tier1", small.x.segment)
  end)

  it("falls back to S2's fixed lines when evaluated alone, without a book", function()
    assert.are.equal("tier1", S.evaluate({ id = "big", acv = 50000 }).segment)
    assert.are.equal("tier2", S.evaluate({ id = "mid", acv = 10000 }).segment)
    assert.are.equal("tier3", S.evaluate({ id = "small", acv = 9999 }).segment)
  end)
end)
