#!/usr/bin/env bash
# tend explain and tend status against a real PostgreSQL: an embedded
# cluster in a temporary TEND_HOME (removed at the end, the server stopped
# even when a check fails), holding two nightly runs of the default
# playbook over the sample book (as of 2026-11-15 and 2026-11-22), a tenant
# whose run has a failing account, and outbox/tasks rows in every delivery
# state (set with psql, as the delivery loop would leave them). The runs
# come from nightly_fixture.sh (tend ingest, tend run nightly).
# Run from the repository root: explain_status.sh TEND [--valgrind]
# Exits 77 (skipped) when no PostgreSQL server is installed, except under
# CI, where that is a failure.
set -uo pipefail
TEND=$(realpath "$1")
. tests/integration/lib_cluster.sh
tend_under_valgrind "${2:-}"

cluster_require_server

cluster_home explain
. tests/integration/nightly_fixture.sh
on_cleanup() { fixture_cleanup; }
# run WANT_EXIT ARGS...: runs tend (under valgrind with --valgrind), sets
# $out and $err, checks the exit code.
run() {
  local want=$1; shift
  "${T[@]}" "$@" >"$tmp/out" 2>"$tmp/err"
  code=$?
  out=$(cat "$tmp/out"); err=$(cat "$tmp/err")
  [ "$code" = "$want" ] || fail "tend $* exited $code, want $want
--- stdout
$out
--- stderr
$err"
  # A sanitizer's report on a path that exits 1 anyway.
  ! grep -qE "Sanitizer|runtime error:" <<<"$err" || fail "tend $*: $err"
}
# has TEXT LINE WHAT: TEXT has exactly this line (fixed string).
has() { grep -qxF -- "$2" <<<"$1" || fail "$3: expected the line
$2
in:
$1"; }
# like TEXT REGEX WHAT: some line of TEXT matches the extended regex.
like() { grep -qE -- "$2" <<<"$1" || fail "$3: expected /$2/ in:
$1"; }
hasnt() { ! grep -qE -- "$2" <<<"$1" || fail "$3: unexpected /$2/ in:
$1"; }
PSQL=(psql -X -q -A -t -v ON_ERROR_STOP=1 -h "$SOCK" -U tend -d tend)
sql() { "${PSQL[@]}" -c "$1" 2>&1 || fail "psql: $1"; }
# q EXPR JSON [JSON2]: the SQL expression EXPR over j (and k), the JSON as
# type json, whose -> keeps a value's text and json_object_keys the order
# of its keys: PostgreSQL is this test's JSON tool.
q() {
  printf '%s\n' "SELECT $1 FROM (SELECT :'j'::json AS j, :'k'::json AS k) x;" |
    "${PSQL[@]}" -v j="$2" -v k="${3:-null}" 2>&1
}
# keys EXPR JSON: the keys of the object EXPR, in their order.
keys() { q "(SELECT string_agg(t.k, ',' ORDER BY t.n) FROM json_object_keys($1) WITH ORDINALITY t(k, n))" "$2"; }

"$TEND" db up >"$tmp/up" 2>&1 || fail "tend db up: $(cat "$tmp/up")"
fixture_init "$TEND" "${PSQL[@]}"

# Nothing yet: status says so (exit 0); explain knows no such account.
run 0 status
has "$out" "No run of nightly yet for tenant default ('tend run nightly' starts one)." "status before any run"
run 1 explain acme-ltda
has "$err" "tend explain: no account 'acme-ltda' in tenant 'default'" "explain before ingest"
run 1 status --tenant nowhere
has "$err" "tend status: no tenant 'nowhere'" "status of an unknown tenant"
run 1 explain acme-ltda --tenant nowhere
has "$err" "tend explain: no tenant 'nowhere'" "explain in an unknown tenant"

S=scripts/examples/sample
fixture_inputs default $S/accounts.jsonl $S/events.jsonl $S/metrics.jsonl || fail "loading the sample"
run 1 explain acme-ltda
has "$err" "tend explain: account 'acme-ltda' has no evaluation yet (the nightly run evaluates it: tend run nightly)" \
  "explain before a run"

NOW1=2026-11-15T02:00:00Z NOW2=2026-11-22T02:00:00Z
run1=$(fixture_nightly default $NOW1 scripts/default) || fail "nightly as of $NOW1"
run2=$(fixture_nightly default $NOW2 scripts/default) || fail "nightly as of $NOW2"
[ -n "$run1" ] && [ -n "$run2" ] || fail "no runs: '$run1' '$run2'"
# result ACCOUNT RUN: the result object the run stored for the account.
result() { sql "SELECT result::text FROM evaluations WHERE tenant = 'default' AND run_id = $2 AND account_id = '$1'"; }
# occurrence RUN: the run's occurrence as explain and status print it.
occurrence() { sql "SELECT to_char(occurrence AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM job_runs WHERE id = $1"; }
v1=$(result vela-fintech $run1) v2=$(result vela-fintech $run2)

# Delivery as the delivery loop would leave it: vela-fintech's milestone note
# sent; acme-ltda's re-engagement given up; its Slack alert retrying;
# borealis-health's welcome held (a connector answered 410 Gone); titan-steel's
# task done.
sql "UPDATE outbox SET status = 'sent', attempts = 1, sent_at = '2026-11-22T02:05:00Z'
      WHERE dedupe_key LIKE 'milestone_note:vela-fintech:%';
     UPDATE outbox SET status = 'dead', attempts = 8, last_error = 'SMTP 550 mailbox unavailable'
      WHERE dedupe_key LIKE 'reengagement:acme-ltda:%';
     UPDATE outbox SET attempts = 2, next_attempt_at = '2026-11-22T03:00:00Z', last_error = 'HTTP 503'
      WHERE dedupe_key LIKE 'notify:csm_slack:acme-ltda:%';
     UPDATE outbox SET next_attempt_at = 'infinity' WHERE dedupe_key LIKE 'welcome:borealis-health:%';
     UPDATE tasks SET status = 'done', closed_at = '2026-11-23T10:00:00Z'
      WHERE dedupe_key LIKE 'task:Renewal preparation:titan-steel:%'" >/dev/null

# --- explain, text: vela-fintech (DOMAIN G2's worked example, 8.3 held at
# close by 30% active) against its evaluation a week earlier.
run 0 explain vela-fintech
E=$out
has "$E" "vela-fintech (tenant default)" "explain header"
playbook=$(q "j->>'playbook'" "$v2")
has "$E" "Evaluated $NOW2 by run $run2 (nightly $(occurrence $run2)), playbook $playbook" "explain header"
has "$E" "Segment      enterprise (high touch)" "explain segment"
has "$E" "Stages       onboarding" "explain stages"
HEALTH="(j->'health'->>'score') || ' (' || (j->'health'->>'band') || ')'"
has "$E" "Health       $(q "$HEALTH" "$v2")" "explain health"
has "$E" "  graduation   8.3 close" "explain scorecard"
has "$E" "               knowledge 8 · stakeholder 8 · technical 9 · usage 7 · value 9" "explain dimensions"
has "$E" "               blocked: $(q "j->'scorecards'->'graduation'->'blockers'->>0" "$v2")" "explain blockers"
# why RULE JSON: the why of the rule's trace entry.
why() { q "(SELECT e->>'why' FROM json_array_elements(j->'trace') e WHERE e->>'rule' = '$1' LIMIT 1)" "$2"; }
why=$(why graduation_blocked "$v2")
has "$E" "  graduation_blocked   set by graduation_blocked: $why" "explain flag with the rule that set it"
has "$E" "  email milestone_note to champion, in pt-BR (rule on milestone_reached)" "explain intent"
has "$E" "    key $(q "j->'actions'->0->>'key'" "$v2")" "explain intent key"
has "$E" "    to $(q "j->'actions'->0->>'address'" "$v2")" "explain: the rendered email's address"
has "$E" "    subject \"$(q "j->'actions'->0->>'subject'" "$v2")\"" "explain: the rendered subject"
like "$E" "^    outbox #[0-9]+ \(run $run2\): sent 2026-11-22T02:05:00Z$" "explain delivery"
like "$E" "^Rules that fired \(3\)$" "explain fired rules"
like "$E" "^  on milestone_reached +milestone_reached at " "explain fired rules"
like "$E" "^Rules that did not fire \($(q "(SELECT count(*) FROM json_array_elements(j->'trace') e WHERE e->>'fired' = 'false')" "$v2")\)$" "explain rules not fired"
like "$E" "^  no_login_7d +onboarding day 70, " "explain rules not fired"
has "$E" "What changed since $NOW1 (run $run1)" "explain changes"
has "$E" "  graduation   not_ready → close (total 0.6 → 8.3)" "explain band change"
has "$E" "  Health       $(q "$HEALTH" "$v1") → $(q "$HEALTH" "$v2")" \
  "explain health change"
has "$E" "  Flags        removed needs_followup" "explain flags change"
has "$E" "  New intents  email milestone_note to champion, in pt-BR" "explain new intents"
has "$E" "  Rules        now firing: on milestone_reached; no longer firing: no_login_7d" "explain rules change"
hasnt "$E" "^  (Segment|Stages) " "explain: segment and stages did not change"

# Stages entered and left, a task and its status: titan-steel.
run 0 explain titan-steel
has "$out" "  Stages       entered retention, expansion, renewal; left adoption" "explain stage change"
like "$out" "^  task \"Renewal preparation\" for csm \(rule renewal_prep\)$" "explain task intent"
like "$out" "^    task #[0-9]+ \(run $run2\): done, owner csm, closed 2026-11-23T10:00:00Z$" "explain task status"

# Intents that failed or wait for a retry: acme-ltda.
run 0 explain acme-ltda
like "$out" "^    outbox #[0-9]+ \(run $run2\): gave up after 8 attempts; last error: SMTP 550 mailbox unavailable$" \
  "explain dead intent"
like "$out" "^    outbox #[0-9]+ \(run $run2\): pending, 2 of 8 attempts made, next 2026-11-22T03:00:00Z; last error: HTTP 503$" \
  "explain retrying intent"
like "$out" "^  needs_followup +set by no_login_7d: " "explain flag"
has "$out" "  Flags        added needs_followup" "explain flag added"
run 0 explain borealis-health
like "$out" "^    outbox #[0-9]+ \(run $run2\): on hold, not sent yet$" "explain held intent"
has "$out" "  on contract_signed     contract_signed at 2026-11-21T18:48:00Z (×2)" "explain: the same why once"

# --run: the first evaluation has nothing to compare with.
run 0 explain vela-fintech --run "$run1"
has "$out" "Evaluated $NOW1 by run $run1 (nightly $(occurrence $run1)), playbook $playbook" "explain --run"
has "$out" "What changed: nothing to compare with, this is the account's first evaluation" "explain --run"

# --- explain, JSON: deterministic, keys in order, current and previous the
# stored results (keys in tend eval's order), changes and delivery as in the
# text.
run 0 explain vela-fintech --format json
J=$out
run 0 explain vela-fintech --format json
[ "$out" = "$J" ] || fail "explain --format json differs between two calls"
[ "$(wc -l <<<"$J")" = 1 ] || fail "explain --format json: one line expected"
[ "$(keys "j" "$J")" = account_id,run_id,current,previous,changes,delivery ] ||
  fail "explain json keys: $(keys "j" "$J")"
[ "$(keys "j->'current'" "$J")" = \
  account_id,tenant,evaluated_at,playbook,segment,touch,stages,scorecards,health,flags,actions,trace,errors ] ||
  fail "explain json: current's keys are not in tend eval's order: $(keys "j->'current'" "$J")"
[ "$(keys "j->'current'->'trace'->2" "$J")" = rule,fired,why,flags ] ||
  fail "explain json: trace entries' keys are not in tend eval's order: $(keys "j->'current'->'trace'->2" "$J")"
[ "$(keys "j->'current'->'actions'->0" "$J")" = kind,template,to,address,locale,subject,text,key,rule,data ] ||
  fail "explain json: intents' keys are not in tend eval's order: $(keys "j->'current'->'actions'->0" "$J")"
[ "$(q "(j->'current')::jsonb = k::jsonb" "$J" "$v2")" = t ] || fail "explain json: current differs from the stored result"
[ "$(q "(j->'previous')::jsonb = k::jsonb" "$J" "$v1")" = t ] ||
  fail "explain json: previous differs from the stored result"
[ "$(q "j->'run_id'" "$J")" = "$run2" ] || fail "explain json: run_id"
[ "$(q "j->'changes'->'since'" "$J")" = "{\"run_id\":$run1,\"evaluated_at\":\"$NOW1\"}" ] || fail "explain json: changes.since"
[ "$(q "j->'changes'->'scorecards'" "$J")" = \
  '{"graduation":{"band":{"from":"not_ready","to":"close"},"total":{"from":0.6,"to":8.3}}}' ] ||
  fail "explain json: changes.scorecards $(q "j->'changes'->'scorecards'" "$J")"
[ "$(q "j->'changes'->'flags'" "$J")" = '{"added":[],"removed":["needs_followup"]}' ] || fail "explain json: changes.flags"
[ "$(q "(j->'changes'->'new_intents')::jsonb = (k->'actions')::jsonb" "$J" "$v2")" = t ] ||
  fail "explain json: changes.new_intents"
[ "$(q "(j->'changes'->'segment')::text || (j->'changes'->'failed')::text" "$J")" = nullnull ] ||
  fail "explain json: unchanged is null"
DELIVERY="json_build_array(j->'delivery'->0->'key', j->'delivery'->0->'kind', j->'delivery'->0->'rule',
          j->'delivery'->0->'queue', j->'delivery'->0->'status', j->'delivery'->0->'sent_at')"
[ "$(q "$DELIVERY" "$J")" = "[\"$(q "j->'actions'->0->>'key'" "$v2")\", \"email\", \"on milestone_reached\", \"outbox\", \"sent\", \"2026-11-22T02:05:00Z\"]" ] ||
  fail "explain json: delivery $(q "j->'delivery'" "$J")"
run 0 explain vela-fintech --run "$run1" --format json
[ "$(q "(j->'run_id')::text || (j->'previous')::text || (j->'changes')::text" "$out")" = "${run1}nullnull" ] ||
  fail "explain --run json: $out"

# Not there: exit 1 with one line saying what is missing.
run 1 explain nobody-here
has "$err" "tend explain: no account 'nobody-here' in tenant 'default'" "explain of an unknown account"
run 1 explain vela-fintech --run 999999
has "$err" "tend explain: no run 999999 in tenant 'default'" "explain of an unknown run"
sql "INSERT INTO accounts (tenant, id) VALUES ('default', 'newco')" >/dev/null
run 1 explain newco
has "$err" "tend explain: account 'newco' has no evaluation yet (the nightly run evaluates it: tend run nightly)" \
  "explain of an account not evaluated yet"
run 1 explain newco --run "$run2"
has "$err" "tend explain: run $run2 did not evaluate account 'newco'" "explain of an account not in the run"

# Usage errors: exit 2.
run 2 explain
like "$err" "^tend explain: which account" "explain without an account"
run 2 explain vela-fintech --format xml
run 2 explain vela-fintech --run abc
run 2 explain a b
run 2 status extra

# --- a tenant whose run has a failing account (the fixture playbook of
# tests/cli/eval_failing_account breaks on accounts without acv).
printf '%s\n' '{"id":"ok","acv":20000}' '{"id":"broken"}' >"$tmp/t2.jsonl"
fixture_inputs t2 "$tmp/t2.jsonl" || fail "loading t2 accounts"
run3=$(fixture_nightly t2 $NOW2 tests/cli/eval_failing_account/playbook) || fail "t2 nightly"
run 0 explain broken --tenant t2
has "$out" "The evaluation failed: no decision was made for this account" "explain a failed evaluation"
like "$out" "^  runtime: tests/cli/eval_failing_account/playbook/rules\.lua:6: attempt to compare number with nil$" \
  "explain a failed evaluation"
like "$out" "^      tests/cli/eval_failing_account/playbook/rules\.lua:6: in field 'when'$" "explain's traceback"
hasnt "$out" "^Segment" "a failed evaluation has no empty sections"
run 1 explain broken
has "$err" "tend explain: no account 'broken' in tenant 'default'" "tenants are apart"
run 1 status --tenant t2
has "$out" "Run $run3 of nightly, tenant t2" "status t2"
has "$out" "  accounts    2 evaluated, 1 failed" "status t2"
has "$out" "Failed (1)" "status t2 summary"
has "$out" "At risk (0): flag at_risk or health red, by each account's latest evaluation" "status t2 at risk"

# --- status: run 2, the summary tend eval --format summary prints for the
# same evaluations, the intents the run created, who is at risk.
sql "UPDATE evaluations SET result = jsonb_set(result, '{health}', '{\"score\": 35, \"band\": \"red\"}')
      WHERE tenant = 'default' AND run_id = $run2 AND account_id = 'kedai-runcit'" >/dev/null
run 0 status
St=$out
has "$St" "Run $run2 of nightly, tenant default" "status header"
has "$St" "  occurrence  $(occurrence $run2)" "status occurrence"
has "$St" "  status      succeeded" "status status"
like "$St" "^  started     20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$" "status started"
like "$St" "^  finished    20[0-9-]{8}T[0-9:]{8}Z, took [0-9.]+ (ms|s)$" "status finished"
has "$St" "  playbook    $playbook" "status playbook"
has "$St" "  accounts    $(wc -l <$S/accounts.jsonl) evaluated, 0 failed" "status accounts"
"$TEND" eval --playbook scripts/default --accounts $S/accounts.jsonl --events $S/events.jsonl \
  --metrics $S/metrics.jsonl --now $NOW2 --format summary >"$tmp/summary" 2>/dev/null || fail "eval --format summary"
# The same lines for what rules do not decide (rules may differ: the run
# keeps frequency caps; kedai-runcit's health was made red above).
grep -E '^(30 accounts as of|Segments|Stages|graduation )' "$tmp/summary" >"$tmp/lines"
[ "$(wc -l <"$tmp/lines")" = 4 ] || fail "eval --format summary: $(cat "$tmp/summary")"
while IFS= read -r line; do has "$St" "$line" "status summary"; done <"$tmp/lines"
health=$(sql "SELECT string_agg(band || ' ' || n, ' · ' ORDER BY band) FROM (
                SELECT result->'health'->>'band' AS band, count(*) n FROM evaluations
                 WHERE tenant = 'default' AND run_id = $run2 GROUP BY 1) x")
has "$St" "$(printf '%-14s %s' Health "$health")" "status summary health"
like "$St" "^  at_risk \(1\)$" "status summary flags"
like "$St" "^Would send " "status summary intents"
emails=$(sql "SELECT count(*) FROM outbox WHERE run_id = $run2 AND kind = 'email'")
pending=$(sql "SELECT count(*) FROM outbox WHERE run_id = $run2 AND kind = 'email' AND status = 'pending'")
tasks=$(sql "SELECT count(*) FROM tasks WHERE created_run_id = $run2")
like "$St" "^  email +$emails  dead 1 · pending $pending · sent 1$" "status intents"
like "$St" "^  task +$tasks  done 1 · open $((tasks - 1))$" "status intents"
has "$St" "At risk (2): flag at_risk or health red, by each account's latest evaluation" "status at risk"
atlas=$(why at_risk "$(result atlas-retail $run2)")
has "$St" "  atlas-retail     at_risk: $atlas" "status at risk: the rule that set at_risk"
has "$St" "  kedai-runcit     health 35 (red)" "status at risk: the health score"
[ "$(grep -A3 '^At risk' <<<"$St" | sed -n 2p | cut -c3-14)" = "atlas-retail" ] || fail "at risk: lowest health first"

# A run still going: status says so; the summary covers what is there.
sql "INSERT INTO job_runs (tenant, schedule, job, occurrence, started_at)
     VALUES ('default', 'nightly', 'nightly', '2026-11-29', now())" >/dev/null
run 0 status
like "$out" "^  status      running$" "status of a running run"
like "$out" "^  finished    - \(running for [0-9]+ ms\)$|^  finished    - \(running for [0-9.]+ s\)$" "status running"
has "$out" "Still running: the summary covers the accounts evaluated so far." "status running"
has "$out" "0 accounts as of - (playbook -…)" "status running"

# Unreachable: exit 4, the store's one line, no password.
TEND_DATABASE_URL=postgresql://nobody:secret@127.0.0.1:1/x run 4 explain vela-fintech
like "$err" "^tend explain: cannot connect to postgresql://nobody:\*\*\*@127\.0\.0\.1:1/x \(TEND_DATABASE_URL\): " \
  "explain, unreachable"
hasnt "$out$err" secret "explain, unreachable"
TEND_DATABASE_URL=postgresql://nobody:secret@127.0.0.1:1/x run 4 status
like "$err" "^tend status: cannot connect to " "status, unreachable"
# An older schema: exit 3 and the fix.
sql "CREATE DATABASE empty" >/dev/null
TEND_DATABASE_URL="postgresql:///empty?host=$SOCK&user=tend" run 3 status
like "$err" "^tend status: the database schema is older than this tend .*run .tend db migrate.$" "status, no schema"
TEND_DATABASE_URL="postgresql:///empty?host=$SOCK&user=tend" run 3 explain vela-fintech
like "$err" "^tend explain: the database schema is at version 0, [0-9]+ migrations pending: run 'tend db migrate'" \
  "explain, no schema (tend_db_open checks it)"

"$TEND" db down >/dev/null 2>&1
run 4 explain vela-fintech
like "$err" "^tend explain: cannot connect to the embedded database at .*tend db up" "explain after db down"
run 4 status
echo "explain and status: ok (runs $run1, $run2, $run3)"
