--- The playbook DSL (DESIGN "The playbook"): the constructors CS ops write
--- (`segment`, `scorecard`/`dimension`, `journey`/`stage`, `health`, `rule`,
--- `on`, `schedule`, `population`, `message_vars`, `send_policy` with its
--- `cap` and `quiet_hours`) and the action constructors (`email`, `notify`,
--- `webhook`, `task`, `flag`, `unflag`, `stage`).
---
--- Constructors only record declarations into a builder (one per playbook
--- being loaded: no module state); `finish` validates them all and reports
--- every problem as "file:line: message", so one load shows every mistake.
--- The send policy's constructors are in `tend.send_policy`; template files
--- are read by `tend.templates`.
local host = require "tend.host"
local cron = require "tend.cron"
local templates = require "tend.templates"
local policy = require "tend.send_policy"

local M = {}

--- What each action kind is called by, and which options it accepts: the
--- one declaration of intent kinds (tend/intents.lua).
local intents = require("tend.intents").declaration()
local ACTION_KINDS = intents.kinds

local KEYS = {
  segment   = { "when", "touch", "description" },
  scorecard = { "bands", "blockers", "blocked_band", "stage", "description" },
  dimension = { "weight", "score", "description" },
  health    = { "score", "bands", "description" },
  rule      = { "segment", "stage", "when", "every", "once_per", "actions", "description" },
  on        = { "when", "within", "description" },
  schedule  = { "cron", "timezone", "catch_up", "run", "description" },
  population = { "collect", "summarize", "description" },
  send_policy = { "description" },
  cap = { "per", "kind", "max", "within", "description" },
  quiet_hours = { "from", "to", "timezone", "kind", "description" },
}

--- The intent kinds that go through the outbox (what a send policy governs).
local SENT_KINDS = intents.queued

-- DOMAIN G10: every dimension has a floor (a scorecard setting, or per
-- dimension); kept apart from KEYS above, which lists the original keys.
local FLOOR_KEYS = { scorecard = { "floor" }, dimension = { "floor" } }

