-- The links the default emails carry (DOMAIN C1-C4): playbook-wide values
-- for placeholders no account history can give. REPLACE THEM: these are
-- under the reserved example.com domain (RFC 2606) so that no link of ours
-- ever reaches your customers; put your help centre, training and survey
-- addresses here. An account's attrs override any of them (an attrs
-- `help_link` for one customer's own guide), and an action's data
-- overrides both. Values that come from the account's history (kickoff
-- date, first check-in, feature, goal) are in the rules' data instead
-- (lib/messages.lua).
message_vars {
  -- C1 stuck/at-risk re-engagement (P3, P4) and P4 "how to use feature X".
  help_link     = "https://help.example.com/getting-started",
  -- P5: the next training module.
  training_link = "https://learn.example.com/onboarding",
  -- P7, O3: the day-30 "have you achieved your stated goal?" survey.
  survey_link   = "https://survey.example.com/goal",
}
