--- The playbook DSL (DESIGN "The playbook"): the constructors CS ops write
--- (`segment`, `scorecard`/`dimension`, `journey`/`stage`, `health`, `rule`,
--- `on`, `schedule`, `population`, `message_vars`, `send_policy` with its
--- `cap` and `quiet_hours`) and the action constructors (`email`, `notify`,
--- `webhook`, `task`, `flag`, `unflag`, `stage`).
---
--- Constructors only record declarations; `finish` validates them all and
--- reports every problem as "file:line: message", so one load shows every
--- mistake. The records are per playbook (per lua_State): no module state.
local host = require "tend.host"
local cron = require "tend.cron"
local templates = require "tend.templates"

local M = {}

--- What each action kind is called by, and which options it accepts.
local ACTION_KINDS = {
  email   = { name = "template", options = { "to", "locale", "connector", "data", "every" } },
  notify  = { name = "channel",  options = { "to", "text", "data", "every" } },
  webhook = { name = "target",   options = { "data", "every" } },
  task    = { name = "title",    options = { "owner", "due", "data", "every" } },
  flag    = { name = "flag",     options = {} },
  unflag  = { name = "flag",     options = {} },
  stage   = { name = "stage",    options = { "when", "reason" } },
}

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
local SENT_KINDS = { "email", "notify", "webhook" }

--- The marker of `cap { }` and `quiet_hours { }` items (getmetatable(x) == PolicyItem).
local PolicyItem = {}

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

