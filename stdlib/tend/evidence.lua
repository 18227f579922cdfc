--- Reading evidence from an account's timeline, shared by the domain
--- modules: what the latest event of a kind said about something.
local host = require "tend.host"

local M = {}

local DAY = 86400

--- A window in whole days ("90d", "2w", or a number of days), else nil
--- (an hours window such as "24h" stays a rolling period).
local function whole_days(window)
  if type(window) == "number" then return math.tointeger(window) end
  if type(window) ~= "string" or not window:match("^%s*%d+%s*[dw]%s*$") then return nil end
  local secs = host.duration(window)
  return secs and secs // DAY or nil
end

--- The events of `type_` within the last `window` counted in calendar
--- days (UTC), as `t.days_since` counts: "90d" holds every event from the
--- day 90 days before today on, whatever its clock time, so an event at the
--- same time of day 90 days ago is inside. Oldest first. An hours window
--- ("24h") is a rolling period; no window means every event.
---@param t table  the timeline
---@param type_ string
---@param window? string|number
---@return table[] events
function M.within(t, type_, window)
  if window == nil then return t.events(type_) end
  local days = whole_days(window)
  if days == nil then return t.events(type_, window) end
  local from = host.date(t.now - days * DAY) -- the first calendar day inside
  local out = {}
  for _, e in ipairs(t.events(type_, days + 1)) do
    if e.at:sub(1, 10) >= from then out[#out + 1] = e end
  end
  return out
end

--- How many events of `type_` fall within `window` calendar days (see within).
---@param t table
---@param type_ string
---@param window? string|number
---@return integer
function M.count_within(t, type_, window) return #M.within(t, type_, window) end

--- The newest value of data[key] among events of `type_` (within `window`
--- when given), and the event it came from; nil when no event has it.
---@param t table  the timeline
---@param type_ string
---@param key string
---@param window? string|number
---@return any value, table|nil event
function M.latest_data(t, type_, key, window)
  local list = t.events(type_, window)
  for i = #list, 1, -1 do
    local d = list[i].data
    if d ~= nil and d[key] ~= nil then return d[key], list[i] end
  end
  return nil
end

return M
