--- How the host loads a playbook: `begin` installs the DSL constructors and
--- the `tend` library as globals before the playbook's files run; `finish`
--- validates what they declared and compiles the evaluator.
local dsl = require "tend.dsl"
local engine = require "tend.engine"
local json = require "tend.json"

local M = {}

--- Installs the constructors into the globals table G.
---@param G table
---@return table builder
function M.begin(G)
  local builder = dsl.new()
  for name, fn in pairs(builder.globals) do G[name] = fn end
  G.tend = require "tend"
  return builder
end

--- The declared send policy as plain data (what tend deliver reads as
--- JSON), or nil when the playbook declares none.
---@param p table|nil  the dsl's decl.send_policy
---@return table|nil
function M.send_policy(p)
  if not p then return nil end
  local out = { caps = {}, where = p.where }
  for _, c in ipairs(p.caps) do
    out.caps[#out.caps + 1] = { per = c.per, kinds = c.kinds, max = c.max, within = c.within,
                                within_seconds = c.within_seconds, where = c.where }
  end
  local q = p.quiet_hours
  if q then
    out.quiet_hours = { from = q.from, to = q.to, timezone = q.timezone, kinds = q.kinds, where = q.where }
  end
  return out
end

--- One line for `tend check`: "2 caps (...), quiet hours 20:00-08:00 (default zone UTC)".
---@param p table  what M.send_policy returned
---@return string
function M.describe_policy(p)
  local parts = {}
  for _, c in ipairs(p.caps) do
    parts[#parts + 1] = string.format("at most %d %s per %s per %s", c.max,
                                      c.kinds and table.concat(c.kinds, "/") or "messages", c.per, c.within)
  end
  if p.quiet_hours then
    local q = p.quiet_hours
    parts[#parts + 1] = string.format("quiet hours %s-%s%s (default zone %s)", q.from, q.to,
                                      q.kinds and (" for " .. table.concat(q.kinds, "/")) or "", q.timezone)
  end
  return table.concat(parts, "; ")
end

--- Validates; returns the compiled playbook and the problems found.
--- compiled = { evaluate = fn(a, now), collect = fn(a, now)|nil,
---              summarize = fn(rows)|nil, send_policy = JSON text|nil }
---@param builder table
---@param templates? table  the playbook's template files, by locale and name
---@param stdlib_templates? table  the stdlib's catalogue files, the same shape
---@return table|nil compiled, string[] problems, table summary
function M.finish(builder, templates, stdlib_templates)
  local decl, problems = builder:finish(templates, stdlib_templates)
  -- `counts` in the order `tend check` prints them: the host has no list of its own.
  local summary = { counts = { { "segments", #decl.segments }, { "scorecards", #decl.scorecards },
                               { "stages", #decl.journey }, { "rules", #decl.rules },
                               { "handlers", #decl.handlers }, { "populations", #decl.populations } },
                    schedules = {} }
  for _, s in ipairs(decl.schedules) do
    local zone = s.timezone ~= "UTC" and (" " .. tostring(s.timezone)) or ""
    local skip = s.catch_up == "skip" and ", catch_up skip" or ""
    summary.schedules[#summary.schedules + 1] = s.name .. " (" .. tostring(s.cron) .. zone .. " -> " .. tostring(s.run)
      .. skip .. ")"
  end
  local policy = M.send_policy(decl.send_policy)
  if policy then summary.send_policy = M.describe_policy(policy) end
  if #problems > 0 then return nil, problems, summary end
  local t = require "tend.timeline"
  local compiled = { evaluate = engine.compile(decl, t) }
  if policy then compiled.send_policy = json.encode(policy) end
  if #decl.populations > 0 then compiled.collect, compiled.summarize = engine.population(decl, t) end
  return compiled, problems, summary
end

return M
