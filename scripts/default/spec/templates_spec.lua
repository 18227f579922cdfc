-- DOMAIN C1-C4: every email the playbook sends names a catalogue template,
-- and goes out in the account's language, falling back to English.
local S = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "support.lua")
local tend = require "tend"

-- The templates this playbook's contract names.
local CONTRACT = { "welcome", "kickoff_summary", "reengagement", "feature_howto", "training_next", "weekly_summary",
                   "survey_goal", "celebration", "extension_notice", "renewal_open" }

describe("templates (DOMAIN C1-C4)", function()
  it("loads: every email names a template with an English text (C4)", function()
    assert.is_true((tend.check(S.PLAYBOOK_DIR)))
  end)

  it("uses each contract template from the stdlib catalogue, in en, pt-BR, es and ms", function()
    local catalogue = require("tend").catalogue()
    for _, name in ipairs(CONTRACT) do
      for _, locale in ipairs { "en", "pt-BR", "es", "ms" } do
        assert.is_not_nil(catalogue[name][locale], name .. " in " .. locale)
      end
    end
  end)

  it("writes in the account's locale: pt-BR, es, ms; pt_br and pt-PT find Portuguese", function()
    for locale, want in pairs { ["pt-BR"] = "pt-BR", es = "es", ms = "ms", pt_br = "pt-BR", ["pt-PT"] = "pt-BR",
                                ["es-MX"] = "es" } do
      local r = S.evaluate { id = "l", locale = locale, contract_signed_at = S.days_ago(8) }
      assert.are.equal(want, S.action(r, "email", "reengagement").locale, locale)
    end
  end)

  it("falls back to English for other locales and for none (C4)", function()
    assert.are.equal("en", S.action(S.evaluate { id = "l", locale = "fr", contract_signed_at = S.days_ago(8) },
                                    "email", "reengagement").locale)
    assert.are.equal("en", S.action(S.evaluate { id = "l", contract_signed_at = S.days_ago(8) },
                                    "email", "reengagement").locale)
  end)
end)