--- The keys a declaration of `kind` accepts.
local function keys_of(kind)
  local list = table.move(KEYS[kind], 1, #KEYS[kind], 1, {})
  for _, k in ipairs(FLOOR_KEYS[kind] or {}) do list[#list + 1] = k end
  return list
end

--- The marker every action's metatable reports (getmetatable(a) == Action).
local Action = {}

local function set_of(list)
  local s = {}
  for _, k in ipairs(list) do s[k] = true end
  return s
end

--- Keys of t in a stable order (strings before others, then by text), so
--- problems are reported in the same order on every run.
local function ordered(t)
  local ks = {}
  for k in pairs(t) do ks[#ks + 1] = k end
  table.sort(ks, function(x, y)
    local sx, sy = type(x) == "string", type(y) == "string"
    if sx ~= sy then return sx end
    return tostring(x) < tostring(y)
  end)
  return ks
end

local function sorted_keys(t)
  local ks = ordered(t)
  for i, k in ipairs(ks) do ks[i] = tostring(k) end
  return table.concat(ks, ", ")
end

--- One playbook being loaded: what it declared so far, and the problems.
---@class tend.Builder
---@field decl table
---@field problems string[]
local Builder = {}
Builder.__index = Builder
Builder.set_of, Builder.ordered = set_of, ordered -- for the constructors in other modules (tend.send_policy)

-- Checks shared by the constructors -----------------------------------

---@param where string  "file:line"
---@param fmt string
function Builder:problem(where, fmt, ...)
  self.problems[#self.problems + 1] = where .. ": " .. string.format(fmt, ...)
end

--- Declarations are made while the playbook loads; once `finish` has run,
--- one made while evaluating an account (the engine would see it for every
--- later account) raises instead. Every declaration passes through here.
function Builder:not_sealed(kind, where)
  if self.sealed then
    error(where .. ": " .. kind .. ": declarations are made while the playbook loads, not while an account is evaluated", 0)
  end
end

--- Checks a declaration's keys: string keys must be known; array items
--- are allowed only where `items` says so. False when t is not a table.
function Builder:check_keys(kind, name, where, t, items)
  self:not_sealed(kind, where)
  if type(t) ~= "table" then
    self:problem(where, "%s '%s': expected a table of options, got %s", kind, name, type(t))
    return false
  end
  local known = keys_of(kind)
  local allowed = set_of(known)
  for _, k in ipairs(ordered(t)) do
    if type(k) == "string" then
      if not allowed[k] then
        self:problem(where, "%s '%s': unknown key '%s' (known: %s)", kind, name, k, table.concat(known, ", "))
      end
    elseif not (items and math.type(k) == "integer") then
      self:problem(where, "%s '%s': unexpected list item %s", kind, name, tostring(k))
    end
  end
  return true
end

--- Checks the keys of a send policy item (no name, no list items).
function Builder:check_item_keys(kind, where, t)
  self:not_sealed(kind, where)
  if type(t) ~= "table" then
    self:problem(where, "%s: expected a table of options, got %s", kind, type(t))
    return false
  end
  local allowed = set_of(KEYS[kind])
  for _, k in ipairs(ordered(t)) do
    if type(k) ~= "string" then
      self:problem(where, "%s: unexpected list item %s", kind, tostring(k))
    elseif not allowed[k] then
      self:problem(where, "%s: unknown key '%s' (known: %s)", kind, k, table.concat(KEYS[kind], ", "))
    end
  end
  return true
end

--- Records a declaration's name; false (reported) when empty or taken.
function Builder:unique(kind, name, where)
  self:not_sealed(kind, where)
  if type(name) ~= "string" or name == "" then
    self:problem(where, "%s: the name must be a non-empty string", kind)
    return false
  end
  local seen = self.names[kind][name]
  if seen then
    self:problem(where, "%s '%s' is declared twice (first at %s)", kind, name, seen)
    return false
  end
  self.names[kind][name] = where
  return true
end

function Builder:check_function(kind, name, where, key, v, required)
  if v == nil then
    if required then self:problem(where, "%s '%s': '%s' is required", kind, name, key) end
  elseif type(v) ~= "function" then
    self:problem(where, "%s '%s': '%s' must be a function, got %s", kind, name, key, type(v))
  end
end

--- Bands are {threshold, name} pairs with strictly descending thresholds.
function Builder:check_bands(kind, name, where, bands)
  if type(bands) ~= "table" or #bands == 0 then
    self:problem(where, "%s '%s': 'bands' must be a list like { {8.0, \"ready\"}, {0, \"not_ready\"} }", kind, name)
    return
  end
  local prev
  for i, b in ipairs(bands) do
    if type(b) ~= "table" or type(b[1]) ~= "number" or type(b[2]) ~= "string" then
      self:problem(where, "%s '%s': band %d must be {threshold, \"name\"}", kind, name, i)
    elseif prev and b[1] >= prev then
      self:problem(where, "%s '%s': bands must be in descending order (%s after %s)", kind, name,
                   tostring(b[1]), tostring(prev))
    else
      prev = b[1]
    end
  end
end

--- A duration option ("7d", a number of days) in seconds, or nil.
function Builder:check_duration(kind, name, where, key, v)
  if v == nil then return nil end
  local secs, err = host.duration(v)
  if not secs or secs <= 0 then
    self:problem(where, "%s '%s': '%s': %s", kind, name, key, err or "must be positive")
  end
  return secs
end

-- Actions -------------------------------------------------------------
-- An action is a read-only view of its fields: a playbook holding one
-- cannot change what a rule sends between accounts. `email "x"` is an
-- action; calling it, `email "x" { to = "csm" }`, makes a new one with
-- the options added.

--- The fields of a new action of `kind`, its unknown options reported.
function Builder:action_fields(kind, name, where, opts)
  local spec = ACTION_KINDS[kind]
  local a = { kind = kind, [spec.name] = name, where = where }
  local allowed = set_of(spec.options)
  for _, k in ipairs(ordered(opts or {})) do
    if k ~= 1 then
      if type(k) ~= "string" or not allowed[k] then
        self:problem(where, "%s '%s': unknown option '%s' (known: %s)", kind, tostring(name), tostring(k),
                     #spec.options > 0 and table.concat(spec.options, ", ") or "none")
      else
        a[k] = opts[k]
      end
    end
  end
  if type(name) ~= "string" or name == "" then
    self:problem(where, "%s: needs a name, like %s \"...\"", kind, kind)
  end
  a.every_seconds = self:check_duration(kind, name, where, "every", a.every)
  return a
end

---@return table action  read-only; calling it adds options
function Builder:new_action(kind, name, where, opts)
  local fields = self:action_fields(kind, name, where, opts)
  return setmetatable({}, {
    __index = fields,
    __newindex = function() error("actions are read-only once declared", 2) end,
    __call = function(action, more) return self:add_options(action, more, host.where(2)) end,
    __pairs = function() return next, fields, nil end,
    __metatable = Action,
    __tend_readonly = true,
  })
end

--- `action { opts }`: a new action with the options merged over its own.
function Builder:add_options(action, opts, where)
  local name = action[ACTION_KINDS[action.kind].name]
  if type(opts) ~= "table" then
    self:problem(where, "%s '%s': options must be a table", action.kind, tostring(name))
    return action
  end
  local merged = {}
  for _, k in ipairs(ACTION_KINDS[action.kind].options) do merged[k] = action[k] end
  for k, v in pairs(opts) do merged[k] = v end
  return self:new_action(action.kind, name, action.where, merged)
end

--- `email "x"`, or a table form: task { "Title", owner = ... } / notify { channel = ... }.
function Builder:action(kind, where, arg)
  if type(arg) ~= "table" then return self:new_action(kind, arg, where, nil) end
  local name = arg[1]
  if name == nil and kind == "notify" then name = arg.channel end
  local opts = {}
  for k, v in pairs(arg) do if k ~= 1 and k ~= "channel" then opts[k] = v end end
  return self:new_action(kind, name, where, opts)
end

--- Validates an actions list; returns the actions that are well formed.
function Builder:check_actions(kind, name, where, list)
  local out = {}
  for i, a in ipairs(list) do
    if getmetatable(a) ~= Action then
      self:problem(where, "%s '%s': action %d is %s, not an action (use email, notify, webhook, task, flag, unflag or stage)",
                   kind, name, i, type(a) == "table" and ("a table of kind '" .. tostring(a.kind) .. "'") or type(a))
    elseif a.kind == "stage" and a.when ~= nil then
      self:problem(a.where, "%s '%s': stage '%s' with 'when' declares a journey stage; use it inside journey { }",
                   kind, name, a.stage)
    else
      out[#out + 1] = a
    end
  end
  return out
end

-- Declarations --------------------------------------------------------
-- Each takes where it was written, its name (if it has one) and its table.

--- segment "name" { when = function(a) ... end, touch = "high" }
--- First match wins; the last segment has no `when` and is the fallback.
function Builder:segment(where, name, t)
  if not self:check_keys("segment", name, where, t) then return end
  self:check_function("segment", name, where, "when", t.when, false)
  if self:unique("segment", name, where) then
    local segs = self.decl.segments
    segs[#segs + 1] = { name = name, when = t.when, touch = t.touch, where = where }
  end
end

--- dimension "name" { weight = 0.2, score = function(a, t) ... end }
function Builder:dimension(where, name, t)
  self:check_keys("dimension", name, where, t)
  if type(t) ~= "table" then return nil end
  if type(t.weight) ~= "number" or t.weight < 0 then
    self:problem(where, "dimension '%s': 'weight' must be a number >= 0", tostring(name))
  end
  if type(t.score) ~= "function" and type(t.score) ~= "number" then
    self:problem(where, "dimension '%s': 'score' must be a function or a number", tostring(name))
  end
  if t.floor ~= nil and type(t.floor) ~= "number" then
    self:problem(where, "dimension '%s': 'floor' must be a number (the lowest score that may graduate, G10)", tostring(name))
  end
  return { is_dimension = true, name = name, weight = t.weight, score = t.score, floor = t.floor, where = where }
end

--- A scorecard's dimensions (weights summing to 1) from its list items.
function Builder:scorecard_dimensions(name, where, t)
  local dims, seen, sum = {}, {}, 0
  for i, d in ipairs(t) do
    if type(d) ~= "table" or not d.is_dimension then
      self:problem(where, "scorecard '%s': item %d is not a dimension", name, i)
    elseif seen[d.name] then
      self:problem(d.where, "scorecard '%s': dimension '%s' is declared twice", name, d.name)
    else
      seen[d.name] = true
      dims[#dims + 1] = d
      sum = sum + (tonumber(d.weight) or 0)
    end
  end
  if #dims == 0 then self:problem(where, "scorecard '%s': needs at least one dimension", name) end
  if math.abs(sum - 1) > 0.001 then
    self:problem(where, "scorecard '%s': dimension weights sum to %.3f, not 1", name, sum)
  end
  return dims
end

--- DOMAIN G10: `floor = 6.0` (every dimension) or `floor = { technical = 7 }`.
function Builder:check_floor(name, where, floor, dims)
  if floor == nil or type(floor) == "number" then return end
  if type(floor) ~= "table" then
    self:problem(where, "scorecard '%s': 'floor' must be a number or a table of dimension = number", name)
    return
  end
  local known = {}
  for _, d in ipairs(dims) do known[d.name] = true end
  for _, k in ipairs(ordered(floor)) do
    if not known[k] then
      self:problem(where, "scorecard '%s': floor names '%s', which is not one of its dimensions", name, tostring(k))
    elseif type(floor[k]) ~= "number" then
      self:problem(where, "scorecard '%s': floor of '%s' must be a number", name, tostring(k))
    end
  end
end

--- scorecard "name" { dimension "..." {...}, ..., bands = {...}, blockers = {...}, floor = 6.0 }
function Builder:scorecard(where, name, t)
  if not self:check_keys("scorecard", name, where, t, true) then return end
  local dims = self:scorecard_dimensions(name, where, t)
  self:check_bands("scorecard", name, where, t.bands)
  self:check_floor(name, where, t.floor, dims)
  local blockers = {}
  for k, b in pairs(t.blockers or {}) do
    if type(b) ~= "function" then
      self:problem(where, "scorecard '%s': blocker %s must be a function", name, tostring(k))
    else
      blockers[#blockers + 1] = { name = type(k) == "string" and k or nil, index = k, fn = b }
    end
  end
  table.sort(blockers, function(x, y) return tostring(x.index) < tostring(y.index) end)
  if self:unique("scorecard", name, where) then
    local cards = self.decl.scorecards
    cards[#cards + 1] = {
      name = name, dimensions = dims, bands = t.bands, blockers = blockers, floor = t.floor,
      blocked_band = t.blocked_band, stage = t.stage, where = where,
    }
  end
end

--- health { score = function(a, t) return 0..100 end, bands = {...} }
function Builder:health(where, t)
  if not self:check_keys("health", "health", where, t) then return end
  self:check_function("health", "health", where, "score", t.score, true)
  self:check_bands("health", "health", where, t.bands)
  if self.decl.health then
    self:problem(where, "health is declared twice (first at %s)", self.decl.health.where)
  end
  self.decl.health = { score = t.score, bands = t.bands, where = where }
end

--- journey { stage "onboarding" { when = function(a, t) ... end }, ... }
--- An account is in every stage whose `when` holds (DOMAIN J2).
function Builder:journey(where, list)
  if type(list) ~= "table" then
    self:problem(where, "journey: expected a list of stage \"name\" { when = ... }")
    return
  end
  for i, s in ipairs(list) do
    if getmetatable(s) ~= Action or s.kind ~= "stage" or type(s.when) ~= "function" then
      self:problem(where, "journey: item %d must be stage \"name\" { when = function(a, t) ... end }", i)
    elseif self:unique("stage", s.stage, s.where) then
      self.decl.journey[#self.decl.journey + 1] = { name = s.stage, when = s.when, where = s.where }
    end
  end
end

--- rule "name" { segment = ..., stage = ..., when = fn, every = "7d", actions = {...} }
function Builder:rule(where, name, t)
  if not self:check_keys("rule", name, where, t) then return end
  self:check_function("rule", name, where, "when", t.when, true)
  self:check_function("rule", name, where, "once_per", t.once_per, false)
  local every = self:check_duration("rule", name, where, "every", t.every)
  if every and t.once_per then
    self:problem(where, "rule '%s': give 'every' or 'once_per', not both", tostring(name))
  end
  if type(t.actions) ~= "table" or #t.actions == 0 then
    self:problem(where, "rule '%s': 'actions' must be a non-empty list", tostring(name))
  end
  local actions = self:check_actions("rule", name, where, type(t.actions) == "table" and t.actions or {})
  if self:unique("rule", name, where) then
    self.decl.rules[#self.decl.rules + 1] = {
      name = name, segment = t.segment, stage = t.stage, when = t.when, once_per = t.once_per,
      every = every, every_text = t.every, actions = actions, where = where,
    }
  end
end

--- on "event_type" { email "welcome", task {...}, within = "1d" }
--- Fires once per matching event seen within `within` (default 1 day)
--- before now; the event's time is part of each action's key.
function Builder:on(where, event_type, t)
  if not self:check_keys("on", event_type, where, t, true) then return end
  self:check_function("on", event_type, where, "when", t.when, false)
  local within = self:check_duration("on", event_type, where, "within", t.within or "1d")
  local actions = self:check_actions("on", event_type, where, t)
  if #t == 0 then self:problem(where, "on '%s': needs at least one action", tostring(event_type)) end
  self.decl.handlers[#self.decl.handlers + 1] = {
    event = event_type, when = t.when, within = within, within_text = t.within or "1d",
    actions = actions, where = where,
  }
end

--- schedule "nightly" { cron = "0 2 * * *", timezone = "America/Sao_Paulo", catch_up = "once",
---                      run = "evaluate_all" }
--- The cron expression and the zone are checked by the host's own parser
--- (the one the scheduler runs); after downtime a missed occurrence runs
--- once (`catch_up = "once"`, the default) or not at all ("skip").
function Builder:schedule(where, name, t)
  if not self:check_keys("schedule", name, where, t) then return end
  local ok, why = false, "'cron' must be a string like \"0 2 * * *\""
  if type(t.cron) == "string" then ok, why = cron.check(t.cron) end
  if not ok then self:problem(where, "schedule '%s': %s", tostring(name), why) end
  local tz = t.timezone or "UTC"
  ok, why = false, "'timezone' must be an IANA time zone name like \"America/Sao_Paulo\""
  if type(tz) == "string" then ok, why = cron.check_zone(tz) end
  if not ok then self:problem(where, "schedule '%s': %s", tostring(name), why) end
  local catch_up = t.catch_up or "once"
  if catch_up ~= "once" and catch_up ~= "skip" then
    self:problem(where, "schedule '%s': 'catch_up' must be \"once\" or \"skip\", got %s", tostring(name),
                 type(catch_up) == "string" and ("'" .. catch_up .. "'") or type(catch_up))
  end
  if type(t.run) ~= "string" then self:problem(where, "schedule '%s': 'run' must name a job", tostring(name)) end
  if self:unique("schedule", name, where) then
    self.decl.schedules[#self.decl.schedules + 1] = { name = name, cron = t.cron, timezone = tz,
                                                      catch_up = catch_up, run = t.run, where = where }
  end
end

--- population "revenue" { collect = function(a, t) return a.acv end, summarize = function(values) ... end }
--- A fact about the whole account set (DOMAIN S3 revenue tiers need
--- percentiles): the host calls `collect` for every account first, then
--- `summarize` once with the list of collected values; rules read the
--- result as t.facts.<name>.
function Builder:population(where, name, t)
  if not self:check_keys("population", name, where, t) then return end
  self:check_function("population", name, where, "collect", t.collect, true)
  self:check_function("population", name, where, "summarize", t.summarize, true)
  if self:unique("population", name, where) then
    self.decl.populations[#self.decl.populations + 1] = {
      name = name, collect = t.collect, summarize = t.summarize, where = where,
    }
  end
end

--- Playbook-wide values for message placeholders (DOMAIN C1): links,
--- the sender's signature... A value is text, a number, a list of them,
--- or a function(a, t, r) returning one. An account's attrs and an
--- action's data override them (stdlib/tend/messages.lua).
---   message_vars { help_link = "https://help.example.com/start",
---                  survey_link = function(a) return "https://survey.example.com/" .. a.id end }
function Builder:message_vars(where, t)
  self:not_sealed("message_vars", where)
  if type(t) ~= "table" then
    self:problem(where, "message_vars: expected a table of name = value, got %s", type(t))
    return
  end
  for _, k in ipairs(ordered(t)) do
    local v = t[k]
    if type(k) ~= "string" or not k:match("^[%a_][%w_]*$") then
      self:problem(where, "message_vars: '%s' is not a placeholder name", tostring(k))
    elseif k == "account" or k == "data" then
      self:problem(where, "message_vars: '%s' is reserved ({{%s.<field>}})", k, k)
    elseif self.message_where[k] then
      self:problem(where, "message_vars: '%s' is set twice (first at %s)", k, self.message_where[k])
    elseif type(v) ~= "string" and type(v) ~= "number" and type(v) ~= "table" and type(v) ~= "function" then
      self:problem(where, "message_vars: '%s' must be text, a number, a list or a function, got %s", k, type(v))
    else
      self.decl.message_vars[k], self.message_where[k] = v, where
    end
  end
end

-- Finishing -----------------------------------------------------------

--- DOMAIN C1-C4: the stdlib's template files, then the playbook's, make
--- the catalogue; a placeholder must be one the messages can fill.
function Builder:load_templates(files, stdlib_files)
  local vars = self.decl.message_vars
  local function is_known(name)
    local root = name:match("^([^.]+)%.")
    if templates.VARS[name] ~= nil or root == "account" or root == "data" or vars[name] ~= nil then return true end
    return false, "known: account.<field>, data.<key>, a message_vars name, " .. sorted_keys(templates.VARS)
  end
  if next(stdlib_files or {}) == nil then
    self:problem("stdlib/tend/templates", "no template files: the stdlib is incomplete (set TEND_STDLIB to an installed stdlib folder)")
  end
  local catalogue, problems = templates.catalogue({ stdlib_files or {}, files or {} }, is_known)
  table.move(problems, 1, #problems, #self.problems + 1, self.problems)
  self.decl.templates = catalogue
  local stdlib_names = {}
  for _, named in pairs(stdlib_files or {}) do
    for name in pairs(named) do stdlib_names[name] = true end
  end
  local function check_emails(actions)
    for _, a in ipairs(actions) do
      if a.kind == "email" and type(a.template) == "string" and catalogue[a.template] == nil then
        self:problem(a.where, "email '%s': no such template (the stdlib has %s; add templates/en/%s.txt)",
                     a.template, sorted_keys(stdlib_names), a.template)
      end
    end
  end
  for _, r in ipairs(self.decl.rules) do check_emails(r.actions) end
  for _, h in ipairs(self.decl.handlers) do check_emails(h.actions) end
end

--- The last segment, and only it, is the fallback (no `when`).
function Builder:check_segments()
  local segs = self.decl.segments
  if #segs == 0 then return end
  for i, s in ipairs(segs) do
    if s.when == nil and i < #segs then
      self:problem(s.where, "segment '%s' has no 'when' but is not last: the segments after it can never match", s.name)
    end
  end
  if segs[#segs].when ~= nil then
    self:problem(segs[#segs].where, "no fallback segment: the last segment ('%s') must have no 'when'", segs[#segs].name)
  end
end

--- Filters name declared segments and stages; they become sets.
function Builder:check_refs(what, r, key, kind)
  local v = r[key]
  if v == nil then return end
  local list = type(v) == "table" and v or { v }
  r[key] = set_of(list)
  for _, n in ipairs(list) do
    if not self.names[kind][n] then
      self:problem(r.where, "%s '%s': %s '%s' is not declared (declared: %s)", what, r.name, kind, tostring(n),
                   next(self.names[kind]) and sorted_keys(self.names[kind]) or "none")
    end
  end
end

--- Validates the whole playbook; returns the compiled declarations and
--- the list of problems ("file:line: message"), empty when all is well.
---@param files? table  the playbook's templates/<locale>/<name>.txt: {[locale] = {[name] = {text, path}}}
---@param stdlib_files? table  the stdlib's templates, the same shape
---@return table decl, string[] problems
function Builder:finish(files, stdlib_files)
  self.sealed = true
  local decl = self.decl
  self:load_templates(files, stdlib_files)
  self:check_segments()
  for _, r in ipairs(decl.rules) do
    self:check_refs("rule", r, "segment", "segment")
    self:check_refs("rule", r, "stage", "stage")
  end
  for _, sc in ipairs(decl.scorecards) do self:check_refs("scorecard", sc, "stage", "stage") end
  for _, sc in ipairs(decl.scorecards) do
    if sc.blocked_band ~= nil then
      local ok = false
      for _, b in ipairs(sc.bands or {}) do ok = ok or b[2] == sc.blocked_band end
      if not ok then
        self:problem(sc.where, "scorecard '%s': blocked_band '%s' is not one of its bands", sc.name, tostring(sc.blocked_band))
      end
    end
  end
  return decl, self.problems
end

-- The constructors a playbook calls --------------------------------------

--- `segment "name" { ... }`: a named declaration, recorded where the
--- playbook wrote it (host.where(2) is the playbook's line).
local function named(b, method)
  return function(name)
    local where = host.where(2)
    return function(t) return method(b, where, name, t) end
  end
end

--- `health { ... }`: a declaration without a name.
local function unnamed(b, method)
  return function(t) return method(b, host.where(2), t) end
end

--- The globals a playbook's files see, bound to builder b.
---@param b tend.Builder
---@return table<string, function>
local function constructors(b)
  local g = {
    segment = named(b, Builder.segment), dimension = named(b, Builder.dimension),
    scorecard = named(b, Builder.scorecard), rule = named(b, Builder.rule), on = named(b, Builder.on),
    schedule = named(b, Builder.schedule), population = named(b, Builder.population),
    health = unnamed(b, Builder.health), journey = unnamed(b, Builder.journey),
    message_vars = unnamed(b, Builder.message_vars),
    send_policy = unnamed(b, policy.send_policy), cap = unnamed(b, policy.cap),
    quiet_hours = unnamed(b, policy.quiet_hours),
  }
  for kind in pairs(ACTION_KINDS) do
    g[kind] = function(arg) return b:action(kind, host.where(2), arg) end
  end
  return g
end

--- Creates an empty playbook: its constructors (`globals`, to install)
--- and `finish`, which validates and returns the compiled playbook.
---@return tend.Builder builder
function M.new()
  local b = setmetatable({
    problems = {},
    decl = {
      segments = {}, scorecards = {}, health = nil, journey = {},
      rules = {}, handlers = {}, schedules = {}, populations = {}, send_policy = nil,
      message_vars = {}, -- name -> value or function(a, t, r)
    },
    message_where = {}, -- message_vars name -> where it was set
    names = { segment = {}, scorecard = {}, rule = {}, schedule = {}, stage = {}, population = {} },
    sent_kinds = SENT_KINDS,
  }, Builder)
  b.globals = constructors(b)
  return b
end

M.ACTION_KINDS = ACTION_KINDS
M.Action = Action
M.SENT_KINDS = SENT_KINDS

return M
