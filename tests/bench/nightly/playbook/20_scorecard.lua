-- Success scorecard: three CSM assessments (the latest rating of each
-- dimension) and two usage measures from the daily metrics.
local function assessed(dimension)
  local match = { dimension = dimension }
  return function(a, t)
    local e = t.last("assessment", match)
    return e and e.data.score
  end
end

-- Latest weekly_active against licensed users: 70% active scores 10.
local function adoption(a, t)
  local weekly, licensed = t.latest("weekly_active"), a.licensed_users
  if not weekly or not licensed or licensed <= 0 then return nil end
  return math.min(10, 10 * (weekly / licensed) / 0.70)
end

-- Daily against weekly actives over 30 days: half of them every day scores 10.
local function engagement(a, t)
  local daily, weekly = t.avg("daily_active", "30d"), t.avg("weekly_active", "30d")
  if not daily or not weekly or weekly <= 0 then return nil end
  return math.min(10, 10 * (daily / weekly) / 0.50)
end

scorecard "success" {
  dimension "technical"   { weight = 0.20, score = assessed("technical") },
  dimension "value"       { weight = 0.25, score = assessed("value") },
  dimension "stakeholder" { weight = 0.15, score = assessed("stakeholder") },
  dimension "adoption"    { weight = 0.25, score = adoption },
  dimension "engagement"  { weight = 0.15, score = engagement },
  bands    = { { 7.0, "healthy" }, { 4.0, "watch" }, { 0, "at_risk" } },
  blockers = { tend.flags.active_below(0.40) }, -- keeps an account out of "healthy"
}
