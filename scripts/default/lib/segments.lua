--- Segments and what depends on them (DOMAIN S, T, O, J7): the numbers in
--- one place, shared by 10_segments.lua and by the stages and rules that
--- need an account's segment (a rule's `when` sees the account, not the
--- segment the engine chose).
local M = {}

-- DOMAIN S1 (employees) and S2 (annual contract value, USD).
M.ENTERPRISE = { employees = 1000, acv = 50000 } -- either one makes enterprise
M.SMB        = { employees = 100,  acv = 10000 } -- both below make SMB

-- DOMAIN O1-O3: onboarding length in days (the upper end of each range),
-- used as the target when an account has no onboarding_target_at.
M.ONBOARDING_DAYS = { enterprise = 120, mid_market = 60, smb = 30 }

-- DOMAIN J7: the renewal runway in days before renewal_date. `runway` opens
-- the renewal stage; `open` is the day the conversation opens (enterprise:
-- the 120-day milestone; the source gives milestones only for enterprise, so
-- mid-market and SMB open at the start of their runway); `prep` is the
-- enterprise internal preparation milestone.
M.RENEWAL = {
  enterprise = { runway = 180, open = 120, prep = 180 },
  mid_market = { runway = 90,  open = 90 },
  smb        = { runway = 60,  open = 60 },
}
M.RENEWAL_TOO_LATE = 30 -- DOMAIN J7: starting inside 30 days is too late

--- DOMAIN S1/S2: 1,000+ employees or ACV >= 50K. A missing number counts as 0.
---@param a table
---@return boolean
function M.is_enterprise(a)
  return (a.employees or 0) >= M.ENTERPRISE.employees or (a.acv or 0) >= M.ENTERPRISE.acv
end

--- DOMAIN S1/S2: under 100 employees and ACV under 10K (and not enterprise).
---@param a table
---@return boolean
function M.is_smb(a)
  return not M.is_enterprise(a) and (a.employees or 0) < M.SMB.employees and (a.acv or 0) < M.SMB.acv
end

--- The segment name, decided exactly as 10_segments.lua declares it.
---@param a table
---@return "enterprise"|"mid_market"|"smb"
function M.of(a)
  if M.is_enterprise(a) then return "enterprise" end
  if M.is_smb(a) then return "smb" end
  return "mid_market"
end

return M
