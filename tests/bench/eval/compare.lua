-- Checks that tend and the baseline decided the same for every account:
-- account id, segment, touch, stages, graduation dimensions/total/band/
-- blockers, health, sorted flags and sorted action keys (the key names the
-- template/channel/task, the account and the period). Lines must pair up
-- in order; tend's result must carry no errors.
--
--   lua5.4 compare.lua TEND_OUT BASELINE_OUT
-- Exit 0 when all match, 1 (with the first differences) otherwise.
local cjson = require "cjson"
local fmt, concat = string.format, table.concat

local function list(t)
  local out = {}
  for i, v in ipairs(type(t) == "table" and t or {}) do out[i] = tostring(v) end
  return out
end

local function sorted(t)
  table.sort(t)
  return t
end

local function num(v)
  if v == nil or v == cjson.null then return "null" end
  return fmt("%.1f", v)
end

local DIMS = { "technical", "knowledge", "usage", "value", "stakeholder" }

local function signature(r)
  local g = r.scorecards and r.scorecards.graduation or {}
  local dims = {}
  for i, d in ipairs(DIMS) do dims[i] = num((g.dimensions or {})[d]) end
  local h = type(r.health) == "table" and r.health or {}
  local keys = {}
  for _, a in ipairs(type(r.actions) == "table" and r.actions or {}) do keys[#keys + 1] = tostring(a.key) end
  return concat({
    tostring(r.account_id), tostring(r.segment), tostring(r.touch), concat(list(r.stages), ","),
    concat(dims, ","), num(g.total), tostring(g.band), concat(list(g.blockers), "|"),
    tostring(h.score), tostring(h.band), concat(sorted(list(r.flags)), ","), concat(sorted(keys), ","),
  }, " ; ")
end

local tend_path, base_path = arg[1], arg[2]
local tf, bf = assert(io.open(tend_path)), assert(io.open(base_path))
local n, bad, shown = 0, 0, 0
while true do
  local tl, bl = tf:read("l"), bf:read("l")
  if not tl and not bl then break end
  n = n + 1
  local problem
  if not tl or not bl then
    problem = fmt("line %d: only in %s", n, tl and tend_path or base_path)
  else
    local tr, br = cjson.decode(tl), cjson.decode(bl)
    if type(tr.errors) == "table" and #tr.errors > 0 then
      problem = fmt("line %d: tend reported errors: %s", n, cjson.encode(tr.errors))
    else
      local ts, bs = signature(tr), signature(br)
      if ts ~= bs then problem = fmt("line %d differs:\n  tend:     %s\n  baseline: %s", n, ts, bs) end
    end
  end
  if problem then
    bad = bad + 1
    if shown < 5 then print(problem); shown = shown + 1 end
  end
  if (not tl or not bl) and bad > 5 then break end
end
if bad > 0 then
  print(fmt("MISMATCH: %d of %d results differ between tend and the baseline", bad, n))
  os.exit(1)
end
print(fmt("decisions match for all %d accounts", n))
