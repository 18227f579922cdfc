#!/usr/bin/env bash
# Three `tend serve` processes on one PostgreSQL (an embedded cluster in a
# temporary TEND_HOME, stopped and removed even when a check fails), with a
# playbook that queues a notify on contract_signed and has a schedule due
# every minute:
#   1. an event inserted with plain SQL fires its handler once (one outbox
#      row across the three processes), committed within one second;
#   2. the schedule's next occurrence runs once: one job_runs row, every
#      account evaluated once;
#   3. SIGHUP with a broken playbook keeps the old one and says so;
#   4. SIGTERM: each process exits 0, no shard lock or woken account is
#      left held, and the outbox row was delivered to the file connector.
# Run from the repository root: serve.sh TEND
set -uo pipefail
TEND=$1
. tests/integration/lib_cluster.sh
cluster_require_server
cluster_home serve
PSQL=(psql -h "$SOCK" -U tend -d tend -q -t -A -v ON_ERROR_STOP=1)
q() { "${PSQL[@]}" -c "$1"; }

"$TEND" db up >/dev/null 2>&1 || fail "tend db up"
"${PSQL[@]}" -f tests/integration/load_sample.sql || fail "loading the sample"
N=$(q "select count(*) from accounts where tenant = 'default'")
cp -R tests/integration/serve_playbook "$tmp/book"
# The schedule last ran ten minutes ago: the latest missed occurrence runs
# once at start (catch_up = "once"), the nine before it never.
last=$(q "insert into job_runs (tenant, schedule, job, occurrence, status, finished_at)
          values ('default', 'every_minute', 'evaluate_all', date_trunc('minute', now()) - interval '10 minutes',
                  'succeeded', now()) returning occurrence")
start=$(q "select date_trunc('minute', now())")

for i in 1 2 3; do
  "$TEND" serve --playbook "$tmp/book" --poll 0.5 --grace 20 2>"$tmp/serve$i.log" &
  pids+=($!)
done
for i in 1 2 3; do
  for _ in $(seq 200); do grep -q "serving 1 tenant" "$tmp/serve$i.log" && break; sleep 0.05; done
  grep -q "serving 1 tenant" "$tmp/serve$i.log" || fail "serve $i did not start: $(cat "$tmp/serve$i.log")"
done

# --- 1. An event by plain SQL: its handler acts once, within a second.
at=$(q "insert into events (tenant, account_id, type, at) values ('default', 'acme-ltda', 'contract_signed', now());
        select to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')")
for _ in $(seq 100); do
  [ "$(q "select count(*) from outbox where account_id = 'acme-ltda' and kind = 'notify'")" -ge 1 ] && break
  sleep 0.05
done
sleep 1.5 # the other processes had their chance to queue it again
rows=$(q "select count(*) from outbox where account_id = 'acme-ltda' and kind = 'notify'")
[ "$rows" = 1 ] || fail "the event's handler queued $rows notify rows, want 1: $(cat "$tmp"/serve*.log)"
lat=$(q "select round(extract(epoch from created_at - '$at'::timestamp) * 1000) from outbox
         where account_id = 'acme-ltda' and kind = 'notify'")
[ "$lat" -lt 1000 ] || fail "the outbox row came ${lat} ms after the event, want < 1000"
[ "$(q "select count(*) from account_wakeups")" = 0 ] || fail "the woken account is still waiting"
echo "ok 1 - an event inserted with plain SQL: one outbox row, ${lat} ms after the event's commit"

# --- 2. The schedule due every minute runs once across the three.
for _ in $(seq 1500); do
  [ "$(q "select count(*) from job_runs where schedule = 'every_minute' and status = 'succeeded'
          and occurrence > '$last'")" -ge 1 ] && break
  sleep 0.1
done
run=$(q "select id from job_runs where schedule = 'every_minute' and status = 'succeeded' and occurrence > '$last'
         order by occurrence limit 1")
[ -n "$run" ] || fail "no scheduled run succeeded: $(tail -3 "$tmp/serve1.log")"
got=$(q "select count(*) || ' ' || count(distinct account_id) from evaluations where run_id = $run")
[ "$got" = "$N $N" ] || fail "the scheduled run's evaluations (rows, accounts) = $got, want $N $N"
occ=$(q "select occurrence from job_runs where id = $run")
[ "$(q "select count(*) from job_runs where schedule = 'every_minute' and occurrence = '$occ'")" = 1 ] ||
  fail "the occurrence ran twice"
missed=$(q "select count(*) from job_runs where schedule = 'every_minute' and occurrence > '$last'
            and occurrence < '$start'")
[ "$missed" = 0 ] || fail "$missed of the occurrences missed while down ran"
grep -q "missed while down: runs now" "$tmp/serve1.log" || fail "no catch-up: $(head -3 "$tmp/serve1.log")"
echo "ok 2 - the schedule ran once across three processes: run $run, $N accounts, one evaluation each;"
echo "       of the occurrences missed while down, only the latest ran"

# --- 3. SIGHUP with a playbook that does not load: the old one stays.
echo 'rule "broken" { when = 42 }' >"$tmp/book/zz_broken.lua"
kill -HUP "${pids[0]}"
for _ in $(seq 100); do grep -q "keeping the old one" "$tmp/serve1.log" && break; sleep 0.05; done
grep -q "keeping the old one" "$tmp/serve1.log" || fail "SIGHUP with a broken playbook: $(tail -3 "$tmp/serve1.log")"
q "insert into events (tenant, account_id, type, at) values ('default', 'kopi-kita', 'contract_signed', now())"
for _ in $(seq 100); do
  [ "$(q "select count(*) from outbox where account_id = 'kopi-kita' and kind = 'notify'")" -ge 1 ] && break
  sleep 0.05
done
[ "$(q "select count(*) from outbox where account_id = 'kopi-kita' and kind = 'notify'")" = 1 ] ||
  fail "after a failed reload the old playbook no longer acts"
echo "ok 3 - SIGHUP with a broken playbook keeps the old one"

# --- 4. SIGTERM: exit 0, nothing held.
for p in "${pids[@]}"; do kill -TERM "$p"; done
codes=()
for p in "${pids[@]}"; do wait "$p"; codes+=($?); done
[ "${codes[*]}" = "0 0 0" ] || fail "SIGTERM: exit codes ${codes[*]}, want 0 0 0"
pids=()
[ "$(q "select count(*) from pg_locks where locktype = 'advisory' and classid = 1952804467")" = 0 ] ||
  fail "a shard lock is held after SIGTERM"
[ "$(q "select count(*) from shard_leases where status = 'running'")" = 0 ] || fail "a shard is left running"
[ "$(q "select count(*) from account_wakeups where claimed_by is not null")" = 0 ] || fail "a woken account is left claimed"
half=$(q "select count(*) from evaluations e, jsonb_array_elements(e.result->'actions') a
          where a->>'kind' = 'notify' and not exists (select 1 from outbox o where o.dedupe_key = a->>'key')")
[ "$half" = 0 ] || fail "$half intents of stored evaluations are not in the outbox"
[ "$(q "select count(*) from outbox where status = 'sent'")" -ge 1 ] || fail "nothing was delivered"
grep -q '"account_id":"acme-ltda"' "$TEND_HOME/outbox/default.jsonl" || fail "the file connector has no acme-ltda line"
echo "ok 4 - SIGTERM: exit 0, no lock, lease or claim held; the notify was delivered"
echo "serve: all checks passed"
