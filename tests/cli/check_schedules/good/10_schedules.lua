segment "all" { touch = "tech" }
schedule "nightly" { cron = "0 2 * * *", timezone = "America/Sao_Paulo", catch_up = "skip", run = "evaluate_all" }
schedule "weekly" { cron = "30 8 1 * mon", timezone = "Australia/Lord_Howe", run = "evaluate_all" }
schedule "hourly" { cron = "@hourly", run = "evaluate_all" }
