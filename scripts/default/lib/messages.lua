--- What the default playbook's emails say that only the account's own
--- history or the rule knows (DOMAIN C1-C4): the kickoff date, the first
--- check-in, the feature, the goal. Each is a function of (a, t, r[, e])
--- for an action's `data`. Where the data is absent the value is a
--- proposal or a neutral phrase in the account's language (C4), never a
--- guess stated as fact. Links are not here: 05_messages.lua.
local host = require "tend.host"
local templates = require "tend.templates"
local evidence = require "tend.evidence"
local T = require "tend.touch"
local account = require "lib.account"

local M = {}

local DAY = 86400

-- DOMAIN O2 (kickoff in week 1), O1 (the kickoff opens discovery, weeks
-- 1-2), O3 (self-serve setup, days 1-7): a kickoff not yet dated is
-- proposed for the first week after the signature.
M.KICKOFF_WITHIN_DAYS = 7

-- DOMAIN P2: "start the weekly check-in sequence" -- the first check-in one
-- cadence after the kickoff: T1 weekly (7), T2 every 2 weeks (14); tech
-- touch (T3) has no meetings, so P2's weekly.
M.CHECK_IN_DAYS = 7

-- DOMAIN C4: the fallback phrases in the catalogue's four languages. Each
-- reads inside its template's sentence ("Kickoff meeting on {{kickoff_date}}",
-- "How to use {{feature_name}}", "your goal was: {{goal}}").
M.PHRASES = {
  kickoff_by = {
    en = "a date in your first week, by %s",
    ["pt-BR"] = "uma data da sua primeira semana, até %s",
    es = "una fecha de su primera semana, a más tardar el %s",
    ms = "satu tarikh dalam minggu pertama anda, selewat-lewatnya %s",
  },
  kickoff_soon = {
    en = "a date in your first week",
    ["pt-BR"] = "uma data da sua primeira semana",
    es = "una fecha de su primera semana",
    ms = "satu tarikh dalam minggu pertama anda",
  },
  check_in_soon = {
    en = "the date we will send you this week",
    ["pt-BR"] = "a data que enviaremos nesta semana",
    es = "la fecha que le enviaremos esta semana",
    ms = "tarikh yang akan kami hantar minggu ini",
  },
  next_feature = {
    en = "the next feature in your setup guide",
    ["pt-BR"] = "o próximo recurso do guia de configuração",
    es = "otro recurso de su guía de configuración",
    ms = "ciri seterusnya dalam panduan persediaan anda",
  },
  -- DOMAIN C3: the specific shortfall an extension notice names.
  usage_short = {
    en = "usage %s; the graduation threshold is %s",
    ["pt-BR"] = "uso de %s; o mínimo para concluir o onboarding é %s",
    es = "uso del %s; el umbral para concluir el onboarding es %s",
    ms = "penggunaan %s; ambang untuk menamatkan onboarding ialah %s",
  },
  usage_unknown = {
    en = "no usage data yet; the graduation threshold is %s of users active",
    ["pt-BR"] = "ainda sem dados de uso; o mínimo para concluir o onboarding é %s dos usuários ativos",
    es = "aún sin datos de uso; el umbral para concluir el onboarding es %s de usuarios activos",
    ms = "tiada data penggunaan lagi; ambang untuk menamatkan onboarding ialah %s pengguna aktif",
  },
  scores_short = {
    en = "%s; graduation needs %s overall (now %s)",
    ["pt-BR"] = "%s; para concluir o onboarding é preciso %s no total (hoje %s)",
    es = "%s; para concluir el onboarding se necesita %s en total (hoy %s)",
    ms = "%s; penamatan onboarding memerlukan %s secara keseluruhan (kini %s)",
  },
  not_assessed = { en = "not yet assessed", ["pt-BR"] = "ainda não avaliado", es = "aún sin evaluar", ms = "belum dinilai" },
  usage = { en = "usage", ["pt-BR"] = "uso", es = "uso", ms = "penggunaan" },
  technical = { en = "technical setup", ["pt-BR"] = "configuração técnica", es = "configuración técnica", ms = "persediaan teknikal" },
  knowledge = { en = "team knowledge", ["pt-BR"] = "conhecimento da equipe", es = "conocimiento del equipo", ms = "pengetahuan pasukan" },
  value = { en = "business value", ["pt-BR"] = "valor de negócio", es = "valor de negocio", ms = "nilai perniagaan" },
  stakeholder = { en = "stakeholder alignment", ["pt-BR"] = "alinhamento com os patrocinadores",
                  es = "alineación con los responsables", ms = "penjajaran pihak berkepentingan" },
  setup_step = {
    en = "a setup step",
    ["pt-BR"] = "uma etapa da configuração",
    es = "un paso de la configuración",
    ms = "satu langkah persediaan",
  },
  goal = {
    en = "the result you set out to achieve when you signed up",
    ["pt-BR"] = "o resultado que vocês queriam alcançar ao contratar",
    es = "el resultado que querían lograr al contratar",
    ms = "hasil yang anda sasarkan semasa mendaftar",
  },
}

