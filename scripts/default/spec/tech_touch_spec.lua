-- DOMAIN T3, P4, P7: tech-touch automation for SMB.
local S = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "support.lua")

local function smb(extra)
  local a = { id = "lojinha", employees = 12, acv = 3000, locale = "es", licensed_users = 5 }
  for k, v in pairs(extra or {}) do a[k] = v end
  return a
end

local function count(r, template) return #S.actions(r, "email", template) end

describe("tech-touch SMB (DOMAIN P4)", function()
  it("sends re-engagement after 3+ idle days", function()
    local r = S.evaluate(smb { contract_signed_at = S.days_ago(20) }, { S.event("lojinha", "login", 3) })
    assert.are.equal("tech", r.touch)
    local email = S.action(r, "email", "reengagement")
    assert.are.equal("es", email.locale)
    assert.are.equal("tech_touch_idle", email.rule)
    assert.are.equal(3, email.data.days_idle)
  end)

  it("waits while the customer logged in within 3 days", function()
    local r = S.evaluate(smb { contract_signed_at = S.days_ago(20) }, { S.event("lojinha", "login", 2) })
    assert.is_false(S.fired(r, "tech_touch_idle"))
    assert.are.equal(0, count(r, "reengagement"))
  end)

  it("leaves a silent first week to P3, which also alerts a human: one re-engagement email", function()
    local r = S.evaluate(smb { contract_signed_at = S.days_ago(8) })
    assert.is_false(S.fired(r, "tech_touch_idle"))
    assert.is_true(S.fired(r, "no_login_7d"))
    assert.are.equal(1, count(r, "reengagement"))
  end)

  it("is for tech touch only: a mid-market account is not considered", function()
    local r = S.evaluate({ id = "mm", employees = 300, acv = 20000, contract_signed_at = S.days_ago(20) },
                         { S.event("mm", "login", 4) })
    assert.is_nil(S.trace(r, "tech_touch_idle"))
  end)

  it("sends a weekly usage summary, with numbers, to an account active this week", function()
    local r = S.evaluate(smb { contract_signed_at = S.days_ago(20) }, { S.event("lojinha", "login", 1) },
                         S.metrics("lojinha", 3, { weekly_active = 4, features_used = 5 }))
    local email = S.action(r, "email", "weekly_summary")
    assert.same({ "1 login this week", "4 of 5 users active", "5 features in use" }, email.data.week_summary)
  end)

  it("sends an idle account re-engagement, not a weekly summary", function()
    local r = S.evaluate(smb { contract_signed_at = S.days_ago(20) }, { S.event("lojinha", "login", 4) })
    assert.are.equal(0, count(r, "weekly_summary"))
  end)

  it("explains how to use more features when fewer than 4 are used after the first week (J4)", function()
    local r = S.evaluate(smb { contract_signed_at = S.days_ago(20) }, { S.event("lojinha", "login", 1) },
                         S.metrics("lojinha", 3, { features_used = 1, weekly_active = 4 }))
    assert.are.equal(1, S.action(r, "email", "feature_howto").data.features_used)
    r = S.evaluate(smb { contract_signed_at = S.days_ago(20) }, { S.event("lojinha", "login", 1) },
                   S.metrics("lojinha", 3, { features_used = 4, weekly_active = 4 }))
    assert.are.equal(0, count(r, "feature_howto"))
  end)

  it("escalates red flags to a human: no usage, support escalations, survey problems", function()
    local cases = {
      { {}, "no usage: 20 days without a login" },
      { { S.event("lojinha", "login", 1), S.event("lojinha", "support_ticket", 2, { severity = "critical" }) },
        "support escalation on " .. S.days_ago(2) },
      { { S.event("lojinha", "login", 1), S.event("lojinha", "survey_response", 3, { score = 4 }) },
        "survey problem: score 4 on " .. S.days_ago(3) },
    }
    for _, c in ipairs(cases) do
      local r = S.evaluate(smb { contract_signed_at = S.days_ago(20) }, c[1])
      local task = S.actions_of(r, "tech_touch_escalation")[1] -- the flag is not an intent
      assert.are.equal("csm", task.owner)
      assert.same({ c[2] }, task.data.red_flags)
      assert.is_true(S.has(r.flags, "needs_followup"))
    end
  end)
end)

describe("day-30 survey for SMB (DOMAIN P7, O3)", function()
  local login = { S.event("lojinha", "login", 1) }

  it("asks on day 30 whether the goal was achieved, once per contract", function()
    local r = S.evaluate(smb { contract_signed_at = S.days_ago(30) }, login)
    local email = S.action(r, "email", "survey_goal")
    assert.are.equal("smb_day30_survey", email.rule)
    assert.are.equal("survey_goal:lojinha:" .. S.days_ago(30), email.key)
  end)

  it("catches up a missed night with the same key, and stops once answered", function()
    local r = S.evaluate(smb { contract_signed_at = S.days_ago(32) }, login)
    assert.are.equal("survey_goal:lojinha:" .. S.days_ago(32), S.action(r, "email", "survey_goal").key)
    local answered = { S.event("lojinha", "login", 1), S.event("lojinha", "survey_response", 1, { goal_achieved = true }) }
    assert.are.equal(0, count(S.evaluate(smb { contract_signed_at = S.days_ago(32) }, answered), "survey_goal"))
  end)

  it("does not ask before day 30", function()
    assert.are.equal(0, count(S.evaluate(smb { contract_signed_at = S.days_ago(29) }, login), "survey_goal"))
  end)

  it("escalates a survey left unanswered for a week (P4)", function()
    local r = S.evaluate(smb { contract_signed_at = S.days_ago(37) }, login)
    assert.same({ "no answer to the day-30 survey by day 37" }, S.actions_of(r, "tech_touch_escalation")[1].data.red_flags)
  end)

  it("hands a 'goal not achieved' answer to a human CSM (P8)", function()
    local r = S.evaluate(smb { contract_signed_at = S.days_ago(31) },
                         { S.event("lojinha", "survey_response", 0.5, { goal_achieved = false, score = 7 }) })
    local task = S.action(r, "task", "Goal not achieved: call")
    assert.are.equal("on survey_response", task.rule)
    assert.are.equal("csm", task.owner)
  end)

  it("does nothing more when the goal was achieved", function()
    local r = S.evaluate(smb { contract_signed_at = S.days_ago(31) },
                         { S.event("lojinha", "survey_response", 0.5, { goal_achieved = true, score = 9 }) })
    assert.is_nil(S.trace(r, "on survey_response"))
  end)
end)
