-- DOMAIN C1-C4: every email the default playbook sends renders, with the
-- values where DOMAIN says they arise: links from message_vars
-- (05_messages.lua) or the account's attrs, dates, the feature and the goal
-- from the account's history (lib/messages.lua), in the account's language.
local S = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "support.lua")

local HELP, TRAINING, SURVEY = "https://help.example.com/getting-started", "https://learn.example.com/onboarding",
                               "https://survey.example.com/goal"

local function account(extra)
  local a = { id = "acme", name = "Acme", employees = 1200, acv = 85000, locale = "en",
              contract_signed_at = S.days_ago(20), champion = "joao.silva@acme.example", csm = "ana@tend.example" }
  for k, v in pairs(extra or {}) do a[k] = v end
  return a
end

local function smb(extra)
  local a = account { id = "lojinha", name = "Lojinha", employees = 20, acv = 2000 }
  for k, v in pairs(extra or {}) do a[k] = v end
  return a
end

--- The rendered email `name` in r: fails when it is missing or carries an error.
local function email(r, name)
  local e = S.action(r, "email", name)
  assert.is_not_nil(e, name .. " not sent")
  assert.is_nil(e.error, e.error)
  assert.is_string(e.text)
  return e
end

local function contains(text, part) assert.is_truthy(text:find(part, 1, true), ("'%s' not in:\n%s"):format(part, text)) end

describe("rendered emails (DOMAIN C1-C4)", function()
  it("re-engagement carries the days idle and the playbook's help link (P3, C1)", function()
    local e = email(S.evaluate(account { contract_signed_at = S.days_ago(8) }), "reengagement")
    contains(e.text, "8 days")
    contains(e.text, HELP)
    contains(e.text, "Hi Joao,")
    contains(e.text, "Ana")
  end)

  it("takes a link from the account's attrs over message_vars (C1)", function()
    local own = "https://help.acme.example/start"
    local e = email(S.evaluate(account { contract_signed_at = S.days_ago(8), attrs = { help_link = own } }), "reengagement")
    contains(e.text, own)
    assert.is_falsy(e.text:find(HELP, 1, true))
  end)

  it("welcome proposes the kickoff within the first week, not as a booked date (P1, O1, O2, C1)", function()
    local r = S.evaluate(account { contract_signed_at = S.days_ago(0) }, { S.event("acme", "contract_signed", 0.5) })
    contains(email(r, "welcome").text, "Kickoff meeting on a date in your first week, by " .. S.in_days(7))
  end)

  it("welcome names the kickoff date the specialist set in attrs, in the account's language (P1, C4)", function()
    local r = S.evaluate(account { contract_signed_at = S.days_ago(0), locale = "pt-BR", attrs = { kickoff_date = "2026-11-25" } },
                         { S.event("acme", "contract_signed", 0.5) })
    contains(email(r, "welcome").text, "Reunião de kickoff em 2026-11-25")
    r = S.evaluate(account { contract_signed_at = S.days_ago(0), locale = "pt-BR" }, { S.event("acme", "contract_signed", 0.5) })
    contains(email(r, "welcome").text, "uma data da sua primeira semana, até " .. S.in_days(7))
  end)

  it("kickoff summary: the action items and the first check-in one cadence after the kickoff (P2, T1, T2)", function()
    local items = { "Connect the ERP", "Invite finance" }
    local kickoff = { S.event("acme", "kickoff_completed", 0.3, { action_items = items }) }
    local kickoff_day = S.at(0.3):sub(1, 10)
    local function plus(days) return os.date("!%Y-%m-%d", os.time { year = tonumber(kickoff_day:sub(1, 4)),
      month = tonumber(kickoff_day:sub(6, 7)), day = tonumber(kickoff_day:sub(9, 10)) + days, hour = 12 }) end
    local text = email(S.evaluate(account(), kickoff), "kickoff_summary").text -- enterprise, T1 weekly
    contains(text, "- Connect the ERP\n- Invite finance")
    contains(text, "check-ins start on " .. plus(7))
    text = email(S.evaluate(account { employees = 300, acv = 20000 }, kickoff), "kickoff_summary").text -- T2 every 2 weeks
    contains(text, "check-ins start on " .. plus(14))
    text = email(S.evaluate(account { attrs = { next_check_in = "2026-12-01" } }, kickoff), "kickoff_summary").text
    contains(text, "check-ins start on 2026-12-01")
  end)

  it("how-to names the unused feature the product reported, else says so neutrally (P4)", function()
    local usage = S.metrics("lojinha", 3, { features_used = 1, weekly_active = 4 })
    local e = email(S.evaluate(smb(), { S.event("lojinha", "login", 1),
                                        S.event("lojinha", "feature_unused", 2, { feature = "Scheduled reports" }) }, usage),
                    "feature_howto")
    assert.are.equal("How to use Scheduled reports", e.subject)
    contains(e.text, HELP)
    e = email(S.evaluate(smb(), { S.event("lojinha", "login", 1) }, usage), "feature_howto")
    assert.are.equal("How to use the next feature in your setup guide", e.subject)
    e = email(S.evaluate(smb { locale = "pt-BR" }, { S.event("lojinha", "login", 1) }, usage), "feature_howto")
    contains(e.text, "aproveitam muito o próximo recurso do guia de configuração,")
  end)

  it("training: the module done, the next one and the training link (P5)", function()
    local r = S.evaluate(account(), { S.event("acme", "training_completed", 0.2, { module = "Basics", next_module = "Reports" }) })
    local e = email(r, "training_next")
    assert.are.equal("Well done on Basics: next up, Reports", e.subject)
    contains(e.text, TRAINING)
  end)

  it("day-30 survey: the goal agreed at the kickoff and the survey link (P7, O3)", function()
    local goal = "close the month in 3 days instead of 8"
    local r = S.evaluate(smb { contract_signed_at = S.days_ago(30) },
                         { S.event("lojinha", "login", 1), S.event("lojinha", "kickoff_completed", 25, { goal = goal }) })
    local e = email(r, "survey_goal")
    contains(e.text, "your goal was: " .. goal .. ".")
    contains(e.text, SURVEY)
    r = S.evaluate(smb { contract_signed_at = S.days_ago(30), attrs = { goal = "sell online" } }, { S.event("lojinha", "login", 1) })
    contains(email(r, "survey_goal").text, "your goal was: sell online.")
  end)

  it("day-30 survey without a known goal asks without inventing one (P7, C4)", function()
    local r = S.evaluate(smb { contract_signed_at = S.days_ago(30), locale = "es" }, { S.event("lojinha", "login", 1) })
    contains(email(r, "survey_goal").text, "el resultado que querían lograr al contratar")
  end)

  it("ships only links under the reserved example.com, for a company to replace (05_messages.lua)", function()
    local links = 0
    for line in io.lines(S.PLAYBOOK_DIR .. "05_messages.lua") do
      for link in line:gmatch('"(https?://[^"]*)"') do
        links = links + 1
        assert.is_truthy(link:match("^https://[%w.-]*example%.com/"), link)
      end
    end
    assert.are.equal(3, links)
  end)
end)
