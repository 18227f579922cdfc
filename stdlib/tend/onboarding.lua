--- Onboarding timelines and phases (DOMAIN O1-O5) as data, and the few
--- functions that read them.
---
--- Day numbers: "day N" is N calendar days after the contract was signed,
--- so the signing day is day 0 and the SMB emails of day 1, 3 and 7 go on
--- the 1st, 3rd and 7th day after it. Week w covers days 7(w-1)+1 .. 7w;
--- day 0 belongs to the first phase. A phase lasts until the next one
--- starts (the source leaves small gaps, such as SMB day 29), and after
--- the last phase's end the plan has run out: phase_of says so.
local host = require "tend.host"

local M = {}

-- DOMAIN O1-O4: the length of onboarding per segment, in days {min, max},
-- and its phases. `weeks` and `days` are inclusive ranges.
M.TIMELINES = {
  enterprise = { -- DOMAIN O1: pilot then expansion
    rule = "O1", days = { 90, 120 },
    phases = {
      { name = "discovery_planning",   weeks = { 1, 2 } },
      { name = "pilot_implementation", weeks = { 3, 6 } },
      { name = "pilot_adoption",       weeks = { 7, 8 }, check_ins = "daily in the first live week" },
      { name = "expansion_rollout",    weeks = { 9, 12 } },
      { name = "handoff",              weeks = { 13, 14 } },
    },
  },
  mid_market = { -- DOMAIN O2
    rule = "O2", days = { 45, 60 },
    phases = {
      { name = "kickoff",                    weeks = { 1, 1 } },
      { name = "implementation",             weeks = { 2, 3 }, check_ins = "weekly, 30 minutes" },
      { name = "training",                   weeks = { 4, 4 } },
      { name = "go_live_early_adoption",     weeks = { 5, 6 }, check_ins = "bi-weekly" },
      { name = "success_validation_handoff", weeks = { 7, 8 } },
    },
  },
  smb = { -- DOMAIN O3
    rule = "O3", days = { 14, 30 },
    phases = {
      { name = "self_serve_setup",   days = { 1, 7 }, emails = { 1, 3, 7 } },
      { name = "initial_training",   weeks = { 2, 2 } },
      { name = "adoption_support",   weeks = { 3, 4 } },
      { name = "success_validation", days = { 30, 30 }, survey = true },
    },
  },
  product_led = { -- DOMAIN O4
    rule = "O4", days = { 1, 7 },
    phases = {
      { name = "in_app_onboarding", days = { 1, 7 } },
    },
  },
}

-- DOMAIN O5: late = this many calendar days or more past the target.
M.LATE_AFTER_DAYS = 30

-- DOMAIN O5: the recovery plan for a late onboarding, in order.
M.RECOVERY_STEPS = {
  { name = "root_cause",             text = "Find the root cause of the delay" },
  { name = "reset_expectations",     text = "Reset expectations with the customer: scope, owners and a new date" },
  { name = "raise_intensity",        text = "Raise the intensity: more frequent check-ins and hands-on help" },
  { name = "minimum_viable_success", text = "Agree on a minimum viable success to reach first" },
}

--- First and last day of a phase (week ranges become day ranges).
---@param phase table
---@return integer first, integer last
function M.phase_days(phase)
  if phase.days then return phase.days[1], phase.days[2] end
  return 7 * (phase.weeks[1] - 1) + 1, 7 * phase.weeks[2]
end

--- The timeline of a segment, or an error naming the known ones.
local function timeline(segment)
  local tl = M.TIMELINES[segment]
  if tl == nil then
    error(string.format("unknown segment '%s' (known: enterprise, mid_market, smb, product_led)",
                        tostring(segment)), 3)
  end
  return tl
end

--- DOMAIN O1-O4: the planned phase on a given day since the contract.
---@param segment string
---@param days_since_signed integer  calendar days; 0 = the signing day
---@return table|nil phase, string why
function M.phase_of(segment, days_since_signed)
  local phases = timeline(segment).phases
  local found
  for _, p in ipairs(phases) do
    if days_since_signed >= M.phase_days(p) or found == nil then found = p end
  end
  local _, last = M.phase_days(phases[#phases])
  if days_since_signed < 0 then return nil, "the contract is not signed yet" end
  if days_since_signed > last then
    return nil, string.format("day %d is past the %s plan (its last phase ends on day %d)",
                              days_since_signed, segment, last)
  end
  local first, to = M.phase_days(found)
  return found, string.format("day %d: %s (days %d-%d)", days_since_signed, found.name, first, to)
end

--- DOMAIN O1-O4: the planned length of onboarding, the upper end of the
--- segment's range by default (enterprise 120, mid-market 60, SMB 30,
--- product-led 7); the lower end with `which = "min"`.
---@param segment string
---@param which? "max"|"min"
---@return integer
function M.target_days(segment, which)
  local days = timeline(segment).days
  return which == "min" and days[1] or days[2]
end

--- The onboarding target date: the account's onboarding_target_at, else
--- the contract date plus the segment's target_days (when `segment` is
--- given). nil when neither is known.
---@param a table  the account
---@param segment? string
---@return string|nil date, string how
function M.target_date(a, segment)
  if a.onboarding_target_at then return a.onboarding_target_at, "onboarding_target_at" end
  if segment == nil or M.TIMELINES[segment] == nil or a.contract_signed_at == nil then return nil, "no target" end
  local signed = host.parse_time(a.contract_signed_at)
  if signed == nil then return nil, "no target" end
  local days = M.target_days(segment)
  return host.date(signed + days * 86400), string.format("contract + %d days (%s)", days, segment)
end

--- DOMAIN O5 with other numbers: returns is_late(a, t, r).
---@param opts? {days?: integer}
---@return fun(a: table, t: table, r?: table): boolean, string
function M.late(opts)
  local after = opts and opts.days or M.LATE_AFTER_DAYS
  return function(a, t, r)
    local target, how = M.target_date(a, r and r.segment)
    if target == nil then return false, "no onboarding target date" end
    local past = t.days_since_date(target)
    return past >= after,
           string.format("%d days past the onboarding target %s (%s; late from %d, O5)",
                         past, target:sub(1, 10), how, after)
  end
end

--- DOMAIN O5: the onboarding is 30+ calendar days past its target
--- (onboarding_target_at, else the contract plus the segment's length
--- when `r.segment` is known). Whether it is still onboarding is the
--- caller's business (a rule's stage = "onboarding").
---@param a table  the account
---@param t table  its timeline
---@param r? table  the result so far
---@return boolean late, string why
function M.is_late(a, t, r)
  return M.late()(a, t, r)
end

--- DOMAIN O5: the recovery plan for a late onboarding: the four steps in
--- order, the first naming the reason given.
---@param reason? string  what is known of the delay
---@return {name: string, text: string}[]
function M.recovery_plan(reason)
  local steps = {}
  for i, s in ipairs(M.RECOVERY_STEPS) do
    local text = s.text
    if i == 1 and reason ~= nil and reason ~= "" then text = text .. " (" .. reason .. ")" end
    steps[i] = { name = s.name, text = text }
  end
  return steps
end

return M
