local function percentile(values, p)
  table.sort(values)
  if #values == 0 then return 0 end
  return values[math.max(1, math.ceil(p * #values))]
end
population "revenue" {
  collect = function(a) return a.acv end,
  summarize = function(values) return { p80 = percentile(values, 0.8), p40 = percentile(values, 0.4), n = #values } end,
}
segment "tier1" { when = function(a, t) return (a.acv or 0) >= t.facts.revenue.p80 end }
segment "tier2" { when = function(a, t) return (a.acv or 0) >= t.facts.revenue.p40 end }
segment "tier3" {}
