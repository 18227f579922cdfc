#!/usr/bin/env bash
# One nightly occurrence shared by three `tend run nightly` processes on one
# PostgreSQL (an embedded cluster in a temporary TEND_HOME), one of them
# SIGKILLed in the middle of a shard: the others take its shard over, the
# run succeeds, every account has exactly one evaluation, no intent is
# queued twice and no shard lock is left held.
# Run from the repository root: shards.sh TEND
set -uo pipefail
TEND=$1
. tests/integration/lib_cluster.sh
cluster_require_server
cluster_home shards
PSQL=(psql -h "$SOCK" -U tend -d tend -q -t -A -v ON_ERROR_STOP=1)
q() { "${PSQL[@]}" -c "$1"; }
COPIES=${SHARDS_COPIES:-120}

"$TEND" db up >/dev/null 2>&1 || fail "tend db up"
"${PSQL[@]}" -f tests/integration/load_sample.sql || fail "loading the sample"
"${PSQL[@]}" -v tenant=big -v copies="$COPIES" -f tests/integration/multiply_sample.sql || fail "multiplying the sample"
N=$(q "select count(*) from accounts where tenant = 'big'")
D=2026-11-20
for i in 1 2 3; do
  "$TEND" run nightly --tenant big --playbook scripts/default --now ${D}T02:00:00Z --shards 12 \
    --log-format json >"$tmp/w$i.out" 2>&1 &
  pids+=($!)
done
victim=${pids[1]}
# Kill the second worker once it has written part of a shard.
for _ in $(seq 600); do
  mine=$(q "select count(*) from shard_leases where owner like '%:$victim' and status = 'running'")
  stored=$(q "select count(*) from evaluations where tenant = 'big'")
  [ "${mine:-0}" -gt 0 ] && [ "${stored:-0}" -gt $((N / 6)) ] && break
  sleep 0.05
done
[ "${mine:-0}" -gt 0 ] || fail "the second worker never held a shard"
shard=$(q "select shard from shard_leases where owner like '%:$victim' and status = 'running'")
kill -9 "$victim"
codes=()
for p in "${pids[0]}" "${pids[2]}"; do wait "$p"; codes+=($?); done
wait "$victim" 2>/dev/null
[ "${codes[*]}" = "0 0" ] || fail "the surviving workers exited ${codes[*]}: $(tail -2 "$tmp/w1.out" "$tmp/w3.out")"
[ "$(q "select status from job_runs where tenant = 'big'")" = succeeded ] || fail "the run did not succeed"
got=$(q "select count(*) || ' ' || count(distinct account_id) from evaluations where tenant = 'big'")
[ "$got" = "$N $N" ] || fail "evaluations (rows, accounts) = $got, want $N $N"
[ "$(q "select attempts from shard_leases where shard = $shard")" -ge 2 ] || fail "the killed shard was not taken over"
[ "$(q "select count(*) from shard_leases where status <> 'done'")" = 0 ] || fail "shards left"
dup=$(q "select count(*) from (select dedupe_key from outbox group by 1 having count(*) > 1) x")
[ "$dup" = 0 ] || fail "$dup intents queued twice"
[ "$(q "select count(*) from pg_locks where locktype = 'advisory' and classid = 1952804467")" = 0 ] || fail "a shard lock held"
finishers=$(grep -l "succeeded: $N accounts" "$tmp/w1.out" "$tmp/w3.out" | wc -l)
[ "$finishers" = 1 ] || fail "$finishers workers say they finished the run"
# Their log lines count the shard taken over from the killed worker.
took=$(cat "$tmp/w1.out" "$tmp/w3.out" | grep -o '"takeovers":[0-9]*' | awk -F: '{n += $2} END {print n + 0}')
[ "$took" = 1 ] || fail "the survivors' logs count $took takeovers, want 1: $(grep -h nightly "$tmp/w1.out" "$tmp/w3.out")"
echo "shards: 3 workers, one killed in shard $shard: $N accounts, one evaluation each"
