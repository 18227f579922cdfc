--- Calendar arithmetic on ISO-8601 dates. The playbook has no clock of its
--- own: "today" always comes from the host (`t.today`); these functions only
--- count days between dates the host or the input data gave.
---
--- Why not `t.days_until(date)`: the host counts whole 24-hour periods from
--- `now`, so at 02:00 a renewal 120 calendar days away reads 119. Rules such
--- as "open the renewal 120 days before" (DOMAIN J7) mean calendar days.
local M = {}

--- Days since 1970-01-01 of the date part of an ISO-8601 date or time
--- (the civil-from-days inverse, proleptic Gregorian calendar).
---@param text string|nil  "YYYY-MM-DD" or "YYYY-MM-DDThh:mm:ssZ"
---@return integer|nil
function M.day_number(text)
  if type(text) ~= "string" then return nil end
  local y, m, d = text:match("^(%d%d%d%d)-(%d%d)-(%d%d)")
  if not y then return nil end
  y, m, d = tonumber(y), tonumber(m), tonumber(d)
  if m <= 2 then y = y - 1 end
  local era = y // 400
  local yoe = y - era * 400
  local doy = (153 * ((m + 9) % 12) + 2) // 5 + d - 1
  local doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
  return era * 146097 + doe - 719468
end

--- Calendar days from `from` to `to`: positive when `to` is later, nil
--- when either date is missing or not a date.
---@param from string|nil
---@param to string|nil
---@return integer|nil
function M.days_between(from, to)
  local f, t = M.day_number(from), M.day_number(to)
  if not f or not t then return nil end
  return t - f
end

return M
