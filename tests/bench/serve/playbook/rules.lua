-- The serve benchmark's playbook: one notify per ping event, nothing else,
-- so what is timed is tend serve's path from an event to its outbox row.
segment "all" { touch = "tech" }

on "ping" { notify { channel = "bench", text = "ping" } }
