--- Segmentation (DOMAIN S1-S5): who an account is, as data and small pure
--- functions. Every number is a default: each function takes an `opts`
--- table whose fields replace the defaults below.
---
--- Segment names used across the tend.* modules: "enterprise",
--- "mid_market", "smb" and "product_led" (S4's product-led sign-up, which
--- DOMAIN O4 and J7 give their own timelines).
---
--- S3 is a population rule: `revenue_tier_thresholds` needs every
--- account's ACV (the host feeds them to a playbook's population pass);
--- `revenue_tier` then places one account with those thresholds.
local M = {}

-- DOMAIN S1: enterprise = 1,000+ employees; SMB = under 100; mid-market between.
M.SIZE = { enterprise = 1000, smb = 100 }

-- DOMAIN S2: high >= $50K; medium $10K-$50K; low $1K-$10K. Under $1K the
-- source names no band: acv_band says "below_low".
M.ACV = { high = 50000, medium = 10000, low = 1000 }

-- DOMAIN S3: Tier 1 = top 20% of revenue, Tier 2 = middle 40%, Tier 3 =
-- bottom 40%. `top` and `bottom` are shares of the account population.
M.REVENUE_TIERS = { top = 0.20, bottom = 0.40 }
M.TIER_NAMES = { tier1 = "Enterprise", tier2 = "Mid-Market", tier3 = "SMB" }

-- DOMAIN S4: the other dimensions a company may segment by, and the
-- account field each reads (fields outside DESIGN's contract live in
-- `a.attrs`; `field` looks in both).
M.DIMENSIONS = {
  size           = { field = "employees", rule = "S1" },
  contract_value = { field = "acv", rule = "S2" },
  revenue_tier   = { field = "acv", rule = "S3", population = true },
  industry       = { field = "industry", rule = "S4" },
  technical      = { field = "technical", rule = "S4",
                     setup = { [true] = "api_and_automation", [false] = "ui_guided" } },
  product_led    = { field = "product_led", rule = "S4" },
}

