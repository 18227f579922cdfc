-- Segments and touch models (DOMAIN S1, S2, T1-T3).
--
-- Size (S1) and contract value (S2) are combined so that either one can make
-- an account strategic, and both must be small for tech-touch:
--   enterprise  1,000+ employees OR ACV >= $50K
--   smb         under 100 employees AND ACV under $10K
--   mid_market  everything between (the fallback)
-- A missing employees or acv counts as 0. First match wins, so smb is
-- declared before the fallback. The thresholds live in lib/segments.lua,
-- which stages and rules use to find an account's segment too.
local segments = require "lib.segments"

segment "enterprise" { when = segments.is_enterprise, touch = "high" } -- DOMAIN T1: dedicated CSM
segment "smb"        { when = segments.is_smb,        touch = "tech" } -- DOMAIN T3: automated
segment "mid_market" {                                touch = "low" }  -- DOMAIN T2: shared CSM
