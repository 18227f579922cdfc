--- Message templates (DOMAIN C1-C4): the functions that read, pick, check
--- and render them. The stdlib's catalogue of customer emails, in English,
--- Brazilian Portuguese, Spanish and Malay, is the files beside this module,
--- `templates/<locale>/<name>.txt`, in the format a playbook's own
--- `templates/` folder uses to add or override texts (the host reads both
--- folders the same way and hands the files to `catalogue`).
---
--- Placeholders are {{name}} or {{a.b}} paths into the variables given to
--- `render`. A string or number is inserted as text; a list of strings
--- becomes one "- item" line each (achievements, action items); anything
--- else, or a name the variables lack, raises an error naming the
--- placeholder and the template, so a message never goes out half-filled.
--- `check` finds the same mistakes when a playbook loads.
local M = {}

-- DOMAIN C4: the languages of the source texts; English is the fallback.
M.LOCALES = { "en", "pt-BR", "es", "ms" }
M.FALLBACK = "en"

-- The placeholders the catalogue uses, and what each holds.
M.VARS = {
  ["account.name"]   = "the customer's company name",
  champion_name      = "the customer's champion (first name)",
  csm_name           = "the sender: the account's CSM or specialist",
  kickoff_date       = "date of the kickoff meeting",
  action_items       = "list: action items agreed at the kickoff",
  next_check_in      = "date of the first weekly check-in",
  days_idle          = "days without a login",
  help_link          = "link to a help article or guide",
  feature_name       = "the feature the email explains",
  module_name        = "the training module just completed",
  next_module        = "the training module unlocked next",
  training_link      = "link to the next module",
  week_summary       = "list: what the team did this week, with numbers",
  goal               = "the customer's stated goal, as agreed at kickoff",
  survey_link        = "link to the survey",
  achievements       = "list: what the customer achieved, with numbers (C2)",
  reason             = "the specific reason for the extension (C3)",
  focus_actions      = "list: what happens before the new date (C3)",
  new_target_date    = "the new graduation date (C3)",
  readiness_criteria = "how readiness will be judged (C3)",
  renewal_date       = "the contract's renewal date",
  check_in_date      = "date of the next check-in meeting",
  step_name          = "the setup step the customer is stuck on",
}

-- Which DOMAIN rules each template serves.
M.ABOUT = {
  welcome          = "C1 welcome, day 0; P1 next steps and kickoff invite",
  welcome_self_serve = "C1 welcome, day 0, for tech touch; O3 self-serve first week, no kickoff (T3)",
  kickoff_summary  = "C1 kickoff confirmation; P2 summary with action items",
  reengagement     = "C1 stuck/at-risk re-engagement; P3, P4",
  feature_howto    = "P4 feature unused",
  training_next    = "P5 module completed, next module",
  weekly_summary   = "P4 weekly usage summary",
  survey_goal      = "P7 day-30 survey: have you achieved your stated goal?",
  milestone_note   = "C1 milestone on the way: a short note (P6: not the completion celebration)",
  celebration      = "C1 onboarding completion and next steps; C2 achievements with numbers; P6, once, on completion",
  extension_notice = "C1 extension notice; C3 reason, focus actions, new date, readiness",
  renewal_open     = "J7 open the renewal conversation",
  kickoff_agenda   = "C1 kickoff confirmation and agenda, day 1-2 (P1 kickoff invite)",
  checkin_agenda   = "C1 weekly check-in agenda (O1, O2 check-in cadence; T1, T2)",
  setup_day1       = "O3 self-serve setup email, day 1",
  setup_day3       = "O3 self-serve setup email, day 3",
  setup_day7       = "O3 self-serve setup email, day 7",
  feature_highlights = "O3 week 2: initial training, the features used most",
  step_help        = "P4 stuck on step Y: automated help",
  pulse_check      = "M2 mid-onboarding check-in: how is it going?",
  nps_survey       = "M2 post-onboarding survey: NPS and open text",
}

-- Template files --------------------------------------------------------------

--- A template file's text: "Subject: ..." on the first line, a blank line,
--- the body. The file's final newline is not part of the body.
---@param path string  where the file is, for problems ("templates/en/x.txt")
---@param text string
---@param is_known fun(name: string): boolean, string?  whether a placeholder may be used (and a hint when not)
---@return {subject: string, body: string}|nil message, string[] problems ("path:line: message")
function M.parse(path, text, is_known)
  local subject, body = text:match("^Subject:%s*([^\n]*)\n\r?\n?(.*)$")
  if not subject then
    return nil, { path .. ":1: the first line must be 'Subject: ...', then a blank line and the body" }
  end
  local problems, line = {}, 0
  for l in (text .. "\n"):gmatch("([^\n]*)\n") do
    line = line + 1
    for _, name in ipairs(M.placeholders(l)) do
      local ok, hint = is_known(name)
      if not ok then
        problems[#problems + 1] = string.format("%s:%d: unknown placeholder {{%s}}%s", path, line, name,
                                                hint and (" (" .. hint .. ")") or "")
      end
    end
  end
  return { subject = subject, body = (body:gsub("\r?\n$", "")) }, problems
