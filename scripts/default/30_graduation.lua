-- The graduation (onboarding completion) scorecard, DOMAIN G1-G6, with
-- tend.graduation. Computed for onboarding accounts only: once J3's evidence
-- ends onboarding, the account has graduated and the scorecard is history.
--
-- A dimension is the latest CSM `assessment` event for it (0-10) when there
-- is one, else derived from signals (tend.graduation.score):
--   technical    10 once go_live_confirmed
--   knowledge    10 x the share of users whose latest knowledge check
--                (training_completed / knowledge_check data.score) passed 80% (G6)
--   usage        active shares against the product type's G5 targets, the
--                weakest counting; else whichever active count the account
--                reports (active_users, weekly, monthly) against the generic 70%
--   value        the goal survey (survey_response data.goal_achieved: 10 or 0),
--                else 10 after a value_documented event; the customer's
--                latest "not achieved" makes it 0 whatever was assessed (G11)
--   stakeholder  the latest survey_response data.score, else its data.nps (0-10)
-- A dimension with no signal is unknown: null in the result, 0 in the total.
local G = tend.graduation
local account = require "lib.account"
local red_flags = require "lib.red_flags"

local assessed_usage = G.assessed("usage")
local function usage(a, t) return assessed_usage(a, t) or account.usage_score(a, t) end

scorecard "graduation" {
  stage = "onboarding",
  dimension "technical"   { weight = G.WEIGHTS.technical,   score = G.score("technical") },   -- 20%
  dimension "knowledge"   { weight = G.WEIGHTS.knowledge,   score = G.score("knowledge") },   -- 20%
  dimension "usage"       { weight = G.WEIGHTS.usage,       score = usage },                  -- 20%
  dimension "value"       { weight = G.WEIGHTS.value,       score = G.score("value") },       -- 30%, the customer's to confirm (G11)
  dimension "stakeholder" { weight = G.WEIGHTS.stakeholder, score = G.score("stakeholder") }, -- 10%
  bands = G.BANDS, -- DOMAIN G3, G13: ready >= 8.0, close >= 6.0, not_ready below, on the total as shown
  -- DOMAIN G10: all five green: a dimension under 6.0 keeps a total of
  -- 8.0+ at close and the blocker names it.
  floor = G.FLOOR,
  -- DOMAIN G4, G11: red flags hold a score of 8.0+ at close (lib/red_flags.lua).
  blockers = red_flags.BLOCKERS,
}
