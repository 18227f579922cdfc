-- DOMAIN J7: the renewal runway by segment.
local S = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "support.lua")

local LIVE = { S.event("x", "go_live_confirmed", 300), S.event("x", "login", 1) }

local function account(segment, renewal_in, extra)
  local sizes = { enterprise = { employees = 2000, acv = 120000 }, mid_market = { employees = 300, acv = 25000 },
                  smb = { employees = 20, acv = 4000 } }
  local a = { id = "x", employees = sizes[segment].employees, acv = sizes[segment].acv, locale = "pt-BR",
              contract_signed_at = S.days_ago(400), renewal_date = S.in_days(renewal_in) }
  for k, v in pairs(extra or {}) do a[k] = v end
  return a
end

describe("renewal runway (DOMAIN J7)", function()
  it("opens an enterprise renewal at 120 days: renewal_open email and a task for the CSM", function()
    local r = S.evaluate(account("enterprise", 120), LIVE)
    assert.is_true(S.has(r.stages, "renewal"))
    local email = S.action(r, "email", "renewal_open")
    assert.are.equal("renewal_open", email.rule)
    assert.are.equal("pt-BR", email.locale)
    local task = S.actions_of(r, "renewal_open")[2]
    assert.are.equal("task", task.kind)
    assert.are.equal("csm", task.owner)
    assert.are.equal("days to renewal 120 (J7 enterprise open: day 120)", S.trace(r, "renewal_open").why)
  end)

  it("opens it once: not at 121 or 119 days", function()
    for _, days in ipairs { 121, 119 } do
      local r = S.evaluate(account("enterprise", days), LIVE)
      assert.is_true(S.has(r.stages, "renewal"))
      assert.is_nil(S.action(r, "email", "renewal_open"))
    end
  end)

  it("starts enterprise internal preparation at 180 days", function()
    local r = S.evaluate(account("enterprise", 180), LIVE)
    assert.is_true(S.has(r.stages, "renewal"))
    assert.are.equal("csm", S.actions_of(r, "renewal_prep")[1].owner)
  end)

  it("puts an enterprise account into the renewal stage at 180 days, not 181", function()
    assert.is_false(S.has(S.evaluate(account("enterprise", 181), LIVE).stages, "renewal"))
  end)

  it("opens mid-market renewals at 90 days and their stage no earlier", function()
    assert.is_not_nil(S.action(S.evaluate(account("mid_market", 90), LIVE), "email", "renewal_open"))
    assert.is_false(S.has(S.evaluate(account("mid_market", 91), LIVE).stages, "renewal"))
  end)

  it("runs SMB renewals as an automated campaign at 60 days: an email, no task (T3)", function()
    local r = S.evaluate(account("smb", 60), LIVE)
    assert.are.equal("renewal_campaign", S.action(r, "email", "renewal_open").rule)
    assert.is_nil(S.action(r, "task"))
  end)

  it("flags a renewal inside 30 days that is not signed, with a task to escalate", function()
    local r = S.evaluate(account("mid_market", 20), LIVE)
    assert.is_true(S.has(r.flags, "renewal_late"))
    assert.are.equal("csm", S.actions_of(r, "renewal_late")[1].owner) -- the flag is not an intent
  end)

  it("leaves the renewal stage once the renewal is signed", function()
    local events = { S.event("x", "go_live_confirmed", 300), S.event("x", "renewal_signed", 5) }
    local r = S.evaluate(account("mid_market", 20), events)
    assert.is_false(S.has(r.stages, "renewal"))
    assert.is_false(S.has(r.flags, "renewal_late"))
  end)
end)
