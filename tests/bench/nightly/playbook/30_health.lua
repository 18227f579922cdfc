-- Health 0-100: login recency and support load.
health {
  score = function(a, t)
    local idle = math.min(t.days_since("login"), 30)
    local tickets = math.min(t.count("support_ticket", "30d"), 4)
    return 100 - 2 * idle - 10 * tickets
  end,
  bands = { { 70, "green" }, { 40, "yellow" }, { 0, "red" } },
}
