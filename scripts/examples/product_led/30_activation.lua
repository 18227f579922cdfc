-- Activation instead of graduation (DOMAIN G1-G3 with other weights): no
-- CSM assesses a self-serve account, so three signal-based dimensions.
-- Same bands as the default (tend.graduation.BANDS), other weights:
--   usage      50%  G5 targets for the product type
--   knowledge  20%  in-app tutorials passed (G6: 80%+)
--   value      30%  the in-app "did you get what you came for?" survey
local G = tend.graduation

scorecard "activation" {
  stage = "onboarding",
  dimension "usage"     { weight = 0.50, score = G.usage_score() },
  dimension "knowledge" { weight = 0.20, score = G.knowledge_check { events = { "tutorial_completed" } } },
  dimension "value"     { weight = 0.30, score = G.score("value") },
  bands    = G.BANDS,
  blockers = { active_below_half = G.BLOCKERS.active_below_half }, -- G4
}
