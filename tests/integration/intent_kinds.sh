#!/usr/bin/env bash
# The intent kinds are declared once (stdlib/tend/intents.lua) and the host
# follows that declaration (embedded PostgreSQL in a temporary TEND_HOME,
# stopped and removed even when a check fails):
#   1. every kind the declaration marks `queued` reaches the outbox from
#      tend run nightly and is delivered (the file connector, routed by
#      kind), and no other kind does; a declared queued kind without an
#      outbox route fails here;
#   2. adding a sent kind is one entry in intents.lua: a copy of the stdlib
#      with an `sms` kind added (TEND_STDLIB) gives playbooks an `sms`
#      constructor, lets a send policy cap it, and its intents reach the
#      outbox and are delivered, with no change to the host.
# Run from the repository root: intent_kinds.sh TEND
set -uo pipefail
TEND=$1
. tests/integration/lib_cluster.sh
cluster_require_server
cluster_home intents
PSQL=(psql -h "$SOCK" -U tend -d tend -q -t -A -v ON_ERROR_STOP=1)
q() { "${PSQL[@]}" -c "$1"; }
NOW=2026-11-22T02:00:00Z

# The stdlib with one more sent kind, added the way a contributor would.
cp -r stdlib "$tmp/stdlib"
sed -i 's|^\(    { kind = "webhook".*\)$|\1\n    { kind = "sms", name = "message", options = { "to", "data", "every" }, queued = true },|' \
  "$tmp/stdlib/tend/intents.lua"
grep -q 'kind = "sms"' "$tmp/stdlib/tend/intents.lua" || fail "could not add the sms kind to the stdlib copy"

# A playbook with one rule that asks for one intent of every declared kind
# (read from the declaration itself), plus a task and a flag.
mkdir -p "$tmp/pb"
cat >"$tmp/pb/rules.lua" <<'LUA'
local intents = require("tend.intents").declaration()
segment "all" { touch = "tech" }
local actions = { task { "Call the champion", owner = "csm" }, flag "seen" }
for _, kind in ipairs(intents.queued) do
  actions[#actions + 1] = kind == "email" and email "welcome" { to = "champion" } or _ENV[kind]("to_" .. kind)
end
rule "every_kind" { when = function() return true end, actions = actions }
LUA
has_sms=$(printf 'send_policy { cap { per = "account", kind = "sms", max = 5, within = "1d" } }\n')
echo '{"id":"acme","name":"Acme","contract_signed_at":"2026-11-01"}' >"$tmp/accounts.jsonl"

"$TEND" db up >/dev/null 2>&1 || fail "tend db up"
for t in default shipped; do
  "$TEND" ingest accounts "$tmp/accounts.jsonl" --tenant $t >/dev/null 2>&1 || fail "ingest ($t)"
done

# kinds FILE: the sorted kinds of the actions of a tend eval output
kinds() { grep -o '"kind":"[a-z_]*"' "$1" | cut -d'"' -f4 | sort | tr '\n' ' '; }

check_run() { # check_run LABEL STDLIB TENANT
  local label=$1 stdlib=$2 tenant=$3
  TEND_STDLIB=$stdlib "$TEND" eval --playbook "$tmp/pb" --accounts "$tmp/accounts.jsonl" --now $NOW \
    >"$tmp/eval.jsonl" 2>"$tmp/err" || fail "$label: tend eval: $(cat "$tmp/err")"
  local want
  want=$(lua5.4 -e "
    package.path = '$stdlib/?.lua;' .. package.path
    local d = require('tend.intents').declaration()
    table.sort(d.queued) print(table.concat(d.queued, ' ') .. ' ')")
  # what tend eval decided: the queued kinds plus task (flags are not intents)
  local all
  all=$(kinds "$tmp/eval.jsonl")
  [ "$all" = "$(printf '%s\n' $want task | sort | tr '\n' ' ')" ] || fail "$label: eval gave kinds '$all', want $want + task"
  TEND_STDLIB=$stdlib "$TEND" run nightly --playbook "$tmp/pb" --tenant "$tenant" --now $NOW >"$tmp/out" 2>&1 ||
    fail "$label: run nightly: $(cat "$tmp/out")"
  local got
  got=$(q "select string_agg(kind, ' ' order by kind) || ' ' from outbox where tenant = '$tenant'")
  [ "$got" = "$want" ] || fail "$label: the outbox holds kinds '$got', the declaration queues '$want'"
  [ "$(q "select count(*) from tasks where tenant = '$tenant'")" = 1 ] || fail "$label: the task is not in tasks"
  TEND_STDLIB=$stdlib "$TEND" deliver --until-empty --playbook "$tmp/pb" >"$tmp/out" 2>&1 ||
    fail "$label: deliver: $(cat "$tmp/out")"
  [ "$(q "select count(*) from outbox where tenant = '$tenant' and status <> 'sent'")" = 0 ] ||
    fail "$label: a queued kind has no outbox route: $(q "select kind, status, last_error from outbox where status <> 'sent'")"
  echo "ok - $label: $want"
}

# 1. The declaration as shipped.
check_run "shipped kinds" "$PWD/stdlib" shipped

# 2. One sent kind more, capped by a send policy that names it.
echo "$has_sms" >"$tmp/pb/policy.lua"
TEND_STDLIB=$tmp/stdlib "$TEND" check "$tmp/pb" >"$tmp/out" 2>&1 || fail "check with sms: $(cat "$tmp/out")"
grep -q "at most 5 sms per account" "$tmp/out" || fail "the policy does not name sms: $(cat "$tmp/out")"
"$TEND" check "$tmp/pb" >"$tmp/out" 2>&1 && fail "the shipped stdlib accepted a policy naming sms"
check_run "an added sms kind" "$tmp/stdlib" default
[ "$(q "select payload->>'message' from outbox where kind = 'sms'")" = to_sms ] || fail "the sms intent's name"
echo "PASS"
