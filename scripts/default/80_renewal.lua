-- The renewal runway (DOMAIN J7): enterprise 120-180 days before
-- renewal_date, mid-market 60-90, SMB 30-60; starting inside 30 days is too
-- late. Each milestone rule holds while its milestone is the one due
-- (tend.journey.renewal_milestone) and acts once per renewal date, so a
-- missed night is caught up the next one and nothing is sent twice.
local J = tend.journey

--- when(a, t, r): the milestone `name` is the one due for the segment.
local function due(name)
  return function(a, t, r)
    local m, why = J.renewal_milestone(r.segment, J.days_to_renewal(a, t))
    return m ~= nil and m.name == name, why
  end
end

local function renewal_date(a) return a.renewal_date:sub(1, 10) end

--- Task data: the J7 forecast (commit / probable / at risk) and why.
local function forecast(a, _, r)
  local category, why = J.renewal_forecast(r)
  return { renewal_date = renewal_date(a), forecast = category, why = why }
end

-- J7: enterprise internal preparation from 180 days.
rule "renewal_prep" {
  segment  = "enterprise",
  stage    = "renewal",
  when     = due("internal_prep"),
  once_per = renewal_date,
  actions  = { task { "Renewal preparation", owner = "csm", data = forecast } },
}

-- J7: open the renewal conversation (enterprise 120, mid-market 90 days):
-- the email, and the conversation itself for the CSM (P8).
rule "renewal_open" {
  segment  = { "enterprise", "mid_market" },
  stage    = "renewal",
  when     = due("open_conversation"),
  once_per = renewal_date,
  actions  = {
    email "renewal_open" { data = function(a) return { renewal_date = renewal_date(a) } end },
    task { "Open the renewal conversation", owner = "csm", data = forecast },
  },
}

-- J7: enterprise proposal at 90 days, negotiation at 60.
rule "renewal_proposal" {
  segment  = "enterprise",
  stage    = "renewal",
  when     = due("proposal"),
  once_per = renewal_date,
  actions  = { task { "Send the renewal proposal", owner = "csm", data = forecast } },
}

rule "renewal_negotiation" {
  segment  = "enterprise",
  stage    = "renewal",
  when     = due("negotiation"),
  once_per = renewal_date,
  actions  = { task { "Negotiate the renewal", owner = "csm", data = forecast } },
}

-- J7, T3: SMB renewals are an automated campaign, opened at 60 days.
rule "renewal_campaign" {
  segment  = "smb",
  stage    = "renewal",
  when     = due("open_conversation"),
  once_per = renewal_date,
  actions  = { email "renewal_open" { data = function(a) return { renewal_date = renewal_date(a) } end } },
}

-- J7: inside 30 days and not signed -> late; the CSM escalates.
rule "renewal_late" {
  stage   = "renewal",
  when    = function(a, t)
    local days = J.days_to_renewal(a, t)
    return J.too_late(days), string.format("%d days to renewal, not signed (J7: too late inside %d)", days, J.RENEWAL_TOO_LATE)
  end,
  every   = "7d",
  actions = {
    flag "renewal_late",
    task { "Renewal late: escalate", owner = "csm", data = forecast },
  },
}
