--- send_policy { }: how often and when tend may reach a customer, across
--- every rule and channel (issue 5). Declared in the playbook, checked at
--- load like every declaration, read by tend deliver as data.
local tend = require "tend"

local HEAD = 'segment "all" { touch = "tech" }\n'

local function open(source)
  local pb, problems, msg = tend.playbook_from({ ["rules.lua"] = HEAD .. source })
  assert(pb, tostring(msg) .. "\n" .. table.concat(problems or {}, "\n"))
  return pb
end

--- Loading fails; returns every problem, one string.
local function problems_of(source)
  local pb, problems = tend.playbook_from({ ["rules.lua"] = HEAD .. source })
  if pb then pb:close() end
  assert.is_nil(pb, "the playbook loaded")
  return table.concat(problems, "\n")
end

describe("send_policy", function()
  it("is nothing when a playbook declares none", function()
    local pb = open("")
    assert.is_nil(pb:send_policy())
    pb:close()
  end)

  it("hands tend deliver caps with their windows in seconds, and quiet hours", function()
    local pb = open([[
send_policy {
  cap { per = "contact", kind = "email", max = 3, within = "7d" },
  cap { per = "account", max = 5, within = "1d" },
  quiet_hours { from = "20:00", to = "08:00", timezone = "America/Sao_Paulo" },
}
]])
    local p = pb:send_policy()
    pb:close()
    assert.are.equal(2, #p.caps)
    assert.are.same({ "email" }, p.caps[1].kinds)
    assert.are.same({ "contact", 3, "7d", 7 * 86400 },
                    { p.caps[1].per, p.caps[1].max, p.caps[1].within, p.caps[1].within_seconds })
    assert.is_nil(p.caps[2].kinds) -- every kind: email, notify and webhook count together
    assert.are.same({ "account", 5, 86400 }, { p.caps[2].per, p.caps[2].max, p.caps[2].within_seconds })
    assert.are.same({ "20:00", "08:00", "America/Sao_Paulo" },
                    { p.quiet_hours.from, p.quiet_hours.to, p.quiet_hours.timezone })
    assert.matches("rules.lua:3$", p.caps[1].where)
  end)

  it("gives quiet hours UTC as the default zone, and may name the kinds they hold", function()
    local pb = open('send_policy { quiet_hours { from = "22:00", to = "07:30", kind = { "email", "notify" } } }')
    local q = pb:send_policy().quiet_hours
    pb:close()
    assert.are.equal("UTC", q.timezone)
    assert.are.same({ "email", "notify" }, q.kinds)
  end)

  it("may be only caps", function()
    local pb = open('send_policy { cap { per = "contact", max = 1, within = "24h" } }')
    local p = pb:send_policy()
    pb:close()
    assert.is_nil(p.quiet_hours)
    assert.are.equal(86400, p.caps[1].within_seconds)
  end)

  describe("refuses at load, with file:line", function()
    it("a cap per something other than contact or account", function()
      assert.matches('rules.lua:2: cap: \'per\' must be "contact" or "account", got \'team\'',
                     problems_of('send_policy { cap { per = "team", max = 3, within = "7d" } }'))
    end)

    it("a cap without a window, or with a max that is not a whole number >= 1", function()
      local p = problems_of('send_policy { cap { per = "contact", max = 0 }, cap { per = "account", max = 2.5, within = "1d" } }')
      assert.matches("cap: 'within' is required", p)
      assert.matches("cap: 'max' must be a whole number >= 1, got 0", p)
      assert.matches("cap: 'max' must be a whole number >= 1, got 2.5", p)
    end)

    it("a window that is not a duration", function()
      assert.matches("cap: 'within': 'a week' is not a duration",
                     problems_of('send_policy { cap { per = "contact", max = 3, within = "a week" } }'))
    end)

    it("a kind that never goes through the outbox", function()
      assert.matches("cap: kind 'task' does not go through the outbox %(known: email, notify, webhook%)",
                     problems_of('send_policy { cap { per = "contact", kind = "task", max = 3, within = "7d" } }'))
    end)

    it("unknown keys", function()
      assert.matches("cap: unknown key 'maximum'",
                     problems_of('send_policy { cap { per = "contact", maximum = 3, within = "7d" } }'))
      assert.matches("quiet_hours: unknown key 'zone'",
                     problems_of('send_policy { quiet_hours { from = "20:00", to = "08:00", zone = "UTC" } }'))
    end)

    it("times of day that are not HH:MM, and quiet hours that start when they end", function()
      assert.matches("quiet_hours: 'from' must be a time of day like \"20:00\", got '8pm'",
                     problems_of('send_policy { quiet_hours { from = "8pm", to = "08:00" } }'))
      assert.matches("quiet_hours: 'to' must be a time of day like \"20:00\", got '24:00'",
                     problems_of('send_policy { quiet_hours { from = "20:00", to = "24:00" } }'))
      assert.matches("'from' and 'to' are the same time",
                     problems_of('send_policy { quiet_hours { from = "20:00", to = "20:00" } }'))
    end)

    it("a time zone that is not a zone name", function()
      assert.matches("quiet_hours: 'timezone' must be an IANA time zone name",
                     problems_of('send_policy { quiet_hours { from = "20:00", to = "08:00", timezone = "my zone" } }'))
    end)

    it("items that are not cap or quiet_hours, an empty policy, two quiet hours, two policies", function()
      assert.matches("send_policy: item 1 is table, not cap { ... } or quiet_hours { ... }",
                     problems_of('send_policy { { per = "contact", max = 3, within = "7d" } }'))
      assert.matches("send_policy: needs at least one cap", problems_of("send_policy { }"))
      assert.matches("rules.lua:3: send_policy: quiet_hours is declared twice %(first at .*rules.lua:2%)",
                     problems_of('send_policy { quiet_hours { from = "20:00", to = "08:00" },\n' ..
                                 'quiet_hours { from = "21:00", to = "08:00" } }'))
      assert.matches("rules.lua:3: send_policy is declared twice %(first at .*rules.lua:2%)",
                     problems_of('send_policy { cap { per = "contact", max = 3, within = "7d" } }\n' ..
                                 'send_policy { cap { per = "account", max = 3, within = "7d" } }'))
    end)
  end)
end)
