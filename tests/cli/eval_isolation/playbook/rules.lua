-- A hostile playbook (issue 13, defects 1 and 2): every account tries to
-- leave something behind for the next one, and one in fifty also tries to
-- poison the globals the engine uses.
local seen, last = 0, nil
local Tally = { n = 0 }
Tally.__index = Tally
local tally = setmetatable({}, Tally)
local customers = {}

segment "all" { touch = "tech" }

rule "hostile" {
  when = function(a)
    seen = seen + 1
    local previous = last
    last = a.id
    Tally.n = Tally.n + 1
    pcall(function() customers[#customers + 1] = a.id end)
    if a.attrs.poison then
      pcall(function() pairs = function() error("poisoned") end end)
      pcall(function() ipairs = nil end)
      type = function() return "table" end -- refused: this account fails, no other
    end
    return true, string.format("seen=%d previous=%s tally=%d customers=%d random=%d", seen, tostring(previous),
                               tally.n, #customers, math.random(1000000))
  end,
  actions = { flag "touched", task { "Call", data = function() return { seen = seen, previous = last } end } },
}
