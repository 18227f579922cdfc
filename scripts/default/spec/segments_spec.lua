-- DOMAIN S1, S2, T1-T3: segment boundaries and touch models.
local S = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "support.lua")

local function segment_of(account)
  account.id = account.id or "acct"
  local r = S.evaluate(account)
  return r.segment, r.touch
end

describe("segments (DOMAIN S1, S2)", function()
  it("makes 1,000 employees enterprise and 999 mid-market (S1)", function()
    assert.same({ "enterprise", "high" }, { segment_of { employees = 1000, acv = 20000 } })
    assert.same({ "mid_market", "low" }, { segment_of { employees = 999, acv = 20000 } })
  end)

  it("makes an ACV of 50,000 enterprise and 49,999 mid-market (S2)", function()
    assert.same({ "enterprise", "high" }, { segment_of { employees = 500, acv = 50000 } })
    assert.same({ "mid_market", "low" }, { segment_of { employees = 500, acv = 49999 } })
  end)

  it("makes enterprise on either size or value alone (S1 or S2)", function()
    assert.are.equal("enterprise", (segment_of { employees = 20, acv = 60000 }))
    assert.are.equal("enterprise", (segment_of { employees = 5000 }))
  end)

  it("makes 99 employees SMB and 100 mid-market when the ACV is unknown (S1)", function()
    assert.same({ "smb", "tech" }, { segment_of { employees = 99 } })
    assert.same({ "mid_market", "low" }, { segment_of { employees = 100 } })
  end)

  it("S2: gives tech touch to an ACV under $10K whatever the size, and low touch from $10K", function()
    assert.same({ "smb", "tech" }, { segment_of { employees = 500, acv = 5000 } })
    assert.same({ "smb", "tech" }, { segment_of { employees = 5000, acv = 9999 } })
    assert.same({ "mid_market", "low" }, { segment_of { employees = 500, acv = 10000 } })
    assert.same({ "enterprise", "high" }, { segment_of { employees = 5000, acv = 10000 } })
  end)

  it("keeps a small company with an ACV of 10,000 out of SMB (S2)", function()
    assert.are.equal("smb", (segment_of { employees = 50, acv = 9999 }))
    assert.are.equal("mid_market", (segment_of { employees = 50, acv = 10000 }))
  end)

  it("counts missing numbers as 0: an account with no data is SMB", function()
    assert.same({ "smb", "tech" }, { segment_of {} })
  end)
end)