end

local function ordered(t)
  local ks = {}
  for k in pairs(t) do ks[#ks + 1] = k end
  table.sort(ks)
  return ks
end

--- DOMAIN C1-C4: the catalogue (name -> locale -> {subject, body}) from
--- layers of template files, each {[locale] = {[name] = {text, path}}}, a
--- later layer replacing an earlier one's text per name and locale (the
--- stdlib's files, then the playbook's). Every template needs an English
--- text to fall back to.
---@param layers table[]
---@param is_known fun(name: string): boolean, string?
---@return table catalogue, string[] problems
function M.catalogue(layers, is_known)
  local catalogue, problems = {}, {}
  for _, files in ipairs(layers) do
    for _, locale in ipairs(ordered(files)) do
      for _, name in ipairs(ordered(files[locale])) do
        local file = files[locale][name]
        local m, found = M.parse(file.path, file.text, is_known)
        table.move(found, 1, #found, #problems + 1, problems)
        if m then
          catalogue[name] = catalogue[name] or {}
          catalogue[name][locale] = m
        end
      end
    end
  end
  for _, name in ipairs(ordered(catalogue)) do
    if catalogue[name][M.FALLBACK] == nil then
      problems[#problems + 1] = string.format(
        "templates/%s/%s.txt: missing: template '%s' needs an English text to fall back to (DOMAIN C4)",
        M.FALLBACK, name, name)
    end
  end
  return catalogue, problems
end

-- Placeholders -------------------------------------------------------------

local NAME = "^[%a_][%w_]*$"

--- A placeholder's inside is a name or a dotted path of names.
local function valid(inner)
  for part in (inner .. "."):gmatch("([^.]*)%.") do
    if not part:match(NAME) then return false end
  end
  return true
end

--- Every {{...}} in text, in order: {name = trimmed inside, ok = valid?};
--- a "{{" with no closing "}}" is reported as not ok.
local function scan(text)
  local out, pos = {}, 1
  while true do
    local open = text:find("{{", pos, true)
    if open == nil then break end
    local close = text:find("}}", open + 2, true)
    if close == nil then
      out[#out + 1] = { name = text:sub(open + 2, open + 22), ok = false }
      break
    end
    local inner = text:sub(open + 2, close - 1):match("^%s*(.-)%s*$")
    out[#out + 1] = { name = inner, ok = valid(inner) }
    pos = close + 2
  end
  return out
end

--- The placeholder names in a text, each once, in order of appearance
--- (malformed ones left out; `check` reports them).
---@param text string
---@return string[]
function M.placeholders(text)
  local out, seen = {}, {}
  for _, p in ipairs(scan(text)) do
    if p.ok and not seen[p.name] then
      seen[p.name] = true
      out[#out + 1] = p.name
    end
  end
  return out
end

-- Rendering ------------------------------------------------------------------

--- The value at a dotted path, or nil.
local function lookup(vars, path)
  local v = vars
  for part in path:gmatch("[^.]+") do
    if type(v) ~= "table" then return nil end
    v = v[part]
  end
  return v
end

local function number_text(v)
  if math.type(v) == "float" and v == math.floor(v) and math.abs(v) < 2 ^ 53 then
    return string.format("%d", v)
  end
  return tostring(v)
end

--- A value as text: strings and numbers as they are, a list of them as
--- "- item" lines; nil for anything else.
local function as_text(v)
  local kind = type(v)
  if kind == "string" then return v end
  if kind == "number" then return number_text(v) end
  if kind ~= "table" then return nil end
  local lines = {}
  for i = 1, #v do
    local item = v[i]
    if type(item) == "number" then item = number_text(item) end
    if type(item) ~= "string" then return nil end
    lines[i] = "- " .. item
  end
  if #lines == 0 and next(v) ~= nil then return nil end -- a map, not a list
  return table.concat(lines, "\n")
end

--- Fills {{placeholders}} from `vars` ({{a.b}} is vars.a.b). Raises on a
--- placeholder the variables lack, on a value that is not text, a number
--- or a list of those, and on a malformed {{...}}; the error names the
--- placeholder and `name` (the template, e.g. "welcome (pt-BR) subject").
---@param text string
---@param vars table
---@param name? string
---@return string
function M.render(text, vars, name)
  local where = name and ("template " .. name) or "template"
  for _, p in ipairs(scan(text)) do
    if not p.ok then error(string.format("%s: malformed placeholder {{%s}}", where, p.name), 0) end
  end
  return (text:gsub("{{(.-)}}", function(inner)
    local path = inner:match("^%s*(.-)%s*$")
    local v = lookup(vars or {}, path)
    if v == nil then error(string.format("%s: unknown placeholder {{%s}}", where, path), 0) end
    local s = as_text(v)
    if s == nil then
      error(string.format("%s: placeholder {{%s}} is a %s, not text, a number or a list of them",
                          where, path, type(v)), 0)
    end
    return s
  end))
end

-- Picking a locale -------------------------------------------------------------

--- "pt_br" -> "pt-br": separators and case do not matter.
local function norm(locale) return (tostring(locale):gsub("_", "-"):lower()) end

--- DOMAIN C4: the template `name` in `locale`, falling back from the exact
--- locale ("pt-BR", any case, "_" or "-") to its language ("pt"), to
--- another region of that language (sorted first), to English. Raises
--- when the template does not exist or has neither.
---@param catalogue table  name -> locale -> {subject, body}
---@param name string
---@param locale? string
---@return {subject: string, body: string} message, string locale
function M.pick(catalogue, name, locale)
  local entry = catalogue[name]
  if entry == nil then error(string.format("unknown template '%s'", tostring(name)), 2) end
  local keys = {}
  for k in pairs(entry) do keys[#keys + 1] = k end
  table.sort(keys)
  if locale ~= nil then
    local want = norm(locale)
    local lang = want:match("^[^-]+")
    for _, k in ipairs(keys) do if norm(k) == want then return entry[k], k end end
    for _, k in ipairs(keys) do if norm(k) == lang then return entry[k], k end end
    for _, k in ipairs(keys) do if norm(k):match("^[^-]+") == lang then return entry[k], k end end
  end
  if entry[M.FALLBACK] ~= nil then return entry[M.FALLBACK], M.FALLBACK end
  error(string.format("template '%s' has no '%s' text and none in English", tostring(name), tostring(locale)), 2)
end

--- A rendered message: pick, then render subject and body.
---@param catalogue table
---@param name string
---@param locale? string
---@param vars table
---@return {subject: string, body: string, locale: string}
function M.message(catalogue, name, locale, vars)
  local m, chosen = M.pick(catalogue, name, locale)
  local label = name .. " (" .. chosen .. ") "
  return {
    subject = M.render(m.subject, vars, label .. "subject"),
    body = M.render(m.body, vars, label .. "body"),
    locale = chosen,
  }
end

-- Checking a catalogue -----------------------------------------------------------

local function sorted_keys(t)
  local ks = {}
  for k in pairs(t) do ks[#ks + 1] = k end
  table.sort(ks, function(x, y) return tostring(x) < tostring(y) end)
  return ks
end

--- Load-time validation of a catalogue: every template has English
--- (the fallback, C4), a subject and a body in each locale, only known
--- placeholders (`known_vars`: a list or set of names; "account" allows
--- every account.* path) and no malformed ones, and each translation
--- uses the same placeholders as English. Returns the problems found,
--- empty when there are none.
---@param catalogue table
---@param known_vars? string[]|table<string, any>  default: the keys of M.VARS
---@return string[]
function M.check(catalogue, known_vars)
  local known = {}
  for k, v in pairs(known_vars or M.VARS) do
    if type(k) == "number" then known[v] = true else known[k] = true end
  end
  local function is_known(name)
    if known[name] then return true end
    local prefix = name
    while true do
      prefix = prefix:match("^(.*)%.[^.]*$")
      if prefix == nil then return false end
      if known[prefix] then return true end
    end
  end
  local problems = {}
  local function problem(fmt, ...) problems[#problems + 1] = string.format(fmt, ...) end
  for _, name in ipairs(sorted_keys(catalogue)) do
    local entry = catalogue[name]
    if type(entry) ~= "table" then
      problem("template '%s': expected a table of locales, got %s", tostring(name), type(entry))
    else
      if entry[M.FALLBACK] == nil then problem("template '%s': no '%s' text to fall back to (C4)", name, M.FALLBACK) end
      local reference = {}
      if type(entry[M.FALLBACK]) == "table" then
        for _, part in ipairs({ "subject", "body" }) do
          local text = entry[M.FALLBACK][part]
          if type(text) == "string" then
            for _, p in ipairs(M.placeholders(text)) do reference[p] = true end
          end
        end
      end
      for _, locale in ipairs(sorted_keys(entry)) do
        local m, label = entry[locale], string.format("template '%s' (%s)", name, tostring(locale))
        if type(m) ~= "table" then
          problem("%s: expected {subject = ..., body = ...}, got %s", label, type(m))
        else
          local used = {}
          for _, part in ipairs({ "subject", "body" }) do
            local text = m[part]
            if type(text) ~= "string" or text == "" then
              problem("%s: no %s", label, part)
            else
              for _, p in ipairs(scan(text)) do
                if not p.ok then
                  problem("%s %s: malformed placeholder {{%s}}", label, part, p.name)
                else
                  used[p.name] = true
                  if not is_known(p.name) then problem("%s %s: unknown placeholder {{%s}}", label, part, p.name) end
                end
              end
            end
          end
          if locale ~= M.FALLBACK and type(entry[M.FALLBACK]) == "table" then
            for _, p in ipairs(sorted_keys(reference)) do
              if not used[p] then problem("%s: does not use {{%s}}, which English does", label, p) end
            end
            for _, p in ipairs(sorted_keys(used)) do
              if not reference[p] then problem("%s: uses {{%s}}, which English does not", label, p) end
            end
          end
        end
      end
    end
  end
  return problems
end

return M