-- DOMAIN S5: why segmenting matters (the source's before/after).
M.OUTCOME = { single_plan_days = 90, smb_time_to_value_days = 14, enterprise_success_lift = 0.40 }

--- `opts[key]` when given, else the default.
local function opt(opts, key, default)
  if opts ~= nil and opts[key] ~= nil then return opts[key] end
  return default
end

--- A field of the account: the contract field, else the one in `attrs`.
---@param a table  the account
---@param name string
---@return any
function M.field(a, name)
  local v = a[name]
  if v == nil and type(a.attrs) == "table" then v = a.attrs[name] end
  return v
end

--- DOMAIN S1: the size band of an employee count; nil when unknown.
---@param employees number|nil
---@param opts? {enterprise?: number, smb?: number}
---@return "enterprise"|"mid_market"|"smb"|nil
function M.size_band(employees, opts)
  if type(employees) ~= "number" then return nil end
  if employees >= opt(opts, "enterprise", M.SIZE.enterprise) then return "enterprise" end -- DOMAIN S1: 1,000+
  if employees < opt(opts, "smb", M.SIZE.smb) then return "smb" end                      -- DOMAIN S1: under 100
  return "mid_market"
end

--- DOMAIN S2: the contract-value band of an ACV; nil when unknown.
---@param acv number|nil
---@param opts? {high?: number, medium?: number, low?: number}
---@return "high"|"medium"|"low"|"below_low"|nil
function M.acv_band(acv, opts)
  if type(acv) ~= "number" then return nil end
  if acv >= opt(opts, "high", M.ACV.high) then return "high" end       -- DOMAIN S2: >= $50K
  if acv >= opt(opts, "medium", M.ACV.medium) then return "medium" end -- DOMAIN S2: $10K-$50K
  if acv >= opt(opts, "low", M.ACV.low) then return "low" end          -- DOMAIN S2: $1K-$10K
  return "below_low"
end

--- DOMAIN S4: a technical buyer (APIs and automation) rather than one
--- who needs UI-guided setup; nil when the account does not say.
---@param a table  the account
---@return boolean|nil
function M.technical_buyer(a)
  local v = M.field(a, "technical")
  if type(v) ~= "boolean" then return nil end
  return v
end

--- DOMAIN S4: how setup should be offered: "api_and_automation" for
--- technical buyers, "ui_guided" otherwise (also when unknown).
---@param a table  the account
---@return "api_and_automation"|"ui_guided"
function M.setup_style(a)
  return M.DIMENSIONS.technical.setup[M.technical_buyer(a) == true]
end

--- DOMAIN S4: the account signed up product-led (self-serve). Reads
--- `product_led` (true) or `signup` ("product_led" / "self_serve") from
--- the account or its attrs; `opts.field` names another boolean field.
---@param a table  the account
---@param opts? {field?: string}
---@return boolean
function M.product_led(a, opts)
  if M.field(a, opt(opts, "field", "product_led")) == true then return true end
  local signup = M.field(a, "signup")
  return signup == "product_led" or signup == "self_serve"
end

--- DOMAIN S2: "low ACV needs tech touch and self-serve": the account's
--- ACV is known and under $10K (the medium band's floor), whatever its size.
---@param a table  the account
---@param opts? table  thresholds as in acv_band
---@return boolean
function M.low_acv(a, opts)
  return type(a.acv) == "number" and a.acv < opt(opts, "medium", M.ACV.medium)
end

--- DOMAIN S1 + S2 as the default playbook combines them: enterprise when
--- either size or contract value is enterprise-grade, unless the ACV is
--- low (S2: tech touch whatever the size).
---@param a table  the account
---@param opts? table  thresholds as in size_band and acv_band
---@return boolean
function M.is_enterprise(a, opts)
  if M.low_acv(a, opts) then return false end
  return M.size_band(a.employees, opts) == "enterprise" or M.acv_band(a.acv, opts) == "high"
end

--- DOMAIN S1 + S2: SMB (tech touch) when the ACV is under $10K, whatever
--- the size (S2); with no ACV, when under 100 employees (S1; a missing
--- employee count counts as 0).
---@param a table  the account
---@param opts? table  thresholds as in size_band and acv_band
---@return boolean
function M.is_smb(a, opts)
  if M.low_acv(a, opts) then return true end
  return a.acv == nil and not M.is_enterprise(a, opts) and M.size_band(a.employees or 0, opts) == "smb"
end

--- The account's segment: "smb" (ACV under $10K whatever the size, S2; or
--- no ACV and under 100 employees), "enterprise" (1,000+ employees or ACV
--- >= $50K), else "mid_market";
--- with `opts.product_led = true`, a product-led sign-up that is not
--- enterprise is "product_led" (S4).
---@param a table  the account
---@param opts? table  thresholds as in size_band and acv_band, and product_led
---@return "enterprise"|"mid_market"|"smb"|"product_led"
function M.segment_of(a, opts)
  if M.is_enterprise(a, opts) then return "enterprise" end
  if opt(opts, "product_led", false) and M.product_led(a) then return "product_led" end
  if M.is_smb(a, opts) then return "smb" end
  return "mid_market"
end

-- DOMAIN S3 ------------------------------------------------------------

--- The numbers in a list, sorted ascending (a new list: the input is
--- never changed; non-numbers such as a missing ACV are left out).
local function sorted_numbers(values)
  local out = {}
  for _, v in ipairs(values) do
    if type(v) == "number" and v == v then out[#out + 1] = v end
  end
  table.sort(out)
  return out
end

--- The p-th percentile (0 <= p <= 1) of a list of numbers, by linear
--- interpolation between closest ranks (rank = 1 + p * (n - 1), the
--- common spreadsheet PERCENTILE). nil for a list with no numbers.
---@param values number[]
---@param p number
---@return number|nil
function M.percentile(values, p)
  if type(p) ~= "number" or p < 0 or p > 1 then
    error("percentile: p must be a number between 0 and 1, got " .. tostring(p), 2)
  end
  local xs = sorted_numbers(values)
  local n = #xs
  if n == 0 then return nil end
  local rank = 1 + p * (n - 1)
  local lo = math.floor(rank)
  local hi = math.min(lo + 1, n)
  return xs[lo] + (rank - lo) * (xs[hi] - xs[lo])
end

--- DOMAIN S3: the ACV thresholds of the revenue tiers over a population:
--- tier1 = the top-20% boundary (80th percentile), tier2 = the bottom-40%
--- boundary (40th percentile). nil when the list has no numbers.
---@param values number[]  every account's ACV
---@param opts? {top?: number, bottom?: number}
---@return {tier1: number, tier2: number}|nil
function M.revenue_tier_thresholds(values, opts)
  local top, bottom = opt(opts, "top", M.REVENUE_TIERS.top), opt(opts, "bottom", M.REVENUE_TIERS.bottom)
  if top + bottom > 1 then
    error(string.format("revenue_tier_thresholds: top %s + bottom %s exceed the whole population",
                        tostring(top), tostring(bottom)), 2)
  end
  local tier1 = M.percentile(values, 1 - top)
  if tier1 == nil then return nil end
  return { tier1 = tier1, tier2 = M.percentile(values, bottom) }
end

--- DOMAIN S3: an account's revenue tier given the population thresholds.
--- An ACV on a boundary belongs to the higher tier. nil when unknown.
---@param acv number|nil
---@param thresholds {tier1: number, tier2: number}
---@return "tier1"|"tier2"|"tier3"|nil
function M.revenue_tier(acv, thresholds)
  if type(acv) ~= "number" or thresholds == nil then return nil end
  if acv >= thresholds.tier1 then return "tier1" end
  if acv >= thresholds.tier2 then return "tier2" end
  return "tier3"
end

return M
