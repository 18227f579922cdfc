#!/usr/bin/env bash
# Containment of misbehaving connector plugins (built here from
# tests/integration/chaos_plugin.c), with a real PostgreSQL and the test
# receiver on 127.0.0.1:
#   1. a plugin whose prepare() segfaults on one row ("poison") among 20:
#      each run dies naming the connector, its plugin and the row; rerun
#      until done, the poison row is dead-lettered with "connector crashed"
#      after its schedule (3 attempts) and never called again, the 19 others
#      are delivered, each exactly once; `tend outbox retry` puts it back;
#   2. the same with a prepare() that never returns: the callback's deadline
#      (the connector's timeout) ends the run; the same outcome;
#   3. SIGTERM while a plugin hangs (a long timeout): tend deliver ends
#      within its grace period.
# Run from the repository root: deliver_plugin_chaos.sh TEND RECEIVER
set -uo pipefail
TEND=$1 RECEIVER=$2
. tests/integration/lib_cluster.sh
cluster_home plugin-chaos
pids=()
PSQL=(psql -h "$TEND_HOME/pg/data" -U tend -d tend -q -t -A -v ON_ERROR_STOP=1)
q() { "${PSQL[@]}" -c "$1"; }

mkdir -p "$tmp/plugins"
${CC:-cc} -shared -fPIC -Wall -Werror -I runtime/connectors -o "$tmp/plugins/chaos.so" \
  tests/integration/chaos_plugin.c || fail "building the plugin"
export TEND_CONNECTOR_PATH=$tmp/plugins

"$RECEIVER" --port-file "$tmp/port" --log "$tmp/recv.log" >/dev/null &
pids+=($!)
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
[ -s "$tmp/port" ] || fail "the receiver did not start"
URL=http://127.0.0.1:$(cat "$tmp/port")
"$TEND" db up >/dev/null 2>&1 || fail "tend db up"
q "insert into tenants (id) values ('crash'), ('hang'), ('term') on conflict do nothing" || fail tenants

connectors() { # FILE MODE TIMEOUT
  cat >"$1" <<JSON
{"connectors": {"webhook": {"type": "chaos", "url": "$URL/chaos", "mode": "$2", "timeout": "$3",
                            "retry": ["0s", "0s", "0s"]}}}
JSON
}
queue() { # TENANT N POISON_AT
  q "insert into outbox (tenant, dedupe_key, account_id, kind, payload)
     select '$1', '$1:' || g, 'acct-' || g, 'webhook',
            jsonb_build_object('kind', 'webhook', 'target', 'crm', 'key', '$1:' || g,
                               'data', jsonb_build_object('n', g, 'tag', CASE WHEN g = $3 THEN 'poison' ELSE 'fine' END))
     from generate_series(1, $2) g" || fail "queueing $1"
}
# runs tend deliver for TENANT until nothing is pending (at most 8 runs)
until_done() { # TENANT CONNECTORS
  runs=0 deaths=0
  while [ "$(q "select count(*) from outbox where tenant = '$1' and status = 'pending'")" != 0 ]; do
    [ $runs -lt 8 ] || fail "$1: still pending after $runs runs: $(cat "$tmp/$1.err")"
    runs=$((runs + 1))
    timeout 30 "$TEND" deliver --tenant "$1" --lease 2 --connectors "$2" >"$tmp/$1.out" 2>>"$tmp/$1.err"
    rc=$?
    [ $rc = 124 ] && fail "$1: tend deliver hung"
    [ $rc != 0 ] && deaths=$((deaths + 1))
    [ $rc = 0 ] || [ $rc = 70 ] || fail "$1: tend deliver exited $rc: $(tail -3 "$tmp/$1.err")"
    sleep 2.2 # the dead run's leases run out
  done
}
check() { # TENANT N WHAT
  read -r sent dead <<<"$(q "select count(*) filter (where status = 'sent'), count(*) filter (where status = 'dead')
                             from outbox where tenant = '$1'" | tr '|' ' ')"
  [ "$sent" = $(($2 - 1)) ] && [ "$dead" = 1 ] || fail "$1: $sent sent, $dead dead (want $(($2 - 1)), 1)"
  read -r tag err attempts <<<"$(q "select payload->'data'->>'tag', replace(last_error, ' ', '_'), attempts
                                    from outbox where tenant = '$1' and status = 'dead'" | tr '|' ' ')"
  [ "$tag" = poison ] || fail "$1: the dead row is not the poison row"
  case $err in connector_crashed:*) ;; *) fail "$1: the dead row's error: $err" ;; esac
  [ "$attempts" = 4 ] || fail "$1: the poison row made $attempts attempts (3 died, the 4th dead-lettered it)"
  [ $deaths = 3 ] || fail "$1: $deaths runs died, want 3 (one per attempt of the schedule)"
  grep -q "connector 'webhook' ($tmp/plugins/chaos.so): prepare() $3" "$tmp/$1.err" ||
    fail "$1: no message naming the plugin: $(head -3 "$tmp/$1.err")"
  # every other row reached the receiver exactly once, the poison row never
  ids=$(q "select 'msg_' || left(encode(sha256(convert_to(tenant || E'\n' || dedupe_key, 'UTF8')), 'hex'), 32)
           from outbox where tenant = '$1' and status = 'sent'")
  for id in $ids; do
    n=$(grep -c $'\t'"$id"$'\t200\t' "$tmp/recv.log")
    [ "$n" = 1 ] || fail "$1: $id received $n times"
  done
  [ "$(grep -c '"tag":"poison"' "$tmp/recv.log")" = 0 ] || fail "$1: the poison row was sent"
}

# 1. A crashing prepare().
queue crash 20 7
connectors "$tmp/crash.json" crash 1s
until_done crash "$tmp/crash.json"
check crash 20 "crashed with signal 11"
"$TEND" outbox retry --dead --tenant crash >"$tmp/retry.out" 2>&1 || fail "tend outbox retry: $(cat "$tmp/retry.out")"
[ "$(q "select status from outbox where tenant = 'crash' and payload->'data'->>'tag' = 'poison'")" = pending ] ||
  fail "retry did not put the dead row back: $(cat "$tmp/retry.out")"

# 2. A prepare() that never returns: its deadline is the connector's timeout.
queue hang 20 13
connectors "$tmp/hang.json" hang 1s
until_done hang "$tmp/hang.json"
check hang 20 "did not return within its deadline"

# 3. SIGTERM while a plugin hangs, with a timeout far beyond the grace period.
queue term 5 1
connectors "$tmp/term.json" hang 60s
"$TEND" deliver --tenant term --connectors "$tmp/term.json" >"$tmp/term.out" 2>"$tmp/term.err" &
dpid=$!
pids+=($dpid)
for _ in $(seq 100); do
  [ "$(q "select count(*) from deliveries where tenant = 'term'")" -gt 0 ] && break
  sleep 0.05
done
sleep 0.3
t0=$(date +%s%N)
kill -TERM $dpid
wait $dpid
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
[ $ms -lt 3000 ] || fail "SIGTERM took $ms ms"
[ $rc = 70 ] || fail "SIGTERM: exit $rc: $(cat "$tmp/term.err")"
grep -q "was still running when the run was stopped" "$tmp/term.err" || fail "SIGTERM: $(cat "$tmp/term.err")"
echo "ok: crash and hang contained ($(wc -l <"$tmp/recv.log") requests), SIGTERM ended a hung plugin in $ms ms"
