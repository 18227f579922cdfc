--- Windows counted in calendar days (UTC), as t.days_since counts: the J2
--- regression, G4 champion and J6 expansion windows and `on`'s look-back.
local evidence = require "tend.evidence"
local journey = require "tend.journey"
local graduation = require "tend.graduation"
local timeline = require "support.fake_timeline"

local function ev(type_, at) return { type = type_, at = at, data = {} } end

describe("calendar-day windows", function()
  local t = timeline { today = "2026-11-22T02:00:00Z", events = {
    ev("x", "2026-08-23T23:59:59Z"), -- 91 calendar days before 2026-11-22
    ev("x", "2026-08-24T00:00:00Z"), -- 90 calendar days
    ev("x", "2026-08-24T02:00:00Z"), -- 90 days to the second: outside a rolling 90d
    ev("x", "2026-11-21T01:00:00Z"), -- yesterday, 25 hours ago
  } }

  it("90d holds every event from the day 90 days before today, whatever its clock time", function()
    local at = {}
    for _, e in ipairs(evidence.within(t, "x", "90d")) do at[#at + 1] = e.at end
    assert.same({ "2026-08-24T00:00:00Z", "2026-08-24T02:00:00Z", "2026-11-21T01:00:00Z" }, at)
    assert.are.equal(3, evidence.count_within(t, "x", 90))
  end)

  it("1d is today and yesterday; 24h stays a rolling period; no window is every event", function()
    assert.are.equal(1, evidence.count_within(t, "x", "1d"))
    assert.are.equal(0, evidence.count_within(t, "x", "24h"))
    assert.are.equal(4, evidence.count_within(t, "x"))
  end)

  it("J2: a regression 90 calendar days ago counts; G4: so does a champion who left then", function()
    local u = timeline { today = "2026-11-22T02:00:00Z", events = {
      ev("budget_cut", "2026-08-24T02:00:00Z"), ev("champion_left", "2026-08-24T02:00:00Z") } }
    assert.same({ "champion left on 2026-08-24", "budget cut on 2026-08-24" }, journey.regressions({}, u, {}))
    assert.are.equal("champion left on 2026-08-24", graduation.champion_left()({}, u))
  end)
end)
