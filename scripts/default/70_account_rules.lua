-- Account-level rules across the journey: at risk (J5, P8), expansion
-- (J6) and advocacy (J8) candidates. Each one is human work: a flag to see
-- and a task for the CSM, never an automatic message to the customer (P8).
local signals = require "lib.signals"
local vitals = require "lib.health"

local NEAR_LIMIT = 0.90   -- DOMAIN J6: "usage near tier limits" = 90%+ of licensed seats active
local HIGH_HEALTH = 80    -- DOMAIN J6, J8: "high health"
local PROMOTER = 9        -- DOMAIN J8: NPS promoters are 9-10

-- DOMAIN J5, P8: health red -> at-risk intervention by the CSM.
local function red(a, t)
  local score, why = vitals.score(a, t)
  return score ~= nil and vitals.band(score) == "red", why
end

rule "at_risk" {
  when    = red,
  every   = "7d",
  actions = {
    flag "at_risk",
    task { "At-risk intervention", owner = "csm" },
  },
}

-- DOMAIN J6: usage near the seat limit, or high health with a promoter,
-- in a healthy (not red) account.
local function expansion_trigger(a, t)
  local score, why = vitals.score(a, t)
  local seats = signals.active_share(a, t, "active_users") or signals.active_share(a, t, signals.activity_field(a))
  local nps = signals.latest_data(t, "survey_response", "score")
  local near_limit = seats ~= nil and seats >= NEAR_LIMIT
  local advocate = score ~= nil and score >= HIGH_HEALTH and type(nps) == "number" and nps >= PROMOTER
  return score ~= nil and vitals.band(score) ~= "red" and (near_limit or advocate),
         string.format("%s; seats active %s (J6: %d%%); survey score %s",
                       why, seats and string.format("%d%%", math.floor(seats * 100 + 0.5)) or "unknown",
                       math.floor(NEAR_LIMIT * 100), tostring(nps or "unknown"))
end

rule "expansion_candidate" {
  stage   = "expansion",
  when    = expansion_trigger,
  every   = "30d",
  actions = {
    flag "expansion_candidate",
    task { "Qualify the expansion opportunity", owner = "csm" },
  },
}

-- DOMAIN J8: high health, a promoter, renewed at least once, champion still there.
local function advocate(a, t)
  local score, why = vitals.score(a, t)
  local nps = signals.latest_data(t, "survey_response", "score")
  local renewed, champion_left = t.count("renewal_signed"), t.count("champion_left", "90d")
  return score ~= nil and score >= HIGH_HEALTH and type(nps) == "number" and nps >= PROMOTER
         and renewed > 0 and champion_left == 0,
         string.format("%s; survey score %s (J8: %d+); renewals %d; champion left (90d) %d",
                       why, tostring(nps or "unknown"), PROMOTER, renewed, champion_left)
end

rule "advocate_candidate" {
  stage   = "advocacy",
  when    = advocate,
  every   = "90d",
  actions = {
    flag "advocate_candidate",
    task { "Invite to the advocacy programme", owner = "csm" },
  },
}
