segment "all" { touch = "tech" }
-- "nudge" exists only as this playbook's own template; "welcome" comes from
-- the stdlib catalogue, overridden here in Malay.
rule "nudge" { when = function() return true end, actions = { email "nudge", email "welcome" } }
