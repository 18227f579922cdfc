-- Acting on the book's facts: work for leadership and the CSMs (P8), never
-- a message to a customer.
local touch = tend.touch

-- Specialists on staff (a company setting; compare with T5's plan).
local SPECIALISTS_ON_STAFF = 3

-- DOMAIN T4: the CSM model each touch model gets; a CSM carrying both
-- high and low touch is a generalist (up to about 200).
local ROLE = { high = "csm_high", low = "csm_low" }

local function csm_load(a, t)
  local book = t.facts.csm_book and a.csm and t.facts.csm_book[a.csm]
  if book == nil then return nil, "no CSM or no book" end
  local role = (book.high > 0 and book.low > 0) and "generalist" or ROLE[book.high > 0 and "high" or "low"]
  local count = role == "generalist" and book.all or book[book.high > 0 and "high" or "low"]
  return touch.load_status(role, count)
end

-- T4: this account's CSM carries more than the role's maximum.
rule "csm_over_capacity" {
  when = function(a, t)
    local status, why = csm_load(a, t)
    return status == "over", why or "no CSM"
  end,
  every = "30d",
  actions = {
    flag "csm_over_capacity",
    task { "Rebalance the CSM's book", owner = "leadership", data = function(a, t)
      return { csm = a.csm, load = select(2, csm_load(a, t)) }
    end },
  },
}

-- T5: the intake of the last quarter needs more specialists than are on
-- staff: each onboarding is at risk of waiting.
rule "onboarding_capacity_short" {
  stage = "onboarding",
  when = function(_, t)
    local intake = t.facts.intake
    if intake == nil then return false, "no book" end
    return intake.specialists > SPECIALISTS_ON_STAFF,
           string.format("%d new last quarter need %d specialists, %d on staff (T5): %s", intake.new_per_quarter,
                         intake.specialists, SPECIALISTS_ON_STAFF, table.concat(intake.working, "; "))
  end,
  actions = { flag "onboarding_capacity_short" },
}

-- J9: an onboarding already longer than its segment's median completed
-- onboarding (stage velocity), to look at before it is late.
rule "slower_than_cohort" {
  stage = "onboarding",
  when = function(a, t, r)
    local cohort = t.facts.journey and t.facts.journey[r.segment]
    if cohort == nil or cohort.median_days == nil or a.contract_signed_at == nil then
      return false, "no completed onboardings in the segment yet (J9)"
    end
    local days = t.days_since_date(a.contract_signed_at)
    return days > cohort.median_days,
           string.format("day %d of onboarding; the %s median is %.0f days over %d completed (J9)", days, r.segment,
                         cohort.median_days, cohort.completed)
  end,
  actions = { flag "slower_than_cohort" },
}
