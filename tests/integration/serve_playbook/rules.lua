-- tend serve's test playbook: an event handler that queues one notify per
-- contract_signed event, and a schedule due every minute.
segment "all" { touch = "tech" }

on "contract_signed" {
  notify { channel = "csm", text = "contract signed" },
}

schedule "every_minute" { cron = "* * * * *", run = "evaluate_all" }
