--- Graduation, the onboarding completion scorecard (DOMAIN G1-G9): the
--- dimensions, weights and bands as data; score functions for the
--- dimensions; the red flags (blockers) as functions; usage thresholds by
--- product type; extensions and the completion review.
---
--- Score functions are (a, t) -> 0..10 or nil (unknown: the engine counts
--- it 0 and shows null). Blockers are (a, t, r) -> reason string or nil.
--- Factories (`usage_score{...}`, `active_below(0.5)`) take the numbers; the
--- defaults are DOMAIN's.
---
--- Event conventions this module reads (DESIGN "Data contract" types):
---   assessment          data.dimension, data.score 0-10 (a CSM's rating)
---   training_completed  data.score: a knowledge check, as a fraction (0.85)
---   knowledge_check       or a percent (85); scores above 1 are percents
---   survey_response     data.goal_achieved (boolean), data.score / data.nps 0-10
---   milestone_reached,  evidence that success criteria are met
---   value_documented
---   support_ticket      data.id, data.technical / data.category, data.severity,
---                       data.status / data.resolved / data.resolved_at (see
---                       unresolved_technical)
---   feature_used        data.feature (see core_workflows_unused)
---   onboarding_extended data.days, data.new_target_date (see extension)
local host = require "tend.host"

local M = {}

-- DOMAIN G1: five dimensions, each scored 0-10, in report order.
M.DIMENSIONS = {
  { name = "technical",   measures = "systems configured and tested" },
  { name = "knowledge",   measures = "team trained and competent" },
  { name = "usage",       measures = "active engagement meets threshold" },
  { name = "value",       measures = "business outcome achieved" },
  { name = "stakeholder", measures = "alignment and satisfaction" },
}

-- DOMAIN G2: default weights 20/20/20/30/10 %.
M.WEIGHTS = { technical = 0.20, knowledge = 0.20, usage = 0.20, value = 0.30, stakeholder = 0.10 }

-- DOMAIN G3: >= 8.0 ready; 6.0-7.9 close; < 6.0 not ready. The DSL's band list.
M.BANDS = { { 8.0, "ready" }, { 6.0, "close" }, { 0, "not_ready" } }

-- DOMAIN G10: "don't graduate until all five are green": a dimension under
-- its floor blocks graduation whatever the total (a scorecard setting).
M.FLOOR = 6.0

-- DOMAIN G12: high- and low-touch completion needs the executive sponsor's
-- sign-off on success (this event); tech touch completes on the day-30
-- survey's "yes" instead (P7).
M.SIGNOFF = { event = "sponsor_signoff", touches = { high = true, low = true } }

-- DOMAIN G4: fewer than 50% of users active blocks graduation.
M.ACTIVE_BLOCKER = 0.50
-- DOMAIN G4 says "usage declining week over week" with no size: tend's
-- default ignores dips of up to 10% (daily metrics are noisy).
M.DECLINE_BLOCKER = 0.10
-- DOMAIN G4 "champion leaving": tend's default looks back 90 days.
M.CHAMPION_WINDOW = "90d"
-- DOMAIN G4 "unresolved technical issues": severities that make any ticket count.
M.BLOCKING_SEVERITIES = { "high", "critical" }

-- DOMAIN G5: usage thresholds by product_type, as shares of licensed users
-- (periodic use: the account's `key_users` against the key_users_active
-- metric). The first threshold is the headline share.
M.USAGE = {
  daily    = { products = "daily use: CRM, project management",
               thresholds = { { field = "weekly_active", share = 0.80 }, { field = "daily_active", share = 0.50 } } },
  weekly   = { products = "weekly use: reporting, analytics",
               thresholds = { { field = "monthly_active", share = 0.70 }, { field = "weekly_active", share = 0.40 } } },
  periodic = { products = "periodic use: compliance, audit (key users active when needed)",
               thresholds = { { field = "key_users_active", share = 1.0, of = "key_users" } } },
  generic  = { products = "any other product",
               thresholds = { { field = "weekly_active", share = 0.70 } } },
}
-- DOMAIN G5: 30-40% active is a warning (investigate before graduation).
M.USAGE_WARNING = { from = 0.30, to = 0.40 }

-- DOMAIN G6: knowledge checks pass at 80%+.
M.KNOWLEDGE_PASS = 0.80
M.KNOWLEDGE_EVENTS = { "training_completed", "knowledge_check" }

-- DOMAIN G7: at most 30 days of extension, then escalate to leadership.
M.EXTENSION = { max_days = 30, escalate = "leadership", event = "onboarding_extended" }

-- DOMAIN G8: the completion review 7-14 days before the graduation date.
M.REVIEW = { earliest = 14, latest = 7 }

-- DOMAIN G9: retention the source reports by graduation criteria.
M.OUTCOME = { value_based_retention = 0.94, attendance_based_retention = 0.71 }

--- `opts[key]` when given, else the default.
local function opt(opts, key, default)
  if opts ~= nil and opts[key] ~= nil then return opts[key] end
  return default
end

--- A field of the account: the contract field, else the one in `attrs`.
local function field(a, name)
  local v = a[name]
  if v == nil and type(a.attrs) == "table" then v = a.attrs[name] end
  return v
end

local function pct(x) return string.format("%d%%", math.floor(x * 100 + 0.5)) end

local latest_data = require("tend.evidence").latest_data
local within_days = require("tend.evidence").within

-- G2/G3: the total and the band ------------------------------------------

--- DOMAIN G2, G13: the weighted total of dimension scores, rounded to one
--- decimal as it is shown (the band is decided on this number: float
--- noise such as 7.999999999999999 never decides); a missing score counts
--- 0 (as in the engine).
---@param scores table<string, number|nil>
---@param weights? table<string, number>
---@return number
function M.total(scores, weights)
  weights = weights or M.WEIGHTS
  local sum = 0
  for name, w in pairs(weights) do
    local s = scores[name]
    if type(s) == "number" then sum = sum + w * s end
  end
  local r = math.floor(sum * 10 + 0.5) / 10
  return math.tointeger(r) or r
end

--- DOMAIN G10: the dimensions under their floor, as blocker reasons
--- ("stakeholder 0.0 is under its floor 6.0 (G10)"); a missing score is
--- under any floor.
---@param scores table<string, number|nil>
---@param floor? number|table<string, number>  default M.FLOOR for every dimension
---@return string[]
function M.below_floor(scores, floor)
  floor = floor == nil and M.FLOOR or floor
  local out = {}
  for _, d in ipairs(M.DIMENSIONS) do
    local f = type(floor) == "table" and floor[d.name] or (type(floor) == "number" and floor or nil)
    local s = scores[d.name]
    if f ~= nil and (type(s) ~= "number" or s < f) then
      out[#out + 1] = string.format("%s %s is under its floor %.1f (G10)", d.name,
                                    type(s) == "number" and string.format("%.1f", s) or "unknown", f)
    end
  end
  return out
end

--- DOMAIN G3: the band of a total: the first whose threshold it reaches.
---@param total number
---@param bands? {[1]: number, [2]: string}[]
---@return string
function M.band(total, bands)
  bands = bands or M.BANDS
  for _, b in ipairs(bands) do
    if total >= b[1] then return b[2] end
  end
  return bands[#bands][2]
end

--- DOMAIN G2-G4, G10, G13: total, band and blockers as the engine reports
--- them: the band of the rounded total; a blocker, or a dimension under its
--- floor when the total reaches the top band, keeps the account out of it
--- (G4, "whatever the score"; G10, "all five green").
---@param scores table<string, number|nil>
---@param blockers? string[]  reasons
---@param opts? {weights?: table, bands?: table, floor?: number|table|false}
---@return {total: number, band: string, blockers: string[]}
function M.assess(scores, blockers, opts)
  local bands = opt(opts, "bands", M.BANDS)
  local total = M.total(scores, opt(opts, "weights", M.WEIGHTS))
  local band = M.band(total, bands)
  local list = {}
  for i, why in ipairs(blockers or {}) do list[i] = why end
  local floor = opt(opts, "floor", M.FLOOR)
  if floor and band == bands[1][2] then
    for _, why in ipairs(M.below_floor(scores, floor)) do list[#list + 1] = why end
  end
  if #list > 0 and band == bands[1][2] and bands[2] then band = bands[2][2] end
  return { total = total, band = band, blockers = list }
end

-- G1: dimension scores ---------------------------------------------------

--- Score function: the latest `assessment` event for a dimension with a
--- data.score between 0 and 10 (a CSM's rating); nil when none.
---@param dimension string
---@return fun(a: table, t: table): number|nil
function M.assessed(dimension)
  local match = { dimension = dimension }
  -- A rating from CSV arrives as text ("9"): cells outside the data
  -- contract stay text, so the rating is read as a number here.
  local function rating(score)
    local n = math.type(score) and score or (type(score) == "string" and tonumber(score)) or nil
    if n and n >= 0 and n <= 10 then return n end
    return nil
  end
  return function(_, t)
    -- t.last with a match finds the event in C, without building the others.
    local e = t.last("assessment", match)
    if e == nil then return nil end
    local s = rating(e.data.score)
    if s then return s end
    local list = t.events("assessment") -- rare: the latest rating is out of range
    for i = #list, 1, -1 do
      local d = list[i].data
      s = d.dimension == dimension and rating(d.score)
      if s then return s end
    end
    return nil
  end
end

--- The G5 thresholds for an account's product_type (generic when unknown).
---@param a table  the account
---@return {field: string, share: number, of?: string}[] thresholds, string product_type
function M.usage_thresholds(a)
  local kind = M.USAGE[a.product_type] and a.product_type or "generic"
  return M.USAGE[kind].thresholds, kind
end

--- Share of users active on a threshold's metric: the latest `field`
--- over licensed_users (or over the account's `of` count); nil if unknown.
---@param a table  the account
---@param t table  its timeline
---@param th {field: string, of?: string}
---@return number|nil
function M.active_share(a, t, th)
  local active, base = t.latest(th.field), field(a, th.of or "licensed_users")
  if type(active) ~= "number" or type(base) ~= "number" or base <= 0 then return nil end
  return active / base
end

--- Score function 0-10 for usage. With `target` (and `field`, default
--- weekly_active): the active share against that target, reaching it
--- scores 10. Without: DOMAIN G5's thresholds for the product type, the
--- weakest one counting. nil when no metric is known.
---@param opts? {target?: number, field?: string}
---@return fun(a: table, t: table): number|nil
function M.usage_score(opts)
  local target = opt(opts, "target", nil)
  local own = target and { { field = opt(opts, "field", "weekly_active"), share = target } } or nil
  return function(a, t)
    local worst
    for _, th in ipairs(own or M.usage_thresholds(a)) do
      local share = M.active_share(a, t, th)
      if share ~= nil then
        local reached = math.min(1, share / th.share)
        worst = worst and math.min(worst, reached) or reached
      end
    end
    return worst and 10 * worst or nil
  end
end

--- A check's score as a fraction: 0.85 and 85 both mean 85%.
local function fraction(score)
  if type(score) ~= "number" then return nil end
  return score > 1 and score / 100 or score
end

--- Score function 0-10 for knowledge (DOMAIN G6): each user's latest
--- knowledge check (training_completed or knowledge_check events with
--- data.score, a fraction or a percent) passes at `pass`; the score is 10 x
--- the share of users who passed. Events without a user count as one
--- anonymous taker. nil when there is no check.
---@param opts? {pass?: number, events?: string[], field?: string}
---@return fun(a: table, t: table): number|nil
function M.knowledge_check(opts)
  local pass = fraction(opt(opts, "pass", M.KNOWLEDGE_PASS))
  local types, key = opt(opts, "events", M.KNOWLEDGE_EVENTS), opt(opts, "field", "score")
  return function(_, t)
    local latest, users = {}, 0 -- user -> {at, score}
    for _, ty in ipairs(types) do
      for _, e in ipairs(t.events(ty)) do
        local score = fraction(e.data[key])
        if score ~= nil then
          local who = e.user or ""
          local prev = latest[who]
          if prev == nil then users = users + 1 end
          if prev == nil or e.at >= prev.at then latest[who] = { at = e.at, score = score } end
        end
      end
    end
    if users == 0 then return nil end
    local passed = 0
    for _, c in pairs(latest) do
      if c.score >= pass then passed = passed + 1 end
    end
    return 10 * passed / users
  end
end

--- Score functions used when no assessment exists (the fallbacks).
M.DERIVED = {
  -- Systems configured and tested: the customer confirmed go-live.
  technical = function(_, t)
    if t.count("go_live_confirmed") > 0 then return 10 end
    return nil
  end,
  knowledge = M.knowledge_check(),
  usage = M.usage_score(),
  -- The customer's answer to "have you achieved your goal?" (P7), else
  -- documented value.
  value = function(_, t)
    local achieved = latest_data(t, "survey_response", "goal_achieved")
    if type(achieved) == "boolean" then return achieved and 10 or 0 end
    if t.count("value_documented") > 0 then return 10 end
    return nil
  end,
  -- Satisfaction: the latest survey score (0-10), else its NPS answer.
  stakeholder = function(_, t)
    local s = latest_data(t, "survey_response", "score")
    if type(s) ~= "number" then s = latest_data(t, "survey_response", "nps") end
    if type(s) ~= "number" then return nil end
    return math.max(0, math.min(10, s))
  end,
}

--- DOMAIN G11: the customer's own latest answer says the goal was not
--- achieved, and nothing later confirms it (a survey saying it was, or the
--- sponsor's sign-off, G12): the survey event, else nil.
---@param t table  the timeline
---@return table|nil event
function M.customer_says_unmet(t)
  local achieved, e = latest_data(t, "survey_response", "goal_achieved")
  if achieved ~= false then return nil end
  local signoff = t.last(M.SIGNOFF.event)
  if signoff ~= nil and signoff.at > e.at then return nil end
  return e
end

--- Score function for a G1 dimension: the latest CSM assessment, else
--- the derived score (M.DERIVED): technical 10 after go_live_confirmed;
--- knowledge from checks (G6); usage against G5; value from the goal
--- survey (10/0) or a value_documented event (10); stakeholder from the
--- survey score or NPS. nil when neither says anything. Value is the
--- customer's to confirm (G11): while their latest answer says the goal
--- was not achieved, value is 0 whatever the CSM assessed.
---@param name string
---@return fun(a: table, t: table): number|nil
function M.score(name)
  local assessed, derive = M.assessed(name), M.DERIVED[name]
  return function(a, t)
    if name == "value" and M.customer_says_unmet(t) then return 0 end
    local s = assessed(a, t)
    if s ~= nil or derive == nil then return s end
    return derive(a, t)
  end
end

-- G4: blockers -----------------------------------------------------------

--- The metric that says "a user is active" for the product: monthly for
--- weekly- and periodic-use products, weekly otherwise (DOMAIN G5).
---@param a table  the account
---@return string
function M.activity_field(a)
  if a.product_type == "weekly" or a.product_type == "periodic" then return "monthly_active" end
  return "weekly_active"
end

--- Blocker: fewer than `share` of licensed users active (DOMAIN G4: 50%).
---@param share? number
---@param metric? string  default: activity_field(a)
---@return fun(a: table, t: table, r?: table): string|nil
function M.active_below(share, metric)
  share = share or M.ACTIVE_BLOCKER
  return function(a, t)
    local f = metric or M.activity_field(a)
    local s = M.active_share(a, t, { field = f })
    if s ~= nil and s < share then
      return string.format("only %s of licensed users are active (%s; threshold %s)", pct(s), f, pct(share))
    end
    return nil
  end
end

--- Blocker: usage falling week over week by more than `drop` (DOMAIN G4).
---@param drop? number  default 0.10
---@param metric? string  default: activity_field(a)
---@return fun(a: table, t: table, r?: table): string|nil
function M.usage_declining(drop, metric)
  drop = drop or M.DECLINE_BLOCKER
  return function(a, t)
    local f = metric or M.activity_field(a)
    local tr = t.trend(f, "7d")
    if tr ~= nil and tr < -drop then
      return string.format("usage down %s week over week (%s)", pct(-tr), f)
    end
    return nil
  end
end

--- Blocker: a champion_left event within `within` (DOMAIN G4).
---@param opts? {within?: string}
---@return fun(a: table, t: table, r?: table): string|nil
function M.champion_left(opts)
  local within = opt(opts, "within", M.CHAMPION_WINDOW)
  return function(_, t)
    local left = within_days(t, "champion_left", within) -- calendar days, as t.days_since
    if #left > 0 then return "champion left on " .. left[#left].at:sub(1, 10) end
    return nil
  end
end

local function set_of(list)
  local s = {}
  for _, v in ipairs(list) do s[v] = true end
  return s
end

--- A support ticket's resolution as its newest event says.
local function resolved(d)
  return d.status == "resolved" or d.status == "closed" or d.resolved == true or d.resolved_at ~= nil
end

--- Blocker: unresolved technical issues (DOMAIN G4). Convention: tickets
--- are `support_ticket` events; events sharing data.id (or data.ticket_id)
--- are updates of one ticket and the newest wins; an event without an id
--- is a ticket of its own. A ticket is technical when data.technical is
--- true, data.category is "technical", or data.severity is one of
--- `severities` (high, critical). It is resolved when its newest event has
--- data.status "resolved" or "closed", data.resolved = true or a
--- data.resolved_at, or a `support_ticket_resolved` event names its id.
---@param opts? {severities?: string[], resolved_event?: string}
---@return fun(a: table, t: table, r?: table): string|nil
function M.unresolved_technical(opts)
  local severities = set_of(opt(opts, "severities", M.BLOCKING_SEVERITIES))
  local closing = opt(opts, "resolved_event", "support_ticket_resolved")
  return function(_, t)
    local closed = {}
    for _, e in ipairs(t.events(closing)) do
      local id = e.data.id or e.data.ticket_id
      if id ~= nil then closed[tostring(id)] = true end
    end
    local newest, order = {}, {}
    for i, e in ipairs(t.events("support_ticket")) do
      local id = e.data.id or e.data.ticket_id
      local key = id ~= nil and tostring(id) or ("#" .. i)
      if newest[key] == nil then order[#order + 1] = key end
      newest[key] = e.data
    end
    local open = {}
    for _, key in ipairs(order) do
      local d = newest[key]
      local technical = d.technical == true or d.category == "technical" or severities[d.severity] == true
      if technical and not resolved(d) and not closed[key] then
        local label = key:sub(1, 1) == "#" and "ticket" or key
        open[#open + 1] = d.severity and (label .. " " .. tostring(d.severity)) or label
      end
    end
    if #open == 0 then return nil end
    return string.format("%d unresolved technical ticket%s (%s)", #open, #open == 1 and "" or "s",
                         table.concat(open, ", "))
  end
end

--- Blocker: success criteria unmet or value not articulated (DOMAIN G4,
--- G11): the customer's latest goal survey says "not achieved" and
--- nothing later confirms it (see customer_says_unmet); or, unless
--- `require_evidence` is false, there is no evidence at all (no
--- milestone_reached or value_documented event, no survey with
--- goal_achieved = true).
---@param opts? {evidence?: string[], require_evidence?: boolean}
---@return fun(a: table, t: table, r?: table): string|nil
function M.success_criteria_unmet(opts)
  local evidence = opt(opts, "evidence", { "milestone_reached", "value_documented" })
  local require_evidence = opt(opts, "require_evidence", true)
  return function(_, t)
    local e = M.customer_says_unmet(t)
    if e ~= nil then
      return "success criteria unmet: the customer says the goal is not achieved (survey of " .. e.at:sub(1, 10) .. ", G11)"
    end
    if not require_evidence or latest_data(t, "survey_response", "goal_achieved") ~= nil then return nil end
    for _, ty in ipairs(evidence) do
      if t.count(ty) > 0 then return nil end
    end
    return "success criteria unmet: no " .. table.concat(evidence, ", ") .. " or goal survey"
  end
end

--- Blocker: core workflows unused (DOMAIN G4): each name in `workflows`
--- needs a feature_used event with that data.feature within `within`
--- (default 30 days). Without a list it never blocks.
---@param opts? {workflows?: string[], within?: string}
---@return fun(a: table, t: table, r?: table): string|nil
function M.core_workflows_unused(opts)
  local workflows, within = opt(opts, "workflows", {}), opt(opts, "within", "30d")
  return function(_, t)
    local used = {}
    for _, e in ipairs(t.events("feature_used", within)) do
      if e.data.feature ~= nil then used[e.data.feature] = true end
    end
    local unused = {}
    for _, w in ipairs(workflows) do
      if not used[w] then unused[#unused + 1] = w end
    end
    if #unused == 0 then return nil end
    return "core workflows unused in " .. within .. ": " .. table.concat(unused, ", ")
  end
end

-- DOMAIN G4: red flags a person or another system reports as an event
-- (the event type, and how a reason names it); a later `red_flag_cleared`
-- event with data.flag = the type clears it.
M.REPORTED = {
  sponsor_disengaged   = "sponsor disengaged",
  internal_resistance  = "internal resistance",
  core_workflow_unused = "core workflow unused",
}
M.CLEARED_EVENT = "red_flag_cleared"
M.REPORTED_WINDOW = "90d" -- tend's default: a report older than 90 calendar days has lapsed

--- Blocker: a red flag reported as an event of `type_` (DOMAIN G4: sponsor
--- disengaged, internal resistance, core workflows unused) within
--- `within` (90 calendar days), not cleared by a later red_flag_cleared
--- event naming it (data.flag). The reason names the flag, the date and
--- the event's data.reason or data.workflow when given.
---@param type_ string
---@param opts? {within?: string, text?: string}
---@return fun(a: table, t: table, r?: table): string|nil
function M.reported(type_, opts)
  local within = opt(opts, "within", M.REPORTED_WINDOW)
  local text = opt(opts, "text", M.REPORTED[type_] or type_)
  return function(_, t)
    local list = within_days(t, type_, within)
    local e = list[#list]
    if e == nil then return nil end
    for _, c in ipairs(t.events(M.CLEARED_EVENT)) do
      if c.data.flag == type_ and c.at > e.at then return nil end
    end
    local detail = e.data.workflow or e.data.reason
    return string.format("%s on %s%s", text, e.at:sub(1, 10), detail and (": " .. tostring(detail)) or "")
  end
end

-- DOMAIN G4: the default blockers, by name (a scorecard's `blockers`).
M.BLOCKERS = {
  active_below_half     = M.active_below(),
  usage_declining       = M.usage_declining(),
  champion_left         = M.champion_left(),
  unresolved_technical  = M.unresolved_technical(),
  success_criteria_unmet = M.success_criteria_unmet(),
  sponsor_disengaged    = M.reported("sponsor_disengaged"),
  internal_resistance   = M.reported("internal_resistance"),
  core_workflow_unused  = M.reported("core_workflow_unused"),
}

-- G5: usage status -------------------------------------------------------

--- DOMAIN G5: usage against the product type's thresholds.
--- "meets": every threshold with data is reached; "warning": the headline
--- share is at or under 40% (the source: "only 30-40% active: investigate
--- before graduation"; lower is worse still); "below": short of a target
--- but above the warning line. nil when there is no usage data.
---@param a table  the account
---@param t table  its timeline
---@param opts? {thresholds?: table, warning?: number}
---@return "meets"|"warning"|"below"|nil status, string why
function M.usage_status(a, t, opts)
  local thresholds, kind = M.usage_thresholds(a)
  thresholds = opt(opts, "thresholds", thresholds)
  local warning = opt(opts, "warning", M.USAGE_WARNING.to)
  local parts, missed, headline, known = {}, false, nil, false
  for i, th in ipairs(thresholds) do
    local s = M.active_share(a, t, th)
    if s == nil then
      parts[#parts + 1] = string.format("%s no data (target %s)", th.field, pct(th.share))
    else
      known = true
      if i == 1 then headline = s end
      if s < th.share then missed = true end
      parts[#parts + 1] = string.format("%s %s (target %s)", th.field, pct(s), pct(th.share))
    end
  end
  local why = kind .. " use: " .. table.concat(parts, ", ")
  if not known then return nil, why end
  if not missed then return "meets", why end
  if headline ~= nil and headline <= warning then
    return "warning", why .. string.format("; at or under the %s warning line (G5)", pct(warning))
  end
  return "below", why
end

-- G7, G8: extension and review ---------------------------------------------

local function add_days(date, days)
  local epoch = host.parse_time(date)
  if epoch == nil then error("not an ISO-8601 date: " .. tostring(date), 3) end
  return host.date(epoch + days * 86400)
end

--- DOMAIN G7: extend a blocked onboarding with a specific reason, focus
--- actions and a new target date; at most 30 days in all, then escalate.
--- Earlier extensions are `onboarding_extended` events (data.days, and
--- data.new_target_date, the base for the next one); without them the
--- base is onboarding_target_at, else today; a base already past extends
--- from today, so the new date is never in the past.
---@param a table  the account
---@param t table  its timeline
---@param opts {reason: string, days: integer, actions?: string[], judged_by?: string, max_days?: integer}
---@return {reason: string, actions: string[], requested: integer, days: integer, already: integer, total: integer, from: string, new_target_date: string, judged_by: string, escalate: string|nil, why: string}
function M.extension(a, t, opts)
  if type(opts) ~= "table" or type(opts.reason) ~= "string" or opts.reason == "" then
    error("extension: a specific reason is required (DOMAIN G7)", 2)
  end
  if math.type(opts.days) ~= "integer" or opts.days <= 0 then
    error("extension: 'days' must be a positive whole number of days", 2)
  end
  local max = opt(opts, "max_days", M.EXTENSION.max_days)
  local already, base = 0, nil
  for _, e in ipairs(t.events(M.EXTENSION.event)) do
    if type(e.data.days) == "number" then already = already + e.data.days end
    if type(e.data.new_target_date) == "string" then base = e.data.new_target_date end
  end
  base = (base or a.onboarding_target_at or t.today):sub(1, 10)
  if base < t.today then base = t.today end -- a target already passed extends from today
  local granted = math.max(0, math.min(opts.days, max - already))
  local actions = {}
  for i, s in ipairs(opts.actions or {}) do actions[i] = s end
  local out = {
    reason = opts.reason, actions = actions,
    requested = opts.days, days = granted, already = already, total = already + granted,
    from = base, new_target_date = add_days(base, granted),
    judged_by = opt(opts, "judged_by", "graduation score 8.0+ with no red flags (G3, G4)"),
  }
  if already + opts.days > max then
    out.escalate = M.EXTENSION.escalate
    out.why = string.format("%d days asked, %d already extended: over the %d-day cap, %d granted; escalate to %s (G7)",
                            opts.days, already, max, granted, out.escalate)
  else
    out.why = string.format("extended %d days to %s (%d of %d days used, G7)", granted, out.new_target_date,
                            out.total, max)
  end
  return out
end

--- DOMAIN G8: when to hold the completion review: from 14 to 7 days
--- before the planned graduation date.
---@param target_date string  ISO-8601 date
---@param opts? {earliest?: integer, latest?: integer}
---@return {from: string, to: string}
function M.review_window(target_date, opts)
  return {
    from = add_days(target_date, -opt(opts, "earliest", M.REVIEW.earliest)),
    to = add_days(target_date, -opt(opts, "latest", M.REVIEW.latest)),
  }
end

--- DOMAIN G8: today is inside the review window of onboarding_target_at.
---@param a table  the account
---@param t table  its timeline
---@return boolean, string
function M.review_due(a, t)
  if a.onboarding_target_at == nil then return false, "no onboarding_target_at" end
  local days = t.days_until(a.onboarding_target_at)
  return days >= M.REVIEW.latest and days <= M.REVIEW.earliest,
         string.format("%d days to the graduation date (review %d-%d days before, G8)",
                       days, M.REVIEW.latest, M.REVIEW.earliest)
end

return M
