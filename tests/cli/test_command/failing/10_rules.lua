segment "enterprise" { when = function(a) return (a.employees or 0) >= 1000 or (a.acv or 0) >= 50000 end, touch = "high" }
segment "mid_market" { when = function(a) return (a.acv or 0) >= 10000 end, touch = "low" }
segment "smb"        { touch = "tech" }

journey {
  stage "onboarding" { when = function(a, t) return t.days_since_date(a.contract_signed_at or "1970-01-01") <= 90 end },
}

scorecard "graduation" {
  dimension "technical"   { weight = 0.20, score = tend.assessed("technical") },
  dimension "knowledge"   { weight = 0.20, score = tend.assessed("knowledge") },
  dimension "usage"       { weight = 0.20, score = tend.assessed("usage") },
  dimension "value"       { weight = 0.30, score = tend.assessed("value") },
  dimension "stakeholder" { weight = 0.10, score = tend.assessed("stakeholder") },
  bands    = { {8.0, "ready"}, {6.0, "close"}, {0, "not_ready"} },
  blockers = { tend.flags.active_below(0.50) },
}

rule "no_login_7d" {
  stage = "onboarding",
  when  = function(a, t) return t.days_since("login") >= 7 end,
  every = "7d",
  actions = { email "reengagement", flag "needs_followup", notify { channel = "csm_slack" } },
}

on "contract_signed" { email "welcome", task { "Schedule kickoff", owner = "specialist" } }
schedule "nightly" { cron = "0 2 * * *", run = "evaluate_all" }
