-- DOMAIN S4, T4, T5, J9 over a whole book (evaluate_all runs the
-- population pass first, as tend eval does).
local tend = require "tend"

local NOW = "2026-11-22T02:00:00Z"
local NOW_EPOCH = 1795312800
local function ago(n) return os.date("!%Y-%m-%d", NOW_EPOCH - n * 86400) end
local function at(n) return os.date("!%Y-%m-%dT%H:%M:%SZ", NOW_EPOCH - math.floor(n * 86400)) end
local DIR = debug.getinfo(1, "S").source:match("^@(.*/)") .. "../"

local pb
setup(function() pb = assert(tend.playbook(DIR)) end)
teardown(function() pb:close() end)

local function by_id(results)
  local out = {}
  for _, r in ipairs(results) do out[r.account_id] = r end
  return out
end

local function has(list, v) for _, x in ipairs(list) do if x == v then return true end end return false end

--- n enterprise accounts for one CSM, signed `days` ago.
local function book(n, csm, days, extra)
  local list = {}
  for i = 1, n do
    local a = { id = csm .. i, employees = 2000, acv = 90000, csm = csm .. "@cs.example",
                contract_signed_at = ago(days or 400) }
    for k, v in pairs(extra or {}) do a[k] = v end
    list[#list + 1] = a
  end
  return list
end

describe("T4: CSM loads over the book", function()
  it("T4: 16 high-touch accounts are over a CSM's 15; 15 are within", function()
    local r = by_id(pb:evaluate_all(book(16, "ana"), { now = NOW }))
    assert.is_true(has(r.ana1.flags, "csm_over_capacity"))
    assert.matches("csm_high carries 16, above the 15 maximum %(T4%)", r.ana1.trace[1].why)
    r = by_id(pb:evaluate_all(book(15, "ana"), { now = NOW }))
    assert.is_false(has(r.ana1.flags, "csm_over_capacity"))
  end)
end)

describe("T5: specialists for the quarter's intake", function()
  it("T5: 50 new contracts in a quarter need 4 specialists with the buffer (Little's law): 3 are short", function()
    local r = by_id(pb:evaluate_all(book(50, "new", 20), { now = NOW }))
    assert.is_true(has(r.new1.flags, "onboarding_capacity_short"))
    local why
    for _, e in ipairs(r.new1.trace) do if e.rule == "onboarding_capacity_short" then why = e.why end end
    assert.matches("^50 new last quarter need 4 specialists, 3 on staff %(T5%)", why)
    assert.matches("30%.8", why) -- 50/13 x 8 weeks concurrent onboardings
  end)

  it("T5: the boundary: 40 new need 3 (24.6 concurrent x 1.2 / 10 = 2.95), 41 need 4 (3.03)", function()
    local r = by_id(pb:evaluate_all(book(40, "new", 20), { now = NOW }))
    assert.is_false(has(r.new1.flags, "onboarding_capacity_short"))
    r = by_id(pb:evaluate_all(book(41, "new", 20), { now = NOW }))
    assert.is_true(has(r.new1.flags, "onboarding_capacity_short"))
  end)
end)

describe("J9: time in onboarding against the segment's cohort", function()
  it("J9: an onboarding past its segment's median completed time is slower than its cohort", function()
    local accounts = book(3, "c", 200)
    accounts[#accounts + 1] = { id = "slow", employees = 2000, acv = 90000, contract_signed_at = ago(70) }
    accounts[#accounts + 1] = { id = "fast", employees = 2000, acv = 90000, contract_signed_at = ago(50) }
    local events = {
      { account_id = "c1", type = "go_live_confirmed", at = at(140) }, -- 60 days
      { account_id = "c2", type = "go_live_confirmed", at = at(140) }, -- 60 days
      { account_id = "c3", type = "go_live_confirmed", at = at(100) }, -- 100 days
    }
    local r = by_id(pb:evaluate_all(accounts, { events = events, now = NOW }))
    assert.is_true(has(r.slow.flags, "slower_than_cohort"))   -- day 70 > median 60
    assert.is_false(has(r.fast.flags, "slower_than_cohort"))  -- day 50
    assert.is_false(has(r.c1.flags, "slower_than_cohort"))    -- live
  end)
end)

describe("S4: setup style", function()
  it("S4: a technical buyer gets API and automation setup, the others UI-guided", function()
    local accounts = { { id = "dev", technical = true }, { id = "ops", technical = false } }
    local events = { { account_id = "dev", type = "contract_signed", at = at(0.5) },
                     { account_id = "ops", type = "contract_signed", at = at(0.5) } }
    local r = by_id(pb:evaluate_all(accounts, { events = events, now = NOW }))
    assert.are.equal("api_and_automation", r.dev.actions[1].data.setup)
    assert.are.equal("ui_guided", r.ops.actions[1].data.setup)
  end)
end)
