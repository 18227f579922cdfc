-- Benchmark data for `tend run nightly`: N accounts with ~10 events and 30
-- days of daily metrics each (DESIGN "Data contract"), times relative to a
-- fixed NOW (2026-11-22T02:00:00Z) so every run decides the same.
--
--   lua5.4 tests/bench/nightly/generate.lua N OUTDIR [SEED]
--
-- Writes OUTDIR/accounts.jsonl, events.jsonl, metrics.jsonl; deterministic
-- for a given N and SEED (default 42). The mix exercises every branch of
-- playbook/ and pure_sql.sql: accounts without licensed_users (2%), without
-- metrics (3%), without any login (3%), idle for 14+ days (15%),
-- assessed or not (70%), re-assessed (25% of those), support-ticket spikes.
local N = tonumber(arg[1] or "")
local dir = arg[2]
local seed = tonumber(arg[3] or "42")
if not N or not dir then
  io.stderr:write("usage: lua5.4 generate.lua N OUTDIR [SEED]\n")
  os.exit(2)
end
math.randomseed(seed)
local random, floor, min, max = math.random, math.floor, math.min, math.max
local fmt, concat = string.format, table.concat

-- Days since 1970-01-01 for a civil date, and back (H. Hinnant's algorithms).
local function days_from_civil(y, m, d)
  y = m <= 2 and y - 1 or y
  local era = floor(y / 400)
  local yoe = y - era * 400
  local doy = floor((153 * (m + (m > 2 and -3 or 9)) + 2) / 5) + d - 1
  local doe = yoe * 365 + floor(yoe / 4) - floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
end

local function civil_from_days(z)
  z = z + 719468
  local era = floor(z / 146097)
  local doe = z - era * 146097
  local yoe = floor((doe - floor(doe / 1460) + floor(doe / 36524) - floor(doe / 146096)) / 365)
  local y = yoe + era * 400
  local doy = doe - (365 * yoe + floor(yoe / 4) - floor(yoe / 100))
  local mp = floor((5 * doy + 2) / 153)
  local d = doy - floor((153 * mp + 2) / 5) + 1
  local m = mp < 10 and mp + 3 or mp - 9
  return m <= 2 and y + 1 or y, m, d
end

local NOW = days_from_civil(2026, 11, 22) * 86400 + 2 * 3600
local TODAY = floor(NOW / 86400)

local date_cache = {}
local function date(day)
  local s = date_cache[day]
  if not s then
    s = fmt("%04d-%02d-%02d", civil_from_days(day))
    date_cache[day] = s
  end
  return s
end

local function isotime(t)
  local day = floor(t / 86400)
  local s = t - day * 86400
  return fmt("%sT%02d:%02d:%02dZ", date(day), floor(s / 3600), floor(s % 3600 / 60), s % 60)
end

local function pick(list) return list[random(#list)] end

local INDUSTRIES = { "manufacturing", "retail", "fintech", "healthcare", "logistics", "education", "software", "media" }
local PRODUCTS = { "daily", "daily", "daily", "weekly", "weekly", "monthly" }
-- de and fr have no reengagement text: the email falls back to English.
local LOCALES = { "en", "en", "en", "pt-BR", "pt-BR", "es", "ms", "de", "fr" }
local CSMS = { "ana@example.com", "bruno@example.com", "carla@example.com", "diego@example.com",
               "eva@example.com", "farid@example.com" }
local FEATURES = { "reports", "dashboards", "alerts", "api", "sso", "exports", "workflows" }
local PRIORITIES = { "low", "normal", "normal", "high", "urgent" }
local DIMENSIONS = { "technical", "value", "stakeholder" }

local acc_out = assert(io.open(dir .. "/accounts.jsonl", "w"))
local ev_out = assert(io.open(dir .. "/events.jsonl", "w"))
local me_out = assert(io.open(dir .. "/metrics.jsonl", "w"))
local acc_buf, ev_buf, me_buf = {}, {}, {}

local function flush()
  acc_out:write(concat(acc_buf)); acc_buf = {}
  ev_out:write(concat(ev_buf)); ev_buf = {}
  me_out:write(concat(me_buf)); me_buf = {}
end

local nevents, nmetrics = 0, 0

for i = 1, N do
  local id = fmt("acc-%07d", i)
  local employees, acv
  local r = random()
  if r < 0.60 then
    employees = random(5, 200); acv = employees * random(30, 80)
  elseif r < 0.85 then
    employees = random(200, 999); acv = employees * random(25, 70)
  else
    employees = random(1000, 20000); acv = min(2000000, employees * random(20, 60))
  end
  local licensed = max(5, floor(employees * (0.05 + 0.45 * random())))
  local age = random() < 0.3 and random(10, 365) or random(366, 1200)
  local signed = TODAY - age
  local renewal = signed + 365
  while renewal <= TODAY do renewal = renewal + 365 end

  local parts = {
    fmt('{"id":"%s","name":"Account %d","employees":%d,"acv":%d,"industry":"%s","technical":%s,"product_type":"%s","locale":"%s"',
        id, i, employees, acv, pick(INDUSTRIES), random() < 0.4 and "true" or "false", pick(PRODUCTS), pick(LOCALES)),
  }
  local has_licensed = random() >= 0.02
  if has_licensed then parts[#parts + 1] = fmt(',"licensed_users":%d', licensed) end
  parts[#parts + 1] = fmt(',"contract_signed_at":"%s","renewal_date":"%s","csm":"%s","champion":"champion%d@customer%d.example","region":"%s"}\n',
                          date(signed), date(renewal), pick(CSMS), random(1, 3), i,
                          pick({ "amer", "emea", "apac", "latam" }))
  acc_buf[#acc_buf + 1] = concat(parts)

  -- Events, collected as {at, order, line} then written in time order.
  local evs = {}
  local function event(at, typ, user, data)
    local u = user and fmt(',"user":"u%d"', user) or ""
    local d = data and (',"data":' .. data) or ""
    evs[#evs + 1] = { at, #evs, fmt('{"account_id":"%s","type":"%s","at":"%s"%s%s}\n', id, typ, isotime(at), u, d) }
  end
  local idle = random() < 0.15
  if random() >= 0.03 then
    local nlogin = random(3, 7)
    local last_login = idle and random(10, 40) or random(0, 6)
    for k = 1, nlogin do
      local ago = k == nlogin and last_login or random(last_login, last_login + 30)
      event(NOW - ago * 86400 - random(0, 20) * 3600, "login", random(1, max(1, min(licensed, 50))))
    end
  end
  for _ = 1, random(1, 3) do
    event(NOW - random(0, 29) * 86400 - random(0, 23) * 3600, "feature_used", random(1, 20),
          fmt('{"feature":"%s"}', pick(FEATURES)))
  end
  if random() < 0.70 then
    local when = NOW - random(3, 90) * 86400 - random(0, 23) * 3600
    local base = random(2, 10)
    for _, dim in ipairs(DIMENSIONS) do
      event(when, "assessment", nil, fmt('{"dimension":"%s","score":%d}', dim, max(0, min(10, base + random(-2, 2)))))
    end
    if random() < 0.25 then -- a later re-assessment of one dimension: the latest one counts
      event(when + random(1, 2) * 86400, "assessment", nil,
            fmt('{"dimension":"%s","score":%d}', pick(DIMENSIONS), random(0, 10)))
    end
  end
  r = random()
  local tickets = r < 0.55 and 0 or r < 0.80 and 1 or r < 0.92 and 2 or random(3, 6)
  for _ = 1, tickets do
    event(NOW - random(0, 45) * 86400 - random(0, 23) * 3600, "support_ticket", random(1, 20),
          fmt('{"priority":"%s"}', pick(PRIORITIES)))
  end
  table.sort(evs, function(x, y) return x[1] < y[1] or (x[1] == y[1] and x[2] < y[2]) end)
  for _, e in ipairs(evs) do ev_buf[#ev_buf + 1] = e[3] end
  nevents = nevents + #evs

  -- 30 days of metrics (most accounts): a usage level and a daily drift.
  if random() >= 0.03 then
    local level = idle and 0.10 + 0.35 * random() or 0.25 + 0.75 * random()
    local drift = random() < 0.25 and -0.03 * random() or 0.02 * random() - 0.01
    for d = 29, 0, -1 do
      local day = TODAY - 1 - d
      local share = max(0, min(1.1, level * (1 + drift * (15 - d))))
      local weekly = floor(licensed * share + 0.5)
      local daily = floor(weekly * (0.30 + 0.40 * random()) + 0.5)
      local monthly = min(floor(licensed * 1.2), weekly + random(0, max(1, floor(licensed * 0.1))))
      me_buf[#me_buf + 1] = fmt('{"account_id":"%s","date":"%s","active_users":%d,"daily_active":%d,"weekly_active":%d,"monthly_active":%d,"features_used":%d}\n',
                                id, date(day), monthly, daily, weekly, monthly, random(1, 12))
    end
    nmetrics = nmetrics + 30
  end
  if i % 2000 == 0 then flush() end
end
flush()
acc_out:close(); ev_out:close(); me_out:close()
io.stderr:write(fmt("generated %d accounts, %d events, %d metric rows in %s\n", N, nevents, nmetrics, dir))
