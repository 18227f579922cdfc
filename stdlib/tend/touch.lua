--- Touch models and capacity (DOMAIN T1-T5): how much human attention
--- each segment gets, how many accounts a person can carry, and how many
--- implementation specialists a stream of new customers needs.
---
--- T5 computes with Little's law (concurrent work = arrival rate x time in
--- the system) and shows its working. The source text's own example
--- ("50 new customers a quarter, 8-week onboarding, 10 per specialist ->
--- 2 specialists", then 100 -> 4 and 200 -> 8) divides the quarter's
--- arrivals by 3 months (16-17 starts a month) and compares that with the
--- capacity of 2 x 10 = 20, i.e. it counts one month of starts as the
--- concurrent load, as if an onboarding lasted about a month (4.3 weeks)
--- instead of the 8 weeks it assumed; then it doubles 2 -> 4 -> 8 rather
--- than recomputing (its own method gives 7 at 200, not 8). Little's law:
--- 50/13 a week x 8 weeks = 30.8 concurrent -> 4 specialists.
--- tests/lua/domain_touch_spec.lua records this figure by figure.
local M = {}

-- DOMAIN T1-T3: the three touch models as data.
M.MODELS = {
  high = { -- DOMAIN T1
    rule = "T1",
    for_accounts = "enterprise, ACV $50K+, complex implementations, strategic accounts",
    acv_min = 50000,
    resources = "dedicated", ratio = "1:1",
    cadence = { "weekly", "biweekly" }, cadence_days = { 7, 14 }, -- 1:1 meetings
    meetings = "1:1",
    outreach = "proactive",
    channels = { "email", "phone", "slack" }, -- direct access to the specialist
  },
  low = { -- DOMAIN T2
    rule = "T2",
    for_accounts = "mid-market, ACV $10K-$50K, proven use case, standard implementation",
    acv_min = 10000, acv_max = 50000,
    resources = "shared", ratio = "1:many",
    cadence = { "biweekly" }, cadence_days = { 14 }, -- milestone check-ins every 2 weeks
    meetings = "milestone check-ins",
    playbook = "standard",
    training = "group",
    support = "reactive",
    channels = { "email", "group_training", "check_in_call" },
  },
  tech = { -- DOMAIN T3
    rule = "T3",
    for_accounts = "SMB, ACV $1K-$10K, simple product, self-serve design",
    acv_min = 1000, acv_max = 10000,
    resources = "automated", ratio = "1:all",
    cadence = { "automated" },
    channels = { "email_sequence", "in_app_guidance", "knowledge_base", "on_demand_webinar", "chatbot" },
    humans_when = { "at_risk", "stuck" }, -- humans step in only for these
  },
}

-- The model each segment gets (DOMAIN T1-T3; product-led is self-serve, T3).
M.FOR_SEGMENT = { enterprise = "high", mid_market = "low", smb = "tech", product_led = "tech" }

-- DOMAIN T4: active load per person, {min, max}.
M.CAPACITY = {
  specialist            = { min = 8,  max = 15 },  -- implementation specialist, active implementations
  specialist_mid_market = { min = 8,  max = 12 },  -- mid-market shared pool
  csm_high              = { min = 8,  max = 15 },  -- CSM accounts, high-touch
  csm_low               = { min = 40, max = 80 },  -- CSM accounts, low-touch
  csm_mid_market        = { min = 40, max = 60 },  -- mid-market shared CSM
  generalist            = { max = 200 },           -- generalist CSM doing both, "up to about 200"
}

-- DOMAIN T5: the planning example's inputs, and the calendar it needs.
M.PLAN = { new_per_quarter = 50, onboarding_weeks = 8, per_specialist = 10, buffer = 0.20 }
M.WEEKS_PER_QUARTER = 13 -- 52 weeks / 4

--- `opts[key]` when given, else the default.
local function opt(opts, key, default)
  if opts ~= nil and opts[key] ~= nil then return opts[key] end
  return default
end

--- Rounds up, ignoring float noise below 1e-9 (130/13 x 8 / 10 is 8, not 9).
---@param x number
---@return integer
local function ceil(x)
  return math.ceil(x - 1e-9) // 1
end

--- A number for the working: one decimal, or an integer when whole.
---@param x number
---@param decimals? integer
---@return string
local function num(x, decimals)
  local s = string.format("%." .. (decimals or 1) .. "f", x)
  if s:find(".", 1, true) then s = s:gsub("0+$", ""):gsub("%.$", "") end
  return s
end

--- DOMAIN T1-T3: the touch model of a segment; nil for an unknown one.
---@param segment string
---@return table|nil model, string|nil name
function M.for_segment(segment)
  local name = M.FOR_SEGMENT[segment]
  if name == nil then return nil end
  return M.MODELS[name], name
end

--- DOMAIN T4: is a load inside a role's range? "under" below min, "over"
--- above max, else "within"; with a reason.
---@param role string  a key of CAPACITY
---@param active number  accounts or implementations carried now
---@param opts? {min?: number, max?: number}
---@return "under"|"within"|"over" status, string why
function M.load_status(role, active, opts)
  local cap = M.CAPACITY[role]
  if cap == nil then error("load_status: unknown role '" .. tostring(role) .. "'", 2) end
  local lo, hi = opt(opts, "min", cap.min), opt(opts, "max", cap.max)
  if hi ~= nil and active > hi then
    return "over", string.format("%s carries %s, above the %s maximum (T4)", role, num(active), num(hi))
  end
  if lo ~= nil and active < lo then
    return "under", string.format("%s carries %s, below the %s minimum (T4)", role, num(active), num(lo))
  end
  return "within", string.format("%s carries %s, within %s-%s (T4)", role, num(active),
                                 lo and num(lo) or "0", hi and num(hi) or "any")
end

--- DOMAIN T4: people needed for `count` accounts in a role: at the top of
--- the range (fewest people) and at the bottom (most people).
---@param role string  a key of CAPACITY
---@param count number
---@return {fewest: integer, most: integer|nil}
function M.headcount(role, count)
  local cap = M.CAPACITY[role]
  if cap == nil then error("headcount: unknown role '" .. tostring(role) .. "'", 2) end
  return { fewest = ceil(count / cap.max), most = cap.min and ceil(count / cap.min) or nil }
end

--- A positive number option, or an error naming it.
local function positive(opts, key, default, allow_zero)
  local v = opt(opts, key, default)
  if type(v) ~= "number" or v < 0 or (v == 0 and not allow_zero) then
    error(string.format("plan: '%s' must be a %s number, got %s", key,
                        allow_zero and "non-negative" or "positive", tostring(v)), 3)
  end
  return v
end

--- DOMAIN T5: implementation specialists for a stream of new customers,
--- by Little's law: arrival rate (new per week) x onboarding weeks =
--- onboardings in flight at once; divided by the active load per
--- specialist, rounded up; the buffer (seasonality, turnover, complex
--- deals) raises the load before dividing. `working` shows each step.
---@param opts? {new_per_quarter?: number, onboarding_weeks?: number, per_specialist?: number, buffer?: number, weeks_per_quarter?: number}
---@return {arrival_per_week: number, concurrent: number, specialists: integer, buffered_concurrent: number, specialists_with_buffer: integer, utilisation: number, inputs: table, working: string[]}
function M.plan(opts)
  local new = positive(opts, "new_per_quarter", M.PLAN.new_per_quarter, true)
  local weeks = positive(opts, "onboarding_weeks", M.PLAN.onboarding_weeks)
  local per = positive(opts, "per_specialist", M.PLAN.per_specialist)
  local buffer = positive(opts, "buffer", M.PLAN.buffer, true)
  local quarter = positive(opts, "weeks_per_quarter", M.WEEKS_PER_QUARTER)

  local rate = new / quarter               -- λ, arrivals per week
  local concurrent = rate * weeks          -- L = λ W
  local specialists = ceil(concurrent / per)
  local buffered = concurrent * (1 + buffer)
  local with_buffer = ceil(buffered / per)
  local utilisation = with_buffer > 0 and concurrent / (with_buffer * per) or 0

  local working = {
    string.format("arrival rate = %s new / %s weeks per quarter = %s per week",
                  num(new), num(quarter), num(rate, 2)),
    string.format("concurrent onboardings (Little's law) = %s per week x %s weeks = %s",
                  num(rate, 2), num(weeks), num(concurrent)),
    string.format("specialists = ceil(%s / %s per specialist) = %d",
                  num(concurrent), num(per), specialists),
    string.format("with a %s%% buffer = ceil(%s x %s / %s) = ceil(%s) = %d",
                  num(buffer * 100), num(concurrent), num(1 + buffer, 2), num(per),
                  num(buffered / per, 2), with_buffer),
    string.format("load at %d specialists = %s of %d active slots (%s%%)",
                  with_buffer, num(concurrent), with_buffer * per, num(utilisation * 100, 0)),
  }
  return {
    arrival_per_week = rate,
    concurrent = concurrent,
    specialists = specialists,
    buffered_concurrent = buffered,
    specialists_with_buffer = with_buffer,
    utilisation = utilisation,
    inputs = { new_per_quarter = new, onboarding_weeks = weeks, per_specialist = per,
               buffer = buffer, weeks_per_quarter = quarter },
    working = working,
  }
end

return M
