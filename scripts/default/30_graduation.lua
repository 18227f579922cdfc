-- The graduation (onboarding completion) scorecard, DOMAIN G1-G5.
--
-- Each dimension is the latest CSM `assessment` event for it (0-10) when
-- there is one, else a score derived from signals (lib/graduation.lua):
--   technical    10 once go_live_confirmed, else unknown
--   knowledge    latest training_completed data.score (%) against the 80% pass mark (G6)
--   usage        active shares against the product type's targets (G5)
--   value        latest survey_response data.goal_achieved: true 10, false 0 (P7)
--   stakeholder  latest survey_response data.score (0-10)
-- An unknown dimension counts 0 in the total (and shows as null).
local graduation = require "lib.graduation"

local W = graduation.WEIGHTS -- DOMAIN G2: 20/20/20/30/10

scorecard "graduation" {
  dimension "technical"   { weight = W.technical,   score = graduation.score("technical") },
  dimension "knowledge"   { weight = W.knowledge,   score = graduation.score("knowledge") },
  dimension "usage"       { weight = W.usage,       score = graduation.score("usage") },
  dimension "value"       { weight = W.value,       score = graduation.score("value") },
  dimension "stakeholder" { weight = W.stakeholder, score = graduation.score("stakeholder") },
  bands    = graduation.BANDS,    -- DOMAIN G3: ready >= 8.0, close >= 6.0, else not_ready
  blockers = graduation.BLOCKERS, -- DOMAIN G4: < 50% active, usage declining, champion left
}
