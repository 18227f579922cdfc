-- Account-level rules across the journey: at risk (DOMAIN J5, P8), expansion
-- (J6) and advocacy (J8) candidates. Each is human work: a flag to see and a
-- task for the CSM, never an automatic message to the customer (P8).
local J = tend.journey
local vitals = require "lib.health"

-- DOMAIN J5, P8: health red -> at-risk intervention by the CSM.
rule "at_risk" {
  when = function(a, t, r)
    if r.health == nil then return false, "no health data" end
    if r.health.band ~= "red" then return false, string.format("health %d (%s)", r.health.score, r.health.band) end
    return true, select(2, vitals.score(a, t))
  end,
  every   = "7d",
  actions = {
    flag "at_risk",
    task { "At-risk intervention", owner = "csm", data = function(a, t, r)
      return { health = r.health, regressions = J.regressions(a, t, r) }
    end },
  },
}

--- DOMAIN J6: the expansion triggers seen. Renewal timing only says when to
--- bundle an expansion, so it is not a trigger by itself here: the signals
--- are read without the segment that would add it.
local function triggers(a, t, r)
  return J.expansion_signals(a, t, { health = r.health, flags = r.flags })
end

rule "expansion_candidate" {
  stage = "expansion",
  when  = function(a, t, r)
    if r.health and r.health.band == "red" then return false, "health red: at risk first" end
    local found = triggers(a, t, r)
    return #found > 0, #found > 0 and table.concat(found, "; ") .. " (J6)" or "no expansion trigger (J6)"
  end,
  every   = "30d",
  actions = {
    flag "expansion_candidate",
    task { "Qualify the expansion", owner = "csm", data = function(a, t, r) return { triggers = triggers(a, t, r) } end },
  },
}

-- DOMAIN J8: an NPS promoter with high health who renewed at least once.
rule "advocate_candidate" {
  stage   = "advocacy",
  when    = function(a, t, r) return J.advocacy_candidate(a, t, r) end,
  every   = "90d",
  actions = {
    flag "advocate_candidate",
    task { "Invite to advocacy", owner = "csm", data = function(a, t, r)
      return { signals = (J.advocacy_signals(a, t, r)), asks = { "reference call", "case study", "referral" } }
    end },
  },
}