--- Creates an empty playbook: its constructors (to install as globals) and
--- `finish`, which validates and returns the compiled playbook.
---@return table builder
function M.new()
  local problems = {}
  local decl = {
    segments = {}, scorecards = {}, health = nil, journey = {},
    rules = {}, handlers = {}, schedules = {}, populations = {}, send_policy = nil,
    message_vars = {}, -- name -> value or function(a, t, r); where each was set in message_where
  }
  local message_where = {}
  local names = { segment = {}, scorecard = {}, rule = {}, schedule = {}, stage = {}, population = {} }

  local function problem(where, fmt, ...)
    problems[#problems + 1] = where .. ": " .. string.format(fmt, ...)
  end

  --- Checks a declaration's keys: string keys must be known; array items
  --- are allowed only where `items` says so.
  local function check_keys(kind, name, where, t, items)
    if type(t) ~= "table" then
      problem(where, "%s '%s': expected a table of options, got %s", kind, name, type(t))
      return false
    end
    local allowed = set_of(KEYS[kind])
    for _, k in ipairs(ordered(t)) do
      if type(k) == "string" then
        if not allowed[k] then
          problem(where, "%s '%s': unknown key '%s' (known: %s)", kind, name, k,
                  table.concat(KEYS[kind], ", "))
        end
      elseif not (items and math.type(k) == "integer") then
        problem(where, "%s '%s': unexpected list item %s", kind, name, tostring(k))
      end
    end
    return true
  end

  local function unique(kind, name, where)
    if type(name) ~= "string" or name == "" then
      problem(where, "%s: the name must be a non-empty string", kind)
      return false
    end
    local seen = names[kind][name]
    if seen then
      problem(where, "%s '%s' is declared twice (first at %s)", kind, name, seen)
      return false
    end
    names[kind][name] = where
    return true
  end

  local function check_function(kind, name, where, key, v, required)
    if v == nil then
      if required then problem(where, "%s '%s': '%s' is required", kind, name, key) end
    elseif type(v) ~= "function" then
      problem(where, "%s '%s': '%s' must be a function, got %s", kind, name, key, type(v))
    end
  end

  --- Bands are {threshold, name} pairs with strictly descending thresholds.
  local function check_bands(kind, name, where, bands)
    if type(bands) ~= "table" or #bands == 0 then
      problem(where, "%s '%s': 'bands' must be a list like { {8.0, \"ready\"}, {0, \"not_ready\"} }", kind, name)
      return
    end
    local prev
    for i, b in ipairs(bands) do
      if type(b) ~= "table" or type(b[1]) ~= "number" or type(b[2]) ~= "string" then
        problem(where, "%s '%s': band %d must be {threshold, \"name\"}", kind, name, i)
      elseif prev and b[1] >= prev then
        problem(where, "%s '%s': bands must be in descending order (%s after %s)", kind, name,
                tostring(b[1]), tostring(prev))
      else
        prev = b[1]
      end
    end
  end

  local function check_duration(kind, name, where, key, v)
    if v == nil then return nil end
    local secs, err = host.duration(v)
    if not secs or secs <= 0 then
      problem(where, "%s '%s': '%s': %s", kind, name, key, err or "must be positive")
    end
    return secs
  end

  -- Actions -------------------------------------------------------------

  --- An action is a read-only view of its fields: a playbook holding one
  --- cannot change what a rule sends between accounts.
  local new_action -- defined below; calling an action makes a new one

  --- `email "x"` is an action; `email "x" { to = "csm" }` adds options.
  local function call_action(self, opts)
    local where = host.where(2)
    local name = self[ACTION_KINDS[self.kind].name]
    if type(opts) ~= "table" then
      problem(where, "%s '%s': options must be a table", self.kind, tostring(name))
      return self
    end
    local merged = {}
    for _, k in ipairs(ACTION_KINDS[self.kind].options) do merged[k] = self[k] end
    for k, v in pairs(opts) do merged[k] = v end
    return new_action(self.kind, name, self.where, merged)
  end

  local function frozen(fields)
    return setmetatable({}, {
      __index = fields,
      __newindex = function() error("actions are read-only once declared", 2) end,
      __call = call_action,
      __pairs = function() return next, fields, nil end,
      __metatable = Action,
      __tend_readonly = true,
    })
  end

  function new_action(kind, name, where, opts)
    local spec = ACTION_KINDS[kind]
    local a = { kind = kind, [spec.name] = name, where = where }
    if opts then
      local allowed = set_of(spec.options)
      for _, k in ipairs(ordered(opts)) do
        local v = opts[k]
        if k ~= 1 then
          if type(k) ~= "string" or not allowed[k] then
            problem(where, "%s '%s': unknown option '%s' (known: %s)", kind, tostring(name), tostring(k),
                    #spec.options > 0 and table.concat(spec.options, ", ") or "none")
          else
            a[k] = v
          end
        end
      end
    end
    if type(name) ~= "string" or name == "" then
      problem(where, "%s: needs a name, like %s \"...\"", kind, kind)
    end
    a.every_seconds = check_duration(kind, name, where, "every", a.every)
    return frozen(a)
  end

  local function action_constructor(kind)
    return function(arg)
      local where = host.where(2)
      if type(arg) == "table" then -- task { "Title", owner = ... } / notify { channel = ... }
        local name = arg[1]
        if name == nil and kind == "notify" then name = arg.channel end
        local opts = {}
        for k, v in pairs(arg) do if k ~= 1 and k ~= "channel" then opts[k] = v end end
        return new_action(kind, name, where, opts)
      end
      return new_action(kind, arg, where, nil)
    end
  end

  --- Validates an actions list; returns the actions that are well formed.
  local function check_actions(kind, name, where, list)
    local out = {}
    for i, a in ipairs(list) do
      if getmetatable(a) ~= Action then
        problem(where, "%s '%s': action %d is %s, not an action (use email, notify, webhook, task, flag, unflag or stage)",
                kind, name, i, type(a) == "table" and ("a table of kind '" .. tostring(a.kind) .. "'") or type(a))
      elseif a.kind == "stage" and a.when ~= nil then
        problem(a.where, "%s '%s': stage '%s' with 'when' declares a journey stage; use it inside journey { }",
                kind, name, a.stage)
      else
        out[#out + 1] = a
      end
    end
    return out
  end

  -- Declarations --------------------------------------------------------

  local g = {}

  --- segment "name" { when = function(a) ... end, touch = "high" }
  --- First match wins; the last segment has no `when` and is the fallback.
  function g.segment(name)
    local where = host.where(2)
    return function(t)
      if not check_keys("segment", name, where, t) then return end
      check_function("segment", name, where, "when", t.when, false)
      if unique("segment", name, where) then
        decl.segments[#decl.segments + 1] = { name = name, when = t.when, touch = t.touch, where = where }
      end
    end
  end

  --- dimension "name" { weight = 0.2, score = function(a, t) ... end }
  function g.dimension(name)
    local where = host.where(2)
    return function(t)
      check_keys("dimension", name, where, t)
      if type(t) ~= "table" then return nil end
      if type(t.weight) ~= "number" or t.weight < 0 then
        problem(where, "dimension '%s': 'weight' must be a number >= 0", tostring(name))
      end
      if type(t.score) ~= "function" and type(t.score) ~= "number" then
        problem(where, "dimension '%s': 'score' must be a function or a number", tostring(name))
      end
      return { is_dimension = true, name = name, weight = t.weight, score = t.score, where = where }
    end
  end

  --- scorecard "name" { dimension "..." {...}, ..., bands = {...}, blockers = {...} }
  function g.scorecard(name)
    local where = host.where(2)
    return function(t)
      if not check_keys("scorecard", name, where, t, true) then return end
      local dims, seen, sum = {}, {}, 0
      for i, d in ipairs(t) do
        if type(d) ~= "table" or not d.is_dimension then
          problem(where, "scorecard '%s': item %d is not a dimension", name, i)
        elseif seen[d.name] then
          problem(d.where, "scorecard '%s': dimension '%s' is declared twice", name, d.name)
        else
          seen[d.name] = true
          dims[#dims + 1] = d
          sum = sum + (tonumber(d.weight) or 0)
        end
      end
      if #dims == 0 then problem(where, "scorecard '%s': needs at least one dimension", name) end
      if math.abs(sum - 1) > 0.001 then
        problem(where, "scorecard '%s': dimension weights sum to %.3f, not 1", name, sum)
      end
      check_bands("scorecard", name, where, t.bands)
      local blockers = {}
      for k, b in pairs(t.blockers or {}) do
        if type(b) ~= "function" then
          problem(where, "scorecard '%s': blocker %s must be a function", name, tostring(k))
        else
          blockers[#blockers + 1] = { name = type(k) == "string" and k or nil, index = k, fn = b }
        end
      end
      table.sort(blockers, function(x, y) return tostring(x.index) < tostring(y.index) end)
      if unique("scorecard", name, where) then
        decl.scorecards[#decl.scorecards + 1] = {
          name = name, dimensions = dims, bands = t.bands, blockers = blockers,
          blocked_band = t.blocked_band, stage = t.stage, where = where,
        }
      end
    end
  end

  --- health { score = function(a, t) return 0..100 end, bands = {...} }
  function g.health(t)
    local where = host.where(2)
    if not check_keys("health", "health", where, t) then return end
    check_function("health", "health", where, "score", t.score, true)
    check_bands("health", "health", where, t.bands)
    if decl.health then
      problem(where, "health is declared twice (first at %s)", decl.health.where)
    end
    decl.health = { score = t.score, bands = t.bands, where = where }
  end

  --- journey { stage "onboarding" { when = function(a, t) ... end }, ... }
  --- An account is in every stage whose `when` holds (DOMAIN J2).
  function g.journey(list)
    local where = host.where(2)
    if type(list) ~= "table" then
      problem(where, "journey: expected a list of stage \"name\" { when = ... }")
      return
    end
    for i, s in ipairs(list) do
      if getmetatable(s) ~= Action or s.kind ~= "stage" or type(s.when) ~= "function" then
        problem(where, "journey: item %d must be stage \"name\" { when = function(a, t) ... end }", i)
      elseif unique("stage", s.stage, s.where) then
        decl.journey[#decl.journey + 1] = { name = s.stage, when = s.when, where = s.where }
      end
    end
  end

  --- rule "name" { segment = ..., stage = ..., when = fn, every = "7d", actions = {...} }
  function g.rule(name)
    local where = host.where(2)
    return function(t)
      if not check_keys("rule", name, where, t) then return end
      check_function("rule", name, where, "when", t.when, true)
      check_function("rule", name, where, "once_per", t.once_per, false)
      local every = check_duration("rule", name, where, "every", t.every)
      if every and t.once_per then
        problem(where, "rule '%s': give 'every' or 'once_per', not both", tostring(name))
      end
      if type(t.actions) ~= "table" or #t.actions == 0 then
        problem(where, "rule '%s': 'actions' must be a non-empty list", tostring(name))
      end
      local actions = check_actions("rule", name, where, type(t.actions) == "table" and t.actions or {})
      if unique("rule", name, where) then
        decl.rules[#decl.rules + 1] = {
          name = name, segment = t.segment, stage = t.stage, when = t.when, once_per = t.once_per,
          every = every, every_text = t.every, actions = actions, where = where,
        }
      end
    end
  end

  --- on "event_type" { email "welcome", task {...}, within = "1d" }
  --- Fires once per matching event seen within `within` (default 1 day)
  --- before now; the event's time is part of each action's key.
  function g.on(event_type)
    local where = host.where(2)
    return function(t)
      if not check_keys("on", event_type, where, t, true) then return end
      check_function("on", event_type, where, "when", t.when, false)
      local within = check_duration("on", event_type, where, "within", t.within or "1d")
      local actions = check_actions("on", event_type, where, t)
      if #t == 0 then problem(where, "on '%s': needs at least one action", tostring(event_type)) end
      decl.handlers[#decl.handlers + 1] = {
        event = event_type, when = t.when, within = within, within_text = t.within or "1d",
        actions = actions, where = where,
      }
    end
  end

  --- schedule "nightly" { cron = "0 2 * * *", timezone = "America/Sao_Paulo", catch_up = "once",
  ---                      run = "evaluate_all" }
  --- The cron expression and the zone are checked by the host's own parser
  --- (the one the scheduler runs); after downtime a missed occurrence runs
  --- once (`catch_up = "once"`, the default) or not at all ("skip").
  function g.schedule(name)
    local where = host.where(2)
    return function(t)
      if not check_keys("schedule", name, where, t) then return end
      local ok, why = false, "'cron' must be a string like \"0 2 * * *\""
      if type(t.cron) == "string" then ok, why = cron.check(t.cron) end
      if not ok then problem(where, "schedule '%s': %s", tostring(name), why) end
      local tz = t.timezone or "UTC"
      ok, why = false, "'timezone' must be an IANA time zone name like \"America/Sao_Paulo\""
      if type(tz) == "string" then ok, why = cron.check_zone(tz) end
      if not ok then problem(where, "schedule '%s': %s", tostring(name), why) end
      local catch_up = t.catch_up or "once"
      if catch_up ~= "once" and catch_up ~= "skip" then
        problem(where, "schedule '%s': 'catch_up' must be \"once\" or \"skip\", got %s", tostring(name),
                type(catch_up) == "string" and ("'" .. catch_up .. "'") or type(catch_up))
      end
      if type(t.run) ~= "string" then problem(where, "schedule '%s': 'run' must name a job", tostring(name)) end
      if unique("schedule", name, where) then
        decl.schedules[#decl.schedules + 1] = { name = name, cron = t.cron, timezone = tz, catch_up = catch_up,
                                                run = t.run, where = where }
      end
    end
  end

  --- population "revenue" { collect = function(a, t) return a.acv end, summarize = function(values) ... end }
  --- A fact about the whole account set (DOMAIN S3 revenue tiers need
  --- percentiles): the host calls `collect` for every account first, then
  --- `summarize` once with the list of collected values; rules read the
  --- result as t.facts.<name>.
  function g.population(name)
    local where = host.where(2)
    return function(t)
      if not check_keys("population", name, where, t) then return end
      check_function("population", name, where, "collect", t.collect, true)
      check_function("population", name, where, "summarize", t.summarize, true)
      if unique("population", name, where) then
        decl.populations[#decl.populations + 1] = { name = name, collect = t.collect, summarize = t.summarize, where = where }
      end
    end
  end

  --- Playbook-wide values for message placeholders (DOMAIN C1): links,
  --- the sender's signature... A value is text, a number, a list of them,
  --- or a function(a, t, r) returning one. An account's attrs and an
  --- action's data override them (stdlib/tend/messages.lua).
  ---   message_vars { help_link = "https://help.example.com/start",
  ---                  survey_link = function(a) return "https://survey.example.com/" .. a.id end }
  function g.message_vars(t)
    local where = host.where(2)
    if type(t) ~= "table" then
      problem(where, "message_vars: expected a table of name = value, got %s", type(t))
      return
    end
    for _, k in ipairs(ordered(t)) do
      local v = t[k]
      if type(k) ~= "string" or not k:match("^[%a_][%w_]*$") then
        problem(where, "message_vars: '%s' is not a placeholder name", tostring(k))
      elseif k == "account" or k == "data" then
        problem(where, "message_vars: '%s' is reserved ({{%s.<field>}})", k, k)
      elseif message_where[k] then
        problem(where, "message_vars: '%s' is set twice (first at %s)", k, message_where[k])
      elseif type(v) ~= "string" and type(v) ~= "number" and type(v) ~= "table" and type(v) ~= "function" then
        problem(where, "message_vars: '%s' must be text, a number, a list or a function, got %s", k, type(v))
      else
        decl.message_vars[k], message_where[k] = v, where
      end
    end
  end

  -- The send policy ---------------------------------------------------
  -- Across every rule and channel (tend deliver applies it to each row it
  -- is about to send): caps over rolling windows per contact or account,
  -- and quiet hours in the account's time zone.

  --- Checks a policy item's keys; false when t is not a table.
  local function check_item_keys(kind, where, t)
    if type(t) ~= "table" then
      problem(where, "%s: expected a table of options, got %s", kind, type(t))
      return false
    end
    local allowed = set_of(KEYS[kind])
    for _, k in ipairs(ordered(t)) do
      if type(k) ~= "string" then
        problem(where, "%s: unexpected list item %s", kind, tostring(k))
      elseif not allowed[k] then
        problem(where, "%s: unknown key '%s' (known: %s)", kind, k, table.concat(KEYS[kind], ", "))
      end
    end
    return true
  end

  --- `kind = "email"` or `kind = { "email", "notify" }`: the outbox kinds
  --- an item applies to; nil (every kind) when absent.
  local function check_kinds(kind, where, v)
    if v == nil then return nil end
    local list = type(v) == "table" and v or { v }
    local known, out = set_of(SENT_KINDS), {}
    if (type(v) ~= "string" and type(v) ~= "table") or #list == 0 then
      problem(where, "%s: 'kind' must be %s, or a list of them", kind, table.concat(SENT_KINDS, ", "))
      return nil
    end
    for _, k in ipairs(list) do
      if not known[k] then
        problem(where, "%s: kind '%s' does not go through the outbox (known: %s)", kind, tostring(k),
                table.concat(SENT_KINDS, ", "))
      else
        out[#out + 1] = k
      end
    end
    return out
  end

  --- "HH:MM" -> minutes after midnight, or nil (reported).
  local function check_clock(kind, where, key, v)
    local h, m
    if type(v) == "string" then h, m = v:match("^(%d%d?):(%d%d)$") end
    h, m = tonumber(h), tonumber(m)
    if not h or h > 23 or m > 59 then
      problem(where, "%s: '%s' must be a time of day like \"20:00\", got %s", kind, key,
              type(v) == "string" and ("'" .. v .. "'") or type(v))
      return nil
    end
    return h * 60 + m
  end

  --- cap { per = "contact", kind = "email", max = 3, within = "7d" }: at
  --- most `max` messages (of those kinds) to one contact, or for one
  --- account, in any rolling window of `within`.
  function g.cap(t)
    local where = host.where(2)
    local item = setmetatable({ item = "cap", where = where, bad = true }, PolicyItem)
    if not check_item_keys("cap", where, t) then return item end
    local ok = true
    if t.per ~= "contact" and t.per ~= "account" then
      problem(where, "cap: 'per' must be \"contact\" or \"account\", got %s",
              t.per == nil and "nothing" or ("'" .. tostring(t.per) .. "'"))
      ok = false
    end
    if math.type(t.max) ~= "integer" or t.max < 1 then
      problem(where, "cap: 'max' must be a whole number >= 1, got %s", tostring(t.max))
      ok = false
    end
    local within
    if t.within == nil then
      problem(where, "cap: 'within' is required (a rolling window like \"7d\")")
      ok = false
    else
      local err
      within, err = host.duration(t.within)
      if not within or within <= 0 then
        problem(where, "cap: 'within': %s", err or "must be positive")
        within, ok = nil, false
      end
    end
    local nerrors = #problems
    local kinds = check_kinds("cap", where, t.kind)
    ok = ok and #problems == nerrors
    item.per, item.kinds, item.max, item.within, item.within_seconds = t.per, kinds, t.max, t.within, within
    item.bad = not ok
    return item
  end

  --- quiet_hours { from = "20:00", to = "08:00", timezone = "UTC" }: a
  --- message due between `from` and `to`, account-local time, waits for
  --- `to`. The zone is the account's attrs.timezone; `timezone` is the
  --- default for accounts without one.
  function g.quiet_hours(t)
    local where = host.where(2)
    local item = setmetatable({ item = "quiet_hours", where = where, bad = true }, PolicyItem)
    if not check_item_keys("quiet_hours", where, t) then return item end
    local nerrors = #problems
    local from = check_clock("quiet_hours", where, "from", t.from)
    local to = check_clock("quiet_hours", where, "to", t.to)
    if from and to and from == to then
      problem(where, "quiet_hours: 'from' and 'to' are the same time (%s): that is no quiet hours, or all day", t.from)
    end
    local tz = t.timezone or "UTC"
    if type(tz) ~= "string" or not tz:match("^[%w_][%w_+%-/]*$") or #tz > 64 then
      problem(where, "quiet_hours: 'timezone' must be an IANA time zone name like \"America/Sao_Paulo\", got %s",
              type(tz) == "string" and ("'" .. tz .. "'") or type(tz))
    end
    local kinds = check_kinds("quiet_hours", where, t.kind)
    item.from, item.to, item.timezone, item.kinds = t.from, t.to, tz, kinds
    item.bad = #problems ~= nerrors
    return item
  end

  --- send_policy { cap {...}, cap {...}, quiet_hours {...} }: once per playbook.
  function g.send_policy(t)
    local where = host.where(2)
    if type(t) ~= "table" then
      problem(where, "send_policy: expected { cap { ... }, quiet_hours { ... } }, got %s", type(t))
      return
    end
    for _, k in ipairs(ordered(t)) do
      if type(k) == "string" and k ~= "description" then
        problem(where, "send_policy: unknown key '%s' (list cap { ... } and quiet_hours { ... } items)", k)
      elseif type(k) ~= "string" and math.type(k) ~= "integer" then
        problem(where, "send_policy: unexpected key %s", tostring(k))
      end
    end
    local policy = { caps = {}, where = where }
    for i, item in ipairs(t) do
      if getmetatable(item) ~= PolicyItem then
        problem(where, "send_policy: item %d is %s, not cap { ... } or quiet_hours { ... }", i, type(item))
      elseif item.item == "quiet_hours" then
        if policy.quiet_hours then
          problem(item.where, "send_policy: quiet_hours is declared twice (first at %s)", policy.quiet_hours.where)
        elseif not item.bad then
          policy.quiet_hours = item
        end
      elseif not item.bad then
        policy.caps[#policy.caps + 1] = item
      end
    end
    if #t == 0 then problem(where, "send_policy: needs at least one cap { ... } or quiet_hours { ... }") end
    if decl.send_policy then
      problem(where, "send_policy is declared twice (first at %s)", decl.send_policy.where)
      return
    end
    decl.send_policy = policy
  end

  for kind in pairs(ACTION_KINDS) do
    if kind ~= "stage" then g[kind] = action_constructor(kind) end
  end
  g.stage = action_constructor("stage")

  local builder = { globals = g }

  --- A template file: "Subject: ..." on the first line, a blank line, the body.
  local function parse_template(path, text)
    local subject, body = text:match("^Subject:%s*([^\n]*)\n\r?\n?(.*)$")
    if not subject then
      problem(path .. ":1", "the first line must be 'Subject: ...', then a blank line and the body")
      return nil
    end
    local line = 0
    for l in (text .. "\n"):gmatch("([^\n]*)\n") do
      line = line + 1
      for _, name in ipairs(templates.placeholders(l)) do
        local root = name:match("^([^.]+)%.")
        if templates.VARS[name] == nil and root ~= "account" and root ~= "data" and decl.message_vars[name] == nil then
          problem(path .. ":" .. line, "unknown placeholder {{%s}} (known: account.<field>, data.<key>, a message_vars name, %s)",
                  name, sorted_keys(templates.VARS))
        end
      end
    end
    return { subject = subject, body = body }
  end

  --- DOMAIN C1-C4: the stdlib catalogue, overridden per name and locale by
  --- the playbook's templates/<locale>/<name>.txt files.
  local function catalogue_from(files)
    local catalogue = {}
    for name, entry in pairs(templates.CATALOGUE) do
      catalogue[name] = {}
      for locale, m in pairs(entry) do catalogue[name][locale] = m end
    end
    files = files or {}
    for _, locale in ipairs(ordered(files)) do
      local named = files[locale]
      for _, name in ipairs(ordered(named)) do
        local file = named[name]
        local m = parse_template(file.path, file.text)
        if m then
          catalogue[name] = catalogue[name] or {}
          catalogue[name][locale] = m
        end
      end
    end
    for _, name in ipairs(ordered(catalogue)) do
      if catalogue[name][templates.FALLBACK] == nil then
        problem("templates/" .. templates.FALLBACK .. "/" .. name .. ".txt", "missing: template '%s' needs an English text to fall back to (DOMAIN C4)", name)
      end
    end
    return catalogue
  end

  --- Validates the whole playbook; returns the compiled declarations and
  --- the list of problems ("file:line: message"), empty when all is well.
  ---@param files? table  templates/<locale>/<name>.txt: {[locale] = {[name] = {text, path}}}
  ---@return table decl, string[] problems
  function builder.finish(files)
    decl.templates = catalogue_from(files)
    local function check_emails(actions)
      for _, a in ipairs(actions) do
        if a.kind == "email" and type(a.template) == "string" and decl.templates[a.template] == nil then
          problem(a.where, "email '%s': no such template (the stdlib has %s; add templates/en/%s.txt)",
                  a.template, sorted_keys(templates.CATALOGUE), a.template)
        end
      end
    end
    for _, r in ipairs(decl.rules) do check_emails(r.actions) end
    for _, h in ipairs(decl.handlers) do check_emails(h.actions) end
    local segs = decl.segments
    if #segs > 0 then
      for i, s in ipairs(segs) do
        if s.when == nil and i < #segs then
          problem(s.where, "segment '%s' has no 'when' but is not last: the segments after it can never match", s.name)
        end
      end
      if segs[#segs].when ~= nil then
        problem(segs[#segs].where, "no fallback segment: the last segment ('%s') must have no 'when'", segs[#segs].name)
      end
    end
    -- Filters name declared segments and stages; they become sets.
    local function check_refs(what, r, key, kind)
      local v = r[key]
      if v == nil then return end
      local list = type(v) == "table" and v or { v }
      r[key] = set_of(list)
      for _, n in ipairs(list) do
        if not names[kind][n] then
          problem(r.where, "%s '%s': %s '%s' is not declared (declared: %s)", what, r.name, kind, tostring(n),
                  next(names[kind]) and sorted_keys(names[kind]) or "none")
        end
      end
    end
    for _, r in ipairs(decl.rules) do
      check_refs("rule", r, "segment", "segment")
      check_refs("rule", r, "stage", "stage")
    end
    for _, sc in ipairs(decl.scorecards) do check_refs("scorecard", sc, "stage", "stage") end
    for _, sc in ipairs(decl.scorecards) do
      if sc.blocked_band ~= nil then
        local ok = false
        for _, b in ipairs(sc.bands or {}) do ok = ok or b[2] == sc.blocked_band end
        if not ok then problem(sc.where, "scorecard '%s': blocked_band '%s' is not one of its bands", sc.name, tostring(sc.blocked_band)) end
      end
    end
    return decl, problems
  end

  return builder
end

M.ACTION_KINDS = ACTION_KINDS
M.Action = Action
M.SENT_KINDS = SENT_KINDS

return M
