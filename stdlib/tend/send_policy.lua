--- The send policy's constructors (`send_policy`, `cap`, `quiet_hours`):
--- across every rule and channel, how often and when tend may reach a
--- customer. tend deliver applies the policy to each row it is about to
--- send: caps over rolling windows per contact or account, and quiet hours
--- in the account's time zone. Each function takes the playbook's builder
--- (tend.dsl), where the playbook wrote the call, and its table; problems
--- go to the builder like every other declaration's.
local host = require "tend.host"

local M = {}

--- The marker of `cap { }` and `quiet_hours { }` items (getmetatable(x) == PolicyItem).
local PolicyItem = {}

--- A new `cap` or `quiet_hours` item, `bad` when t is not a table of options.
local function new_item(b, kind, where, t)
  local ok = b:check_item_keys(kind, where, t)
  return setmetatable({ item = kind, where = where, bad = not ok }, PolicyItem)
end

--- `kind = "email"` or `kind = { "email", "notify" }`: the outbox kinds
--- an item applies to; nil (every kind) when absent.
local function check_kinds(b, kind, where, v)
  if v == nil then return nil end
  local sent = b.sent_kinds
  local list = type(v) == "table" and v or { v }
  local known, out = b.set_of(sent), {}
  if (type(v) ~= "string" and type(v) ~= "table") or #list == 0 then
    b:problem(where, "%s: 'kind' must be %s, or a list of them", kind, table.concat(sent, ", "))
    return nil
  end
  for _, k in ipairs(list) do
    if not known[k] then
      b:problem(where, "%s: kind '%s' does not go through the outbox (known: %s)", kind, tostring(k),
                table.concat(sent, ", "))
    else
      out[#out + 1] = k
    end
  end
  return out
end

--- "HH:MM" -> minutes after midnight, or nil (reported).
local function check_clock(b, kind, where, key, v)
  local h, m
  if type(v) == "string" then h, m = v:match("^(%d%d?):(%d%d)$") end
  h, m = tonumber(h), tonumber(m)
  if not h or h > 23 or m > 59 then
    b:problem(where, "%s: '%s' must be a time of day like \"20:00\", got %s", kind, key,
              type(v) == "string" and ("'" .. v .. "'") or type(v))
    return nil
  end
  return h * 60 + m
end

--- A rolling window ("7d") in seconds, or nil (reported).
local function check_window(b, where, v)
  if v == nil then
    b:problem(where, "cap: 'within' is required (a rolling window like \"7d\")")
    return nil
  end
  local within, err = host.duration(v)
  if not within or within <= 0 then
    b:problem(where, "cap: 'within': %s", err or "must be positive")
    return nil
  end
  return within
end

--- cap { per = "contact", kind = "email", max = 3, within = "7d" }: at
--- most `max` messages (of those kinds) to one contact, or for one
--- account, in any rolling window of `within`.
---@param b tend.Builder
---@param where string
---@param t table
---@return table item  marked PolicyItem; `bad` when it was reported
function M.cap(b, where, t)
  local item = new_item(b, "cap", where, t)
  if item.bad then return item end
  local nerrors = #b.problems
  if t.per ~= "contact" and t.per ~= "account" then
    b:problem(where, "cap: 'per' must be \"contact\" or \"account\", got %s",
              t.per == nil and "nothing" or ("'" .. tostring(t.per) .. "'"))
  end
  if math.type(t.max) ~= "integer" or t.max < 1 then
    b:problem(where, "cap: 'max' must be a whole number >= 1, got %s", tostring(t.max))
  end
  local within = check_window(b, where, t.within)
  local kinds = check_kinds(b, "cap", where, t.kind)
  item.per, item.kinds, item.max, item.within, item.within_seconds = t.per, kinds, t.max, t.within, within
  item.bad = #b.problems ~= nerrors
  return item
end

--- quiet_hours { from = "20:00", to = "08:00", timezone = "UTC" }: a
--- message due between `from` and `to`, account-local time, waits for
--- `to`. The zone is the account's attrs.timezone; `timezone` is the
--- default for accounts without one.
---@param b tend.Builder
---@param where string
---@param t table
---@return table item
function M.quiet_hours(b, where, t)
  local item = new_item(b, "quiet_hours", where, t)
  if item.bad then return item end
  local nerrors = #b.problems
  local from = check_clock(b, "quiet_hours", where, "from", t.from)
  local to = check_clock(b, "quiet_hours", where, "to", t.to)
  if from and to and from == to then
    b:problem(where, "quiet_hours: 'from' and 'to' are the same time (%s): that is no quiet hours, or all day", t.from)
  end
  local tz = t.timezone or "UTC"
  if type(tz) ~= "string" or not tz:match("^[%w_][%w_+%-/]*$") or #tz > 64 then
    b:problem(where, "quiet_hours: 'timezone' must be an IANA time zone name like \"America/Sao_Paulo\", got %s",
              type(tz) == "string" and ("'" .. tz .. "'") or type(tz))
  end
  local kinds = check_kinds(b, "quiet_hours", where, t.kind)
  item.from, item.to, item.timezone, item.kinds = t.from, t.to, tz, kinds
  item.bad = #b.problems ~= nerrors
  return item
end

--- send_policy { cap {...}, cap {...}, quiet_hours {...} }: once per
--- playbook; recorded as the builder's decl.send_policy.
---@param b tend.Builder
---@param where string
---@param t table
function M.send_policy(b, where, t)
  b:not_sealed("send_policy", where)
  if type(t) ~= "table" then
    b:problem(where, "send_policy: expected { cap { ... }, quiet_hours { ... } }, got %s", type(t))
    return
  end
  for _, k in ipairs(b.ordered(t)) do
    if type(k) == "string" and k ~= "description" then
      b:problem(where, "send_policy: unknown key '%s' (list cap { ... } and quiet_hours { ... } items)", k)
    elseif type(k) ~= "string" and math.type(k) ~= "integer" then
      b:problem(where, "send_policy: unexpected key %s", tostring(k))
    end
  end
  local policy = { caps = {}, where = where }
  for i, item in ipairs(t) do
    if getmetatable(item) ~= PolicyItem then
      b:problem(where, "send_policy: item %d is %s, not cap { ... } or quiet_hours { ... }", i, type(item))
    elseif item.item == "quiet_hours" then
      if policy.quiet_hours then
        b:problem(item.where, "send_policy: quiet_hours is declared twice (first at %s)", policy.quiet_hours.where)
      elseif not item.bad then
        policy.quiet_hours = item
      end
    elseif not item.bad then
      policy.caps[#policy.caps + 1] = item
    end
  end
  if #t == 0 then b:problem(where, "send_policy: needs at least one cap { ... } or quiet_hours { ... }") end
  if b.decl.send_policy then
    b:problem(where, "send_policy is declared twice (first at %s)", b.decl.send_policy.where)
    return
  end
  b.decl.send_policy = policy
end

return M
