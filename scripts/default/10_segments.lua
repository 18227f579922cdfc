-- Segments and touch models (DOMAIN S1, S2, T1-T3), with tend.segmentation:
--   enterprise  1,000+ employees (S1) or ACV >= $50K (S2)   -> high touch (T1)
--   smb         ACV under $10K whatever the size (S2: "low ACV needs tech
--               touch and self-serve"), or no ACV and under 100 employees
--                                                           -> tech touch (T3)
--   mid_market  everything between, the fallback            -> low touch (T2)
-- A missing employee count counts as 0, so an account with neither is smb.
-- First match wins. Revenue tiers by percentile (S3) need the whole book:
-- scripts/examples/product_led shows them with a population.
local seg = tend.segmentation

segment "enterprise" { when = function(a) return seg.is_enterprise(a) end, touch = "high" } -- T1: dedicated CSM
segment "smb"        { when = function(a) return seg.is_smb(a) end,        touch = "tech" } -- T3: automated
segment "mid_market" {                                                      touch = "low" }  -- T2: shared CSM
