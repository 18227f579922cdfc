-- The journey (DOMAIN J1-J4, J7): six stages, not a pipeline. An account is
-- in every stage whose condition holds (J2), and stage changes rest on
-- evidence (go-live confirmed, usage, the renewal date), never on the
-- calendar alone.
local segments = require "lib.segments"
local signals = require "lib.signals"

local MONTH_6, MONTH_12 = 180, 365 -- DOMAIN J1: expansion from month 6, advocacy from month 12

--- Days since the contract is at least `days`.
local function contract_older_than(days)
  return function(a, t)
    local d = signals.days_since_contract(a, t)
    return d ~= nil and d >= days
  end
end

-- DOMAIN J3: onboarding lasts until the customer confirms go-live.
local function onboarding(a, t) return signals.onboarding(a, t) end

-- DOMAIN J4: live, adoption not yet successful (70%+ seats, 3+ features).
local function adoption(a, t) return signals.live(t) and not signals.adopted(a, t) end

-- DOMAIN J4: live with broad, high usage; falling back re-enters adoption (J2).
local function retention(a, t) return signals.live(t) and signals.adopted(a, t) end

-- DOMAIN J1: expansion opportunities from month 6 of a live account.
local function expansion(a, t) return signals.live(t) and contract_older_than(MONTH_6)(a, t) end

-- DOMAIN J7: inside the segment's runway (enterprise 180, mid-market 90,
-- SMB 60 days before renewal_date) until the renewal is signed.
local function renewal(a, t)
  local days = signals.days_to_renewal(a, t)
  return days ~= nil and days >= 0 and days <= segments.RENEWAL[segments.of(a)].runway
         and not signals.renewed_recently(t)
end

-- DOMAIN J1: advocacy from month 12 of a live account.
local function advocacy(a, t) return signals.live(t) and contract_older_than(MONTH_12)(a, t) end

journey {
  stage "onboarding" { when = onboarding },
  stage "adoption"   { when = adoption },
  stage "retention"  { when = retention },
  stage "expansion"  { when = expansion },
  stage "renewal"    { when = renewal },
  stage "advocacy"   { when = advocacy },
}
