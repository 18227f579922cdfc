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
