-- Segments and touch models (DOMAIN S1, S2, T1-T3), with tend.segmentation:
--   enterprise  1,000+ employees (S1) or ACV >= $50K (S2)   -> high touch (T1)
--   smb         under 100 employees and ACV under $10K      -> tech touch (T3)
--   mid_market  everything between, the fallback            -> low touch (T2)
-- A missing employees or acv counts as 0, so an account with neither is smb.
-- First match wins. Revenue tiers by percentile (S3) need the whole book:
-- scripts/examples/product_led shows them with a population.
local seg = tend.segmentation

segment "enterprise" { when = function(a) return seg.is_enterprise(a) end, touch = "high" } -- T1: dedicated CSM
segment "smb"        { when = function(a) return seg.is_smb(a) end,        touch = "tech" } -- T3: automated
segment "mid_market" {                                                      touch = "low" }  -- T2: shared CSM
-- The health score, 0-100, banded green >= 70, yellow >= 40, red below.
-- DOMAIN J5 names the signals; the formula is this playbook's (lib/health.lua):
-- usage 35, recency 20, sentiment 20, trend 15, support 10, rescaled over the
-- parts with data, minus champion_left 20, budget_cut 15, merger 10 and
-- competitor_demo 10 within 90 days (J2 regressions).
local vitals = require "lib.health"

health {
  score = function(a, t) return (vitals.score(a, t)) end,
  bands = vitals.BANDS,
}
