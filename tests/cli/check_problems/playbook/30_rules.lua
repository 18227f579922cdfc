rule "no_login" {
  stage = "onbording",
  when = function(a, t) return t.days_since("login") >= 7 end,
  every = "seven days",
  actions = { email "reengagement", { kind = "sms" }, "flag" },
}
rule "no_login" { when = function() return true end, actions = { flag "x" } }
on "contract_signed" { sms "welcome" }
