--- tend.templates, specified in DOMAIN's words (C1-C4).
local templates = require "tend.templates"
local CATALOGUE, FILE_PROBLEMS = require("tend").catalogue()

local NAMES = { "welcome", "welcome_self_serve", "kickoff_summary", "reengagement", "feature_howto", "training_next",
                "weekly_summary", "survey_goal", "milestone_note", "celebration", "extension_notice", "renewal_open" }

--- Variables that fill every placeholder of the catalogue.
local VARS = {
  account = { name = "Acme Ltda" }, champion_name = "João", csm_name = "Ana",
  kickoff_date = "2026-08-04", action_items = { "Export the invoice data", "Invite the finance team" },
  next_check_in = "2026-08-11", days_idle = 8, help_link = "https://help.example/start",
  feature_name = "Approvals", module_name = "Admin basics", next_module = "Reporting",
  training_link = "https://academy.example/reporting",
  week_summary = { "312 invoices processed", "14 active users" },
  goal = "cut invoice processing time by 40%", survey_link = "https://survey.example/acme",
  achievements = { "cut invoice processing time 53% (target was 40%)", "trained 47 users in 3 departments" },
  reason = "only 60% of users are active; the graduation threshold is 70%",
  focus_actions = { "Group training for the 3 teams not yet active", "Weekly usage review with the champion" },
  new_target_date = "2026-12-15", readiness_criteria = "70% of users active weekly and a graduation score of 8.0+",
  renewal_date = "2027-08-01",
}

describe("DOMAIN C1: templated touchpoints", function()
  it("has every template the default playbook sends", function()
    for _, name in ipairs(NAMES) do
      assert.is_table(CATALOGUE[name], name)
      assert.is_string(templates.ABOUT[name], name)
    end
  end)

  it("renders every template in every locale with nothing left unfilled", function()
    for _, name in ipairs(NAMES) do
      for _, locale in ipairs(templates.LOCALES) do
        local m = templates.message(CATALOGUE, name, locale, VARS)
        assert.are.equal(locale, m.locale)
        assert.is_nil(m.subject:find("{{", 1, true), name .. " " .. locale)
        assert.is_nil(m.body:find("{{", 1, true), name .. " " .. locale)
        -- Signed by the CSM, except the tech-touch welcome (a shared pool).
        if name ~= "welcome_self_serve" then
          assert.is_truthy(m.body:find("Ana", 1, true), name .. " " .. locale .. " is signed")
        end
      end
    end
  end)

  it("passes its own load-time check", function()
    assert.are.same({}, templates.check(CATALOGUE))
  end)
end)

describe("DOMAIN C2: the celebration lists achievements with numbers", function()
  it("renders each achievement as a line", function()
    local m = templates.message(CATALOGUE, "celebration", "en", VARS)
    assert.are.equal("Acme Ltda reached its goals: congratulations!", m.subject)
    assert.is_truthy(m.body:find("- cut invoice processing time 53% (target was 40%)\n"
                                 .. "- trained 47 users in 3 departments", 1, true))
  end)
end)

describe("DOMAIN C3: the extension notice", function()
  it("states the reason, the focus actions, the new target date and how readiness is judged", function()
    local m = templates.message(CATALOGUE, "extension_notice", "pt-BR", VARS)
    assert.are.equal("Atualização do onboarding: nova data-alvo 2026-12-15", m.subject)
    assert.is_truthy(m.body:find("Motivo: only 60% of users are active; the graduation threshold is 70%", 1, true))
    assert.is_truthy(m.body:find("- Group training for the 3 teams not yet active\n- Weekly usage review", 1, true))
    assert.is_truthy(m.body:find("até 2026-12-15", 1, true))
    assert.is_truthy(m.body:find("Como vamos avaliar a prontidão: 70% of users active weekly", 1, true))
  end)

  it("uses the same four facts in every language", function()
    for _, locale in ipairs(templates.LOCALES) do
      local used = templates.placeholders(CATALOGUE.extension_notice[locale].body)
      local set = {}
      for _, p in ipairs(used) do set[p] = true end
      for _, p in ipairs({ "reason", "focus_actions", "new_target_date", "readiness_criteria" }) do
        assert.is_true(set[p] == true, locale .. " uses " .. p)
      end
    end
  end)
end)

