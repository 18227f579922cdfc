-- same_results.lua A B: the result objects in two JSON Lines files are the
-- same for every account (key order and evaluated_at aside). Prints the
-- accounts that differ and exits 1 if any does.
local cjson = require "cjson"

local function load(path)
  local by_id, n = {}, 0
  for line in io.lines(path) do
    local r = cjson.decode(line)
    r.evaluated_at = nil
    by_id[r.account_id] = r
    n = n + 1
  end
  return by_id, n
end

local function canon(v)
  if type(v) ~= "table" then return tostring(v) end
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = k end
  table.sort(keys, function(x, y) return tostring(x) < tostring(y) end)
  local out = {}
  for _, k in ipairs(keys) do out[#out + 1] = tostring(k) .. "=" .. canon(v[k]) end
  return "{" .. table.concat(out, ",") .. "}"
end

local a, na = load(arg[1])
local b, nb = load(arg[2])
local differ = 0
for id, r in pairs(b) do
  if canon(r) ~= canon(a[id] or {}) then
    differ = differ + 1
    print("differs: " .. id)
  end
end
print(string.format("%d and %d results, %d differ", na, nb, differ))
os.exit(differ == 0 and na == nb and 0 or 1)
