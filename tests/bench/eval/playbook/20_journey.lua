-- Journey: an account is in every stage whose condition holds.
journey {
  stage "onboarding" {
    when = function(a, t)
      return a.contract_signed_at ~= nil and t.days_since_date(a.contract_signed_at) <= 90
    end,
  },
  stage "adoption" {
    when = function(a, t)
      if a.contract_signed_at == nil then return false end
      local d = t.days_since_date(a.contract_signed_at)
      return d > 90 and d <= 365
    end,
  },
  stage "renewal" {
    when = function(a, t) return a.renewal_date ~= nil and t.days_until(a.renewal_date) <= 90 end,
  },
}
