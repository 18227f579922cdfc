-- The rows `tend ingest` stores, as COPY text for `psql \copy` into the same
-- tables: the reference side of tests/bench/nightly/ingest.sh. Written with
-- lua-cjson, independently of tend, from generate.lua's JSON Lines.
--
--   lua5.4 ingest_rows.lua DATADIR OUTDIR
--
-- Writes OUTDIR/accounts.copy (tenant, id, name, employees, acv, industry,
-- technical, product_type, locale, licensed_users, contract_signed_at,
-- onboarding_target_at, renewal_date, csm, champion, attrs),
-- OUTDIR/events.copy (tenant, id, account_id, type, at, user_id, data) and
-- OUTDIR/metrics.copy (tenant, account_id, date, metrics). As tend does:
-- fields outside the account contract go to attrs; an event repeated (same
-- id, or same account, type, at, user and data) is kept once; a later
-- account or metric row with the same key replaces an earlier one.
local cjson = require "cjson"
local dir, out = arg[1], arg[2]
if not dir or not out then
  io.stderr:write("usage: lua5.4 ingest_rows.lua DATADIR OUTDIR\n")
  os.exit(2)
end
local fmt, concat, sort = string.format, table.concat, table.sort
local null = cjson.null

local function num(v)
  local i = math.tointeger(v)
  if i then return tostring(i) end
  return fmt("%.17g", v)
end

local escapes = { ["\\"] = "\\\\", ["\t"] = "\\t", ["\n"] = "\\n", ["\r"] = "\\r" }
local function text(v)
  if v == nil or v == null then return "\\N" end
  if type(v) == "number" then return num(v) end
  if type(v) == "boolean" then return v and "t" or "f" end
  return (tostring(v):gsub("[\\\t\n\r]", escapes))
end

-- A JSON object with sorted keys (a canonical text for the dedupe key).
local function canonical(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  sort(keys)
  local parts = {}
  for i, k in ipairs(keys) do
    local v = t[k]
    parts[i] = cjson.encode(k) .. ":" .. (type(v) == "table" and canonical(v) or cjson.encode(v))
  end
  return "{" .. concat(parts, ",") .. "}"
end

local function writer(path)
  local f = assert(io.open(path, "w"))
  local buf, n = {}, 0
  return {
    row = function(cols)
      n = n + 1
      buf[n] = concat(cols, "\t") .. "\n"
      if n == 4096 then f:write(concat(buf)); buf, n = {}, 0 end
    end,
    close = function() f:write(concat(buf, "", 1, n)); f:close() end,
  }
end

-- Accounts: the last record of each (tenant, id), in first-seen order.
local ACCOUNT = { "name", "employees", "acv", "industry", "technical", "product_type", "locale",
                  "licensed_users", "contract_signed_at", "onboarding_target_at", "renewal_date", "csm",
                  "champion" }
local known = { id = true, tenant = true, attrs = true }
for _, k in ipairs(ACCOUNT) do known[k] = true end
do
  local order, rows = {}, {}
  for line in io.lines(dir .. "/accounts.jsonl") do
    local a = cjson.decode(line)
    local tenant = a.tenant ~= nil and a.tenant ~= null and a.tenant ~= "" and a.tenant or "default"
    local attrs = {}
    for k, v in pairs(a) do
      if not known[k] and v ~= null then attrs[k] = v end
    end
    if type(a.attrs) == "table" then for k, v in pairs(a.attrs) do attrs[k] = v end end
    local cols = { text(tenant), text(a.id) }
    for _, k in ipairs(ACCOUNT) do cols[#cols + 1] = text(a[k]) end
    cols[#cols + 1] = text(next(attrs) and cjson.encode(attrs) or "{}")
    local key = tenant .. "\0" .. a.id
    if not rows[key] then order[#order + 1] = key end
    rows[key] = cols
  end
  local w = writer(out .. "/accounts.copy")
  for _, key in ipairs(order) do w.row(rows[key]) end
  w.close()
end

-- Events: the first of each dedupe key, in input order.
do
  local seen = {}
  local w = writer(out .. "/events.copy")
  for line in io.lines(dir .. "/events.jsonl") do
    local e = cjson.decode(line)
    local data = type(e.data) == "table" and e.data or {}
    local id = e.id ~= nil and e.id ~= null and e.id ~= "" and e.id or nil
    local user = e.user ~= null and e.user or nil
    local key = id and ("id\0" .. id)
      or concat({ e.account_id, e.type, e.at, user or "", canonical(data) }, "\0")
    if not seen[key] then
      seen[key] = true
      w.row({ "default", text(id), text(e.account_id), text(e.type), text(e.at), text(user),
              text(next(data) and cjson.encode(data) or "{}") })
    end
  end
  w.close()
end

-- Metrics: the last row of each (account, date), in first-seen order.
do
  local order, rows = {}, {}
  for line in io.lines(dir .. "/metrics.jsonl") do
    local m = cjson.decode(line)
    local values = {}
    for k, v in pairs(m) do
      if k ~= "account_id" and k ~= "date" and v ~= null then values[k] = v end
    end
    local key = m.account_id .. "\0" .. m.date
    if not rows[key] then order[#order + 1] = key end
    rows[key] = { "default", text(m.account_id), text(m.date), text(cjson.encode(values)) }
  end
  local w = writer(out .. "/metrics.copy")
  for _, key in ipairs(order) do w.row(rows[key]) end
  w.close()
end
