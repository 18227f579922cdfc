--- tend.journey, specified in DOMAIN's words (J1-J9).
local host = require "tend.host"
local journey = require "tend.journey"

local TODAY = "2026-11-22T02:00:00Z"

local timeline = require "support.fake_timeline"

local function ev(type_, at, data) return { type = type_, at = at, data = data } end

--- Logins on the given days before TODAY.
local function logins(...)
  local out = {}
  for _, d in ipairs({ ... }) do
    out[#out + 1] = ev("login", host.isotime(host.parse_time(TODAY) - d * 86400 + 3600))
  end
  return out
end

describe("DOMAIN J1: six stages and their windows", function()
  it("lists onboarding, adoption, retention, expansion, renewal and advocacy", function()
    local names = {}
    for i, s in ipairs(journey.STAGES) do names[i] = s.name end
    assert.are.same({ "onboarding", "adoption", "retention", "expansion", "renewal", "advocacy" }, names)
  end)

  it("gives onboarding days 0-90, adoption months 3-12, expansion month 6+, renewal 30-180 days before, advocacy month 12+", function()
    local by = {}
    for _, s in ipairs(journey.STAGES) do by[s.name] = s end
    assert.are.same({ 0, 90 }, { by.onboarding.from_day, by.onboarding.to_day })
    assert.are.same({ 90, 365 }, { by.adoption.from_day, by.adoption.to_day })
    assert.are.equal(180, by.expansion.from_day)
    assert.are.same({ 30, 180 }, by.renewal.before_renewal)
    assert.are.equal(365, by.advocacy.from_day)
  end)

  it("says which stages the calendar suggests, for comparison only", function()
    assert.are.same({ "onboarding", "retention" }, journey.typical_stages(10))
    assert.are.same({ "adoption", "retention", "expansion", "renewal" }, journey.typical_stages(200, 150))
    assert.are.same({ "retention", "expansion", "advocacy" }, journey.typical_stages(400, 200))
  end)
end)

describe("DOMAIN J2: accounts regress", function()
  it("on a champion leaving, a budget cut, a merger or a competitor demo in the last 90 days", function()
    local t = timeline { events = {
      ev("champion_left", "2026-10-01T09:00:00Z"),
      ev("budget_cut", "2026-11-01T09:00:00Z"),
      ev("merger", "2026-05-01T09:00:00Z"),            -- too long ago
      ev("competitor_demo", "2026-11-20T09:00:00Z"),
    } }
    assert.are.same({ "champion left on 2026-10-01", "budget cut on 2026-11-01", "competitor demo on 2026-11-20" },
                    journey.regressions({}, t, {}))
  end)

  it("on a health drop", function()
    assert.are.same({ "health dropped to 35 (under 40)" }, journey.regressions({}, timeline(), { health = { score = 35 } }))
    assert.are.same({}, journey.regressions({}, timeline(), { health = { score = 40 } }))
  end)

  it("not at all when nothing happened", function()
    assert.are.same({}, journey.regressions({}, timeline()))
  end)
end)

describe("DOMAIN J3: onboarding -> adoption needs evidence, never the calendar alone", function()
  local evidence = {
    ev("milestone_reached", "2026-10-01T09:00:00Z", { milestone = "integration_live" }),
    ev("milestone_reached", "2026-10-15T09:00:00Z", { milestone = "team_trained" }),
    ev("value_documented", "2026-10-20T09:00:00Z"),
    ev("go_live_confirmed", "2026-10-21T09:00:00Z"),
  }

  it("is ready with milestones met, first value documented and go-live confirmed", function()
    local ok, why = journey.ready_for_adoption({}, timeline { events = evidence })
    assert.is_true(ok)
    assert.are.equal("onboarding -> adoption: milestones met, first value documented, go-live confirmed (J3)", why)
  end)

  it("is not ready a year after signing with no evidence", function()
    local a = { contract_signed_at = "2025-11-01" }
    local ok, why = journey.ready_for_adoption(a, timeline())
    assert.is_false(ok)
    assert.are.equal("not ready for adoption, missing: onboarding milestones; first value documented; "
                     .. "go-live confirmed by the customer (J3)", why)
  end)

  it("waits for the customer to confirm go-live", function()
    local ok, why = journey.ready_for_adoption({}, timeline { events = { evidence[1], evidence[3] } })
    assert.is_false(ok)
    assert.matches("go%-live confirmed by the customer", why)
  end)

  it("checks every named milestone", function()
    local ok, why = journey.ready_for_adoption({}, timeline { events = evidence }, nil,
                                               { milestones = { "integration_live", "reports_live" } })
    assert.is_false(ok)
    assert.matches("milestone reports_live", why)
  end)

  it("accepts a yes to the goal survey as first value", function()
    local events = { evidence[1], ev("survey_response", "2026-10-20T09:00:00Z", { goal_achieved = true }), evidence[4] }
    assert.is_true((journey.ready_for_adoption({}, timeline { events = events })))
  end)
end)

describe("DOMAIN J4: adoption success", function()
  local a = { licensed_users = 100 }
  local steady = logins(1, 9, 16, 23)

  it("needs 70% of seats active, 3 features beyond the initial use case and a weekly pattern", function()
    local s = journey.adoption_signals(a, timeline { events = steady, latest = { weekly_active = 70, features_used = 4 } })
    assert.is_true(s.success)
    assert.are.same({ "70% of seats active (70%+)", "3 features beyond the initial use case (3+)",
                      "logins in 4 of the last 4 weeks" }, s.met)
    assert.are.same({ "more teams onboarded", "power users identified" }, s.missing)
  end)

  it("is not yet successful at 69% of seats, 2 extra features or a silent week", function()
    assert.is_false(journey.adoption_signals(a, timeline { events = steady, latest = { weekly_active = 69, features_used = 4 } }).success)
    assert.is_false(journey.adoption_signals(a, timeline { events = steady, latest = { weekly_active = 70, features_used = 3 } }).success)
    local gap = journey.adoption_signals(a, timeline { events = logins(1, 2, 16, 23), latest = { weekly_active = 90, features_used = 9 } })
    assert.is_false(gap.success)
    assert.matches("logins in 3 of the last 4 weeks", gap.why)
  end)

  it("reports more teams and power users as supporting signals", function()
    local events = { ev("team_onboarded", "2026-11-01T09:00:00Z"), ev("power_user_identified", "2026-11-02T09:00:00Z") }
    for _, e in ipairs(steady) do events[#events + 1] = e end
    local s = journey.adoption_signals(a, timeline { events = events, latest = { weekly_active = 80, features_used = 6 } })
    assert.are.same({}, s.missing)
  end)

  it("moves to retention with stable usage and no heavy CSM intervention", function()
    local t = timeline { events = steady, latest = { weekly_active = 80, features_used = 6 }, trend = { weekly_active = -0.05 } }
    assert.is_true((journey.ready_for_retention(a, t, { flags = {} })))
    local falling = timeline { events = steady, latest = { weekly_active = 80, features_used = 6 }, trend = { weekly_active = -0.2 } }
    assert.are.equal("usage not stable: down 20% week over week (J4)", select(2, journey.ready_for_retention(a, falling, {})))
    local events = { ev("csm_intervention", "2026-11-10T09:00:00Z"), ev("csm_intervention", "2026-11-15T09:00:00Z") }
    for _, e in ipairs(steady) do events[#events + 1] = e end
    local heavy = timeline { events = events, latest = { weekly_active = 80, features_used = 6 } }
    assert.is_false((journey.ready_for_retention(a, heavy, {})))
    assert.is_false((journey.ready_for_retention(a, t, { flags = { "at_risk" } })))
  end)
end)

describe("DOMAIN J6: expansion triggers", function()
  it("sees usage near the licence limit, new teams, champion requests, growth, health with advocacy, renewal timing", function()
    local a = { licensed_users = 100, renewal_date = "2027-02-01" } -- 71 days out
    local t = timeline {
      latest = { weekly_active = 92 },
      events = {
        ev("new_team_interest", "2026-11-01T09:00:00Z"),
        ev("feature_request", "2026-11-10T09:00:00Z"),
        ev("business_growth", "2026-10-10T09:00:00Z"),
        ev("survey_response", "2026-11-05T09:00:00Z", { nps = 10 }),
      },
    }
    assert.are.same({
      "usage near the licence limit: 92% of 100 seats active",
      "new team showing interest on 2026-11-01",
      "champion asking for capabilities on 2026-11-10",
      "business growth on 2026-10-10",
      "high health (82) with strong advocacy",
      "renewal in 71 days: bundle the expansion",
    }, journey.expansion_signals(a, t, { segment = "mid_market", health = { score = 82 } }))
  end)

  it("sees nothing in a quiet account", function()
    assert.are.same({}, journey.expansion_signals({ licensed_users = 100 }, timeline { latest = { weekly_active = 50 } },
                                                  { segment = "smb", health = { score = 90 } }))
  end)
end)

describe("DOMAIN J7: renewal runway", function()
  it("gives each segment its runway: enterprise 120-180, mid-market 60-90, SMB 30-60, product-led 14-30", function()
    assert.are.same({ 120, 180 }, { journey.runway("enterprise") })
    assert.are.same({ 60, 90 }, { journey.runway("mid_market") })
    assert.are.same({ 30, 60 }, { journey.runway("smb") })
    assert.are.same({ 14, 30 }, { journey.runway("product_led") })
  end)

  it("holds the enterprise milestones 180 prep, 120 open, 90 proposal, 60 negotiation, 30 signed", function()
    local days, names = {}, {}
    for i, m in ipairs(journey.RENEWAL_MILESTONES.enterprise) do days[i], names[i] = m.day, m.name end
    assert.are.same({ 180, 120, 90, 60, 30 }, days)
    assert.are.same({ "internal_prep", "open_conversation", "proposal", "negotiation", "contract_signed" }, names)
  end)

  it("says which milestone is due", function()
    local function due(seg, d) local m = journey.renewal_milestone(seg, d) return m and m.name end
    assert.is_nil(due("enterprise", 181))
    assert.are.equal("internal_prep", due("enterprise", 180))
    assert.are.equal("internal_prep", due("enterprise", 121))
    assert.are.equal("open_conversation", due("enterprise", 120))
    assert.are.equal("proposal", due("enterprise", 90))
    assert.are.equal("negotiation", due("enterprise", 60))
    assert.are.equal("contract_signed", due("enterprise", 30))
    assert.are.equal("contract_signed", due("enterprise", 0))
    assert.is_nil(due("enterprise", -1))
    assert.are.equal("open_conversation", due("mid_market", 90))
    assert.is_nil(due("smb", 61))
    assert.are.equal("open_conversation", due("smb", 60))
    local _, why = journey.renewal_milestone("enterprise", 100)
    assert.are.equal("100 days to renewal: open_conversation (from day 120, J7)", why)
  end)

  it("says starting inside 30 days is too late", function()
    assert.is_true(journey.too_late(30))
    assert.is_true(journey.too_late(5))
    assert.is_false(journey.too_late(31))
    assert.is_false(journey.too_late(nil))
  end)

  it("forecasts commit, probable or at risk", function()
    assert.are.equal("commit", (journey.renewal_forecast { health = { score = 70 }, flags = {} }))
    assert.are.equal("probable", (journey.renewal_forecast { health = { score = 69 }, flags = {} }))
    assert.are.equal("probable", (journey.renewal_forecast { health = { score = 40 } }))
    assert.are.equal("at_risk", (journey.renewal_forecast { health = { score = 39 } }))
    assert.are.equal("at_risk", (journey.renewal_forecast { health = { score = 95 }, flags = { "renewal_late" } }))
    local c, why = journey.renewal_forecast { flags = {} }
    assert.are.equal("at_risk", c)
    assert.are.equal("no health score: silence is the worst risk (J5, J7)", why)
  end)
end)

describe("DOMAIN J8: advocacy candidates", function()
  local a = { champion = "joao@acme.example" }
  local happy = {
    ev("renewal_signed", "2026-08-01T09:00:00Z"),
    ev("survey_response", "2026-11-01T09:00:00Z", { nps = 9 }),
    ev("value_documented", "2026-09-01T09:00:00Z"),
  }

  it("are NPS promoters (9-10) who renewed at least once with high health", function()
    local ok, why = journey.advocacy_candidate(a, timeline { events = happy }, { health = { score = 85 } })
    assert.is_true(ok)
    assert.are.equal("advocacy candidate: NPS promoter (9), renewed 1 time, high health (85), "
                     .. "measurable ROI documented, engaged champion (J8)", why)
  end)

  it("are not passives (NPS 8), first-year accounts or unhealthy ones", function()
    local passive = { happy[1], ev("survey_response", "2026-11-01T09:00:00Z", { nps = 8 }) }
    local _, missing = journey.advocacy_signals(a, timeline { events = passive }, { health = { score = 85 } })
    assert.are.same({ "NPS promoter (9-10; latest 8)" }, missing)
    local ok, why = journey.advocacy_candidate(a, timeline { events = { happy[2] } }, { health = { score = 60 } })
    assert.is_false(ok)
    assert.are.equal("not an advocacy candidate, missing: renewed at least once, high health (70+; now 60) (J8)", why)
  end)
end)

describe("DOMAIN J9: journey health over a population", function()
  local records = {
    { segment = "smb", stage = "onboarding", entered_at = "2026-01-01", left_at = "2026-01-15" },
    { segment = "smb", stage = "onboarding", entered_at = "2026-01-01", left_at = "2026-01-31" },
    { segment = "smb", stage = "onboarding", entered_at = "2026-02-01", left_at = "2026-02-11", regressed = true },
    { segment = "enterprise", stage = "onboarding", entered_at = "2026-01-01", left_at = "2026-04-11" },
    { segment = "enterprise", stage = "onboarding", entered_at = "2026-03-01" }, -- still onboarding
    { segment = "enterprise", stage = "adoption", entered_at = "2026-04-11", left_at = "2026-10-08" },
  }

  it("measures completion rate, mean and median time in stage, and regression rate per stage", function()
    local h = journey.journey_health(records)
    local o = h.stages.onboarding
    assert.are.equal(5, o.entered)
    assert.are.equal(3, o.completed)
    assert.are.equal(1, o.regressed)
    assert.are.equal(1, o.open)
    assert.are.near(0.6, o.completion_rate, 1e-9)
    assert.are.near(0.2, o.regression_rate, 1e-9)
    assert.are.near((14 + 30 + 100) / 3, o.mean_days, 1e-9)
    assert.are.equal(30, o.median_days)
    assert.are.same({ "onboarding", "adoption" }, h.order)
  end)

  it("cuts the same measures by segment (the cohort table)", function()
    local h = journey.journey_health(records)
    assert.are.same({ "enterprise", "smb" }, h.segments)
    local smb = h.by_segment.smb.onboarding
    assert.are.near(2 / 3, smb.completion_rate, 1e-9)
    assert.are.near(1 / 3, smb.regression_rate, 1e-9)
    assert.are.equal(22, smb.median_days) -- (14 + 30) / 2
    local ent = h.by_segment.enterprise.onboarding
    assert.are.equal(0.5, ent.completion_rate)
    assert.are.equal(100, ent.mean_days)
    assert.are.equal(180, h.by_segment.enterprise.adoption.mean_days)
  end)

  it("accepts epoch seconds and leaves measures empty for stages no one completed", function()
    local h = journey.journey_health { { stage = "renewal", entered_at = 0 } }
    assert.are.equal(0, h.stages.renewal.completion_rate)
    assert.is_nil(h.stages.renewal.mean_days)
    assert.are.same({ "unknown" }, h.segments)
  end)

  it("rejects a record with no stage or entry time", function()
    assert.has_error(function() journey.journey_health { { entered_at = "2026-01-01" } } end,
                     "journey_health: record 1 has no stage")
    assert.has_error(function() journey.journey_health { { stage = "adoption" } } end,
                     "journey_health: record 1 has no valid entered_at")
  end)
end)

describe("in a playbook's sandbox", function()
  it("names the renewal milestone and the forecast from the result so far", function()
    local tend = require "tend"
    local pb, problems, msg = tend.playbook_from { ["rules.lua"] = [==[
local journey = require "tend.journey"
segment "enterprise" { touch = "high" }
health { score = function() return 75 end, bands = { { 70, "green" }, { 0, "red" } } }
rule "renewal_milestone" {
  when = function(a, t, r)
    local m = journey.renewal_milestone(r.segment, journey.days_to_renewal(a, t))
    return m ~= nil, (m and m.name or "none") .. ", " .. journey.renewal_forecast(r)
  end,
  actions = { flag "renewal_work" },
}
]==] }
    assert(pb, tostring(msg) .. "\n" .. table.concat(problems or {}, "\n"))
    local r = pb:evaluate({ id = "acme", renewal_date = "2027-03-22" }, { now = "2026-11-22T02:00:00Z" }) -- 120 days
    assert.are.equal("open_conversation, commit", r.trace[1].why)
    pb:close()
  end)
end)
