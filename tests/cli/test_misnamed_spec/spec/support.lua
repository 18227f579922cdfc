-- A support module (no describe): specs require it; it is not a spec.
return { account = { id = "acme", employees = 1200, contract_signed_at = "2026-11-14" } }
