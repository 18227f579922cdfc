-- Renewal runway (DOMAIN J7): enterprise 120-180 days before renewal_date,
-- mid-market 60-90, SMB 30-60; starting inside 30 days is too late.
--
-- The milestone rules fire on their calendar day (the nightly run sees each
-- day once, and the email's dedupe key is that day), so one renewal opens
-- once. A missed night is replayed with `--now` for that night.
local segments = require "lib.segments"
local signals = require "lib.signals"

--- when(a, t) that holds on the renewal milestone `key` of the account's segment.
---@param key "prep"|"open"
local function milestone(key)
  return function(a, t)
    local days, seg = signals.days_to_renewal(a, t), segments.of(a)
    local day = segments.RENEWAL[seg][key]
    return day ~= nil and days == day,
           string.format("days to renewal %s (J7 %s %s: day %s)", signals.days_text(days), seg, key, tostring(day))
  end
end

-- DOMAIN J7: enterprise internal preparation at 180 days.
rule "renewal_prep" {
  segment = "enterprise",
  stage   = "renewal",
  when    = milestone("prep"),
  actions = { task { "Renewal preparation: value review, risks, proposal outline", owner = "csm" } },
}

-- DOMAIN J7: open the renewal conversation (enterprise 120, mid-market 90).
rule "renewal_open" {
  segment = { "enterprise", "mid_market" },
  stage   = "renewal",
  when    = milestone("open"),
  actions = {
    email "renewal_open",
    task { "Open the renewal conversation", owner = "csm" },
  },
}

-- DOMAIN J7, T3: SMB renewals are an automated campaign, opened at 60 days.
rule "renewal_campaign" {
  segment = "smb",
  stage   = "renewal",
  when    = milestone("open"),
  actions = { email "renewal_open" },
}

-- DOMAIN J7: inside 30 days and not renewed -> late; escalate to the CSM.
local function too_late(a, t)
  local days = signals.days_to_renewal(a, t)
  return days ~= nil and days <= segments.RENEWAL_TOO_LATE,
         string.format("days to renewal %s (J7: too late inside %d), not renewed",
                       signals.days_text(days), segments.RENEWAL_TOO_LATE)
end

rule "renewal_late" {
  stage   = "renewal",
  when    = too_late,
  every   = "7d",
  actions = {
    flag "renewal_late",
    task { "Renewal inside 30 days and not signed: escalate", owner = "csm" },
  },
}
