-- Health 0-100: adoption, login recency, support load, usage trend.
health {
  score = function(a, t)
    local s = 0
    local ratio = tend.active_ratio(a, t) -- latest weekly_active / licensed_users
    if ratio then s = s + 40 * math.min(1, ratio / 0.70) end
    local idle = t.days_since("login")
    if idle <= 3 then s = s + 25 elseif idle <= 7 then s = s + 15 elseif idle <= 14 then s = s + 5 end
    s = s + math.max(0, 15 - 5 * t.count("support_ticket", "30d"))
    local tr = t.trend("weekly_active", "7d")
    if tr == nil then s = s + 10 else s = s + 20 * math.max(0, math.min(1, 0.5 + 2 * tr)) end
    return s
  end,
  bands = { { 70, "green" }, { 40, "yellow" }, { 0, "red" } },
}
