-- The book of business: how the team is staffed for it, not what each
-- customer is told. Segments are the stdlib's defaults (DOMAIN S1, S2:
-- tend.segmentation.segment_of); S4 says how setup is offered.
local seg = tend.segmentation

segment "enterprise" { when = function(a) return seg.segment_of(a) == "enterprise" end, touch = "high" }
segment "smb"        { when = function(a) return seg.segment_of(a) == "smb" end,        touch = "tech" }
segment "mid_market" {                                                                touch = "low" }

-- Onboarding until the customer confirms go-live (J3's last step); this
-- playbook watches capacity, so a simple line is enough.
journey {
  stage "onboarding" { when = function(_, t) return t.count("go_live_confirmed") == 0 end },
  stage "live"       { when = function(_, t) return t.count("go_live_confirmed") > 0 end },
}

-- DOMAIN S4: technical buyers get API and automation setup, the others a
-- UI-guided one; the specialist's kickoff task says which.
on "contract_signed" {
  task { "Plan the setup", owner = "specialist", data = function(a)
    return { setup = seg.setup_style(a), industry = seg.field(a, "industry") }
  end },
}