describe("DOMAIN C4: English, Brazilian Portuguese, Spanish and Malay", function()
  local cat = CATALOGUE

  it("has each template in the four languages", function()
    for _, name in ipairs(NAMES) do
      for _, locale in ipairs({ "en", "pt-BR", "es", "ms" }) do
        assert.is_string(cat[name][locale].subject, name .. " " .. locale)
        assert.is_string(cat[name][locale].body, name .. " " .. locale)
      end
    end
  end)

  it("picks the account's locale, whatever its case or separator", function()
    assert.are.equal("pt-BR", select(2, templates.pick(cat, "welcome", "pt-BR")))
    assert.are.equal("pt-BR", select(2, templates.pick(cat, "welcome", "pt_br")))
    assert.are.equal("ms", select(2, templates.pick(cat, "welcome", "ms-MY")))
    assert.are.equal("es", select(2, templates.pick(cat, "welcome", "es-MX")))
  end)

  it("falls back from pt-BR to pt to English", function()
    local own = { hello = { pt = { subject = "Olá", body = "pt" }, en = { subject = "Hi", body = "en" } } }
    assert.are.equal("pt", select(2, templates.pick(own, "hello", "pt-BR")))
    local en_only = { hello = { en = { subject = "Hi", body = "en" } } }
    local m, locale = templates.pick(en_only, "hello", "pt-BR")
    assert.are.equal("en", locale)
    assert.are.equal("Hi", m.subject)
    assert.are.equal("en", select(2, templates.pick(cat, "welcome", "fr-FR")))
    assert.are.equal("en", select(2, templates.pick(cat, "welcome", nil)))
  end)

  it("prefers another region of the language to English (pt-PT gets pt-BR)", function()
    assert.are.equal("pt-BR", select(2, templates.pick(cat, "welcome", "pt-PT")))
  end)

  it("raises for a template that does not exist", function()
    assert.has_error(function() templates.pick(cat, "farewell", "en") end, "unknown template 'farewell'")
  end)
end)

describe("rendering placeholders", function()
  it("fills {{a.b}} paths, numbers and spaced names", function()
    assert.are.equal("Hi João at Acme Ltda, idle 8 days",
                     templates.render("Hi {{champion_name}} at {{ account.name }}, idle {{days_idle}} days", VARS))
    assert.are.equal("53", templates.render("{{n}}", { n = 53.0 }))
    assert.are.equal("0.5", templates.render("{{n}}", { n = 0.5 }))
  end)

  it("raises on an unknown placeholder, naming it and the template", function()
    assert.has_error(function() templates.render("Hi {{champion_nme}}", VARS, "welcome (en) body") end,
                     "template welcome (en) body: unknown placeholder {{champion_nme}}")
    assert.has_error(function() templates.render("{{account.size}}", VARS, "x") end,
                     "template x: unknown placeholder {{account.size}}")
    assert.has_error(function() templates.message(CATALOGUE, "extension_notice", "es", { account = { name = "A" } }) end)
  end)

  it("raises on a value that is not text, a number or a list of them", function()
    assert.has_error(function() templates.render("{{account}}", VARS, "x") end,
                     "template x: placeholder {{account}} is a table, not text, a number or a list of them")
    assert.has_error(function() templates.render("{{ok}}", { ok = true }, "x") end)
  end)

  it("raises on a malformed placeholder", function()
    assert.has_error(function() templates.render("Hi {{champion name}}", VARS, "x") end,
                     "template x: malformed placeholder {{champion name}}")
    assert.has_error(function() templates.render("Hi {{champion_name", VARS, "x") end)
  end)

  it("does not expand placeholders inside the values it inserts", function()
    assert.are.equal("{{reason}}", templates.render("{{x}}", { x = "{{reason}}" }))
  end)

  it("lists a text's placeholders once each, in order", function()
    assert.are.same({ "champion_name", "account.name", "goal" },
                    templates.placeholders("{{champion_name}} {{account.name}} {{goal}} {{champion_name}} {{bad name}}"))
  end)
end)

