segment "enterprise" { when = function(a) return a.employees >= 1000 end, touhc = "high" }
segment "smb" { when = function(a) return true end }
segment "smb" { touch = "tech" }
