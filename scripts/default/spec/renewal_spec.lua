-- DOMAIN J7: the renewal runway by segment.
local S = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "support.lua")

local LIVE = { S.event("x", "milestone_reached", 310), S.event("x", "value_documented", 305),
               S.event("x", "go_live_confirmed", 300), S.event("x", "login", 1) }

local function account(segment, renewal_in, extra)
  local sizes = { enterprise = { employees = 2000, acv = 120000 }, mid_market = { employees = 300, acv = 25000 },
                  smb = { employees = 20, acv = 4000 } }
  local a = { id = "x", employees = sizes[segment].employees, acv = sizes[segment].acv, locale = "pt-BR",
              contract_signed_at = S.days_ago(400), renewal_date = S.in_days(renewal_in) }
  for k, v in pairs(extra or {}) do a[k] = v end
  return a
end

--- The rules that fired, among the renewal ones.
local function renewal_rules(r)
  local list = {}
  for _, e in ipairs(r.trace) do
    if e.fired and e.rule:match("^renewal") then list[#list + 1] = e.rule end
  end
  return list
end

describe("renewal runway (DOMAIN J7)", function()
  it("opens an enterprise renewal at 120 days: renewal_open email and a task for the CSM", function()
    local r = S.evaluate(account("enterprise", 120), LIVE)
    assert.is_true(S.has(r.stages, "renewal"))
    local email = S.action(r, "email", "renewal_open")
    assert.are.equal("renewal_open", email.rule)
    assert.are.equal("pt-BR", email.locale)
    assert.are.equal(S.in_days(120), email.data.renewal_date)
    assert.are.equal("renewal_open:x:" .. S.in_days(120), email.key) -- once per renewal date
    local task = S.actions_of(r, "renewal_open")[2]
    assert.are.equal("csm", task.owner)
    assert.are.equal("commit", task.data.forecast)
  end)

  it("walks the enterprise milestones: 180 prep, 120 open, 90 proposal, 60 negotiation, 30 late", function()
    local expect = { [181] = {}, [180] = { "renewal_prep" }, [121] = { "renewal_prep" }, [120] = { "renewal_open" },
                     [91] = { "renewal_open" }, [90] = { "renewal_proposal" }, [60] = { "renewal_negotiation" },
                     [31] = { "renewal_negotiation" }, [30] = { "renewal_late" }, [1] = { "renewal_late" } }
    for days, rules in pairs(expect) do
      assert.same(rules, renewal_rules(S.evaluate(account("enterprise", days), LIVE)), days .. " days to renewal")
    end
  end)

  it("keeps the same key while a milestone holds, so a missed night is caught up once", function()
    local r119 = S.evaluate(account("enterprise", 119, { renewal_date = S.in_days(119) }), LIVE)
    assert.are.equal("renewal_open:x:" .. S.in_days(119), S.action(r119, "email", "renewal_open").key)
  end)

  it("puts an enterprise account into the renewal stage at 180 days, not 181", function()
    assert.is_true(S.has(S.evaluate(account("enterprise", 180), LIVE).stages, "renewal"))
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
    assert.is_false(S.has(S.evaluate(account("smb", 61), LIVE).stages, "renewal"))
  end)

  it("flags a renewal inside 30 days that is not signed, with a task to escalate", function()
    local r = S.evaluate(account("mid_market", 20), LIVE)
    assert.is_true(S.has(r.flags, "renewal_late"))
    local task = S.actions_of(r, "renewal_late")[1] -- the flag is not an intent
    assert.are.equal("csm", task.owner)
    assert.are.equal("at_risk", task.data.forecast) -- flagged renewal_late (J7)
  end)

  it("leaves the renewal stage once the renewal is signed", function()
    local events = { S.event("x", "go_live_confirmed", 300), S.event("x", "renewal_signed", 5) }
    local r = S.evaluate(account("mid_market", 20), events)
    assert.is_false(S.has(r.stages, "renewal"))
    assert.is_false(S.has(r.flags, "renewal_late"))
  end)

  it("does not count last cycle's renewal as this one's", function()
    local events = { S.event("x", "go_live_confirmed", 300), S.event("x", "renewal_signed", 200) }
    assert.is_true(S.has(S.evaluate(account("mid_market", 20), events).stages, "renewal"))
  end)
end)
