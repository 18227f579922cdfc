-- Facts about the whole book, each a population (collected per account,
-- summarized once; rules read t.facts):
--   csm_book   accounts per CSM and touch model (DOMAIN T4 loads)
--   intake     new contracts in the last quarter -> specialists (T5)
--   journey    onboarding records -> completion and time in stage by
--              segment (J9 journey health)
local touch = tend.touch
local journey = tend.journey
local seg = tend.segmentation

local QUARTER_DAYS = 91 -- 13 weeks (tend.touch.WEEKS_PER_QUARTER)

population "csm_book" {
  collect = function(a)
    if a.csm == nil then return nil end
    return { csm = a.csm, touch = touch.FOR_SEGMENT[seg.segment_of(a)] }
  end,
  summarize = function(values)
    local book = {}
    for _, v in ipairs(values) do
      book[v.csm] = book[v.csm] or { high = 0, low = 0, tech = 0, all = 0 }
      book[v.csm][v.touch] = book[v.csm][v.touch] + 1
      book[v.csm].all = book[v.csm].all + 1
    end
    return book
  end,
}

population "intake" {
  collect = function(a, t)
    if a.contract_signed_at == nil then return nil end
    return t.days_since_date(a.contract_signed_at) < QUARTER_DAYS and 1 or 0
  end,
  summarize = function(values)
    local n = 0
    for _, v in ipairs(values) do n = n + v end
    local p = touch.plan { new_per_quarter = n } -- DOMAIN T5: Little's law, 8-week onboarding, 10 each, 20% buffer
    return { new_per_quarter = n, specialists = p.specialists_with_buffer, working = p.working }
  end,
}

population "journey" {
  collect = function(a, t)
    if a.contract_signed_at == nil then return nil end
    local live = t.last("go_live_confirmed")
    return { segment = seg.segment_of(a), stage = "onboarding", entered_at = a.contract_signed_at,
             left_at = live and live.at or nil, regressed = t.count("onboarding_restarted") > 0 }
  end,
  summarize = function(records)
    local h = journey.journey_health(records) -- DOMAIN J9
    local out = {}
    for _, s in ipairs(h.segments) do
      local m = h.by_segment[s].onboarding
      out[s] = { entered = m.entered, completed = m.completed, completion_rate = m.completion_rate,
                 median_days = m.median_days }
    end
    return out
  end,
}
