segment "all" { touch = "tech" }
rule "r" { when = function() return true end, actions = { email "nudge", email "no_such_template" } }
