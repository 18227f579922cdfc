segment "all" { touch = "tech" }
rule "types" {
  when = function(a)
    local at = a.attrs
    return false, string.format("zip=%s:%s phone=%s:%s code=%s:%s quoted=%s:%s employees=%s:%s technical=%s",
      type(at.zip), tostring(at.zip), type(at.phone), tostring(at.phone), type(at.code), tostring(at.code),
      type(at.quoted), tostring(at.quoted), math.type(a.employees), tostring(a.employees), tostring(a.technical))
  end,
  actions = { flag "x" },
}
