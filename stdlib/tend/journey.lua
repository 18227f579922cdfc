--- The customer journey (DOMAIN J1-J9): six stages, not a pipeline.
--- Stage windows are data (what is typical); stage changes rest on
--- evidence read from the timeline (J2: never the calendar alone).
---
--- Functions of (a, t, r) read the account, its timeline and the result
--- so far (r.segment, r.health, r.flags); every signal comes with its
--- reason as text, so a rule can say why it fired.
---
--- Event conventions (DESIGN "Data contract" types, plus a few this module
--- names): champion_left, budget_cut, merger, competitor_demo (J2);
--- milestone_reached (data.milestone or data.name), value_documented,
--- go_live_confirmed, survey_response (data.goal_achieved, data.nps) (J3,
--- J8); team_onboarded, power_user_identified, csm_intervention (J4);
--- new_team_interest, feature_request, business_growth, referral_given
--- (J6, J8); renewal_signed (J7, J8).
local host = require "tend.host"

local M = {}

local DAY = 86400

-- DOMAIN J1: the six stages and their typical windows. Days count from the
-- contract (month 3 = day 90, month 6 = day 180, month 12 = day 365);
-- renewal counts back from the renewal date.
M.STAGES = {
  { name = "onboarding", window = "days 0-90",      from_day = 0,   to_day = 90 },
  { name = "adoption",   window = "months 3-12",    from_day = 90,  to_day = 365 },
  { name = "retention",  window = "ongoing",        from_day = 0 },
  { name = "expansion",  window = "month 6+",       from_day = 180 },
  { name = "renewal",    window = "30-180 days before contract end", before_renewal = { 30, 180 } },
  { name = "advocacy",   window = "month 12+",      from_day = 365 },
}

