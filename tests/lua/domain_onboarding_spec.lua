--- tend.onboarding, specified in DOMAIN's words (O1-O5).
local host = require "tend.host"
local onboarding = require "tend.onboarding"

--- A fake timeline on `today`: only what tend.onboarding reads.
local function timeline(today)
  local now = host.parse_time(today)
  local function day(iso) return host.parse_time(iso) // 86400 end
  return {
    now = now, today = today,
    days_since_date = function(date) return now // 86400 - day(date) end,
    days_until = function(date) return day(date) - now // 86400 end,
  }
end

local function phase_name(segment, d)
  local p = onboarding.phase_of(segment, d)
  return p and p.name or nil
end

describe("DOMAIN O1: enterprise onboarding, 90-120 days, pilot then expansion", function()
  it("lasts 90-120 days; its target is the upper end", function()
    assert.are.same({ 90, 120 }, onboarding.TIMELINES.enterprise.days)
    assert.are.equal(120, onboarding.target_days("enterprise"))
    assert.are.equal(90, onboarding.target_days("enterprise", "min"))
  end)

  it("runs discovery & planning in weeks 1-2, pilot implementation 3-6, pilot adoption 7-8, expansion 9-12, handoff 13-14", function()
    assert.are.equal("discovery_planning", phase_name("enterprise", 0))
    assert.are.equal("discovery_planning", phase_name("enterprise", 14))
    assert.are.equal("pilot_implementation", phase_name("enterprise", 15))
    assert.are.equal("pilot_implementation", phase_name("enterprise", 42))
    assert.are.equal("pilot_adoption", phase_name("enterprise", 43))
    assert.are.equal("expansion_rollout", phase_name("enterprise", 57))
    assert.are.equal("expansion_rollout", phase_name("enterprise", 84))
    assert.are.equal("handoff", phase_name("enterprise", 85))
    assert.are.equal("handoff", phase_name("enterprise", 98))
  end)

  it("checks in daily in the first live week of the pilot", function()
    assert.are.equal("daily in the first live week", onboarding.phase_of("enterprise", 45).check_ins)
  end)

  it("says when a day is past the planned phases", function()
    local p, why = onboarding.phase_of("enterprise", 99)
    assert.is_nil(p)
    assert.are.equal("day 99 is past the enterprise plan (its last phase ends on day 98)", why)
  end)

  it("explains the phase it finds", function()
    local _, why = onboarding.phase_of("enterprise", 20)
    assert.are.equal("day 20: pilot_implementation (days 15-42)", why)
  end)
end)

describe("DOMAIN O2: mid-market onboarding, 45-60 days", function()
  it("runs kickoff wk 1, implementation wk 2-3, training wk 4, go-live wk 5-6, validation & handoff wk 7-8", function()
    assert.are.equal("kickoff", phase_name("mid_market", 7))
    assert.are.equal("implementation", phase_name("mid_market", 8))
    assert.are.equal("training", phase_name("mid_market", 22))
    assert.are.equal("go_live_early_adoption", phase_name("mid_market", 29))
    assert.are.equal("success_validation_handoff", phase_name("mid_market", 56))
    assert.is_nil(phase_name("mid_market", 57))
    assert.are.equal(60, onboarding.target_days("mid_market"))
  end)

  it("checks in weekly for 30 minutes during implementation and bi-weekly after go-live", function()
    assert.are.equal("weekly, 30 minutes", onboarding.phase_of("mid_market", 10).check_ins)
    assert.are.equal("bi-weekly", onboarding.phase_of("mid_market", 30).check_ins)
  end)
end)

