--- Reading evidence from an account's timeline, shared by the domain
--- modules: what the latest event of a kind said about something.
local M = {}

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
