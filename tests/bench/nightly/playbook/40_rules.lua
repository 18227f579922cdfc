-- Rules on timeline signals: an email (at most once a week), a task, a flag.
-- The email is rendered (address, subject, text in the account's locale),
-- as a real playbook's would be.
message_vars { help_link = "https://help.example.com/start" }

rule "reengage" {
  when    = function(a, t) return t.days_since("login") >= 14 end,
  every   = "7d",
  actions = {
    email "reengagement" { data = function(a, t)
      local idle = t.days_since("login") -- math.huge: never logged in
      return { days_idle = idle < math.huge and idle or "many" }
    end },
    flag "inactive",
  },
}

rule "low_adoption" {
  segment = { "enterprise", "mid_market" },
  when    = function(a, t)
    local weekly = t.avg("weekly_active", "7d")
    return weekly ~= nil and (a.licensed_users or 0) > 0 and weekly / a.licensed_users < 0.40
  end,
  every   = "14d",
  actions = { task { "Adoption review", owner = "csm" } },
}

rule "at_risk" {
  when    = function(a, t, r)
    return r.scorecards.success.band == "at_risk" or t.count("support_ticket", "30d") >= 3
  end,
  actions = { flag "at_risk" },
}

schedule "nightly" { cron = "0 2 * * *", run = "evaluate_all" }
