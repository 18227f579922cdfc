--- schedule { cron, timezone, catch_up }: checked at load by the host's own
--- cron parser and tzdata reader (tend.cron), the code the scheduler runs.
local tend = require "tend"
local cron = require "tend.cron"

local HEAD = 'segment "all" { touch = "tech" }\n'

--- Loading fails; returns every problem, one string.
local function problems_of(source)
  local pb, problems = tend.playbook_from({ ["rules.lua"] = HEAD .. source })
  if pb then pb:close() end
  assert.is_nil(pb, "the playbook loaded")
  return table.concat(problems, "\n")
end

describe("schedule", function()
  it("loads with a zone and a catch-up policy", function()
    local pb, problems = tend.playbook_from({ ["rules.lua"] = HEAD ..
      'schedule "nightly" { cron = "0 2 * * *", timezone = "America/Sao_Paulo", catch_up = "skip", run = "evaluate_all" }' })
    assert.is_truthy(pb, table.concat(problems or {}, "\n"))
    pb:close()
  end)

  it("names the field of a bad expression and what it expected, with the file and line", function()
    local p = problems_of('schedule "nightly" { cron = "0 2 * * 8", run = "evaluate_all" }')
    assert.matches('rules.lua:2: schedule \'nightly\': cron "0 2 %* %* 8": day%-of%-week: 8 is out of range 0%-7', p)
  end)

  it("refuses a zone tzdata does not have, and one that is not a zone name", function()
    assert.matches("time zone 'Europe/Atlantis': unknown",
                   problems_of('schedule "n" { cron = "@daily", timezone = "Europe/Atlantis", run = "evaluate_all" }'))
    assert.matches("time zone '../../etc/passwd': not an IANA zone name",
                   problems_of('schedule "n" { cron = "@daily", timezone = "../../etc/passwd", run = "evaluate_all" }'))
  end)

  it("accepts catch_up once or skip only", function()
    assert.matches("'catch_up' must be \"once\" or \"skip\", got 'always'",
                   problems_of('schedule "n" { cron = "@daily", catch_up = "always", run = "evaluate_all" }'))
  end)
end)

describe("tend.cron", function()
  local NY_SPRING = 1772949600 -- 2026-03-08T06:00:00Z, 01:00 in New York, an hour before clocks skip to 03:00

  it("checks expressions and zones", function()
    assert.is_true(cron.check("*/15 9-17 * * mon-fri"))
    local ok, why = cron.check("0 24 * * *")
    assert.is_nil(ok)
    assert.matches("hour: 24 is out of range 0%-23", why)
    assert.is_true(cron.check_zone("Australia/Lord_Howe"))
    assert.is_nil((cron.check_zone("Nowhere/Special")))
  end)

  it("says when a schedule comes next, a skipped 02:30 at 03:30", function()
    local at, text = cron.next("30 2 * * *", "America/New_York", NY_SPRING)
    assert.equal("2026-03-08T03:30:00-04:00", text)
    assert.equal(NY_SPRING + 90 * 60, at)
    local none, why = cron.next("30 2 * * *", "America/New_York", math.maxinteger)
    assert.is_nil(none)
    assert.matches("outside the years", why)
  end)
end)
