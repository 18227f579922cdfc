--- Shared by the specs (loaded with dofile): where things are, the fixed
--- NOW, and a run of the real `tend eval` over the example data (the
--- population pass needs the whole book, which tend.evaluate does not see).
local tend = require "tend"

local M = {}

M.NOW = "2026-11-22T02:00:00Z"
local NOW_EPOCH = 1795312800 -- M.NOW in seconds since the epoch
M.DIR = debug.getinfo(1, "S").source:match("^@(.*/)") .. "../"

--- The date `n` days before NOW; negative n is after it.
function M.days_ago(n) return os.date("!%Y-%m-%d", NOW_EPOCH - n * 86400) end
function M.in_days(n) return M.days_ago(-n) end

--- An event `days` ago.
function M.event(id, type_, days, data)
  return { account_id = id, type = type_, at = os.date("!%Y-%m-%dT%H:%M:%SZ", NOW_EPOCH - math.floor(days * 86400)),
           data = data }
end

--- Evaluates one account alone (no population: see 10_tiers.lua).
function M.evaluate(account, events, metrics)
  return tend.evaluate(account, { events = events or {}, metrics = metrics or {}, now = M.NOW })
end

--- The tend binary running this spec.
local function tend_binary()
  local f = assert(io.open("/proc/self/stat"))
  local pid = f:read("n")
  f:close()
  local p = assert(io.popen("readlink /proc/" .. pid .. "/exe"))
  local exe = p:read("l")
  p:close()
  return exe
end

local function quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

--- `tend eval` of this playbook over an accounts file (default: the example
--- data, with its events and metrics); results by account id.
function M.eval_book(accounts_path)
  local data = M.DIR .. "data/"
  local cmd = { quote(tend_binary()), "eval", "--playbook", quote(M.DIR), "--now", M.NOW,
                "--accounts", quote(accounts_path or data .. "accounts.jsonl") }
  if not accounts_path then
    for _, x in ipairs { "--events", quote(data .. "events.jsonl"), "--metrics", quote(data .. "metrics.jsonl") } do
      cmd[#cmd + 1] = x
    end
  end
  local p = assert(io.popen(table.concat(cmd, " ")))
  local by_id = {}
  for line in p:lines() do
    local r = tend.json.decode(line)
    by_id[r.account_id] = r
  end
  p:close()
  return by_id
end

function M.action(r, kind, name)
  for _, a in ipairs(r.actions) do
    if a.kind == kind and (name == nil or a.template == name or a.title == name) then return a end
  end
  return nil
end

function M.has(list, value)
  for _, v in ipairs(list) do if v == value then return true end end
  return false
end

return M
