--- Shared by the specs (loaded with dofile, not a spec itself): builds
--- accounts, events and metrics relative to NOW, and reads results.
local tend = require "tend"

local M = {}

M.NOW = "2026-11-22T02:00:00Z"
local NOW_EPOCH = 1795312800 -- M.NOW in seconds since the epoch
local DAY = 86400

--- The date `n` days before NOW ("YYYY-MM-DD"); negative n is after NOW.
---@param n integer
---@return string
function M.days_ago(n) return os.date("!%Y-%m-%d", NOW_EPOCH - n * DAY) end

--- The date `n` days after NOW.
function M.in_days(n) return M.days_ago(-n) end

--- A time `n` days (may be fractional) before NOW.
---@param n number
---@return string
function M.at(n) return os.date("!%Y-%m-%dT%H:%M:%SZ", NOW_EPOCH - math.floor(n * DAY)) end

--- An event `days` ago for account `id` (by `user`, when given).
function M.event(id, type_, days, data, user)
  return { account_id = id, type = type_, at = M.at(days), data = data, user = user }
end

--- One assessment event per dimension: { technical = 9, ... } (DESIGN: a CSM's 0-10 rating).
function M.assessments(id, scores, days)
  local list = {}
  for _, dim in ipairs { "technical", "knowledge", "usage", "value", "stakeholder" } do
    if scores[dim] then
      list[#list + 1] = M.event(id, "assessment", days or 2, { dimension = dim, score = scores[dim] })
    end
  end
  return list
end

--- Daily metric rows for the last `days` days with the same fields.
function M.metrics(id, days, fields)
  local rows = {}
  for n = days, 1, -1 do
    local row = { account_id = id, date = M.days_ago(n) }
    for k, v in pairs(fields) do row[k] = v end
    rows[#rows + 1] = row
  end
  return rows
end

--- The folder this file is in, and the playbook's (its parent).
M.SPEC_DIR = debug.getinfo(1, "S").source:match("^@(.*/)")
M.PLAYBOOK_DIR = M.SPEC_DIR .. "../"

--- Evaluates `account` at NOW against the default playbook.
function M.evaluate(account, events, metrics)
  return tend.evaluate(account, { events = events or {}, metrics = metrics or {}, now = M.NOW })
end

--- The actions of `kind` (and named `name`, when given).
function M.actions(r, kind, name)
  local list = {}
  for _, a in ipairs(r.actions) do
    if a.kind == kind and (name == nil or a.template == name or a.title == name or a.channel == name) then
      list[#list + 1] = a
    end
  end
  return list
end

--- The first action of `kind` named `name` (template, title, channel...), or nil.
function M.action(r, kind, name)
  for _, a in ipairs(r.actions) do
    if a.kind == kind and (name == nil or a.template == name or a.title == name or a.channel == name) then
      return a
    end
  end
  return nil
end

--- The actions a rule produced.
function M.actions_of(r, rule)
  local list = {}
  for _, a in ipairs(r.actions) do if a.rule == rule then list[#list + 1] = a end end
  return list
end

--- Whether `list` holds `value`.
function M.has(list, value)
  for _, v in ipairs(list) do if v == value then return true end end
  return false
end

--- The trace entry of a rule, or nil when the rule was not considered.
function M.trace(r, rule)
  for _, e in ipairs(r.trace) do if e.rule == rule then return e end end
  return nil
end

--- Whether a rule fired.
function M.fired(r, rule)
  local e = M.trace(r, rule)
  return e ~= nil and e.fired
end

return M
