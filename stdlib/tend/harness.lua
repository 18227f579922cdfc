--- The spec API: what `require "tend"` gives a busted spec run by
--- `tend test`. Playbooks run in their own sandboxed states (through the
--- same facade as `tend eval`); this module only passes JSON across.
local core = require "tend.harness.core"
local json = require "tend.json"

local M = { json = json }

local DEFAULT_NOW = "2026-11-22T02:00:00Z"

local Playbook = {}
Playbook.__index = Playbook

--- Evaluates accounts together, as `tend eval` does a file: a population
--- pass over all of them first (t.facts), then each; returns the results.
---@param accounts table[]
---@param opts? {events?: table[], metrics?: table[], now?: string}
---@return table[] results
function Playbook:evaluate_all(accounts, opts)
  opts = opts or {}
  local out = core.evaluate(self.handle, json.encode(accounts), json.encode(opts.events or {}),
                            json.encode(opts.metrics or {}), opts.now or DEFAULT_NOW,
                            opts.facts and json.encode(opts.facts) or nil)
  local results = {}
  for line in out:gmatch("[^\n]+") do results[#results + 1] = json.decode(line) end
  return results
end

--- Evaluates one account; returns DESIGN's result object as a table.
--- t.facts are opts.facts (default none): a population of one account says
--- little, so book-level facts come from evaluate_all or are given.
---@param account table  fields per DESIGN's data contract; `id` required
---@param opts? {events?: table[], metrics?: table[], now?: string, facts?: table}
---@return table result
function Playbook:evaluate(account, opts)
  opts = opts or {}
  local with_facts = setmetatable({ facts = opts.facts or json.object() }, { __index = opts })
  return self:evaluate_all({ account }, with_facts)[1]
end

--- The playbook's send_policy { } as tend deliver reads it (caps with
--- their windows in seconds, quiet hours), or nil when it declares none.
---@return table|nil
function Playbook:send_policy()
  local text = core.send_policy(self.handle)
  return text and json.decode(text) or nil
end

function Playbook:close() core.close(self.handle) end

--- Opens a playbook folder in a fresh sandboxed state.
---@param dir string
---@param opts? {mem_limit?: integer, eval_timeout?: number}
---@return table|nil playbook, string[]|nil problems, string|nil message
function M.playbook(dir, opts)
  opts = opts or {}
  local h, problems, msg = core.open(dir, opts.mem_limit, opts.eval_timeout)
  if not h then return nil, problems, msg end
  return setmetatable({ handle = h, dir = dir, digest = core.digest(h) }, Playbook)
end

--- Writes files ({ ["rules.lua"] = "..." }) to a fresh folder and opens it.
---@param files table<string, string>
---@param opts? table
function M.playbook_from(files, opts)
  local dir = os.tmpname()
  os.remove(dir)
  assert(os.execute("mkdir -p '" .. dir .. "'"))
  for name, text in pairs(files) do
    local f = assert(io.open(dir .. "/" .. name, "w"))
    f:write(text)
    f:close()
  end
  local pb, problems, msg = M.playbook(dir, opts)
  os.execute("rm -rf '" .. dir .. "'")
  return pb, problems, msg
end

--- Validates a playbook folder: ok, problems ("file:line: message" list).
function M.check(dir)
  local pb, problems, msg = M.playbook(dir)
  if pb then pb:close() return true, {} end
  return false, problems, msg
end

--- The stdlib's template files, {[locale] = {[name] = {text, path}}},
--- read from stdlib/tend/templates/ as the host reads them for a playbook.
---@return table files
function M.stdlib_template_files()
  local lfs = require "lfs"
  local module = assert(package.searchpath("tend.templates", package.path), "tend.templates not found")
  local root = module:gsub("%.lua$", "")
  local files = {}
  for locale in lfs.dir(root) do
    if locale:sub(1, 1) ~= "." and lfs.attributes(root .. "/" .. locale, "mode") == "directory" then
      files[locale] = {}
      for file in lfs.dir(root .. "/" .. locale) do
        local name = file:match("^([^.].*)%.txt$")
        if name then
          local f = assert(io.open(root .. "/" .. locale .. "/" .. file, "rb"))
          files[locale][name] = { text = f:read("a"), path = "stdlib/tend/templates/" .. locale .. "/" .. file }
          f:close()
        end
      end
    end
  end
  return files
end

--- The stdlib's template catalogue (DOMAIN C1-C4), name -> locale ->
--- {subject, body}, and the problems its files have (none, normally).
---@return table catalogue, string[] problems
function M.catalogue()
  local templates = require "tend.templates"
  return templates.catalogue({ M.stdlib_template_files() }, function(name)
    local root = name:match("^([^.]+)%.")
    return templates.VARS[name] ~= nil or root == "account" or root == "data"
  end)
end

local default
local function default_playbook()
  if not default then
    assert(core.default_playbook ~= "", "no playbook: run `tend test PLAYBOOK_DIR` or pass --playbook")
    local problems, msg
    default, problems, msg = M.playbook(core.default_playbook)
    assert(default, (msg or "") .. "\n" .. table.concat(problems or {}, "\n"))
  end
  return default
end

--- Evaluates against the playbook `tend test` was given.
function M.evaluate(account, opts) return default_playbook():evaluate(account, opts) end

--- Evaluates several accounts together (population pass included).
function M.evaluate_all(accounts, opts) return default_playbook():evaluate_all(accounts, opts) end

return M
