-- When the host runs this playbook (DESIGN "Scale-out", "CLI": tend run JOB).
-- The nightly evaluation of every account at 02:00 UTC. Handlers look one
-- day back, so a night is not missed; rules keep their dedupe keys (once per
-- window, target or renewal date), so running twice sends nothing twice.
schedule "nightly" { cron = "0 2 * * *", run = "evaluate_all" }
