-- DOMAIN T3, P4, P7: tech-touch automation for SMB.
local S = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "support.lua")

local function smb(extra)
  local a = { id = "lojinha", employees = 12, acv = 3000, locale = "es", licensed_users = 5 }
  for k, v in pairs(extra or {}) do a[k] = v end
  return a
end

describe("tech-touch SMB (DOMAIN P4)", function()
  it("sends re-engagement after 3+ idle days", function()
    local r = S.evaluate(smb { contract_signed_at = S.days_ago(20) }, { S.event("lojinha", "login", 4) })
    assert.are.equal("tech", r.touch)
    assert.is_true(S.fired(r, "tech_touch_idle"))
    local email = S.action(r, "email", "reengagement")
    assert.are.equal("es", email.locale)
    assert.are.equal("tech_touch_idle", email.rule)
  end)

  it("waits while the customer logged in within 3 days", function()
    local r = S.evaluate(smb { contract_signed_at = S.days_ago(20) }, { S.event("lojinha", "login", 2) })
    assert.is_false(S.fired(r, "tech_touch_idle"))
    assert.is_nil(S.action(r, "email", "reengagement"))
  end)

  it("leaves a silent first week to P3, which also alerts a human: one re-engagement email", function()
    local r = S.evaluate(smb { contract_signed_at = S.days_ago(8) })
    assert.is_false(S.fired(r, "tech_touch_idle"))
    assert.is_true(S.fired(r, "no_login_7d"))
    local emails = 0
    for _, a in ipairs(r.actions) do if a.template == "reengagement" then emails = emails + 1 end end
    assert.are.equal(1, emails)
  end)

  it("is for tech-touch only: a mid-market account is not considered", function()
    local r = S.evaluate({ id = "mm", employees = 300, acv = 20000, contract_signed_at = S.days_ago(20) },
                         { S.event("mm", "login", 4) })
    assert.is_nil(S.trace(r, "tech_touch_idle"))
  end)

  it("sends a weekly usage summary to an account active this week", function()
    local r = S.evaluate(smb { contract_signed_at = S.days_ago(20) }, { S.event("lojinha", "login", 1) })
    assert.is_not_nil(S.action(r, "email", "weekly_summary"))
  end)

  it("sends an idle account re-engagement, not a weekly summary", function()
    local r = S.evaluate(smb { contract_signed_at = S.days_ago(20) }, { S.event("lojinha", "login", 4) })
    assert.is_nil(S.action(r, "email", "weekly_summary"))
  end)

  it("explains how to use more features when fewer than 3 are used after the first week", function()
    local r = S.evaluate(smb { contract_signed_at = S.days_ago(20) }, { S.event("lojinha", "login", 1) },
                         S.metrics("lojinha", 3, { features_used = 1, weekly_active = 4 }))
    assert.is_not_nil(S.action(r, "email", "feature_howto"))
  end)
end)

describe("day-30 survey for SMB (DOMAIN P7)", function()
  it("asks on day 30 whether the goal was achieved", function()
    local r = S.evaluate(smb { contract_signed_at = S.days_ago(30) }, { S.event("lojinha", "login", 1) })
    assert.are.equal("smb_day30_survey", S.action(r, "email", "survey_goal").rule)
  end)

  it("asks only on day 30", function()
    for _, day in ipairs { 29, 31 } do
      local r = S.evaluate(smb { contract_signed_at = S.days_ago(day) }, { S.event("lojinha", "login", 1) })
      assert.is_nil(S.action(r, "email", "survey_goal"))
    end
  end)

  it("hands a 'goal not achieved' answer to a human CSM", function()
    local r = S.evaluate(smb { contract_signed_at = S.days_ago(31) },
                         { S.event("lojinha", "survey_response", 0.5, { goal_achieved = false, score = 5 }) })
    local task = S.action(r, "task")
    assert.are.equal("on survey_response", task.rule)
    assert.are.equal("csm", task.owner)
  end)

  it("does nothing more when the goal was achieved", function()
    local r = S.evaluate(smb { contract_signed_at = S.days_ago(31) },
                         { S.event("lojinha", "survey_response", 0.5, { goal_achieved = true, score = 9 }) })
    assert.is_nil(S.trace(r, "on survey_response"))
  end)
end)
