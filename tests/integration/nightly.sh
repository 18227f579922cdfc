#!/usr/bin/env bash
# tend run nightly against a real PostgreSQL (an embedded cluster in a
# temporary TEND_HOME, stopped and removed even when a check fails):
# stored results equal `tend eval` of the same data; a rerun of the same
# occurrence does nothing; --force re-evaluates without queueing an intent
# twice; the next night keeps frequency caps through the ledger and writes
# stage history only on change; a failing account gives exit 1 and the
# others are stored; an unreachable database gives exit 4.
# Run from the repository root: nightly.sh TEND [--valgrind] (then the
# first run goes under valgrind: no leaks or memory errors in our code).
set -uo pipefail
TEND=$1
. tests/integration/lib_cluster.sh
tend_under_valgrind "${2:-}"
cluster_require_server
cluster_home nightly
PSQL=(psql -h "$SOCK" -U tend -d tend -q -t -A -v ON_ERROR_STOP=1)
count() { "${PSQL[@]}" -c "$1"; }
S=scripts/examples/sample
NOW=2026-11-22T02:00:00Z

"$TEND" db up >/dev/null 2>&1 || fail "tend db up"
"${PSQL[@]}" -f tests/integration/load_sample.sql || fail "loading the sample"

# 1. The run, and what it stored.
"${T[@]}" run nightly --playbook scripts/default --now $NOW --jobs 2 >"$tmp/out" 2>"$tmp/err"; code=$?
[ $code = 0 ] || fail "run nightly exited $code: $(cat "$tmp/err")"
grep -q "(nightly 2026-11-22, tenant default): 30 accounts, 0 failed" "$tmp/out" || fail "summary: $(tail -1 "$tmp/out")"
grep -q "^Segments" "$tmp/out" || fail "no summary of segments"
run1=$(count "select id from job_runs where occurrence = '2026-11-22'")
[ "$(count "select count(*) from evaluations where run_id = $run1")" = 30 ] || fail "30 evaluations"
outbox=$(count "select count(*) from outbox"); tasks=$(count "select count(*) from tasks")
stages=$(count "select count(*) from stage_history")
[ "$outbox" -gt 0 ] && [ "$tasks" -gt 0 ] && [ "$stages" -gt 0 ] || fail "outbox $outbox, tasks $tasks, stages $stages"
[ "$(count "select status from job_runs where id = $run1")" = succeeded ] || fail "job_runs status"
[ "$(count "select count(*) from account_state")" = 30 ] || fail "account_state rows"

# 2. Stored results are what tend eval prints for the same data.
count "select result::text from evaluations where run_id = $run1" >"$tmp/stored.jsonl"
"$TEND" eval --playbook scripts/default --accounts $S/accounts.jsonl --events $S/events.jsonl \
  --metrics $S/metrics.jsonl --now $NOW >"$tmp/eval.jsonl" || fail "tend eval"
lua5.4 tests/integration/same_results.lua "$tmp/stored.jsonl" "$tmp/eval.jsonl" || fail "stored results differ from tend eval"

# 3. The same occurrence again: nothing happens.
"$TEND" run nightly --playbook scripts/default --now 2026-11-22T05:00:00Z >"$tmp/out" 2>&1 || fail "rerun exit $?"
grep -q "already ran" "$tmp/out" || fail "rerun: $(cat "$tmp/out")"
[ "$(count "select count(*) from job_runs")" = 1 ] || fail "a rerun created a run"

# 4. --force re-evaluates; no intent is queued twice.
"$TEND" run nightly --playbook scripts/default --now $NOW --force >"$tmp/out" 2>&1 || fail "--force exit $?"
grep -q "queued 0 outbox rows and 0 tasks" "$tmp/out" || fail "--force queued intents again: $(tail -1 "$tmp/out")"
[ "$(count "select count(*) from outbox")" = "$outbox" ] || fail "--force changed the outbox"

# 5. The next night: the ledger caps rules with `every`, stages only on change.
fired=$(count "select count(*) from rule_fires")
[ "$fired" -gt 0 ] || fail "no ledger rows"
"$TEND" run nightly --playbook scripts/default --now 2026-11-23T02:00:00Z >"$tmp/out" 2>&1 || fail "night 2 exit $?"
run2=$(count "select id from job_runs where occurrence = '2026-11-23'")
[ -n "$run2" ] || fail "night 2 made no run: $(tail -1 "$tmp/out")"
capped=$(count "select count(*) from evaluations, jsonb_array_elements(result->'trace') e
                where run_id = $run2 and (e->>'capped')::boolean")
[ "$capped" -gt 0 ] || fail "no rule was capped by the ledger on night 2"
again=$(count "select count(*) from outbox o where run_id = $run2 and exists (select 1 from rule_fires f
               where f.run_id = $run1 and f.account_id = o.account_id and f.rule = o.payload->>'rule')")
[ "$again" = 0 ] || fail "$again intents on night 2 from rules that fired on night 1 (caps are 7 days or more)"
grep -q " 0 stage changes" "$tmp/out" || fail "stage history changed without a change: $(tail -1 "$tmp/out")"

# 6. A failing account: exit 1, its evaluation stored as failed, the others fine.
"${PSQL[@]}" -c "insert into tenants (id) values ('t2');
  insert into accounts (tenant, id, acv) values ('t2', 'a1', 20000), ('t2', 'broken', null), ('t2', 'a2', 5);"
"$TEND" run nightly --tenant t2 --playbook tests/cli/eval_failing_account/playbook --now $NOW >"$tmp/out" 2>&1
code=$?
[ $code = 1 ] || fail "a failing account: exit $code, want 1"
[ "$(count "select account_id || ':' || failed from evaluations where tenant = 't2' order by account_id" | tr '\n' ' ')" = \
  "a1:false a2:false broken:true " ] || fail "t2 evaluations"

# 7. A broken playbook claims nothing; an unreachable database exits 4.
"$TEND" run nightly --tenant t2 --playbook tests/cli/check_problems/playbook --now 2026-11-24 >/dev/null 2>&1
[ $? = 3 ] || fail "broken playbook: want exit 3"
[ "$(count "select count(*) from job_runs where tenant = 't2'")" = 1 ] || fail "a broken playbook claimed an occurrence"
TEND_DATABASE_URL=postgresql://nobody:secret@127.0.0.1:1/x "$TEND" run nightly --playbook scripts/default >"$tmp/out" 2>&1
[ $? = 4 ] || fail "unreachable database: want exit 4"
grep -q secret "$tmp/out" && fail "the password was printed"
echo "nightly: all checks passed"
