-- Four of the six stages (DOMAIN J1), with product-led numbers:
--   onboarding  from sign-up until the product reports activation (O4: 1-7
--               days; self-serve has no go-live call, so the `activated`
--               event stands in for J3's evidence)
--   adoption    activated (J4's signals are the default's)
--   expansion   activated and using 90%+ of the seats bought (J6)
--   renewal     inside the product-led runway, 14-30 days (J7)
local J = tend.journey

local function activated(_, t) return t.count("activated") > 0 end

local function near_seat_limit(a, t)
  local active, seats = t.latest("weekly_active"), a.licensed_users
  return activated(a, t) and active ~= nil and seats ~= nil and seats > 0 and active / seats >= J.EXPANSION.near_limit
end

local function renewal(a, t)
  local days = J.days_to_renewal(a, t)
  local _, runway = J.runway("product_led")
  return days ~= nil and days >= 0 and days <= runway and t.days_since("renewal_signed") > runway - days
end

journey {
  stage "onboarding" { when = function(a, t) return not activated(a, t) end },
  stage "adoption"   { when = activated },
  stage "expansion"  { when = near_seat_limit },
  stage "renewal"    { when = renewal },
}
