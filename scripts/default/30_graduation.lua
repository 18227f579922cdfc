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
--                else 10 after a value_documented event
--   stakeholder  the latest survey_response data.score, else its data.nps (0-10)
-- A dimension with no signal is unknown: null in the result, 0 in the total.
local G = tend.graduation
local account = require "lib.account"

local assessed_usage = G.assessed("usage")
local function usage(a, t) return assessed_usage(a, t) or account.usage_score(a, t) end

-- DOMAIN G4: under 50% of users active, counted on the product's metric
-- (or on whichever active count the account reports).
local function active_below_half(a, t)
  return G.active_below(G.ACTIVE_BLOCKER, account.active_metric(a, t))(a, t)
end

scorecard "graduation" {
  stage = "onboarding",
  dimension "technical"   { weight = G.WEIGHTS.technical,   score = G.score("technical") },   -- 20%
  dimension "knowledge"   { weight = G.WEIGHTS.knowledge,   score = G.score("knowledge") },   -- 20%
  dimension "usage"       { weight = G.WEIGHTS.usage,       score = usage },                  -- 20%
  dimension "value"       { weight = G.WEIGHTS.value,       score = G.score("value") },       -- 30%
  dimension "stakeholder" { weight = G.WEIGHTS.stakeholder, score = G.score("stakeholder") }, -- 10%
  bands = G.BANDS, -- DOMAIN G3: ready >= 8.0, close >= 6.0, not_ready below
  -- DOMAIN G4: red flags hold a score of 8.0+ at close. "Success criteria
  -- unmet / value not articulated" needs no blocker here: without value
  -- evidence the value dimension (30%) counts 0 and the total stays <= 7.0.
  blockers = {
    active_below_half    = active_below_half,
    usage_declining      = G.BLOCKERS.usage_declining,      -- weekly actives down 10%+ week over week
    champion_left        = G.BLOCKERS.champion_left,        -- within 90 days
    unresolved_technical = G.BLOCKERS.unresolved_technical, -- open technical or high/critical tickets
  },
}
