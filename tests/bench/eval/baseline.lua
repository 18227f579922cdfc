-- The baseline: what a CS ops engineer would write instead of tend, in plain
-- Lua 5.4 with lua-cjson. It reads the same three JSONL files, groups events
-- and metrics by account in Lua tables, then streams the accounts and runs
-- the same decisions as playbook/ (segments, journey, graduation scorecard,
-- health, rules, the contract_signed handler) as plain functions over the
-- decoded tables: no sandbox, no limits, no trace.
--
--   lua5.4 baseline.lua ACCOUNTS EVENTS METRICS NOW > results.jsonl
local cjson = require "cjson"

local accounts_path, events_path, metrics_path, now_text = arg[1], arg[2], arg[3], arg[4]
if not now_text then
  io.stderr:write("usage: lua5.4 baseline.lua ACCOUNTS EVENTS METRICS NOW\n")
  os.exit(2)
end

local floor, min, max, huge = math.floor, math.min, math.max, math.huge
local DAY = 86400

-- "2026-11-20" or "2026-11-20T10:00:00Z" -> seconds since the epoch (UTC).
local function days_from_civil(y, m, d)
  y = m <= 2 and y - 1 or y
  local era = floor(y / 400)
  local yoe = y - era * 400
  local doy = floor((153 * (m + (m > 2 and -3 or 9)) + 2) / 5) + d - 1
  return era * 146097 + yoe * 365 + floor(yoe / 4) - floor(yoe / 100) + doy - 719468
end

local function parse_time(s)
  local y, mo, d, rest = s:match("^(%d%d%d%d)-(%d%d)-(%d%d)(.*)$")
  if not y then error("bad date: " .. s) end
  local t = days_from_civil(tonumber(y), tonumber(mo), tonumber(d)) * DAY
  if rest ~= "" then
    local h, mi, se = rest:match("^T(%d%d):(%d%d):(%d%d)Z$")
    if not h then error("bad time: " .. s) end
    t = t + tonumber(h) * 3600 + tonumber(mi) * 60 + tonumber(se)
  end
  return t
end

local NOW = parse_time(now_text)
local EVALUATED_AT = os.date("!%Y-%m-%dT%H:%M:%SZ", NOW)
local TODAY = os.date("!%Y-%m-%d", NOW)
local TODAY_N = floor(NOW / DAY) -- today as a day number
local WEEK = 7 * DAY
local THIS_WEEK = os.date("!%Y-%m-%d", NOW - NOW % WEEK) -- the period of "every 7d" actions

-- Load events and metrics, grouped by account, oldest first. ---------------

local function by_time(list, key)
  for i = 2, #list do
    if list[i][key] < list[i - 1][key] then -- not in order: sort, keeping file order on ties
      for j, x in ipairs(list) do x._i = j end
      table.sort(list, function(a, b) return a[key] < b[key] or (a[key] == b[key] and a._i < b._i) end)
      return
    end
  end
end

