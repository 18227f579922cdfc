--- The intent kinds: THE one declaration of the actions a playbook may
--- take (`email "welcome"`, `task { "Call", owner = "csm" }`, ...). The DSL
--- builds its constructors from it, the engine the intents' fields, and
--- the host reads it (eval/intents.c) to decide which intents the nightly
--- run queues in the outbox, which kinds a send policy may name, and how
--- `tend explain` and `--format summary` show an intent.
---
--- Each kind says:
---   name    the field its first argument names (`email "welcome"` sets
---           `template = "welcome"`)
---   options the keys it accepts besides its name
---   quoted  its name is free text, shown in quotes ("task \"Call Ana\"")
---   queued  true: the nightly run writes it to the outbox and `tend
---           deliver` sends it (routed by kind: a connector of that name or
---           the `*` route); false: the host applies it itself (kept_in
---           says where, if anywhere: task -> the tasks table; flags and
---           stages change the account's state)
---
--- Adding a kind that is sent is one entry here with `queued = true` (and
--- a line in the README's constructor table): nothing else names the kinds.
local M = {}

--- The kinds, in the order the host lists them.
local function declare()
  return {
    { kind = "email",   name = "template", options = { "to", "locale", "connector", "data", "every" }, queued = true },
    { kind = "notify",  name = "channel",  options = { "to", "text", "data", "every" },                queued = true },
    { kind = "webhook", name = "target",   options = { "data", "every" },                              queued = true },
    { kind = "task",    name = "title",    options = { "owner", "due", "data", "every" },              queued = false,
      kept_in = "tasks", quoted = true },
    { kind = "flag",    name = "flag",     options = {},                                               queued = false },
    { kind = "unflag",  name = "flag",     options = {},                                               queued = false },
    { kind = "stage",   name = "stage",    options = { "when", "reason" },                             queued = false },
  }
end

--- The declaration as fresh plain tables (a module's own tables are handed
--- out read-only, and a module that keeps the kinds in its tables wants
--- its own): `list` in order, `kinds` by name, `queued` the names of the
--- kinds that go through the outbox, in order.
---@return { list: table[], kinds: table<string, table>, queued: string[] }
function M.declaration()
  local d = { list = declare(), kinds = {}, queued = {} }
  for _, k in ipairs(d.list) do
    d.kinds[k.kind] = k
    if k.queued then d.queued[#d.queued + 1] = k.kind end
  end
  return d
end

return M
