-- Values for the emails' placeholders (DOMAIN C1): Chartly's own links, and
-- who signs. example.com addresses: a real playbook puts its help centre
-- here. An account's attrs override them (a `help_link` of its own), and an
-- account with a CSM is signed by that CSM (tier1, tier2); the rest of a
-- product-led book has none (T3).
message_vars {
  help_link = "https://help.chartly.example.com/first-dashboard",
  csm_name  = "The Chartly team",
}
