-- The product-led overrides: O4 onboarding in days, activation instead of
-- graduation, J6 by seats, J7's product-led runway, own templates (C4).
local S = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "support.lua")

local function account(extra)
  local a = { id = "p", name = "Pixelnote", acv = 900, licensed_users = 5, product_type = "weekly", locale = "en" }
  for k, v in pairs(extra or {}) do a[k] = v end
  return a
end

describe("product-led onboarding (DOMAIN O4)", function()
  it("nudges a sign-up with no login after one day, not seven (O4 instead of P3)", function()
    local r = S.evaluate(account { contract_signed_at = S.days_ago(1) })
    assert.are.equal(1, S.action(r, "email", "reengagement").data.days_idle)
    assert.is_nil(S.evaluate(account { contract_signed_at = S.days_ago(0) }).actions[1])
  end)

  it("sends tier3 a how-to at day 7 without activation, and gives tier1 a person (P8)", function()
    local small = S.evaluate(account { contract_signed_at = S.days_ago(7) }, { S.event("p", "login", 1) })
    assert.is_not_nil(S.action(small, "email", "feature_howto"))
    local big = S.evaluate(account { acv = 60000, contract_signed_at = S.days_ago(7) }, { S.event("p", "login", 1) })
    assert.are.equal("sales_assist", S.action(big, "task", "Activation call").owner)
    assert.is_nil(S.action(big, "email", "feature_howto"))
  end)

  it("ends onboarding on the product's activation event, and the activation scorecard with it", function()
    local r = S.evaluate(account { contract_signed_at = S.days_ago(20) }, { S.event("p", "activated", 15) })
    assert.same({ "adoption" }, r.stages)
    assert.is_nil(r.scorecards.activation)
  end)

  it("scores activation on usage 50%, tutorials 20%, value 30% (G2 overridden)", function()
    local events = { S.event("p", "survey_response", 1, { goal_achieved = true }),
                     S.event("p", "tutorial_completed", 2, { score = 85 }) }
    local metrics = { { account_id = "p", date = S.days_ago(1), monthly_active = 5, weekly_active = 1 } }
    local g = S.evaluate(account { contract_signed_at = S.days_ago(5) }, events, metrics).scorecards.activation
    -- usage: weekly 1 of 5 = 20% against G5's 40% weekly target -> 5.0; knowledge 10; value 10
    assert.same({ usage = 5, knowledge = 10, value = 10 }, g.dimensions)
    assert.are.equal(7.5, g.total)
    assert.are.equal("close", g.band)
  end)
end)

describe("expansion and renewal (DOMAIN J6, J7)", function()
  local live = { S.event("p", "activated", 100), S.event("p", "login", 1) }
  local full = { { account_id = "p", date = S.days_ago(1), weekly_active = 5 } }

  it("offers tier3 an upgrade with this playbook's own template when 90%+ of seats are used", function()
    local r = S.evaluate(account { contract_signed_at = S.days_ago(120) }, live, full)
    local email = S.action(r, "email", "upgrade_offer")
    assert.same({ seats = 5, active = 5 }, email.data)
    assert.are.equal("en", email.locale)
  end)

  it("writes the upgrade offer in pt-BR, and falls back to English for a locale it lacks (C4)", function()
    local br = S.evaluate(account { locale = "pt-BR", contract_signed_at = S.days_ago(120) }, live, full)
    assert.are.equal("pt-BR", S.action(br, "email", "upgrade_offer").locale)
    local ms = S.evaluate(account { locale = "ms", contract_signed_at = S.days_ago(120) }, live, full)
    assert.are.equal("en", S.action(ms, "email", "upgrade_offer").locale)
  end)

  it("calls tier1 and tier2 instead, and flags them expansion candidates", function()
    local r = S.evaluate(account { acv = 20000, contract_signed_at = S.days_ago(120) }, live, full)
    assert.are.equal("account_exec", S.action(r, "task", "Expansion call").owner)
    assert.is_true(S.has(r.flags, "expansion_candidate"))
  end)

  it("reminds of the renewal inside the product-led 30-day notice, once per renewal (J7)", function()
    local r = S.evaluate(account { contract_signed_at = S.days_ago(300), renewal_date = S.in_days(30) }, live)
    assert.are.equal("renewal_open:p:" .. S.in_days(30), S.action(r, "email", "renewal_open").key)
    local early = S.evaluate(account { contract_signed_at = S.days_ago(300), renewal_date = S.in_days(31) }, live)
    assert.is_false(S.has(early.stages, "renewal"))
  end)
end)

describe("messages (DOMAIN C1-C4)", function()
  it("renders every email it sends over the example book: no placeholder left empty", function()
    local broken, emails = {}, 0
    for id, r in pairs(S.eval_book()) do
      for _, a in ipairs(r.actions) do
        if a.kind == "email" then
          emails = emails + 1
          if a.error or type(a.text) ~= "string" or a.text:find("{{", 1, true) then
            broken[#broken + 1] = id .. " " .. a.template .. ": " .. tostring(a.error)
          end
        end
      end
    end
    assert.is_true(emails > 0)
    assert.same({}, broken)
  end)

  it("names the feature the how-to is about and links the guide (O4)", function()
    local r = S.evaluate(account { contract_signed_at = S.days_ago(7), champion = "ana@pixelnote.example" },
                         { S.event("p", "login", 1) })
    local email = S.action(r, "email", "feature_howto")
    assert.is_nil(email.error)
    assert.is_truthy(email.text:find("dashboards", 1, true))
    assert.is_truthy(email.text:find("https://help.chartly.example.com/first-dashboard", 1, true))
  end)
end)
