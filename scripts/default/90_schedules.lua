-- When the host runs this playbook (DESIGN "Scale-out", "CLI": tend run JOB).
-- The nightly evaluation: every account as of 02:00 UTC; the day-based
-- rules (P3, P7, J7 milestones) assume one run a day.
schedule "nightly" { cron = "0 2 * * *", run = "evaluate_all" }
