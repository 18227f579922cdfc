segment "all" { touch = "tech" }

rule "big_deal" {
  -- Breaks for accounts without acv: the error names this file and line,
  -- that account gets `errors`, the others go on.
  when = function(a) return a.acv > 10000 end,
  actions = { flag "big" },
}

rule "slow" {
  when = function(a) if a.id == "loop" then while true do end end return false end,
  actions = { flag "never" },
}
