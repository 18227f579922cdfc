-- Rules: when a condition on the timeline holds, flag and act.
rule "no_login_7d" {
  stage = "onboarding",
  when  = function(a, t) return t.days_since("login") >= 7 end,
  every = "7d",
  actions = { email "reengagement", flag "needs_followup", notify { channel = "csm_slack" } },
}

rule "ticket_spike" {
  when    = function(a, t) return t.count("support_ticket", "30d") >= 3 end,
  actions = { flag "support_risk", task { "Review open tickets", owner = "csm" } },
}

rule "low_adoption" {
  segment = { "enterprise", "mid_market" },
  stage   = "adoption",
  when    = function(a, t)
    local weekly = t.avg("weekly_active", "7d")
    return weekly ~= nil and (a.licensed_users or 0) > 0 and weekly / a.licensed_users < 0.40
  end,
  every   = "7d",
  actions = { email "adoption_tips" { to = "csm" }, flag "low_adoption" },
}

rule "usage_drop" {
  when    = function(a, t)
    local tr = t.trend("daily_active", "7d")
    return tr ~= nil and tr < -0.20
  end,
  actions = { flag "usage_drop", notify { channel = "csm_slack" } },
}

rule "renewal_at_risk" {
  stage   = "renewal",
  when    = function(a, t)
    local weekly = t.avg("weekly_active", "14d") or 0
    return t.days_since("login") > 14 or weekly < 0.5 * (a.licensed_users or 0)
  end,
  every   = "7d",
  actions = { flag "renewal_risk", task { "Renewal risk review", owner = "csm", due = "7d" } },
}

rule "feature_tour" {
  stage   = "onboarding",
  when    = function(a, t) return t.count("feature_used", "14d") < 2 end,
  actions = { email "feature_tour" },
}

on "contract_signed" { email "welcome", task { "Schedule kickoff", owner = "specialist" } }

schedule "nightly" { cron = "0 2 * * *", run = "evaluate_all" }
