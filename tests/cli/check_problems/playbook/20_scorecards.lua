scorecard "graduation" {
  dimension "technical" { weight = 0.25, score = 5 },
  dimension "value"     { weight = 0.70, score = 5 },
  bands = { {6.0, "close"}, {8.0, "ready"}, {0, "not_ready"} },
}
