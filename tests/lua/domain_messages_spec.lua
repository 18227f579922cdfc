--- Messages rendered at evaluation time (DOMAIN C1-C4): what an email or a
--- notify intent says is decided by the engine, so eval and explain show
--- exactly the text the smtp and slack connectors send.
local messages = require "tend.messages"
local templates = require "tend.templates"
local tend = require "tend"
local CATALOGUE = tend.catalogue()

local ACME = {
  id = "acme", name = "Acme Ltda", locale = "pt-BR", renewal_date = "2027-08-01",
  champion = "joao.silva@acme.example", csm = "ana@cs.example",
  attrs = { help_link = "https://help.example/start" },
}

local function email(account, name, data, to)
  local intent = { kind = "email", template = name, to = to or "champion", data = data }
  intent.locale = select(2, templates.pick(CATALOGUE, name, account.locale))
  messages.email(intent, account, CATALOGUE)
  return intent
end

describe("an email intent rendered at evaluation (C1, C4)", function()
  it("carries the recipient's address, the subject and the text in the account's language", function()
    local m = email(ACME, "reengagement", { days_idle = 8 })
    assert.are.equal("joao.silva@acme.example", m.address)
    assert.are.equal("pt-BR", m.locale)
    assert.are.equal("Podemos ajudar vocês a começar, Joao?", m.subject)
    assert.truthy(m.text:find("ninguém da Acme Ltda acessa a plataforma há 8 dias", 1, true))
    assert.truthy(m.text:find("https://help.example/start", 1, true))
    assert.truthy(m.text:find("Abraços,\nAna", 1, true))
    assert.is_nil(m.error)
  end)

  it("takes names from attrs before the addresses, and the action's data over everything", function()
    local a = { id = "x", name = "X", champion = "j@x.example", csm = "a@cs.example",
                attrs = { champion_name = "Júlia", csm_name = "Ana Paula", renewal_date = "2027-01-01" } }
    local m = email(a, "renewal_open", { renewal_date = "2027-02-02" })
    assert.are.equal("Planning X's renewal", m.subject)
    assert.truthy(m.text:find("^Hi Júlia,"))
    assert.truthy(m.text:find("renews on 2027-02-02", 1, true))
    assert.truthy(m.text:find("Ana Paula$"))
  end)

  it("reads renewal_date from the account, as a date", function()
    local m = email({ id = "y", name = "Y", champion = "c@y.example", csm = "s@cs.example",
                      renewal_date = "2027-03-04T00:00:00Z" }, "renewal_open")
    assert.truthy(m.text:find("renews on 2027-03-04.", 1, true))
  end)

  it("sends to another role or a literal address", function()
    assert.are.equal("ana@cs.example", email(ACME, "renewal_open", nil, "csm").address)
    assert.are.equal("boss@acme.example", email(ACME, "renewal_open", nil, "boss@acme.example").address)
  end)

  it("never half-fills: a missing placeholder leaves no subject or text, and an error naming it", function()
    local m = email(ACME, "feature_howto", {})
    assert.is_nil(m.subject)
    assert.is_nil(m.text)
    assert.truthy(m.error:find("{{feature_name}}", 1, true), m.error)
    assert.truthy(m.error:find("feature_howto (pt-BR)", 1, true), m.error)
  end)

  it("never sends without an address: the error names the field", function()
    local m = email({ id = "z", name = "Z" }, "renewal_open", { renewal_date = "2027-01-01" })
    assert.is_nil(m.address)
    assert.is_nil(m.text)
    assert.are.equal("no address: the account's 'champion' field holds no e-mail address", m.error)
  end)

  it("greets by the address's first word when no name is given", function()
    assert.are.equal("Joao", messages.name_from_address("joao.silva@acme.example"))
    assert.are.equal("Siti", messages.name_from_address("siti_aminah@kedai.example"))
    assert.is_nil(messages.name_from_address(nil))
  end)
end)

describe("a notify intent's text (for the CSM's Slack channel)", function()
  it("says which account, which rule and why, in the account's language", function()
    assert.are.equal("Acme Ltda: a regra no_login_7d disparou (days since login = 8)",
                     (messages.notify_text(ACME, "no_login_7d", "days since login = 8")))
    local text, locale = messages.notify_text({ id = "tienda", locale = "es-MX" }, "at_risk", "health 30")
    assert.are.equal("tienda: se activó la regla at_risk (health 30)", text)
    assert.are.equal("es", locale)
    assert.are.equal("k: rule r fired", (messages.notify_text({ id = "k", locale = "fr" }, "r")))
  end)
end)

describe("the engine renders what the rules decide", function()
  local pb = assert(tend.playbook_from {
    ["rules.lua"] = [[
segment "all" { touch = "tech" }
message_vars { help_link = "https://help.example/playbook", csm_name = function(a) return "Equipe " .. a.id end }
rule "idle" {
  when = function(a, t) return t.days_since("login") >= 7, "idle a week" end,
  actions = { email "reengagement" { data = { days_idle = 9 } }, notify { channel = "csm_slack" },
              notify { channel = "ops", text = "given by the playbook" } },
}
]],
  })

  it("puts subject and text on the email intent and a default text on notify", function()
    local r = pb:evaluate({ id = "acme", name = "Acme Ltda", locale = "ms", champion = "siti@acme.example",
                            csm = "amir@cs.example", help_link = "https://help.example/ms" },
                          { now = "2026-11-22T02:00:00Z" })
    local mail, alert, given = r.actions[1], r.actions[2], r.actions[3]
    assert.are.equal("siti@acme.example", mail.address)
    assert.are.equal("Boleh kami bantu anda bermula, Siti?", mail.subject)
    assert.truthy(mail.text:find("sejak 9 hari lalu", 1, true))
    assert.truthy(mail.text:find("https://help.example/ms", 1, true), "the account's attrs win over message_vars")
    assert.truthy(mail.text:find("Equipe acme$"), "a message_vars function, over the name from the address")
    assert.are.equal("Acme Ltda: peraturan idle dicetuskan (idle a week)", alert.text)
    assert.are.equal("ms", alert.locale)
    assert.are.equal("given by the playbook", given.text)
    assert.are.same({}, r.errors)
  end)

  it("fills what the account lacks from the playbook's message_vars", function()
    local r = pb:evaluate({ id = "b", name = "B", champion = "bo@b.example" }, { now = "2026-11-22T02:00:00Z" })
    assert.truthy(r.actions[1].text:find("https://help.example/playbook", 1, true))
  end)

  it("checks message_vars when the playbook loads", function()
    local _, problems = tend.playbook_from {
      ["rules.lua"] = [[
segment "all" { touch = "tech" }
message_vars { help_link = true, account = "x" }
message_vars { help_link = "a" }
message_vars { help_link = "b" }
]],
    }
    local text = table.concat(problems or {}, "\n")
    assert.truthy(text:find("rules.lua:2: message_vars: 'account' is reserved", 1, true), text)
    assert.truthy(text:find("rules.lua:2: message_vars: 'help_link' must be text, a number, a list or a function, got boolean", 1, true), text)
    assert.truthy(text:find("rules.lua:4: message_vars: 'help_link' is set twice (first at", 1, true), text)
  end)

  it("keeps the account's evaluation when a message cannot be rendered", function()
    local r = pb:evaluate({ id = "anon" }, { now = "2026-11-22T02:00:00Z" })
    assert.truthy(r.actions[1].error:find("no address", 1, true))
    assert.are.same({}, r.errors)
  end)
end)
