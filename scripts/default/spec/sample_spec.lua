-- The sample book (scripts/examples/sample) exercises the whole playbook:
-- every rule and handler fires for at least one account, and every flag and
-- email of the contract shows up, as the quickstart promises.
local S = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "support.lua")
local tend = require "tend"

local SAMPLE = S.PLAYBOOK_DIR .. "../examples/sample/"

local function lines(path)
  local rows = {}
  for line in io.lines(path) do rows[#rows + 1] = tend.json.decode(line) end
  return rows
end

--- Every account evaluated with its own events and metrics, at the sample's NOW.
local function evaluate_book()
  local events, metrics = {}, {}
  for _, e in ipairs(lines(SAMPLE .. "events.jsonl")) do
    events[e.account_id] = events[e.account_id] or {}
    table.insert(events[e.account_id], e)
  end
  for _, m in ipairs(lines(SAMPLE .. "metrics.jsonl")) do
    metrics[m.account_id] = metrics[m.account_id] or {}
    table.insert(metrics[m.account_id], m)
  end
  local results = {}
  for _, a in ipairs(lines(SAMPLE .. "accounts.jsonl")) do
    results[#results + 1] = tend.evaluate(a, { events = events[a.id] or {}, metrics = metrics[a.id] or {}, now = S.NOW })
  end
  return results
end

--- The names declared with `rule "x"` and `on "x"` in the playbook's files.
local function declared()
  local names = {}
  local p = io.popen("ls " .. S.PLAYBOOK_DIR .. "*.lua")
  for file in p:lines() do
    for line in io.lines(file) do
      local kind, name = line:match('^(%a+) "([%w_]+)"')
      if kind == "rule" then names[name] = true elseif kind == "on" then names["on " .. name] = true end
    end
  end
  p:close()
  return names
end

describe("the sample book", function()
  local results = evaluate_book()

  it("has 30 accounts, none failing", function()
    assert.are.equal(30, #results)
    for _, r in ipairs(results) do assert.same({}, r.errors) end
  end)

  it("fires every rule and handler at least once", function()
    local fired = {}
    for _, r in ipairs(results) do
      for _, e in ipairs(r.trace) do if e.fired then fired[e.rule] = true end end
    end
    local never = {}
    for name in pairs(declared()) do if not fired[name] then never[#never + 1] = name end end
    table.sort(never)
    assert.same({}, never)
  end)

  it("raises every flag, sends every template and covers every segment and stage of the contract", function()
    local seen = {}
    for _, r in ipairs(results) do
      seen[r.segment] = true
      for _, s in ipairs(r.stages) do seen[s] = true end
      for _, f in ipairs(r.flags) do seen[f] = true end
      for _, a in ipairs(r.actions) do if a.template then seen[a.template] = true end end
      if r.scorecards.graduation then seen[r.scorecards.graduation.band] = true end
    end
    for _, name in ipairs { "enterprise", "mid_market", "smb",
                            "onboarding", "adoption", "retention", "expansion", "renewal", "advocacy",
                            "ready", "close", "not_ready",
                            "needs_followup", "late_onboarding", "graduation_blocked", "at_risk",
                            "expansion_candidate", "advocate_candidate", "renewal_late",
                            "welcome", "kickoff_summary", "reengagement", "feature_howto", "training_next",
                            "weekly_summary", "survey_goal", "milestone_note", "celebration", "extension_notice", "renewal_open" } do
      assert.is_true(seen[name] == true, name)
    end
  end)

  -- DOMAIN C1-C4: an email with a placeholder left empty carries an `error`
  -- and is dead-lettered, never sent; on the sample every one renders
  -- (links from 05_messages.lua, history from lib/messages.lua).
  it("renders every email it sends: address, subject and text, no error (C1-C4)", function()
    local emails, broken = 0, {}
    for _, r in ipairs(results) do
      for _, a in ipairs(r.actions) do
        if a.kind == "email" then
          emails = emails + 1
          if a.error or type(a.subject) ~= "string" or type(a.text) ~= "string" or a.text:find("{{", 1, true) then
            broken[#broken + 1] = string.format("%s %s: %s", r.account_id, a.template, tostring(a.error))
          end
        end
      end
    end
    assert.same({}, broken)
    assert.is_true(emails >= 10, "emails: " .. emails)
  end)
end)