--- The phrase `key` in the account's language (C4: English otherwise),
--- formatted with the extra arguments.
---@param a table
---@param key string
---@return string
function M.phrase(a, key, ...)
  local text = templates.pick(M.PHRASES, key, a.locale)
  return select("#", ...) > 0 and string.format(text, ...) or text
end

local function attr(a, name)
  local v = type(a.attrs) == "table" and a.attrs[name] or nil
  if type(v) == "string" and v ~= "" then return v end
  if type(v) == "number" then return v end
  return nil
end

--- "2026-11-21T16:24:00Z" + days -> "2026-11-28"; nil for no time.
local function date_after(time, days)
  local epoch = type(time) == "string" and host.parse_time(time) or nil
  return epoch and host.date(epoch + days * DAY) or nil
end
M.date_after = date_after

--- welcome's {{kickoff_date}} (DOMAIN P1, C1): the account's
--- attrs.kickoff_date (the date the specialist set), else the day a
--- kickoff was held, else a proposal: within the first week after the
--- contract (O1, O2), said as "by <date>", not as a booked meeting.
function M.kickoff_date(a, t)
  local set = attr(a, "kickoff_date")
  if set then return set end
  local held = t.last("kickoff_completed")
  if held then return date_after(held.at, 0) end
  local by = date_after(account.contract_date(a, t), M.KICKOFF_WITHIN_DAYS)
  return by and M.phrase(a, "kickoff_by", by) or M.phrase(a, "kickoff_soon")
end

--- kickoff_summary's {{next_check_in}} (DOMAIN P2, T1, T2): the account's
--- attrs.next_check_in, else the kickoff (this event, or the latest one)
--- plus one check-in cadence of the account's touch model.
function M.next_check_in(a, t, r, e)
  local set = attr(a, "next_check_in")
  if set then return set end
  local kickoff = (e and e.type == "kickoff_completed") and e or t.last("kickoff_completed")
  local model = r and T.MODELS[r.touch]
  local days = model and model.cadence_days and model.cadence_days[1] or M.CHECK_IN_DAYS
  local date = kickoff and date_after(kickoff.at, days)
  return date or M.phrase(a, "check_in_soon")
end

--- feature_howto's {{feature_name}} (DOMAIN P4 "feature X unused"): the
--- account's attrs.feature_name, else the `feature` of the latest
--- `feature_unused` event the product sent, else a neutral phrase (the
--- metrics count features in use; they do not name the one missing).
function M.feature_name(a, t)
  return attr(a, "feature_name") or evidence.latest_data(t, "feature_unused", "feature")
         or M.phrase(a, "next_feature")
end

--- {{goal}} (DOMAIN P2, P7, P8: the goal agreed at the kickoff): the
--- kickoff's data.goal, else an assessment's, else attrs.goal, else a
--- neutral phrase (no goal is invented).
function M.goal(a, t)
  return evidence.latest_data(t, "kickoff_completed", "goal") or evidence.latest_data(t, "assessment", "goal")
         or attr(a, "goal") or M.phrase(a, "goal")
end

return M