describe("checking a catalogue at load time", function()
  it("reports unknown and malformed placeholders, missing English and translations that drift", function()
    local cat = {
      notice = {
        en = { subject = "New date {{new_date}}", body = "Because {{reason}}, {{account.name}}." },
        es = { subject = "Nueva fecha", body = "Porque {{reason}} {{extra}} {{mal formed}}" },
      },
      orphan = { ms = { subject = "Hai", body = "" } },
    }
    assert.are.same({
      "template 'notice' (en) subject: unknown placeholder {{new_date}}",
      "template 'notice' (es) body: unknown placeholder {{extra}}",
      "template 'notice' (es) body: malformed placeholder {{mal formed}}",
      "template 'notice' (es): does not use {{account.name}}, which English does",
      "template 'notice' (es): does not use {{new_date}}, which English does",
      "template 'notice' (es): uses {{extra}}, which English does not",
      "template 'orphan': no 'en' text to fall back to (C4)",
      "template 'orphan' (ms): no body",
    }, templates.check(cat, { "reason", "account" }))
  end)

  it("accepts a set of known names as well as a list", function()
    local cat = { hi = { en = { subject = "Hi", body = "{{who}}" } } }
    assert.are.same({}, templates.check(cat, { who = "the reader" }))
  end)
end)

describe("the catalogue's files (stdlib/tend/templates/<locale>/<name>.txt)", function()
  it("parse without problems, in the format a playbook's templates/ folder uses", function()
    assert.are.same({}, FILE_PROBLEMS)
    local files = require("tend").stdlib_template_files()
    assert.are.same({ "en", "es", "ms", "pt-BR" }, (function()
      local ls = {}
      for locale in pairs(files) do ls[#ls + 1] = locale end
      table.sort(ls)
      return ls
    end)())
    assert.matches("^Subject: ", files.en.welcome.text)
    assert.are.equal("stdlib/tend/templates/en/welcome.txt", files.en.welcome.path)
  end)

  it("drops the file's final newline from the body, and reports a file without a subject line", function()
    local yes = function() return true end
    local m = templates.parse("x.txt", "Subject: Hi\n\nBody\n", yes)
    assert.are.same({ subject = "Hi", body = "Body" }, m)
    local bad, problems = templates.parse("t/en/x.txt", "Hello\n", yes)
    assert.is_nil(bad)
    assert.matches("^t/en/x.txt:1: the first line must be 'Subject: ...'", problems[1])
  end)

  it("names the file and line of an unknown placeholder", function()
    local _, problems = templates.parse("t/en/x.txt", "Subject: Hi\n\nDear {{who}},\n{{nope}}\n",
                                        function(n) return n == "who", "hint" end)
    assert.are.same({ "t/en/x.txt:4: unknown placeholder {{nope}} (hint)" }, problems)
  end)

  it("lets a later layer (the playbook) replace a text per name and locale, and needs English (C4)", function()
    local yes = function() return true end
    local cat, problems = templates.catalogue({
      { en = { hi = { text = "Subject: A\n\na", path = "s/en/hi.txt" } } },
      { en = { hi = { text = "Subject: B\n\nb", path = "p/en/hi.txt" } },
        ms = { only = { text = "Subject: C\n\nc", path = "p/ms/only.txt" } } },
    }, yes)
    assert.are.equal("B", cat.hi.en.subject)
    assert.are.same({ "templates/en/only.txt: missing: template 'only' needs an English text to fall back to (DOMAIN C4)" },
                    problems)
  end)
end)

describe("in a playbook's sandbox", function()
  it("loads the stdlib catalogue with the playbook and renders in the account's locale", function()
    local tend = require "tend"
    local pb, problems, msg = tend.playbook_from { ["rules.lua"] = [==[
segment "all" { touch = "tech" }
rule "renewal" {
  when = function() return true end,
  actions = { email "renewal_open" { data = { champion_name = "Siti", csm_name = "Ana", renewal_date = "2027-08-01" } } },
}
]==] }
    assert(pb, tostring(msg) .. "\n" .. table.concat(problems or {}, "\n"))
    local r = pb:evaluate { id = "kl", name = "Kedai Lim", locale = "ms-MY", champion = "siti@kedai.example" }
    assert.are.equal("ms", r.actions[1].locale)
    assert.are.equal("Merancang pembaharuan kontrak Kedai Lim", r.actions[1].subject)
    pb:close()
  end)
end)
