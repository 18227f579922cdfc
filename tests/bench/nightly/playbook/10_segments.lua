-- Segments: first match wins; the last one is the fallback.
segment "enterprise" {
  when = function(a) return (a.employees or 0) >= 1000 or (a.acv or 0) >= 50000 end,
  touch = "high",
}
segment "mid_market" {
  when = function(a) return (a.acv or 0) >= 10000 end,
  touch = "low",
}
segment "smb" { touch = "tech" }
