-- Product-led playbooks: the product does the onboarding (O4), people step in
-- for the accounts worth it (tier1, tier2), everyone else gets email (T3).
local O = tend.onboarding
local J = tend.journey

local TARGET_DAYS = O.target_days("product_led") -- DOMAIN O4: 7 days

local function signup_day(a, t) return a.contract_signed_at and t.days_since_date(a.contract_signed_at) end

--- The expansion stage's reason, for the trace (J6).
local function seats_used(a, t)
  return true, string.format("%g of %g seats active (J6: %d%%+)", t.latest("weekly_active"), a.licensed_users,
                             math.floor(J.EXPANSION.near_limit * 100))
end

-- O4 instead of P3: a day without a login is already a day lost.
rule "activation_nudge" {
  stage = "onboarding",
  when  = function(a, t)
    local day = signup_day(a, t)
    return day ~= nil and day >= 1 and t.days_since("login") >= 1
  end,
  every = "3d",
  actions = { email "reengagement" { data = function(a, t)
    local idle = t.days_since("login")
    return { days_idle = idle ~= math.huge and idle or signup_day(a, t) }
  end } },
}

-- O4: not activated after 7 days -> how-to email for tier3 ...
rule "activation_help" {
  segment = "tier3",
  stage   = "onboarding",
  when    = function(a, t) local day = signup_day(a, t) return day ~= nil and day >= TARGET_DAYS end,
  every   = "7d",
  -- The one feature that makes a sign-up active here (30_activation.lua).
  actions = { email "feature_howto" { data = { feature_name = "dashboards" } } },
}

-- ... and a call from a person for tier1 and tier2 (P8: human).
rule "activation_call" {
  segment  = { "tier1", "tier2" },
  stage    = "onboarding",
  when     = function(a, t) local day = signup_day(a, t) return day ~= nil and day >= TARGET_DAYS end,
  once_per = function(a) return a.contract_signed_at end,
  actions  = { task { "Activation call", owner = "sales_assist" } },
}

-- J6: near the seat limit -> an upgrade offer by email for tier3 (this
-- playbook's own template, templates/en/upgrade_offer.txt) ...
rule "upgrade_offer" {
  segment = "tier3",
  stage   = "expansion",
  when    = seats_used,
  every   = "30d",
  actions = { email "upgrade_offer" { data = function(a, t)
    return { seats = a.licensed_users, active = t.latest("weekly_active") }
  end } },
}

-- ... and an account executive for tier1 and tier2.
rule "expansion_call" {
  segment = { "tier1", "tier2" },
  stage   = "expansion",
  when    = seats_used,
  every   = "30d",
  actions = { flag "expansion_candidate", task { "Expansion call", owner = "account_exec" } },
}

-- J7 product-led: reminders inside the 14-30 day notice, once per renewal.
rule "renewal_reminder" {
  stage    = "renewal",
  when     = function(a, t)
    local m, why = J.renewal_milestone("product_led", J.days_to_renewal(a, t))
    return m ~= nil, why
  end,
  once_per = function(a) return a.renewal_date end,
  actions  = { email "renewal_open" { data = function(a) return { renewal_date = a.renewal_date } end } },
}
