--- How the host loads a playbook: `begin` installs the DSL constructors and
--- the `tend` library as globals before the playbook's files run; `finish`
--- validates what they declared and compiles the evaluator.
local dsl = require "tend.dsl"
local engine = require "tend.engine"

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

--- Validates; returns the compiled playbook and the problems found.
--- compiled = { evaluate = fn(a, now), collect = fn(a, now)|nil,
---              summarize = fn(rows)|nil }
---@param builder table
---@param templates? table  the playbook's template files, by locale and name
---@return table|nil compiled, string[] problems, table summary
function M.finish(builder, templates)
  local decl, problems = builder.finish(templates)
  local summary = { segments = #decl.segments, scorecards = #decl.scorecards, stages = #decl.journey,
                    rules = #decl.rules, handlers = #decl.handlers, populations = #decl.populations,
                    schedules = {} }
  for _, s in ipairs(decl.schedules) do
    summary.schedules[#summary.schedules + 1] = s.name .. " (" .. tostring(s.cron) .. " -> " .. tostring(s.run) .. ")"
  end
  if #problems > 0 then return nil, problems, summary end
  local t = require "tend.timeline"
  local compiled = { evaluate = engine.compile(decl, t) }
  if #decl.populations > 0 then compiled.collect, compiled.summarize = engine.population(decl, t) end
  return compiled, problems, summary
end

return M
