segment "all" { touch = "tech" }
schedule "nightly" { cron = "0 2 * * *", timezone = "America/Sao_Paulo", catch_up = "skip", run = "evaluate_all" }
schedule "bad_hour" { cron = "0 25 * * *", run = "evaluate_all" }
schedule "bad_weekday" { cron = "0 9 * * fry", run = "evaluate_all" }
schedule "four_fields" { cron = "0 9 * *", run = "evaluate_all" }
schedule "never" { cron = "0 0 30 feb *", run = "evaluate_all" }
schedule "not_text" { cron = 5, run = "evaluate_all" }
schedule "mars" { cron = "@daily", timezone = "Mars/Olympus_Mons", run = "evaluate_all" }
schedule "escape" { cron = "@daily", timezone = "../../etc/passwd", run = "evaluate_all" }
schedule "catch" { cron = "@hourly", catch_up = "twice", run = "evaluate_all" }
schedule "typo" { cron = "@hourly", time_zone = "UTC", run = "evaluate_all" }