describe("DOMAIN O3: SMB onboarding, 14-30 days", function()
  it("sets up self-serve on days 1-7 with emails on day 1, 3 and 7", function()
    local p = onboarding.phase_of("smb", 1)
    assert.are.equal("self_serve_setup", p.name)
    assert.are.same({ 1, 3, 7 }, p.emails)
  end)

  it("trains in week 2, supports adoption in weeks 3-4 and validates with a survey on day 30", function()
    assert.are.equal("initial_training", phase_name("smb", 8))
    assert.are.equal("adoption_support", phase_name("smb", 15))
    assert.are.equal("adoption_support", phase_name("smb", 29)) -- a phase lasts until the next begins
    local p = onboarding.phase_of("smb", 30)
    assert.are.equal("success_validation", p.name)
    assert.is_true(p.survey)
    assert.is_nil(phase_name("smb", 31))
    assert.are.same({ 14, 30 }, onboarding.TIMELINES.smb.days)
  end)
end)

describe("DOMAIN O4: product-led onboarding, 1-7 days", function()
  it("lasts 1-7 days", function()
    assert.are.same({ 1, 7 }, onboarding.TIMELINES.product_led.days)
    assert.are.equal(7, onboarding.target_days("product_led"))
    assert.are.equal("in_app_onboarding", phase_name("product_led", 3))
    assert.is_nil(phase_name("product_led", 8))
  end)

  it("rejects an unknown segment, naming the known ones", function()
    assert.has_error(function() onboarding.target_days("galactic") end,
                     "unknown segment 'galactic' (known: enterprise, mid_market, smb, product_led)")
  end)
end)

describe("DOMAIN O5: late onboarding and its recovery plan", function()
  local a = { id = "acme", onboarding_target_at = "2026-10-01" }

  it("is late 30 calendar days past onboarding_target_at, not 29", function()
    local late, why = onboarding.is_late(a, timeline("2026-10-31T02:00:00Z"))
    assert.is_true(late)
    assert.are.equal("30 days past the onboarding target 2026-10-01 (onboarding_target_at; late from 30, O5)", why)
    assert.is_false((onboarding.is_late(a, timeline("2026-10-30T23:59:00Z"))))
  end)

  it("counts from the contract plus the segment's length when there is no target date", function()
    local b = { id = "b", contract_signed_at = "2026-01-01" }
    local t = timeline("2026-06-29T02:00:00Z") -- contract + 120 = 2026-05-01, + 59 days
    local late, why = onboarding.is_late(b, t, { segment = "enterprise" })
    assert.is_true(late)
    assert.matches("contract %+ 120 days %(enterprise%)", why)
    assert.is_false((onboarding.is_late(b, t))) -- no segment, no target
  end)

  it("takes another threshold", function()
    assert.is_true((onboarding.late { days = 10 }(a, timeline("2026-10-11"))))
  end)

  it("plans recovery in four steps: root cause, reset expectations, raise intensity, minimum viable success", function()
    local plan = onboarding.recovery_plan("integration blocked by the customer's IT")
    local names = {}
    for i, s in ipairs(plan) do names[i] = s.name end
    assert.are.same({ "root_cause", "reset_expectations", "raise_intensity", "minimum_viable_success" }, names)
    assert.are.equal("Find the root cause of the delay (integration blocked by the customer's IT)", plan[1].text)
    assert.are.equal("Find the root cause of the delay", onboarding.recovery_plan()[1].text)
  end)
end)

describe("in a playbook's sandbox", function()
  it("flags a late onboarding with the reason in the trace", function()
    local tend = require "tend"
    local pb, problems, msg = tend.playbook_from { ["rules.lua"] = [==[
local onboarding = require "tend.onboarding"
segment "enterprise" { touch = "high" }
rule "late_onboarding" { when = onboarding.is_late, actions = { flag "late_onboarding" } }
]==] }
    assert(pb, tostring(msg) .. "\n" .. table.concat(problems or {}, "\n"))
    local r = pb:evaluate({ id = "acme", contract_signed_at = "2026-06-01" }, { now = "2026-11-22T02:00:00Z" })
    assert.are.same({ "late_onboarding" }, r.flags) -- 2026-06-01 + 120 = 2026-09-29, 54 days ago
    assert.are.equal("54 days past the onboarding target 2026-09-29 (contract + 120 days (enterprise); late from 30, O5)",
                     r.trace[1].why)
    pb:close()
  end)
end)