-- DOMAIN J2: events that make an account regress, and how far back they count.
M.REGRESSIONS = {
  { event = "champion_left",   text = "champion left" },
  { event = "budget_cut",      text = "budget cut" },
  { event = "merger",          text = "merger" },
  { event = "competitor_demo", text = "competitor demo" },
}
M.REGRESSION_WINDOW = "90d" -- tend's default: DOMAIN gives no window
-- DOMAIN J2 "health drop": tend's default reads a health score under 40
-- (the default playbook's red band) as a drop.
M.HEALTH_DROP_BELOW = 40

-- DOMAIN J4: adoption success.
M.ADOPTION = {
  seats = 0.70,          -- 70%+ of purchased seats active
  features_beyond = 3,   -- 3+ features adopted beyond the initial use case
  initial_features = 1,  -- tend's default: the initial use case is one feature
  pattern_weeks = 4,     -- tend's default: "daily/weekly usage" = a login in each of the last 4 weeks
}
-- DOMAIN J4 adoption -> retention: usage stable (tend: not down more than
-- 10% week over week), no heavy CSM intervention (tend: at most 1
-- csm_intervention event in 30 days), not flagged at risk.
M.RETENTION = { max_decline = 0.10, max_interventions = 1, window = "30d" }

-- DOMAIN J6: expansion triggers. `near_limit` (share of licensed seats in
-- use) and `window` are tend's defaults; DOMAIN gives no number.
M.EXPANSION = {
  near_limit = 0.90,
  window = "90d",
  events = {
    { event = "new_team_interest", text = "new team showing interest" },
    { event = "team_onboarded",    text = "new team onboarded" },
    { event = "feature_request",   text = "champion asking for capabilities" },
    { event = "business_growth",   text = "business growth" },
  },
}

-- DOMAIN J7: renewal runway per segment, {min, max} days before renewal_date.
M.RENEWAL_RUNWAY = {
  enterprise  = { 120, 180 },
  mid_market  = { 60, 90 },
  smb         = { 30, 60 },
  product_led = { 14, 30 },
}
-- DOMAIN J7: renewal milestones, days before the renewal date. The source
-- gives them for enterprise; for the others tend opens the conversation at
-- the start of the runway and expects the contract signed 30 days before
-- (the source's success line: "renewal confirmed at least 30 days before");
-- product-led renewals run on reminders inside their 14-30 day notice.
M.RENEWAL_MILESTONES = {
  enterprise = {
    { day = 180, name = "internal_prep" },
    { day = 120, name = "open_conversation" },
    { day = 90,  name = "proposal" },
    { day = 60,  name = "negotiation" },
    { day = 30,  name = "contract_signed" },
  },
  mid_market  = { { day = 90, name = "open_conversation" }, { day = 30, name = "contract_signed" } },
  smb         = { { day = 60, name = "open_conversation" }, { day = 30, name = "contract_signed" } },
  product_led = { { day = 30, name = "reminder" } },
}
M.RENEWAL_TOO_LATE = 30 -- DOMAIN J7: starting inside 30 days is too late
-- DOMAIN J7 forecast categories. The health lines are tend's defaults (the
-- default playbook's green and red bands).
M.FORECAST = { commit_health = 70, at_risk_health = 40, risk_flags = { "at_risk", "renewal_late" } }

-- DOMAIN J8: NPS promoters are 9-10; "high health" is tend's 70 (green).
M.ADVOCACY = { promoter = 9, high_health = 70, renewals = 1 }

--- `opts[key]` when given, else the default.
local function opt(opts, key, default)
  if opts ~= nil and opts[key] ~= nil then return opts[key] end
  return default
end

local function pct(x) return string.format("%d%%", math.floor(x * 100 + 0.5)) end

local evidence = require "tend.evidence"
local latest_data = evidence.latest_data

local function health_score(r)
  return r and r.health and type(r.health.score) == "number" and r.health.score or nil
end

--- Calendar days until the account's renewal_date; nil without one.
---@param a table  the account
---@param t table  its timeline
---@return integer|nil
function M.days_to_renewal(a, t)
  if a.renewal_date == nil then return nil end
  return t.days_until(a.renewal_date)
end

-- J1 ----------------------------------------------------------------------

--- DOMAIN J1: the stages whose typical window holds on a day: what the
--- calendar suggests, to compare with what the evidence says (never a
--- reason to change stage by itself, J2).
---@param days_since_signed integer|nil
---@param days_to_renewal? integer|nil
---@return string[]
function M.typical_stages(days_since_signed, days_to_renewal)
  local out = {}
  for _, s in ipairs(M.STAGES) do
    local hit
    if s.before_renewal then
      hit = days_to_renewal ~= nil and days_to_renewal >= s.before_renewal[1] and days_to_renewal <= s.before_renewal[2]
    else
      hit = days_since_signed ~= nil and days_since_signed >= s.from_day
            and (s.to_day == nil or days_since_signed <= s.to_day)
    end
    if hit then out[#out + 1] = s.name end
  end
  return out
end

-- J2 ----------------------------------------------------------------------

--- DOMAIN J2: reasons the account may regress: a champion_left, budget_cut,
--- merger or competitor_demo event within `window` (90 calendar days, as
--- t.days_since counts: the same clock time 90 days ago is inside), and a health
--- drop (r.health.score under 40). Empty when none.
---@param a table  the account
---@param t table  its timeline
---@param r? table  the result so far
---@param opts? {window?: string, health_below?: number}
---@return string[]
function M.regressions(a, t, r, opts)
  local window = opt(opts, "window", M.REGRESSION_WINDOW)
  local out = {}
  for _, g in ipairs(M.REGRESSIONS) do
    local list = evidence.within(t, g.event, window)
    if #list > 0 then out[#out + 1] = g.text .. " on " .. list[#list].at:sub(1, 10) end
  end
  local below, score = opt(opts, "health_below", M.HEALTH_DROP_BELOW), health_score(r)
  if score ~= nil and score < below then
    out[#out + 1] = string.format("health dropped to %s (under %s)", tostring(score), tostring(below))
  end
  return out
end

-- J3 ----------------------------------------------------------------------

--- The milestone names reached (data.milestone or data.name).
local function milestones_reached(t)
  local seen, any = {}, false
  for _, e in ipairs(t.events("milestone_reached")) do
    any = true
    local n = e.data.milestone or e.data.name
    if n ~= nil then seen[n] = true end
  end
  return seen, any
end

--- First value achieved and documented: a value_documented event, a
--- milestone_reached marked data.first_value, or a goal survey saying yes.
local function first_value(t)
  if t.count("value_documented") > 0 then return true end
  for _, e in ipairs(t.events("milestone_reached")) do
    if e.data.first_value == true then return true end
  end
  return latest_data(t, "survey_response", "goal_achieved") == true
end

--- DOMAIN J3: onboarding -> adoption when all onboarding milestones are
--- met (the names in `opts.milestones`; without a list, at least one
--- milestone_reached), first value is achieved and documented, and the
--- customer confirmed go-live. Evidence only: the calendar never counts.
---@param a table  the account
---@param t table  its timeline
---@param r? table  the result so far
---@param opts? {milestones?: string[]}
---@return boolean ready, string why
function M.ready_for_adoption(a, t, r, opts)
  local missing = {}
  local seen, any = milestones_reached(t)
  local required = opt(opts, "milestones", nil)
  if required then
    for _, m in ipairs(required) do
      if not seen[m] then missing[#missing + 1] = "milestone " .. m end
    end
  elseif not any then
    missing[#missing + 1] = "onboarding milestones"
  end
  if not first_value(t) then missing[#missing + 1] = "first value documented" end
  if t.count("go_live_confirmed") == 0 then missing[#missing + 1] = "go-live confirmed by the customer" end
  if #missing == 0 then
    return true, "onboarding -> adoption: milestones met, first value documented, go-live confirmed (J3)"
  end
  return false, "not ready for adoption, missing: " .. table.concat(missing, "; ") .. " (J3)"
end

-- J4 ----------------------------------------------------------------------

--- Weeks (of the last `n`) with at least one login.
local function weeks_with_login(t, n)
  local hit, count = {}, 0
  for _, e in ipairs(t.events("login", (7 * n) .. "d")) do
    local at = host.parse_time(e.at)
    if at ~= nil then
      local w = (t.now - at) // (7 * DAY)
      if w >= 0 and w < n and not hit[w] then hit[w], count = true, count + 1 end
    end
  end
  return count
end

--- DOMAIN J4: adoption success signals. Success needs 70%+ of seats active
--- (weekly_active / licensed_users), 3+ features beyond the initial use
--- case (features_used metric minus `initial_features`, default 1) and a
--- regular pattern (a login in each of the last 4 weeks); more teams
--- onboarded (team_onboarded) and power users identified
--- (power_user_identified, or the account's `power_users`) are reported
--- as supporting signals.
---@param a table  the account
---@param t table  its timeline
---@param r? table  the result so far
---@param opts? {seats?: number, field?: string, features_beyond?: integer, initial_features?: integer, pattern_weeks?: integer}
---@return {success: boolean, met: string[], missing: string[], why: string}
function M.adoption_signals(a, t, r, opts)
  local met, missing, core_ok = {}, {}, true
  local function note(ok, text, core)
    if ok then met[#met + 1] = text else missing[#missing + 1] = text end
    if core and not ok then core_ok = false end
  end
  local seats = opt(opts, "seats", M.ADOPTION.seats)
  local active, licensed = t.latest(opt(opts, "field", "weekly_active")), a.licensed_users
  local share = (type(active) == "number" and type(licensed) == "number" and licensed > 0) and active / licensed or nil
  note(share ~= nil and share >= seats,
       string.format("%s of seats active (%s+)", share and pct(share) or "unknown share", pct(seats)), true)
  local beyond = opt(opts, "features_beyond", M.ADOPTION.features_beyond)
  local initial = opt(opts, "initial_features", M.ADOPTION.initial_features)
  local features = t.latest("features_used")
  local extra = type(features) == "number" and features - initial or nil
  note(extra ~= nil and extra >= beyond,
       string.format("%s features beyond the initial use case (%d+)", extra and tostring(math.floor(extra)) or "unknown",
                     beyond), true)
  local n = opt(opts, "pattern_weeks", M.ADOPTION.pattern_weeks)
  local weeks = weeks_with_login(t, n)
  note(weeks >= n, string.format("logins in %d of the last %d weeks", weeks, n), true)
  note(t.count("team_onboarded") > 0, "more teams onboarded", false)
  local power = a.power_users or (type(a.attrs) == "table" and a.attrs.power_users) or nil
  note(t.count("power_user_identified") > 0 or (type(power) == "table" and #power > 0) or (type(power) == "number" and power > 0),
       "power users identified", false)
  local why = (core_ok and "adoption succeeded: " or "adoption not yet successful: ") .. table.concat(met, ", ")
  if #missing > 0 then why = why .. (#met > 0 and "; " or "") .. "missing " .. table.concat(missing, ", ") end
  return { success = core_ok, met = met, missing = missing, why = why .. " (J4)" }
end

--- DOMAIN J4: adoption -> retention when adoption succeeded with usage
--- stable (not down more than 10% week over week), no heavy CSM
--- intervention (at most 1 csm_intervention in 30 days) and no risk flag.
---@param a table  the account
---@param t table  its timeline
---@param r? table  the result so far
---@param opts? table  as adoption_signals, plus max_decline, max_interventions
---@return boolean ready, string why
function M.ready_for_retention(a, t, r, opts)
  local s = M.adoption_signals(a, t, r, opts)
  if not s.success then return false, s.why end
  local tr = t.trend(opt(opts, "field", "weekly_active"), "7d")
  local drop = opt(opts, "max_decline", M.RETENTION.max_decline)
  if tr ~= nil and tr < -drop then return false, "usage not stable: down " .. pct(-tr) .. " week over week (J4)" end
  local n, max = t.count("csm_intervention", M.RETENTION.window), opt(opts, "max_interventions", M.RETENTION.max_interventions)
  if n > max then
    return false, string.format("%d CSM interventions in %s (at most %d for retention, J4)", n, M.RETENTION.window, max)
  end
  for _, f in ipairs(r and r.flags or {}) do
    if f == "at_risk" then return false, "flagged at_risk (J4)" end
  end
  return true, "adoption -> retention: " .. s.why
end

-- J6 ----------------------------------------------------------------------

--- DOMAIN J6: expansion triggers seen: usage near the licence limit (90%+
--- of licensed seats active), new teams, champion asking for
--- capabilities, business growth (events within 90 calendar days), high health
--- with strong advocacy (health 70+ and an NPS promoter or a referral),
--- renewal timing (inside the segment's runway). Empty when none.
---@param a table  the account
---@param t table  its timeline
---@param r? table  the result so far
---@param opts? {near_limit?: number, window?: string, field?: string}
---@return string[]
function M.expansion_signals(a, t, r, opts)
  local out = {}
  local near = opt(opts, "near_limit", M.EXPANSION.near_limit)
  local active, licensed = t.latest(opt(opts, "field", "weekly_active")), a.licensed_users
  if type(active) == "number" and type(licensed) == "number" and licensed > 0 and active / licensed >= near then
    out[#out + 1] = string.format("usage near the licence limit: %s of %d seats active", pct(active / licensed), licensed)
  end
  local window = opt(opts, "window", M.EXPANSION.window)
  for _, g in ipairs(M.EXPANSION.events) do
    local list = evidence.within(t, g.event, window)
    if #list > 0 then out[#out + 1] = g.text .. " on " .. list[#list].at:sub(1, 10) end
  end
  local score = health_score(r)
  local nps = latest_data(t, "survey_response", "nps")
  local advocate = (type(nps) == "number" and nps >= M.ADVOCACY.promoter) or t.count("referral_given") > 0
  if score ~= nil and score >= M.ADVOCACY.high_health and advocate then
    out[#out + 1] = string.format("high health (%s) with strong advocacy", tostring(score))
  end
  local days = M.days_to_renewal(a, t)
  local runway = r and M.RENEWAL_RUNWAY[r.segment]
  if days ~= nil and runway ~= nil and days >= 0 and days <= runway[2] then
    out[#out + 1] = string.format("renewal in %d days: bundle the expansion", days)
  end
  return out
end

-- J7 ----------------------------------------------------------------------

--- DOMAIN J7: the renewal runway of a segment, {min, max} days.
---@param segment string
---@return integer min, integer max
function M.runway(segment)
  local r = M.RENEWAL_RUNWAY[segment]
  if r == nil then error("unknown segment '" .. tostring(segment) .. "'", 2) end
  return r[1], r[2]
end

--- DOMAIN J7: the renewal milestone due `days_to_renewal` days before the
--- renewal date: the last one whose day has come. nil before the first
--- milestone or once the date has passed.
---@param segment string
---@param days_to_renewal integer
---@return {day: integer, name: string}|nil milestone, string why
function M.renewal_milestone(segment, days_to_renewal)
  local list = M.RENEWAL_MILESTONES[segment]
  if list == nil then error("unknown segment '" .. tostring(segment) .. "'", 2) end
  if days_to_renewal < 0 then
    return nil, string.format("the renewal date passed %d days ago", -days_to_renewal)
  end
  local due
  for _, m in ipairs(list) do
    if days_to_renewal <= m.day then due = m end
  end
  if due == nil then
    return nil, string.format("%d days to renewal: before the %s runway (first milestone at %d)",
                              days_to_renewal, segment, list[1].day)
  end
  return due, string.format("%d days to renewal: %s (from day %d, J7)", days_to_renewal, due.name, due.day)
end

--- DOMAIN J7: starting the renewal now is too late (inside 30 days; at
--- 30 days the contract should already be in signature).
---@param days_to_renewal integer|nil
---@param opts? {days?: integer}
---@return boolean
function M.too_late(days_to_renewal, opts)
  return days_to_renewal ~= nil and days_to_renewal <= opt(opts, "days", M.RENEWAL_TOO_LATE)
end

--- DOMAIN J7: renewal forecast category from the result so far:
--- "at_risk" with no health score (silent disengagement is the worst
--- risk, J5), a risk flag (at_risk, renewal_late) or health under 40;
--- "commit" with health 70+; else "probable".
---@param r table  the result so far
---@param opts? {commit_health?: number, at_risk_health?: number, risk_flags?: string[]}
---@return "commit"|"probable"|"at_risk" category, string why
function M.renewal_forecast(r, opts)
  local risky = {}
  for _, f in ipairs(opt(opts, "risk_flags", M.FORECAST.risk_flags)) do risky[f] = true end
  for _, f in ipairs(r and r.flags or {}) do
    if risky[f] then return "at_risk", "flagged " .. f .. " (J7)" end
  end
  local score = health_score(r)
  if score == nil then return "at_risk", "no health score: silence is the worst risk (J5, J7)" end
  local commit, low = opt(opts, "commit_health", M.FORECAST.commit_health), opt(opts, "at_risk_health", M.FORECAST.at_risk_health)
  if score < low then return "at_risk", string.format("health %s under %s (J7)", tostring(score), tostring(low)) end
  if score >= commit then return "commit", string.format("health %s at or above %s (J7)", tostring(score), tostring(commit)) end
  return "probable", string.format("health %s between %s and %s (J7)", tostring(score), tostring(low), tostring(commit))
end

-- J8 ----------------------------------------------------------------------

--- DOMAIN J8: advocacy signals met and missing. Required: an NPS promoter
--- (latest survey_response data.nps 9-10), renewed at least once (a
--- renewal_signed event), high health (r.health.score 70+). Supporting:
--- measurable ROI (value_documented), an engaged champion (named, none
--- left in 90 days), a referral given.
---@param a table  the account
---@param t table  its timeline
---@param r? table  the result so far
---@param opts? {promoter?: number, high_health?: number, renewals?: integer}
---@return string[] met, string[] missing  (missing lists required signals only)
function M.advocacy_signals(a, t, r, opts)
  local met, missing = {}, {}
  local function need(ok, yes, no)
    if ok then met[#met + 1] = yes else missing[#missing + 1] = no end
  end
  local promoter = opt(opts, "promoter", M.ADVOCACY.promoter)
  local nps = latest_data(t, "survey_response", "nps")
  need(type(nps) == "number" and nps >= promoter, "NPS promoter (" .. tostring(nps) .. ")",
       "NPS promoter (" .. promoter .. "-10; latest " .. (nps ~= nil and tostring(nps) or "none") .. ")")
  local renewals, want = t.count("renewal_signed"), opt(opts, "renewals", M.ADVOCACY.renewals)
  need(renewals >= want, string.format("renewed %d time%s", renewals, renewals == 1 and "" or "s"),
       "renewed at least " .. (want == 1 and "once" or (want .. " times")))
  local high, score = opt(opts, "high_health", M.ADVOCACY.high_health), health_score(r)
  need(score ~= nil and score >= high, "high health (" .. tostring(score) .. ")",
       "high health (" .. high .. "+; now " .. (score and tostring(score) or "unknown") .. ")")
  if t.count("value_documented") > 0 then met[#met + 1] = "measurable ROI documented" end
  if a.champion ~= nil and evidence.count_within(t, "champion_left", M.REGRESSION_WINDOW) == 0 then met[#met + 1] = "engaged champion" end
  if t.count("referral_given") > 0 then met[#met + 1] = "referral given" end
  return met, missing
end

--- DOMAIN J8: an advocacy candidate when every required signal holds.
---@param a table  the account
---@param t table  its timeline
---@param r? table  the result so far
---@param opts? table  as advocacy_signals
---@return boolean candidate, string why
function M.advocacy_candidate(a, t, r, opts)
  local met, missing = M.advocacy_signals(a, t, r, opts)
  if #missing == 0 then return true, "advocacy candidate: " .. table.concat(met, ", ") .. " (J8)" end
  return false, "not an advocacy candidate, missing: " .. table.concat(missing, ", ") .. " (J8)"
end

-- J9 ----------------------------------------------------------------------

--- Epoch seconds of a time given as ISO-8601 text or a number.
local function epoch(v)
  if type(v) == "number" then return v end
  if type(v) == "string" then return host.parse_time(v) end
  return nil
end

local function median(xs)
  local n = #xs
  if n == 0 then return nil end
  table.sort(xs)
  if n % 2 == 1 then return xs[(n + 1) // 2] end
  return (xs[n // 2] + xs[n // 2 + 1]) / 2
end

local function new_cell()
  return { entered = 0, completed = 0, regressed = 0, open = 0, days = {} }
end

--- Turns a cell of counts into the measures.
local function measures(c)
  local sum = 0
  for _, d in ipairs(c.days) do sum = sum + d end
  local n = #c.days
  return {
    entered = c.entered, completed = c.completed, regressed = c.regressed, open = c.open,
    completion_rate = c.entered > 0 and c.completed / c.entered or nil,
    regression_rate = c.entered > 0 and c.regressed / c.entered or nil,
    mean_days = n > 0 and sum / n or nil,
    median_days = median(c.days),
  }
end

--- Stage names in J1 order, then any others alphabetically.
local function stage_order(seen)
  local out, known = {}, {}
  for _, s in ipairs(M.STAGES) do
    known[s.name] = true
    if seen[s.name] then out[#out + 1] = s.name end
  end
  local extra = {}
  for name in pairs(seen) do if not known[name] then extra[#extra + 1] = name end end
  table.sort(extra)
  for _, name in ipairs(extra) do out[#out + 1] = name end
  return out
end

--- DOMAIN J9: journey health over a population of stage records, one per
--- account and stage entered: {segment, stage, entered_at, left_at,
--- regressed} (times as ISO-8601 text or epoch seconds). A record that
--- left without regressing completed its stage; one without left_at is
--- still open (it counts in `entered`, so completion_rate is of all
--- entries). Time in stage (mean and median days) is over completed
--- records. Returns per-stage measures, the same by segment (the cohort
--- table), and the stage order.
---@param records {segment?: string, stage: string, entered_at: string|number, left_at?: string|number, regressed?: boolean}[]
---@return {stages: table<string, table>, by_segment: table<string, table<string, table>>, order: string[], segments: string[]}
function M.journey_health(records)
  local all, cohort, seen = {}, {}, {}
  for i, rec in ipairs(records) do
    local stage = rec.stage
    if type(stage) ~= "string" then error(string.format("journey_health: record %d has no stage", i), 2) end
    local from, to = epoch(rec.entered_at), epoch(rec.left_at)
    if from == nil then error(string.format("journey_health: record %d has no valid entered_at", i), 2) end
    local seg = rec.segment or "unknown"
    seen[stage] = true
    all[stage] = all[stage] or new_cell()
    cohort[seg] = cohort[seg] or {}
    cohort[seg][stage] = cohort[seg][stage] or new_cell()
    for _, c in ipairs({ all[stage], cohort[seg][stage] }) do
      c.entered = c.entered + 1
      if rec.regressed then
        c.regressed = c.regressed + 1
      elseif to ~= nil then
        c.completed = c.completed + 1
        c.days[#c.days + 1] = (to - from) / DAY
      else
        c.open = c.open + 1
      end
    end
  end
  local out = { stages = {}, by_segment = {}, order = stage_order(seen), segments = {} }
  for stage, c in pairs(all) do out.stages[stage] = measures(c) end
  for seg, stages in pairs(cohort) do
    out.segments[#out.segments + 1] = seg
    out.by_segment[seg] = {}
    for stage, c in pairs(stages) do out.by_segment[seg][stage] = measures(c) end
  end
  table.sort(out.segments)
  return out
end

return M
