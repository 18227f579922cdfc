#!/usr/bin/env bash
# The run's life as a scheduler sees it, against a real PostgreSQL (an
# embedded cluster in a temporary TEND_HOME, stopped and removed even when a
# check fails):
#   1. SIGKILL mid-run: the run stays `running` but status calls it stalled
#      (exit 1); the next run of the occurrence resumes it without --force
#      and every account has exactly one evaluation; no lease is left held;
#   2. busy: a second run while the owner lives exits 5, --force too; an
#      owner whose lease ran out (cut off) loses its session to the next run;
#   3. SIGTERM mid-run: exit 6, the run `interrupted`, only whole batches
#      (every stored evaluation's intents are in the outbox), then resumed;
#   4. a backfill queues nothing, leaves account state alone and is never
#      the latest run; a future --now is refused;
#   5. failed accounts make the run `partial`; --all-tenants goes on past a
#      failing tenant; an unknown tenant is exit 3;
#   6. tend status --format json and --stale-after;
#   7. an unmigrated schema is exit 3 for run and status.
# Run from the repository root: run_life.sh TEND
set -uo pipefail
TEND=$1
. tests/integration/lib_cluster.sh
cluster_require_server
cluster_home runlife
PSQL=(psql -h "$SOCK" -U tend -d tend -q -t -A -v ON_ERROR_STOP=1)
q() { "${PSQL[@]}" -c "$1"; }
PB=scripts/default
COPIES=${RUN_LIFE_COPIES:-100}   # 30 sample accounts each

"$TEND" db up >/dev/null 2>&1 || fail "tend db up"
"${PSQL[@]}" -f tests/integration/load_sample.sql || fail "loading the sample"
"${PSQL[@]}" -v tenant=big -v copies="$COPIES" -f tests/integration/multiply_sample.sql || fail "multiplying the sample"
N=$(q "select count(*) from accounts where tenant = 'big'")

