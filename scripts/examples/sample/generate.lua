-- Writes the sample book (accounts.jsonl, events.jsonl, metrics.jsonl) next
-- to this file: 30 accounts, each telling one story of the default playbook
-- as of NOW. Change a story here and run it again:
--
--   lua5.4 scripts/examples/sample/generate.lua
--
-- Plain Lua 5.4, no modules: dates are computed from NOW, so every "3 days
-- ago" stays 3 days ago whatever the year the stories are moved to.
local NOW = "2026-11-22T02:00:00Z"
local DAY = 86400

-- Dates ---------------------------------------------------------------------

--- Days since 1970-01-01 of a civil date (proleptic Gregorian).
local function days_from_civil(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = y // 400
  local yoe = y - era * 400
  local doy = (153 * ((m + 9) % 12) + 2) // 5 + d - 1
  return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468
end

local function epoch(text)
  local y, m, d, hh, mm, ss = text:match("^(%d+)-(%d+)-(%d+)T?(%d*):?(%d*):?(%d*)")
  return days_from_civil(tonumber(y), tonumber(m), tonumber(d)) * DAY
         + (tonumber(hh) or 0) * 3600 + (tonumber(mm) or 0) * 60 + (tonumber(ss) or 0)
end

local NOW_EPOCH = epoch(NOW)

--- The date `n` days before NOW; negative n is after it.
local function ago(n) return os.date("!%Y-%m-%d", NOW_EPOCH - n * DAY) end
--- The time `n` days (may be fractional) before NOW.
local function at(n) return os.date("!%Y-%m-%dT%H:%M:%SZ", NOW_EPOCH - math.floor(n * DAY + 0.5)) end
--- Days from a date to NOW.
local function since(date) return (NOW_EPOCH - epoch(date)) / DAY end

-- The book ------------------------------------------------------------------

local accounts, events, metrics = {}, {}, {}
local seq = setmetatable({}, { __mode = "k" }) -- row -> creation order, to keep ties in order
local function add(list, row)
  list[#list + 1] = row
  seq[row] = #list
  return row
end
local CSM = { en = "sarah@tend.example", ["pt-BR"] = "ana@tend.example", es = "lucia@tend.example", ms = "amir@tend.example" }

--- An account; the contract_signed event goes with its contract date.
local function account(a)
  a.csm = CSM[a.locale]
  a.champion = "champion@" .. a.id .. ".example"
  accounts[#accounts + 1] = a
  add(events, { account_id = a.id, type = "contract_signed", at = a.contract_signed_at .. "T02:00:00Z" })
  return a.id
end

local function event(id, type_, days, data, user)
  add(events, { account_id = id, type = type_, at = at(days), user = user, data = data })
end

--- Logins `days` ago, one per entry, by users u1, u2, ...
local function logins(id, days)
  for i, d in ipairs(days) do event(id, "login", d, nil, "u" .. ((i - 1) % 5 + 1)) end
end

--- A login in each of the last 4 weeks and two this week (DOMAIN J4's usage pattern).
local function weekly_logins(id) logins(id, { 1, 2, 8, 15, 22 }) end

--- DOMAIN J3's evidence that onboarding is over: a milestone, documented
--- first value and the customer's go-live confirmation, `days` ago, with
--- the executive sponsor's sign-off on success (G12; tech touch does not
--- need it, and it does no harm).
local function graduated(id, days)
  event(id, "milestone_reached", days + 5, { milestone = "first workflow live" })
  event(id, "value_documented", days + 2, { outcome = "first value documented at the go-live review" })
  event(id, "sponsor_signoff", days + 1)
  event(id, "go_live_confirmed", days)
end

--- One CSM assessment (0-10) per dimension, `days` ago.
local function assessments(id, scores, days)
  for _, dim in ipairs { "technical", "knowledge", "usage", "value", "stakeholder" } do
    if scores[dim] then event(id, "assessment", days or 3, { dimension = dim, score = scores[dim] }) end
  end
end

--- Daily metrics for the last 14 days: `week` for the latest 7, `before`
--- (default the same) for the 7 before them.
local function daily(id, week, before)
  for n = 14, 1, -1 do
    local row = { account_id = id, date = ago(n) }
    for k, v in pairs(n <= 7 and week or (before or week)) do row[k] = v end
    add(metrics, row)
  end
end

-- Onboarding ----------------------------------------------------------------

-- P3: signed 8 days ago, nobody logged in (pt-BR).
account { id = "acme-ltda", name = "Acme Ltda", employees = 1200, acv = 85000, industry = "manufacturing",
          technical = true, product_type = "daily", locale = "pt-BR", licensed_users = 120,
          contract_signed_at = ago(8), renewal_date = ago(8 - 365) }

-- P1: signed last night: welcome, the sales handoff and the kickoff for a specialist.
account { id = "borealis-health", name = "Borealis Health", employees = 3000, acv = 240000,
          industry = "healthcare", technical = false, product_type = "daily", locale = "en", licensed_users = 400,
          contract_signed_at = ago(1), renewal_date = ago(1 - 365) }
events[#events].at = at(0.3)

-- P1 for SMB: the welcome email only (T3: self-serve).
account { id = "kopi-kita", name = "Kopi Kita", employees = 10, acv = 1200, industry = "food", technical = false,
          locale = "ms", licensed_users = 3, contract_signed_at = ago(1), renewal_date = ago(1 - 365) }
events[#events].at = at(0.7)

-- P2: kickoff completed yesterday.
local cafe = account { id = "cafe-pilao", name = "Café Pilão Distribuidora", employees = 150, acv = 18000,
          industry = "distribution", technical = false, product_type = "weekly", locale = "pt-BR", licensed_users = 40,
          contract_signed_at = ago(9), renewal_date = ago(9 - 365) }
event(cafe, "kickoff_completed", 0.4, { goal = "close the month in 3 days instead of 8",
      action_items = { "Connect the ERP export (Ana, Friday)", "Invite the finance team (João)" } })
logins(cafe, { 1, 2 })

-- P4: SMB idle for 4 days.
local kedai = account { id = "kedai-runcit", name = "Kedai Runcit Pak Ali", employees = 15, acv = 2400,
          industry = "retail", technical = false, locale = "ms", licensed_users = 5,
          contract_signed_at = ago(20), renewal_date = ago(20 - 365) }
logins(kedai, { 4, 9, 12 })
daily(kedai, { weekly_active = 3, daily_active = 1, features_used = 4 })

-- P4: one feature in use (how-to email) and active this week (weekly summary);
-- stuck on a setup step last night (automated help).
local tienda = account { id = "tienda-sol", name = "Tienda Sol", employees = 8, acv = 1800, industry = "retail",
          technical = false, product_type = "daily", locale = "es", licensed_users = 4,
          contract_signed_at = ago(20), renewal_date = ago(20 - 365) }
logins(tienda, { 1, 3, 5 })
daily(tienda, { weekly_active = 4, daily_active = 2, features_used = 1 })
event(tienda, "setup_stuck", 0.5, { step = "Importar productos" })

-- P7: SMB on day 30: the goal survey.
local padaria = account { id = "padaria-estrela", name = "Padaria Estrela", employees = 25, acv = 3600,
          industry = "food", technical = false, product_type = "daily", locale = "pt-BR", licensed_users = 6,
          contract_signed_at = ago(30), renewal_date = ago(30 - 365) }
logins(padaria, { 1, 2, 4 })
daily(padaria, { weekly_active = 6, daily_active = 4, features_used = 4 })

-- P7, P4: the survey says the goal was not achieved, with a low score.
local loja = account { id = "loja-bela", name = "Loja Bela", employees = 20, acv = 2900, industry = "retail",
          technical = false, product_type = "daily", locale = "pt-BR", licensed_users = 5,
          contract_signed_at = ago(31), renewal_date = ago(31 - 365) }
logins(loja, { 1, 2 })
event(loja, "survey_response", 0.4, { goal_achieved = false, score = 5, comment = "Ainda não conseguimos emitir notas" })
daily(loja, { weekly_active = 2, daily_active = 1, features_used = 2 })

-- P4: a new SMB customer with an escalated support ticket (S1/S2 boundary: 99 employees, $9,999).
local pequeno = account { id = "pequeno-mercado", name = "Pequeno Mercado", employees = 99, acv = 9999,
          industry = "retail", technical = false, locale = "pt-BR", licensed_users = 8,
          contract_signed_at = ago(2), renewal_date = ago(2 - 365) }
logins(pequeno, { 1 })
event(pequeno, "support_ticket", 0.8, { id = "T-311", severity = "high", escalated = true, subject = "Importação falha" })

-- O5 late, G4: 35 days past the target, 30% of users active.
local andino = account { id = "grupo-andino", name = "Grupo Andino", employees = 1800, acv = 150000,
          industry = "mining", technical = false, product_type = "daily", locale = "es", licensed_users = 300,
          contract_signed_at = "2026-06-15", onboarding_target_at = ago(35), renewal_date = "2027-06-15" }
logins(andino, { 2, 3, 9 })
assessments(andino, { technical = 6, knowledge = 5 }, 10)
daily(andino, { weekly_active = 90, daily_active = 40, features_used = 3 })

-- G7, C3: the target is today and the account is close, not ready: extension notice.
local meridian = account { id = "meridian-analytics", name = "Meridian Analytics", employees = 400, acv = 32000,
          industry = "software", technical = false, product_type = "weekly", locale = "en", licensed_users = 60,
          contract_signed_at = "2026-09-23", onboarding_target_at = ago(0), renewal_date = "2027-09-23" }
logins(meridian, { 1, 4, 6 })
assessments(meridian, { technical = 8, knowledge = 7, usage = 6, value = 6, stakeholder = 7 }, 4)
daily(meridian, { monthly_active = 40, weekly_active = 30, features_used = 4 })

-- G7: 30 days of extension already used and still not ready: escalate.
local lumen = account { id = "lumen-schools", name = "Lumen Schools", employees = 120, acv = 12000,
          industry = "education", technical = false, product_type = "periodic", locale = "en", licensed_users = 80,
          contract_signed_at = "2026-08-01", onboarding_target_at = ago(32), renewal_date = "2027-08-01" }
event(lumen, "onboarding_extended", 32, { days = 30, new_target_date = ago(2), reason = "term start moved" })
logins(lumen, { 1, 5 })
assessments(lumen, { technical = 7, knowledge = 6, usage = 5, value = 5, stakeholder = 6 }, 6)
daily(lumen, { monthly_active = 50, weekly_active = 20, features_used = 3 })

-- G3, G8, P5, P9: ready, the completion review 10 days before the target, a
-- module completed, live since yesterday: the implementation -> CSM handoff.
local maju = account { id = "syarikat-maju", name = "Syarikat Maju Bhd", employees = 250, acv = 22000,
          industry = "logistics", technical = false, product_type = "daily", locale = "ms", licensed_users = 50,
          contract_signed_at = "2026-10-08", onboarding_target_at = ago(-10), renewal_date = "2027-10-08" }
weekly_logins(maju)
assessments(maju, { technical = 9, knowledge = 9, usage = 8, value = 9, stakeholder = 9 }, 2)
event(maju, "training_completed", 0.3, { module = "Laporan lanjutan", next_module = "Automasi", score = 92 }, "u2")
event(maju, "go_live_confirmed", 1)
daily(maju, { weekly_active = 45, daily_active = 30, features_used = 5 })

-- G2, G4, P6, C1: the worked example 9, 8, 7, 9, 8 = 8.3, held at close by
-- 30% active users; a milestone reached last night: a short note, not the
-- completion celebration.
local vela = account { id = "vela-fintech", name = "Vela Fintech", employees = 900, acv = 60000, industry = "finance",
          technical = false, product_type = "daily", locale = "pt-BR", licensed_users = 200,
          contract_signed_at = "2026-09-13", renewal_date = "2027-09-13" }
logins(vela, { 1, 3 })
assessments(vela, { technical = 9, knowledge = 8, usage = 7, value = 9, stakeholder = 8 }, 3)
event(vela, "milestone_reached", 0.3, { milestone = "Pix reconciliation live",
      achievements = { "Conciliação diária em 2 horas (meta: 4 horas)", "38 usuários treinados em 2 áreas" } })
daily(vela, { weekly_active = 60, daily_active = 30, features_used = 4 })

-- S1 boundary: 1,000 employees is enterprise; two weeks into onboarding, the
-- kickoff 10 days ago and no check-in since (O1: weekly, missed after 9 days).
local quantum = account { id = "quantum-grid", name = "Quantum Grid", employees = 1000, acv = 30000,
          industry = "energy", technical = true, product_type = "daily", locale = "en", licensed_users = 150,
          contract_signed_at = ago(15), renewal_date = ago(15 - 365) }
logins(quantum, { 1, 2, 6 })
event(quantum, "kickoff_completed", 10, { goal = "outage reports in 1 hour" })

-- S2: an ACV under $10K is tech touch whatever the size (100 employees, $9,000: SMB).
local centro = account { id = "centro-medico", name = "Centro Médico Sur", employees = 100, acv = 9000,
          industry = "healthcare", technical = false, product_type = "weekly", locale = "es", licensed_users = 20,
          contract_signed_at = ago(15), renewal_date = ago(15 - 365) }
logins(centro, { 1, 3 }) -- day 15 of 30: the M2 "how is it going" check-in

-- Live accounts ---------------------------------------------------------------

-- J8 advocate (promoter, renewed, high health), J6 expansion (95% of seats),
-- J7 negotiation (59 days to renewal).
local harbor = account { id = "harbor-freight", name = "Harbor Freight Co", employees = 5000, acv = 400000,
          industry = "logistics", technical = false, product_type = "daily", locale = "en", licensed_users = 800,
          contract_signed_at = "2024-01-20", renewal_date = ago(-59) }
graduated(harbor, since("2024-04-20"))
event(harbor, "renewal_signed", 314)
weekly_logins(harbor)
event(harbor, "survey_response", 12, { score = 10, nps = 10 })
daily(harbor, { weekly_active = 760, daily_active = 520, features_used = 8 })

-- J6: 96% of seats active after month 6.
local pixel = account { id = "pixel-forge", name = "Pixel Forge", employees = 200, acv = 45000, industry = "media",
          technical = false, product_type = "daily", locale = "en", licensed_users = 50,
          contract_signed_at = "2026-03-17", renewal_date = "2027-03-17" }
graduated(pixel, 200)
weekly_logins(pixel)
daily(pixel, { weekly_active = 48, daily_active = 30, features_used = 6 })

-- J6: 94% of seats and a promoter; month 12+ but never renewed (not yet an advocate, J8).
local bintang = account { id = "bintang-edu", name = "Bintang Edu", employees = 300, acv = 20000,
          industry = "education", technical = false, product_type = "weekly", locale = "ms", licensed_users = 90,
          contract_signed_at = "2025-11-07", renewal_date = "2027-06-10" }
graduated(bintang, 300)
weekly_logins(bintang)
event(bintang, "survey_response", 20, { score = 9, nps = 9 })
daily(bintang, { monthly_active = 85, weekly_active = 80, features_used = 5 })

-- J7 enterprise internal preparation: 180 days to renewal.
local titan = account { id = "titan-steel", name = "Titan Steel", employees = 2500, acv = 300000,
          industry = "manufacturing", technical = false, product_type = "daily", locale = "en", licensed_users = 600,
          contract_signed_at = "2026-05-21", renewal_date = ago(-180) }
graduated(titan, 120)
weekly_logins(titan)
daily(titan, { weekly_active = 480, daily_active = 320, features_used = 6 })

-- J7 enterprise: open the conversation at 120 days (pt-BR).
local rio = account { id = "rio-verde-agro", name = "Rio Verde Agro", employees = 1500, acv = 110000,
          industry = "agriculture", technical = false, product_type = "weekly", locale = "pt-BR", licensed_users = 250,
          contract_signed_at = "2025-03-22", renewal_date = ago(-120) }
graduated(rio, 500)
weekly_logins(rio)
daily(rio, { monthly_active = 220, weekly_active = 180, features_used = 5 })

-- J7 enterprise proposal at 85 days; J2: the champion left last night.
local jaya = account { id = "maju-jaya-tech", name = "Maju Jaya Tech", employees = 1100, acv = 70000,
          industry = "technology", technical = false, product_type = "daily", locale = "ms", licensed_users = 150,
          contract_signed_at = "2025-02-15", renewal_date = ago(-85) }
graduated(jaya, 560)
weekly_logins(jaya)
event(jaya, "champion_left", 0.3, { name = "Siti", moved_to = "competitor" })
daily(jaya, { weekly_active = 110, daily_active = 70, features_used = 5 })

-- J7 mid-market: open the conversation at 90 days.
local nube = account { id = "nube-viajes", name = "Nube Viajes", employees = 180, acv = 26000, industry = "travel",
          technical = false, product_type = "daily", locale = "es", licensed_users = 40,
          contract_signed_at = "2026-02-20", renewal_date = ago(-90) }
graduated(nube, 200)
weekly_logins(nube)
daily(nube, { weekly_active = 30, daily_active = 22, features_used = 5 })

-- J7 SMB: the automated renewal campaign at 60 days; P4 weekly summary.
local warung = account { id = "warung-digital", name = "Warung Digital", employees = 30, acv = 6000,
          industry = "retail", technical = false, product_type = "daily", locale = "ms", licensed_users = 10,
          contract_signed_at = "2026-01-21", renewal_date = ago(-60) }
graduated(warung, 250)
weekly_logins(warung)
daily(warung, { weekly_active = 8, daily_active = 6, features_used = 5 })

-- J7: 20 days to renewal and not signed: late.
local luna = account { id = "estudio-luna", name = "Estudio Luna", employees = 110, acv = 15000, industry = "design",
          technical = false, product_type = "weekly", locale = "es", licensed_users = 25,
          contract_signed_at = "2025-12-12", renewal_date = ago(-20) }
graduated(luna, 280)
weekly_logins(luna)
daily(luna, { monthly_active = 24, weekly_active = 18, features_used = 4 })

-- J5, P8: red health: idle, usage falling, a budget cut, support tickets;
-- churned last night (M2: the exit interview).
local atlas = account { id = "atlas-retail", name = "Atlas Retail", employees = 600, acv = 40000, industry = "retail",
          technical = false, product_type = "daily", locale = "en", licensed_users = 120,
          contract_signed_at = "2026-04-26", renewal_date = "2027-04-26" }
graduated(atlas, 150)
logins(atlas, { 26, 40 })
event(atlas, "budget_cut", 20, { note = "IT budget frozen" })
event(atlas, "churned", 0.4, { reason = "budget frozen" })
for _, d in ipairs { 3, 9, 15, 21 } do event(atlas, "support_ticket", d, { id = "A-" .. d, severity = "normal" }) end
daily(atlas, { weekly_active = 15, daily_active = 5, features_used = 2 }, { weekly_active = 40, daily_active = 15, features_used = 2 })

-- J4 adoption: live, but only 3 features in use; onboarding completed a week
-- ago (M2: the post-onboarding survey).
local sabor = account { id = "sabor-latino", name = "Sabor Latino", employees = 40, acv = 5000, industry = "food",
          technical = false, product_type = "daily", locale = "es", licensed_users = 8,
          contract_signed_at = "2026-07-25", renewal_date = "2027-07-25" }
graduated(sabor, 7)
weekly_logins(sabor)
daily(sabor, { weekly_active = 6, daily_active = 4, features_used = 3 })

-- J4 retention: broad, steady use.
local northwind = account { id = "northwind-labs", name = "Northwind Labs", employees = 450, acv = 38000,
          industry = "biotech", technical = false, product_type = "daily", locale = "en", licensed_users = 70,
          contract_signed_at = "2026-06-25", renewal_date = "2027-06-25" }
graduated(northwind, 100)
weekly_logins(northwind)
event(northwind, "survey_response", 25, { score = 8, nps = 8 })
daily(northwind, { weekly_active = 60, daily_active = 40, features_used = 5 })

-- J4 adoption: half the seats active; P6, G12: onboarding completed 3 days
-- ago (go-live after the sponsor's sign-off): the celebration and the
-- handoff to the ongoing CSM.
local serra = account { id = "serra-engenharia", name = "Serra Engenharia", employees = 350, acv = 28000,
          industry = "engineering", technical = false, product_type = "weekly", locale = "pt-BR", licensed_users = 60,
          contract_signed_at = "2026-07-15", renewal_date = "2027-07-15" }
graduated(serra, 3)
weekly_logins(serra)
daily(serra, { monthly_active = 50, weekly_active = 30, features_used = 4 })

-- S1/S2 boundary: 999 employees and $49,999 is mid-market; retention and expansion.
local delta = account { id = "delta-freight", name = "Delta Freight", employees = 999, acv = 49999,
          industry = "logistics", technical = false, product_type = "daily", locale = "en", licensed_users = 100,
          contract_signed_at = "2026-05-06", renewal_date = "2027-05-06" }
graduated(delta, 150)
weekly_logins(delta)
daily(delta, { weekly_active = 85, daily_active = 55, features_used = 5 })

assert(#accounts == 30, "the sample book has 30 accounts, not " .. #accounts)

-- Writing -------------------------------------------------------------------

local ACCOUNT_KEYS = { "id", "name", "employees", "acv", "industry", "technical", "product_type", "locale",
                       "licensed_users", "contract_signed_at", "onboarding_target_at", "renewal_date", "csm", "champion" }
local METRIC_KEYS = { "account_id", "date", "active_users", "daily_active", "weekly_active", "monthly_active",
                      "features_used" }

local encode
local function encode_string(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    return ({ ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n" })[c] or string.format("\\u%04x", c:byte())
  end) .. '"'
end

--- JSON with keys in `order`, then any others sorted.
local function encode_object(t, order)
  local keys, seen = {}, {}
  for _, k in ipairs(order or {}) do
    if t[k] ~= nil then keys[#keys + 1], seen[k] = k, true end
  end
  local rest = {}
  for k in pairs(t) do if not seen[k] then rest[#rest + 1] = k end end
  table.sort(rest)
  for _, k in ipairs(rest) do keys[#keys + 1] = k end
  local parts = {}
  for _, k in ipairs(keys) do parts[#parts + 1] = encode_string(k) .. ":" .. encode(t[k]) end
  return "{" .. table.concat(parts, ",") .. "}"
end

function encode(v)
  local kind = type(v)
  if kind == "string" then return encode_string(v) end
  if kind == "number" then return math.type(v) == "integer" and tostring(v) or string.format("%.14g", v) end
  if kind == "boolean" then return tostring(v) end
  if #v > 0 then
    local parts = {}
    for i, x in ipairs(v) do parts[i] = encode(x) end
    return "[" .. table.concat(parts, ",") .. "]"
  end
  return encode_object(v)
end

local order = {}
for i, a in ipairs(accounts) do order[a.id] = i end
local function by_account_then(field)
  return function(x, y)
    if x.account_id ~= y.account_id then return order[x.account_id] < order[y.account_id] end
    if x[field] ~= y[field] then return x[field] < y[field] end
    return seq[x] < seq[y]
  end
end
table.sort(events, by_account_then("at"))
table.sort(metrics, by_account_then("date"))

local dir = (arg and arg[0] or ""):match("^(.*/)") or "./"
local function write(name, rows, keys)
  local f = assert(io.open(dir .. name, "w"))
  for _, row in ipairs(rows) do f:write(encode_object(row, keys), "\n") end
  f:close()
  print(string.format("%s%s: %d lines", dir, name, #rows))
end
write("accounts.jsonl", accounts, ACCOUNT_KEYS)
write("events.jsonl", events, { "account_id", "type", "at", "user", "data" })
write("metrics.jsonl", metrics, METRIC_KEYS)
