-- Graduation: is the customer ready to leave onboarding?
scorecard "graduation" {
  dimension "technical"   { weight = 0.20, score = tend.assessed("technical") },
  dimension "knowledge"   { weight = 0.20, score = tend.assessed("knowledge") },
  dimension "usage"       { weight = 0.20, score = tend.usage.active_ratio { target = 0.70 } },
  dimension "value"       { weight = 0.30, score = tend.assessed("value") },
  dimension "stakeholder" { weight = 0.10, score = tend.assessed("stakeholder") },
  bands    = { { 8.0, "ready" }, { 6.0, "close" }, { 0, "not_ready" } },
  blockers = { tend.flags.active_below(0.50), tend.flags.usage_declining() },
}