local events_of = {}
for line in io.lines(events_path) do
  local e = cjson.decode(line)
  e.t = parse_time(e.at)
  if e.t <= NOW then
    local list = events_of[e.account_id]
    if not list then list = {}; events_of[e.account_id] = list end
    list[#list + 1] = e
  end
end
for _, list in pairs(events_of) do by_time(list, "t") end

local metrics_of = {}
for line in io.lines(metrics_path) do
  local m = cjson.decode(line)
  m.day = parse_time(m.date)
  if m.day <= NOW then
    local list = metrics_of[m.account_id]
    if not list then list = {}; metrics_of[m.account_id] = list end
    list[#list + 1] = m
  end
end
for _, list in pairs(metrics_of) do by_time(list, "day") end

local NO_EVENTS, NO_METRICS = {}, {}

-- Timeline helpers (days are calendar days, as in tend's timeline). ----------

local function days_since(evs, typ)
  for i = #evs, 1, -1 do
    local e = evs[i]
    if e.type == typ then return TODAY_N - floor(e.t / DAY) end
  end
  return huge
end

local function count(evs, typ, window)
  local n, from = 0, NOW - window
  for i = #evs, 1, -1 do
    local e = evs[i]
    if e.t <= from then break end
    if e.type == typ then n = n + 1 end
  end
  return n
end

local function latest(ms, field)
  for i = #ms, 1, -1 do
    local v = ms[i][field]
    if v ~= nil then return v end
  end
  return nil
end

local function mean(ms, field, to, window)
  local sum, n = 0, 0
  for i = #ms, 1, -1 do
    local m = ms[i]
    if m.day <= to then
      if m.day <= to - window then break end
      local v = m[field]
      if v ~= nil then sum = sum + v; n = n + 1 end
    end
  end
  if n > 0 then return sum / n end
  return nil
end

local function avg(ms, field, window) return mean(ms, field, NOW, window) end

local function trend(ms, field, window)
  local cur, prev = mean(ms, field, NOW, window), mean(ms, field, NOW - window, window)
  if cur == nil or prev == nil or prev == 0 then return nil end
  return (cur - prev) / prev
end

-- Calendar days (UTC), whatever the hour of the run.
local function days_since_date(s) return TODAY_N - floor(parse_time(s) / DAY) end
local function days_until(s) return floor(parse_time(s) / DAY) - TODAY_N end

local function assessed(evs, dimension)
  for i = #evs, 1, -1 do
    local e = evs[i]
    if e.type == "assessment" then
      local d = e.data
      if d and d.dimension == dimension and type(d.score) == "number" then return d.score end
    end
  end
  return nil
end

local function active_ratio(a, ms)
  local active, licensed = latest(ms, "weekly_active"), a.licensed_users
  if not active or not licensed or licensed <= 0 then return nil end
  return active / licensed
end

-- The playbook, as plain functions. -----------------------------------------

local function segment_of(a)
  if (a.employees or 0) >= 1000 or (a.acv or 0) >= 50000 then return "enterprise", "high" end
  if (a.acv or 0) >= 10000 then return "mid_market", "low" end
  return "smb", "tech"
end

local function stages_of(a)
  local stages = {}
  if a.contract_signed_at then
    local d = days_since_date(a.contract_signed_at)
    if d <= 90 then stages[#stages + 1] = "onboarding" end
    if d > 90 and d <= 365 then stages[#stages + 1] = "adoption" end
  end
  if a.renewal_date and days_until(a.renewal_date) <= 90 then stages[#stages + 1] = "renewal" end
  return stages
end

local function round1(x)
  local r = floor(x * 10 + 0.5) / 10
  return math.tointeger(r) or r
end

local DIMENSIONS = { "technical", "knowledge", "usage", "value", "stakeholder" }
local WEIGHTS = { technical = 0.20, knowledge = 0.20, usage = 0.20, value = 0.30, stakeholder = 0.10 }

local function graduation(a, evs, ms)
  local scores = {}
  scores.technical = assessed(evs, "technical")
  scores.knowledge = assessed(evs, "knowledge")
  local r = active_ratio(a, ms)
  scores.usage = r and min(10, 10 * r / 0.70)
  scores.value = assessed(evs, "value")
  scores.stakeholder = assessed(evs, "stakeholder")
  local total, dims = 0, {}
  for _, name in ipairs(DIMENSIONS) do
    local s = scores[name]
    if s == nil then dims[name] = cjson.null
    else
      total = total + WEIGHTS[name] * s
      dims[name] = round1(s)
    end
  end
  local band = total >= 8.0 and "ready" or total >= 6.0 and "close" or "not_ready"
  local blockers = {}
  if r ~= nil and r < 0.50 then
    blockers[#blockers + 1] = string.format("only %d%% of licensed users are active (threshold %d%%)",
                                            floor(r * 100 + 0.5), 50)
  end
  local tr = trend(ms, "weekly_active", WEEK)
  if tr ~= nil and tr < -0.10 then
    blockers[#blockers + 1] = string.format("usage down %d%% week over week", floor(-tr * 100 + 0.5))
  end
  if #blockers > 0 and band == "ready" then band = "close" end
  return { dimensions = dims, total = round1(total), band = band, blockers = blockers }
end

local function health(a, evs, ms)
  local s = 0
  local ratio = active_ratio(a, ms)
  if ratio then s = s + 40 * min(1, ratio / 0.70) end
  local idle = days_since(evs, "login")
  if idle <= 3 then s = s + 25 elseif idle <= 7 then s = s + 15 elseif idle <= 14 then s = s + 5 end
  s = s + max(0, 15 - 5 * count(evs, "support_ticket", 30 * DAY))
  local tr = trend(ms, "weekly_active", WEEK)
  if tr == nil then s = s + 10 else s = s + 20 * max(0, min(1, 0.5 + 2 * tr)) end
  local score = max(0, min(100, floor(s + 0.5)))
  local band = score >= 70 and "green" or score >= 40 and "yellow" or "red"
  return { score = score, band = band }
end

local function has(list, v)
  for _, x in ipairs(list) do if x == v then return true end end
  return false
end

local function flag(result, f)
  if not has(result.flags, f) then result.flags[#result.flags + 1] = f end
end

local function email(result, a, template, rule, period, to)
  result.actions[#result.actions + 1] = {
    kind = "email", template = template, to = to or "champion", locale = a.locale or "en",
    key = template .. ":" .. a.id .. ":" .. period, rule = rule,
  }
end

local function other(result, a, kind, name_field, name, rule, period, extra)
  local act = { kind = kind, [name_field] = name, rule = rule,
                key = kind .. ":" .. name .. ":" .. a.id .. ":" .. period }
  for k, v in pairs(extra or {}) do act[k] = v end
  result.actions[#result.actions + 1] = act
end

local function evaluate(a)
  local evs = events_of[a.id] or NO_EVENTS
  local ms = metrics_of[a.id] or NO_METRICS
  local seg, touch = segment_of(a)
  local stages = stages_of(a)
  local result = {
    account_id = a.id, tenant = a.tenant or "default", evaluated_at = EVALUATED_AT,
    segment = seg, touch = touch, stages = stages,
    scorecards = { graduation = graduation(a, evs, ms) },
    health = health(a, evs, ms),
    flags = {}, actions = {},
  }
  local onboarding, adoption, renewal = has(stages, "onboarding"), has(stages, "adoption"), has(stages, "renewal")

  if onboarding and days_since(evs, "login") >= 7 then
    email(result, a, "reengagement", "no_login_7d", THIS_WEEK)
    flag(result, "needs_followup")
    other(result, a, "notify", "channel", "csm_slack", "no_login_7d", THIS_WEEK)
  end
  if count(evs, "support_ticket", 30 * DAY) >= 3 then
    flag(result, "support_risk")
    other(result, a, "task", "title", "Review open tickets", "ticket_spike", TODAY, { owner = "csm" })
  end
  if (seg == "enterprise" or seg == "mid_market") and adoption then
    local weekly = avg(ms, "weekly_active", WEEK)
    if weekly ~= nil and (a.licensed_users or 0) > 0 and weekly / a.licensed_users < 0.40 then
      email(result, a, "adoption_tips", "low_adoption", THIS_WEEK, "csm")
      flag(result, "low_adoption")
    end
  end
  local tr = trend(ms, "daily_active", WEEK)
  if tr ~= nil and tr < -0.20 then
    flag(result, "usage_drop")
    other(result, a, "notify", "channel", "csm_slack", "usage_drop", TODAY)
  end
  if renewal then
    local weekly = avg(ms, "weekly_active", 14 * DAY) or 0
    if days_since(evs, "login") > 14 or weekly < 0.5 * (a.licensed_users or 0) then
      flag(result, "renewal_risk")
      other(result, a, "task", "title", "Renewal risk review", "renewal_at_risk", THIS_WEEK,
            { owner = "csm", due = "7d" })
    end
  end
  if onboarding and count(evs, "feature_used", 14 * DAY) < 2 then
    email(result, a, "feature_tour", "feature_tour", TODAY)
  end
  -- on "contract_signed": each signing seen in the last day.
  for _, e in ipairs(evs) do
    if e.type == "contract_signed" and e.t > NOW - DAY then
      email(result, a, "welcome", "on contract_signed", e.at)
      other(result, a, "task", "title", "Schedule kickoff", "on contract_signed", e.at, { owner = "specialist" })
    end
  end
  return result
end

-- Stream the accounts. ------------------------------------------------------

local write = io.write
for line in io.lines(accounts_path) do
  local a = cjson.decode(line)
  write(cjson.encode(evaluate(a)), "\n")
end
