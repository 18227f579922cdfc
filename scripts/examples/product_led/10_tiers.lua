-- Segments by revenue tier (DOMAIN S3) instead of the default's size and
-- contract value (S1, S2): a product-led company's sign-ups say little about
-- company size, and what matters is where an account sits in the book.
--   tier1  the top 20% of ACV     -> high touch: a sales-assist person (T1)
--   tier2  the middle 40%         -> low touch: shared CSMs (T2)
--   tier3  the bottom 40%         -> tech touch: in-app and email only (T3)
-- Percentiles need every account, so the thresholds are a population fact:
-- tend collects each account's ACV first, then evaluates with t.facts.revenue.
local seg = tend.segmentation

population "revenue" {
  collect   = function(a) return a.acv end,
  summarize = function(values) return seg.revenue_tier_thresholds(values) end, -- {tier1 = p80, tier2 = p40}
}

-- Evaluated alone (a spec's tend.evaluate, a one-account run) there is no
-- book to rank against: S2's fixed lines stand in ($50K high, $10K medium).
local ALONE = { tier1 = seg.ACV.high, tier2 = seg.ACV.medium }

local function tier(a, t) return seg.revenue_tier(a.acv or 0, t.facts.revenue or ALONE) end

segment "tier1" { when = function(a, t) return tier(a, t) == "tier1" end, touch = "high" }
segment "tier2" { when = function(a, t) return tier(a, t) == "tier2" end, touch = "low" }
segment "tier3" {                                                          touch = "tech" }