# wait_evals RUN_DATE MIN: until the run of that date has stored MIN evaluations.
wait_evals() {
  for _ in $(seq 600); do
    n=$(q "select count(*) from evaluations e join job_runs r on r.tenant = e.tenant and r.id = e.run_id
           where r.tenant = 'big' and r.occurrence = '$1'")
    [ "${n:-0}" -ge "$2" ] && return 0
    sleep 0.05
  done
  fail "the run of $1 stored no $2 evaluations"
}
# once RUN_DATE: every account exactly one evaluation in that run.
once() {
  got=$(q "select count(*) || ' ' || count(distinct e.account_id) from evaluations e join job_runs r
           on r.tenant = e.tenant and r.id = e.run_id where r.tenant = 'big' and r.occurrence = '$1'")
  [ "$got" = "$N $N" ] || fail "$2: evaluations (rows, accounts) = $got, want $N $N"
}
no_lease_held() {
  held=$(q "select count(*) from pg_locks where locktype = 'advisory' and classid = 1952804467")
  [ "$held" = 0 ] || fail "$1: $held shard locks still held"
}

# --- 1. SIGKILL mid-run, then an unattended rerun.
D1=2026-11-20
"$TEND" run nightly --tenant big --playbook $PB --now ${D1}T02:00:00Z --shards 6 >"$tmp/k.out" 2>&1 &
pid=$!; pids=($pid)
wait_evals $D1 $((N / 4))
kill -9 $pid; wait $pid 2>/dev/null
[ "$(q "select status from job_runs where tenant = 'big' and occurrence = '$D1'")" = running ] || fail "a killed run is running"
stored=$(q "select count(*) from evaluations e join job_runs r on r.id = e.run_id where r.occurrence = '$D1'")
[ "$stored" -lt "$N" ] || fail "the run was killed too late ($stored of $N stored)"
"$TEND" status --tenant big >"$tmp/s.out" 2>&1; code=$?
[ $code = 1 ] || fail "status of a killed run: exit $code, want 1"
grep -q "stalled, no process owns it" "$tmp/s.out" || fail "status does not call the killed run stalled: $(cat "$tmp/s.out")"
grep -q "accounts    $stored evaluated" "$tmp/s.out" || fail "status counts what the killed run stored ($stored)"
"$TEND" run nightly --tenant big --playbook $PB --now ${D1}T02:30:00Z >"$tmp/r.out" 2>&1; code=$?
[ $code = 0 ] || fail "the rerun after SIGKILL: exit $code: $(tail -3 "$tmp/r.out")"
grep -q "resumed run" "$tmp/r.out" || fail "the rerun does not say it resumed: $(tail -3 "$tmp/r.out")"
grep -q "succeeded: $N accounts, 0 failed" "$tmp/r.out" || fail "the rerun's outcome: $(tail -2 "$tmp/r.out")"
once $D1 "after SIGKILL and a rerun"
[ "$(q "select count(*) from shard_leases s join job_runs r on r.id = s.run_id where r.occurrence = '$D1' and s.status <> 'done'")" = 0 ] ||
  fail "shards left undone"
dup=$(q "select count(*) from (select dedupe_key from outbox where tenant = 'big' group by 1 having count(*) > 1) x")
[ "$dup" = 0 ] || fail "$dup outbox keys twice"
no_lease_held "after the rerun"
echo "ok 1 - SIGKILL mid-run, then an unattended rerun: $N accounts, one evaluation each"

# --- 2. Busy: the owner lives.
D2=2026-11-21
# (--eval-timeout: the time budget is wall time, and the owner is stopped a while)
"$TEND" run nightly --tenant big --playbook $PB --now ${D2}T02:00:00Z --shards 1 --eval-timeout 600000 \
  >"$tmp/b1.out" 2>&1 &
pid=$!; pids=($pid)
wait_evals $D2 1
kill -STOP $pid   # alive (its session and lock stay) but going nowhere while we look
"$TEND" run nightly --tenant big --playbook $PB --now ${D2}T02:00:00Z >"$tmp/b2.out" 2>&1; code=$?
[ $code = 5 ] || fail "a second run while the owner lives: exit $code, want 5: $(cat "$tmp/b2.out")"
grep -q "owned by live processes" "$tmp/b2.out" || fail "busy message: $(cat "$tmp/b2.out")"
"$TEND" run nightly --tenant big --playbook $PB --now ${D2}T02:00:00Z --force >"$tmp/b3.out" 2>&1; code=$?
[ $code = 5 ] || fail "--force while the owner lives: exit $code, want 5"
grep -q -- "--force is refused" "$tmp/b3.out" || fail "--force message: $(cat "$tmp/b3.out")"
kill -CONT $pid
wait $pid; code=$?
[ $code = 0 ] || fail "the owner: exit $code: $(tail -3 "$tmp/b1.out")"
once $D2 "the owner alone"
echo "ok 2 - busy: exit 5 while the owner lives, --force refused"

# --- 2b. An owner cut off (here: stopped) past its lease: the next run ends
# its session and takes the shard over; the cut-off owner fails (exit 4).
D2B=2026-11-19
"$TEND" run nightly --tenant big --playbook $PB --now ${D2B}T02:00:00Z --shards 1 --eval-timeout 600000 \
  >"$tmp/c1.out" 2>&1 &
pid=$!; pids=($pid)
wait_evals $D2B 1
kill -STOP $pid
q "update shard_leases set lease_until = now() - interval '1 second' where status = 'running'" >/dev/null
"$TEND" run nightly --tenant big --playbook $PB --now ${D2B}T02:00:00Z >"$tmp/c2.out" 2>&1; code=$?
[ $code = 0 ] || fail "taking over an expired lease: exit $code: $(tail -3 "$tmp/c2.out")"
kill -CONT $pid; wait $pid; code=$?
[ $code = 4 ] || fail "the cut-off owner: exit $code, want 4: $(tail -2 "$tmp/c1.out")"
once $D2B "after taking over an expired lease"
no_lease_held "after an expired lease"
echo "ok 2b - an owner past its lease is cut off and its shard taken over"

# --- 3. SIGTERM mid-run: interrupted, whole batches, resumed.
D3=2026-11-22
"$TEND" run nightly --tenant big --playbook $PB --now ${D3}T02:00:00Z --shards 4 >"$tmp/t.out" 2>"$tmp/t.err" &
pid=$!; pids=($pid)
wait_evals $D3 $((N / 4))
kill -TERM $pid; wait $pid; code=$?
[ $code = 6 ] || fail "SIGTERM: exit $code, want 6: $(cat "$tmp/t.err")"
[ "$(q "select status from job_runs where tenant = 'big' and occurrence = '$D3'")" = interrupted ] || fail "not interrupted"
grep -q "interrupted: .* the next run resumes" "$tmp/t.err" || fail "SIGTERM message: $(cat "$tmp/t.err")"
no_lease_held "after SIGTERM"
# Whole batches: every intent of a stored evaluation is in the outbox.
missing=$(q "select count(*) from evaluations e join job_runs r on r.id = e.run_id,
             jsonb_array_elements(e.result->'actions') a
             where r.occurrence = '$D3' and a->>'kind' in ('email', 'notify', 'webhook') and not e.failed
               and not exists (select 1 from outbox o where o.tenant = e.tenant and o.dedupe_key = a->>'key')")
[ "$missing" = 0 ] || fail "$missing intents of stored evaluations are not in the outbox (a half-written batch)"
"$TEND" run nightly --tenant big --playbook $PB --now ${D3}T02:00:00Z >"$tmp/t2.out" 2>&1 || fail "rerun after SIGTERM"
once $D3 "after SIGTERM and a rerun"
echo "ok 3 - SIGTERM: exit 6, interrupted, whole batches, resumed"

# --- 4. Backfill and the future.
state=$(q "select md5(string_agg(account_id || last_run_id, ',' order by account_id)) from account_state where tenant = 'big'")
outbox=$(q "select count(*) from outbox where tenant = 'big'")
D0=2026-11-10
"$TEND" run nightly --tenant big --playbook $PB --now ${D0}T02:00:00Z >"$tmp/bf.out" 2>&1 || fail "backfill: $(tail -2 "$tmp/bf.out")"
grep -q "backfill: nothing queued" "$tmp/bf.out" || fail "the backfill does not say so: $(tail -2 "$tmp/bf.out")"
once $D0 "the backfill"
[ "$(q "select backfill from job_runs where tenant = 'big' and occurrence = '$D0'")" = t ] || fail "not marked backfill"
[ "$(q "select count(*) from outbox where tenant = 'big'")" = "$outbox" ] || fail "the backfill queued intents"
[ "$(q "select md5(string_agg(account_id || last_run_id, ',' order by account_id)) from account_state where tenant = 'big'")" = "$state" ] ||
  fail "the backfill rolled account state back"
"$TEND" status --tenant big --format json >"$tmp/sj" || true
grep -qF '"occurrence":"2026-11-22T00:00:00Z","status"' "$tmp/sj" ||
  fail "status shows the backfill as latest: $(cut -c1-300 "$tmp/sj")"
"$TEND" run nightly --tenant big --playbook $PB --now 2099-01-01 >"$tmp/f.out" 2>&1; code=$?
[ $code = 2 ] || fail "a future --now: exit $code, want 2"
grep -q "in the future" "$tmp/f.out" || fail "future message: $(cat "$tmp/f.out")"
echo "ok 4 - a backfill queues nothing and is never latest; a future --now is refused"

# --- 5. Partial runs, --all-tenants, unknown tenant.
"${PSQL[@]}" -c "insert into tenants (id) values ('t1'), ('t2');
  insert into accounts (tenant, id, acv) values ('t1', 'a1', 20000), ('t1', 'broken', null), ('t2', 'b1', 5);"
"$TEND" run nightly --tenant nowhere --playbook $PB >"$tmp/u.out" 2>&1; code=$?
[ $code = 3 ] || fail "an unknown tenant: exit $code, want 3"
grep -q "no tenant 'nowhere'" "$tmp/u.out" || fail "unknown tenant message: $(cat "$tmp/u.out")"
"$TEND" run nightly --all-tenants --playbook tests/cli/eval_failing_account/playbook --now ${D3}T03:00:00Z \
  >"$tmp/all.out" 2>&1; code=$?
[ $code = 1 ] || fail "--all-tenants with a failing account: exit $code, want 1: $(cat "$tmp/all.out")"
for t in default big t1 t2; do grep -q "== tenant $t" "$tmp/all.out" || fail "--all-tenants skipped $t"; done
[ "$(q "select status from job_runs where tenant = 't1' and occurrence = '$D3'")" = partial ] || fail "t1 is not partial"
[ "$(q "select status from job_runs where tenant = 't2' and occurrence = '$D3'")" = succeeded ] || fail "t2 did not run after t1"
echo "ok 5 - partial runs, --all-tenants past a failure, unknown tenant exit 3"

# --- 6. status for monitoring.
"$TEND" status --tenant t2 --format json >"$tmp/j" || fail "status --format json exit $?"
for k in '"tenant":"t2"' '"status":"succeeded"' '"stalled":false' '"stale":false' '"last_finished":{' \
         '"accounts":1,'; do
  grep -qF "$k" "$tmp/j" || fail "status json: no $k in $(cat "$tmp/j")"
done
"$TEND" status --tenant t2 --stale-after 1 >/dev/null || fail "a fresh run is stale"
q "update job_runs set finished_at = now() - interval '30 hours' where tenant = 't2'" >/dev/null
"$TEND" status --tenant t2 --stale-after 24 >"$tmp/st" 2>&1; code=$?
[ $code = 1 ] && grep -q STALE "$tmp/st" || fail "a 30-hour-old run with --stale-after 24: exit $code"
"$TEND" status --tenant t2 --stale-after 48 >/dev/null || fail "--stale-after 48"
echo "ok 6 - status --format json and --stale-after"

# --- 7. An unmigrated schema is a configuration error.
q "delete from schema_migrations where version = 10" >/dev/null
"$TEND" run nightly --tenant big --playbook $PB >"$tmp/m.out" 2>&1; code=$?
[ $code = 3 ] || fail "run on an unmigrated schema: exit $code, want 3"
grep -q "tend db migrate" "$tmp/m.out" || fail "unmigrated message: $(cat "$tmp/m.out")"
"$TEND" status --tenant big >"$tmp/m.out" 2>&1; code=$?
[ $code = 3 ] || fail "status on an unmigrated schema: exit $code, want 3"
echo "ok 7 - an unmigrated schema is exit 3"
echo "run_life: all checks passed"
