--- The evaluation engine: one account in, DESIGN's result object out.
--- Pure: the decision depends only on the declarations, the account, its
--- timeline and the host's clock; every decision leaves a trace entry.
local host = require "tend.host"
local json = require "tend.json"
local dsl = require "tend.dsl"
local templates = require "tend.templates"
local messages = require "tend.messages"
local evidence = require "tend.evidence"

local M = {}

local NAME_FIELD = {}
for kind, spec in pairs(dsl.ACTION_KINDS) do NAME_FIELD[kind] = spec.name end

-- Key order of the objects tend writes (everything else is sorted).
local function ordered(keys) return { __jsonorder = keys } end
local SCORECARD_MT = ordered { "dimensions", "total", "band", "blockers" }
local HEALTH_MT = ordered { "score", "band" }
local TRACE_MT = ordered { "rule", "fired", "why", "capped", "flags" }
local ACTION_MT = {}
for kind, field in pairs(NAME_FIELD) do
  ACTION_MT[kind] = ordered { "kind", field, "to", "address", "owner", "due", "locale", "subject", "text", "error",
                              "key", "rule" }
end
local OBJECT_MT = getmetatable(json.object())
local FIRED = "tend:fired:" -- event type of the ledger's past fires (see the rule loop)

--- Rounds to one decimal for output; integral values print as integers.
---@param x number
---@return number
local function round1(x)
  local r = math.floor(x * 10 + 0.5) / 10
  return math.tointeger(r) or r
end

