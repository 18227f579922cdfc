-- connectors.lua for a helpdesk: each CSM follow-up the playbook raises
-- (the default playbook's `notify { channel = "csm_slack" }`) becomes a
-- ticket assigned to the CSM team; other intents stay on their defaults.
-- Copy it into a playbook folder as connectors.lua (or pass it with
-- `tend deliver --connectors`). It is evaluated once when tend deliver
-- starts, in a sandbox of its own; what it returns has the shape of
-- connectors.json. Templates are compiled then: no Lua runs per message.
--
--   export HELPDESK_URL=https://desk.example.com HELPDESK_TOKEN=...
--   tend deliver --playbook my-playbook --verbose

-- Plain Lua where it helps: a named retry schedule (patient: tickets can wait).
local patient = { "0s", "30s", "5m", "30m", "2h", "8h" }

return {
  connectors = {
    helpdesk = {
      type = "http",
      method = "POST",
      -- The base URL comes from the environment (a secret, so it is not
      -- percent-encoded); the rest of the URL is.
      url = "{{secret.HELPDESK_URL}}/api/v2/accounts/{{account_id}}/tickets",
      secrets = { "HELPDESK_URL", "HELPDESK_TOKEN" },
      headers = {
        Authorization = "Bearer {{secret.HELPDESK_TOKEN}}",
        ["X-Tend-Rule"] = "{{payload.rule}}",
      },
      -- Idempotency-Key: {{id}} is sent by default: the helpdesk answers 409
      -- to a ticket it already has, which counts as delivered below. A
      -- string that is one placeholder keeps the value's JSON type.
      body = {
        ticket = {
          subject = "{{payload.text}}",
          assignee_group = "{{payload.to}}",
          account = "{{account_id}}",
          external_id = "{{id}}",
          details = "{{payload}}", -- the whole intent, as a JSON object
          tags = { "tend", "{{kind}}" },
          priority = 2,
        },
      },
      success = { 200, 201, 409 },
      retry = patient,
      timeout = "10s",
    },
  },
  routes = { ["notify:csm_slack"] = "helpdesk" },
}
