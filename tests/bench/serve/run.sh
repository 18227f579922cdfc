#!/usr/bin/env bash
# Benchmark tend serve's event -> outbox latency: from the commit of an
# event (a plain INSERT) to the commit of the outbox row its `on` handler
# queues, at RATES events a second for SECONDS each, against the floor
# measured in the same run on the same cluster: a bare LISTEN/NOTIFY round
# trip plus one INSERT (a trigger queues and notifies, a listener answers).
# Both are timed by PostgreSQL's commit timestamps (track_commit_timestamp).
#
#   bash tests/bench/serve/run.sh [ACCOUNTS] [SECONDS] [RATES...]
#        (defaults: 10000 accounts, 20 s, rates 100 and 1000)
#
# Environment: TEND (default build/tend), EVENT_LOAD (default
# build/tests/event_load). Prints p50/p99/max per rate and for the floor,
# throughput, and tend's RSS at the start and end of each rate (flat is the
# target). A p99 over 100 ms at 1,000/s, or throughput under the offered
# rate, prints MISSED.
set -u -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
ACCOUNTS=${1:-10000}
SECONDS_PER=${2:-20}
shift 2 2>/dev/null || shift $#
RATES=("$@")
[ ${#RATES[@]} -gt 0 ] || RATES=(100 1000)
TEND=${TEND:-$root/build/tend}
LOAD=${EVENT_LOAD:-$root/build/tests/event_load}
[ -x "$TEND" ] && [ -x "$LOAD" ] || { echo "run.sh: build first (tend and event_load)" >&2; exit 2; }

tmp=$(mktemp -d /tmp/tend-bench-serve.XXXXXX)
chmod 755 "$tmp"
export TEND_HOME=$tmp/home
unset TEND_DATABASE_URL TEND_PLAYBOOK
sock=$TEND_HOME/pg/data
CONN="host=$sock user=tend dbname=tend"
sql() { psql -X -q -t -A -h "$sock" -U tend -d tend -v ON_ERROR_STOP=1 -c "$1"; }
spid=""; fpid=""
cleanup() {
  [ -n "$spid" ] && kill "$spid" 2>/dev/null
  [ -n "$fpid" ] && kill "$fpid" 2>/dev/null
  wait 2>/dev/null
  "$TEND" db down >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$TEND" db up >/dev/null || fail "tend db up"
sql "ALTER SYSTEM SET track_commit_timestamp = on" >/dev/null
"$TEND" db down >/dev/null && "$TEND" db up >/dev/null || fail "restarting with track_commit_timestamp"
sql "INSERT INTO tenants (id, name) VALUES ('default', 'default') ON CONFLICT DO NOTHING;
     INSERT INTO accounts (tenant, id) SELECT 'default', 'a' || i FROM generate_series(0, $ACCOUNTS - 1) i;
     CREATE TABLE floor_events (seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, tenant text, account_id text,
                                type text, at timestamptz);
     CREATE TABLE floor_queue (seq bigint);
     CREATE TABLE floor_out (seq bigint);
     CREATE FUNCTION floor_wake() RETURNS trigger LANGUAGE plpgsql AS
       \$\$ BEGIN INSERT INTO floor_queue VALUES (NEW.seq); PERFORM pg_notify('floor_events', ''); RETURN NULL; END \$\$;
     CREATE TRIGGER floor_wake AFTER INSERT ON floor_events FOR EACH ROW EXECUTE FUNCTION floor_wake();" >/dev/null ||
  fail "schema"
echo "tend serve: $ACCOUNTS accounts, $SECONDS_PER s per rate, rates ${RATES[*]}/s; host $(nproc) cores," \
  "load average $(cut -d' ' -f1 /proc/loadavg)"

# Percentiles of latencies (ms) given as a query of a column `ms`.
stats() {
  sql "SELECT count(*) || ' ' || coalesce(round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 1), -1)
       || ' ' || coalesce(round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 1), -1)
       || ' ' || coalesce(round(max(ms)::numeric, 1), -1) FROM ($1) x"
}
row() { printf "%-28s %8s %9s %9s %9s %s\n" "$@"; }

# ---- the floor -------------------------------------------------------------------
"$LOAD" floor "$CONN" & fpid=$!
sleep 0.5
declare -A FLOOR
for rate in "${RATES[@]}"; do
  sql "TRUNCATE floor_events, floor_queue, floor_out" >/dev/null
  "$LOAD" load "$CONN" "$rate" "$SECONDS_PER" "$ACCOUNTS" floor_events >"$tmp/floor.$rate" || fail "floor load"
  sleep 1
  FLOOR[$rate]=$(stats "SELECT extract(epoch FROM pg_xact_commit_timestamp(o.xmin) - pg_xact_commit_timestamp(e.xmin))
                        * 1000 AS ms FROM floor_events e JOIN floor_out o ON o.seq = e.seq")
done
kill "$fpid"; wait "$fpid" 2>/dev/null; fpid=""

# ---- tend serve ------------------------------------------------------------------
"$TEND" serve --playbook "$here/playbook" --no-schedules --no-deliver --poll 1 2>"$tmp/serve.log" & spid=$!
for _ in $(seq 100); do grep -q "serving" "$tmp/serve.log" && break; sleep 0.1; done
grep -q "serving" "$tmp/serve.log" || fail "serve did not start: $(cat "$tmp/serve.log")"
rss() { awk '/VmRSS/ { print $2 }' "/proc/$spid/status"; }
status=0
echo
row "latency event -> outbox" "events" "p50 ms" "p99 ms" "max ms" ""
for rate in "${RATES[@]}"; do
  sql "DELETE FROM outbox; DELETE FROM events; DELETE FROM account_wakeups" >/dev/null
  r0=$(rss)
  "$LOAD" load "$CONN" "$rate" "$SECONDS_PER" "$ACCOUNTS" events >"$tmp/load.$rate" || fail "load"
  # Drained: nothing waits to be evaluated.
  for _ in $(seq 600); do [ "$(sql "SELECT count(*) FROM account_wakeups")" = 0 ] && break; sleep 0.1; done
  r1=$(rss)
  t=$(stats "SELECT extract(epoch FROM pg_xact_commit_timestamp(o.xmin) - pg_xact_commit_timestamp(e.xmin)) * 1000
              AS ms FROM events e JOIN outbox o ON o.tenant = e.tenant AND o.dedupe_key = 'notify:bench:'
              || e.account_id || ':' || to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')
              WHERE e.tenant = 'default' AND e.type = 'ping'")
  sent=$(sql "SELECT count(*) FROM events WHERE type = 'ping'")
  read -r n p50 p99 max <<<"$t"
  row "tend serve at $rate/s" "$n/$sent" "$p50" "$p99" "$max" "(RSS $((r0 / 1024)) -> $((r1 / 1024)) MiB; $(cat "$tmp/load.$rate"))"
  read -r fn fp50 fp99 fmax <<<"${FLOOR[$rate]}"
  row "floor at $rate/s" "$fn" "$fp50" "$fp99" "$fmax" "(LISTEN/NOTIFY + one INSERT)"
  [ "$n" = "$sent" ] || { echo "MISSED: $((sent - n)) events have no outbox row"; status=1; }
  if [ "$rate" -ge 1000 ]; then
    awk -v p="$p99" 'BEGIN { exit !(p >= 100) }' && echo "MISSED: p99 $p99 ms at $rate/s (target < 100 ms)"
  fi
done
grep -c "woken accounts\? evaluated" "$tmp/serve.log" | awk '{ print "(tend serve evaluated " $1 " batches)" }'
exit $status