local function band_of(bands, x)
  for _, b in ipairs(bands) do
    if x >= b[1] then return b[2] end
  end
  return bands[#bands][2]
end

local function call_score(kind, name, fn, a, t, r)
  local v = fn
  if type(fn) == "function" then v = fn(a, t, r) end
  if v ~= nil and type(v) ~= "number" then
    error(string.format("%s '%s' returned %s, expected a number or nil", kind, name, type(v)), 0)
  end
  return v
end

--- DOMAIN G10: the floor a dimension must reach: its own `floor`, else the
--- scorecard's (a number, or a table by dimension name); nil when none.
local function floor_of(sc, d)
  if d.floor ~= nil then return d.floor end
  if type(sc.floor) == "table" then return sc.floor[d.name] end
  return sc.floor
end

local function scorecard_result(sc, a, t, r)
  local dims, order, total, short = setmetatable({}, OBJECT_MT), {}, 0, {}
  for _, d in ipairs(sc.dimensions) do
    local s = call_score("dimension", d.name, d.score, a, t, r)
    order[#order + 1] = d.name
    if s == nil then
      dims[d.name] = json.null -- unknown: counts as 0 in the total
    else
      total = total + d.weight * s
      dims[d.name] = round1(s)
    end
    local floor = floor_of(sc, d)
    if floor ~= nil and (s == nil or round1(s) < floor) then
      short[#short + 1] = string.format("%s %s is under its floor %.1f (G10)", d.name,
                                        s == nil and "unknown" or string.format("%.1f", round1(s)), floor)
    end
  end
  setmetatable(dims, { __jsonorder = order, __jsontype = "object" })
  -- DOMAIN G13: the band is decided on the total as shown (one decimal),
  -- so a CSM reading 8.0 reads what decided; 8.0 and 6.0 belong upward.
  total = round1(total)
  local band = band_of(sc.bands, total)
  local blockers = {}
  for _, b in ipairs(sc.blockers) do
    local why = b.fn(a, t, r)
    if why then blockers[#blockers + 1] = type(why) == "string" and why or (b.name or ("blocker " .. tostring(b.index))) end
  end
  -- DOMAIN G10: a total in the top band is not enough when a dimension is
  -- under its floor: the account is held back, and the blocker names it.
  if band == sc.bands[1][2] then
    for _, why in ipairs(short) do blockers[#blockers + 1] = why end
  end
  -- DOMAIN G4: a blocker holds an account back from the top band.
  if #blockers > 0 and band == sc.bands[1][2] then
    band = sc.blocked_band or (sc.bands[2] and sc.bands[2][2]) or band
  end
  return setmetatable({ dimensions = dims, total = total, band = band, blockers = blockers }, SCORECARD_MT)
end

--- The period an action's dedupe key names: the day, or the start of the
--- `every` window, so the same intent in the same window has the same key.
local function period(now, every)
  if not every then return host.date(now) end
  local start = now - now % every
  return every % 86400 == 0 and host.date(start) or host.isotime(start)
end

--- Option values may be functions of (a, t, r[, e]): per-account data such
--- as the blocker an extension notice must name (DOMAIN C3); in an `on`
--- handler, e is the event that fired it. `why` is the rule's trace line.
local function intent(action, a, t, r, rule, period_text, decl, e, why)
  local field = NAME_FIELD[action.kind]
  local name = action[field]
  local out = setmetatable({ kind = action.kind, [field] = name, rule = rule }, ACTION_MT[action.kind])
  for _, k in ipairs(dsl.ACTION_KINDS[action.kind].options) do
    if k ~= "every" and k ~= "when" then
      local v = action[k]
      if type(v) == "function" then v = v(a, t, r, e) end
      out[k] = v
    end
  end
  if action.kind == "email" then
    out.to = out.to or "champion"
    -- DOMAIN C4: the account's locale if the template has it, else its
    -- language, else English; the intent says which text will go out.
    local _, chosen = templates.pick(decl.templates, name, out.locale or a.locale)
    out.locale = chosen
    out.key = name .. ":" .. a.id .. ":" .. period_text
    -- The text that will go out, rendered now so eval and explain show it.
    messages.email(out, a, decl.templates, decl.message_vars, t, r)
  else
    if action.kind == "notify" and out.text == nil then
      out.text, out.locale = messages.notify_text(a, rule, why)
    end
    out.key = action.kind .. ":" .. name .. ":" .. a.id .. ":" .. period_text
  end
  return out
end

local function add_unique(list, v)
  for _, x in ipairs(list) do if x == v then return end end
  list[#list + 1] = v
end

local function remove(list, v)
  for i, x in ipairs(list) do if x == v then table.remove(list, i) return end end
end

--- Applies fired actions: flags and stages change the result directly,
--- everything (flags aside) becomes an intent for the host.
local function apply(result, actions, a, t, rule, now, every, period_text, decl, e, why)
  local set = {}
  for _, act in ipairs(actions) do
    if act.kind == "flag" then
      add_unique(result.flags, act.flag)
      set[#set + 1] = act.flag
    elseif act.kind == "unflag" then remove(result.flags, act.flag)
    else
      if act.kind == "stage" then add_unique(result.stages, act.stage) end
      local p = period_text or period(now, act.every_seconds or every)
      result.actions[#result.actions + 1] = intent(act, a, t, result, rule, p, decl, e, why)
    end
  end
  return set
end

--- A trace entry; `flags` (when the rule set any) says why each flag is there.
local function trace(result, rule, fired, why)
  local entry = setmetatable({ rule = rule, fired = fired, why = why }, TRACE_MT)
  result.trace[#result.trace + 1] = entry
  return entry
end

local function note_flags(entry, set)
  if #set > 0 then entry.flags = set end
end

local function matches(filter, value)
  return filter == nil or filter[value] == true
end

local function any_stage(filter, stages)
  if filter == nil then return true end
  for _, s in ipairs(stages) do if filter[s] then return true end end
  return false
end

--- Compiles declarations into `evaluate(account, now) -> result`.
--- Every function after the segments also receives `r`, the result so far
--- (segment, touch, stages, scorecards, health, flags): read it, don't write it.
---@param decl table  what dsl builder.finish() returned
---@param t table     the timeline module (bound by the host per account)
---@return fun(a: table, now: integer): table
function M.compile(decl, t)
  return function(a, now)
    local result = {
      account_id = a.id, tenant = a.tenant or "default",
      stages = {}, scorecards = setmetatable({}, OBJECT_MT),
      flags = {}, actions = {}, trace = {}, errors = {},
    }
    for _, s in ipairs(decl.segments) do
      if s.when == nil or s.when(a, t) then
        result.segment, result.touch = s.name, s.touch
        break
      end
    end
    for _, st in ipairs(decl.journey) do
      if st.when(a, t, result) then result.stages[#result.stages + 1] = st.name end
    end
    for _, sc in ipairs(decl.scorecards) do
      if any_stage(sc.stage, result.stages) then
        result.scorecards[sc.name] = scorecard_result(sc, a, t, result)
      end
    end
    if decl.health then
      local score = call_score("health", "score", decl.health.score, a, t, result)
      if score ~= nil then
        score = math.max(0, math.min(100, math.floor(score + 0.5)))
        result.health = setmetatable({ score = score, band = band_of(decl.health.bands, score) }, HEALTH_MT)
      end
    end
    t._why() -- forget what segments and scorecards asked
    for _, r in ipairs(decl.rules) do
      if matches(r.segment, result.segment) and any_stage(r.stage, result.stages) then
        local fired, why = r.when(a, t, result)
        local seen = t._why()
        if type(why) ~= "string" then why = seen ~= "" and seen or ("when() returned " .. tostring(fired)) end
        local entry = trace(result, r.name, fired and true or false, why)
        if fired and r.every then
          -- The frequency-cap ledger (the nightly run's rule_fires, seen as
          -- "tend:fired:<rule>" events): at most once per `every` since the
          -- last time it fired, not merely once per window.
          local days = t.days_since(FIRED .. r.name)
          t._why()
          if days * 86400 < r.every then
            fired = false -- the condition held; the cap kept it from acting
            entry.fired, entry.capped = false, true
            entry.why = why .. string.format(" (capped: fired %d day%s ago, every %s)", days,
                                             days == 1 and "" or "s", r.every_text)
          end
        end
        if fired then
          local once = r.once_per and r.once_per(a, t, result)
          note_flags(entry, apply(result, r.actions, a, t, r.name, now, r.every, once and tostring(once) or nil,
                                  decl, nil, entry.why))
        end
      end
    end
    for _, h in ipairs(decl.handlers) do
      -- `within` counts calendar days, as t.days_since does ("1d": today
      -- and yesterday, whatever the clock time of the night's run).
      for _, e in ipairs(evidence.within(t, h.event, h.within_text)) do
        if h.when == nil or h.when(a, e, t, result) then
          local entry = trace(result, "on " .. h.event, true, h.event .. " at " .. e.at)
          note_flags(entry, apply(result, h.actions, a, t, "on " .. h.event, now, nil, e.at, decl, e, entry.why))
        end
      end
    end
    return result
  end
end

--- The population pass: `collect(a, now)` gives one value per declared
--- population for an account (json.null when absent); `summarize(rows)`
--- turns every account's values into facts {name = summary}.
---@param decl table
---@param t table
---@return fun(a: table, now: integer): table, fun(rows: table[]): table
function M.population(decl, t)
  local pops = decl.populations
  local function collect(a)
    local row = {}
    for i, p in ipairs(pops) do
      local v = p.collect(a, t)
      if v == nil then v = json.null end
      row[i] = v
    end
    return row
  end
  local function summarize(rows)
    local facts = setmetatable({}, OBJECT_MT)
    for i, p in ipairs(pops) do
      local values = {}
      for _, row in ipairs(rows) do
        local v = row[i]
        if v ~= json.null and v ~= nil then values[#values + 1] = v end
      end
      facts[p.name] = p.summarize(values)
    end
    return facts
  end
  return collect, summarize
end

return M
