--- A fake timeline for the domain specs: events (oldest first, each
--- {type, at, data, user}), the latest metric values and week-over-week
--- trends, answering the same questions as the host's tend.timeline.
local host = require "tend.host"

local DEFAULT_TODAY = "2026-11-22T02:00:00Z"

---@param spec? {today?: string, events?: table[], latest?: table, trend?: table}
return function(spec)
  spec = spec or {}
  local now = host.parse_time(spec.today or DEFAULT_TODAY)
  local function day(iso) return host.parse_time(iso) // 86400 end
  local t = { now = now, today = host.date(now) }
  function t.events(type_, window)
    local from = window and now - host.duration(window) or nil
    local out = {}
    for _, e in ipairs(spec.events or {}) do
      local at = host.parse_time(e.at)
      if e.type == type_ and at <= now and (from == nil or at > from) then
        out[#out + 1] = { type = e.type, at = e.at, user = e.user, data = e.data or {} }
      end
    end
    return out
  end
  function t.count(type_, window) return #t.events(type_, window) end
  function t.last(type_, match)
    local list = t.events(type_)
    for i = #list, 1, -1 do
      local ok = true
      for k, v in pairs(match or {}) do ok = ok and list[i].data[k] == v end
      if ok then return list[i] end
    end
  end
  function t.latest(field) return (spec.latest or {})[field] end
  function t.trend(field) return (spec.trend or {})[field] end
  function t.days_until(date) return day(date) - now // 86400 end
  function t.days_since_date(date) return now // 86400 - day(date) end
  return t
end
