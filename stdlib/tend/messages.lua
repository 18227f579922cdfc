--- Messages rendered at evaluation time (DOMAIN C1-C4): an email intent
--- carries the recipient's address, the subject and the text that will go
--- out, and a notify intent a short line for the CSM's channel, so
--- `tend eval` and `tend explain` show exactly what is sent and the
--- connectors (smtp, slack) need no Lua.
---
--- Variables, later ones winning: the playbook's `message_vars` (links,
--- signatures: text or function(a, t, r)), what the account says
--- (account.*, the champion's and CSM's names, renewal_date, every text or
--- number in attrs: a help_link per account), then the action's `data`.
--- A placeholder none of them fills leaves the intent without a message
--- and with an `error` naming it: nothing half-filled is ever sent (the
--- smtp connector dead-letters such a row with that error).
local templates = require "tend.templates"

local M = {}

--- "joao.silva@acme.example" -> "Joao": a greeting name when the account
--- gives none (attrs.champion_name / attrs.csm_name win).
---@param address? string
---@return string|nil
function M.name_from_address(address)
  if type(address) ~= "string" then return nil end
  local name = address:match("^%s*([^@%s]+)@") or address:match("^%s*(%S+)%s*$")
  if name == nil then return nil end
  name = name:match("^[^._+%-]+") or name
  if name == "" then return nil end
  return name:sub(1, 1):upper() .. name:sub(2)
end

local function text_or_number(v)
  local kind = type(v)
  return kind == "string" or kind == "number"
end

local function date_part(v)
  if type(v) ~= "string" then return v end
  return v:match("^(%d%d%d%d%-%d%d%-%d%d)") or v
end

--- The variables a template is rendered with, for account `a` and the
--- action's data (a table or nil).
---@param a table
---@param data? table
---@param defaults? table  the playbook's message_vars
---@param t? table  the timeline, for functions in defaults
---@param r? table  the result so far, for functions in defaults
---@return table
function M.vars(a, data, defaults, t, r)
  local attrs = type(a.attrs) == "table" and a.attrs or {}
  local vars = {}
  for k, v in pairs(defaults or {}) do
    if type(v) == "function" then v = v(a, t, r) end
    vars[k] = v
  end
  for k, v in pairs(attrs) do
    if type(k) == "string" and text_or_number(v) then vars[k] = v end
  end
  vars.account = a
  vars.data = type(data) == "table" and data or {}
  if vars.champion_name == nil then vars.champion_name = M.name_from_address(a.champion) end
  if vars.csm_name == nil then vars.csm_name = M.name_from_address(a.csm) end
  if vars.renewal_date == nil then vars.renewal_date = date_part(a.renewal_date) end
  if type(data) == "table" then
    for k, v in pairs(data) do
      if type(k) == "string" then vars[k] = v end
    end
  end
  return vars
end

--- The address an email goes to: `to` is a role naming an account field
--- ("champion", "csm", or any attrs field), or an address itself.
---@param a table
---@param to string
---@return string|nil address, string|nil why_not
function M.address(a, to)
  if type(to) ~= "string" or to == "" then return nil, "the email has no recipient ('to')" end
  if to:find("@", 1, true) then return to end
  local v = a[to]
  if v == nil and type(a.attrs) == "table" then v = a.attrs[to] end
  if type(v) ~= "string" or not v:find("@", 1, true) then
    return nil, string.format("no address: the account's '%s' field holds no e-mail address", to)
  end
  return v
end

--- Fills an email intent (kind, template, to, locale already set) with
--- address, subject and text, or with `error` when any is missing.
---@param intent table
---@param a table
---@param catalogue table
---@param defaults? table  the playbook's message_vars
---@param t? table
---@param r? table
function M.email(intent, a, catalogue, defaults, t, r)
  local address, why = M.address(a, intent.to)
  if address == nil then
    intent.error = why
    return
  end
  intent.address = address
  local ok, m = pcall(templates.message, catalogue, intent.template, intent.locale, M.vars(a, intent.data, defaults, t, r))
  if not ok then
    intent.error = tostring(m) .. " (give it in message_vars, the account's attrs or the action's data)"
    return
  end
  intent.subject, intent.text = m.subject, m.body
end

-- DOMAIN C4: the short alert a notify intent carries when the playbook gave
-- no `text`, in the account's language (English otherwise).
M.NOTIFY = {
  en      = "{{account}}: rule {{rule}} fired ({{why}})",
  ["pt-BR"] = "{{account}}: a regra {{rule}} disparou ({{why}})",
  es      = "{{account}}: se activó la regla {{rule}} ({{why}})",
  ms      = "{{account}}: peraturan {{rule}} dicetuskan ({{why}})",
}

--- The default text of a notify intent and the locale it is written in.
---@param a table
---@param rule string
---@param why? string
---@return string text, string locale
function M.notify_text(a, rule, why)
  local entry = {}
  for locale, text in pairs(M.NOTIFY) do entry[locale] = { subject = text, body = text } end
  local m, locale = templates.pick({ notify = entry }, "notify", a.locale)
  local vars = { account = tostring(a.name or a.id), rule = rule, why = why or "" }
  local text = m.subject:gsub("{{(%w+)}}", function(k) return vars[k] end)
  if why == nil or why == "" then text = text:gsub(" %(%)$", "") end
  return text, locale
end

return M
