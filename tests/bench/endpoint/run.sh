#!/usr/bin/env bash
# POST /v1/events throughput and latency, against `tend ingest` of the same
# events in the same run.
#
#   bash tests/bench/endpoint/run.sh [--build DIR] [--seconds S] [--no-target]
#
# Starts a throwaway PostgreSQL (tend db up in a temporary TEND_HOME) and
# `tend endpoint` on a loopback port, then for 1 and 32 clients and
# batches of 1 and 1,000 events drives it with wrk for S seconds (default
# 10) through post.lua (every request new events, distinct ids, each
# configuration its own tenant), and checks afterwards that every answer
# was 2xx and the database holds exactly the events the answers stored.
# The baseline: `tend ingest events FILE` of as many events of the same
# shape (a file written first, then timed), into a tenant of its own.
#
# Prints each configuration (requests/s, events/s, p50 and p99 latency),
# the baseline's events/s, and the ratio of the best batched endpoint run
# to it; and the floor under a single-event post on this machine: pgbench
# committing one-row INSERTs on one connection (p50, p99), with the ratio; then the targets: >= 20,000 events/s in batches and a
# single-event p99 < 20 ms on loopback; exits 1 when one is missed unless
# --no-target (ctest's smoke run checks correctness only). Stops and
# removes everything on exit, even on failure.
set -uo pipefail
BUILD=build SECONDS_EACH=10 TARGET=1
while [ $# -gt 0 ]; do
  case $1 in
    --build) BUILD=$2; shift 2 ;;
    --seconds) SECONDS_EACH=$2; shift 2 ;;
    --no-target) TARGET=0; shift ;;
    *) echo "usage: run.sh [--build DIR] [--seconds S] [--no-target]" >&2; exit 2 ;;
  esac
done
TEND=$(realpath "$BUILD/tend")
[ -x "$TEND" ] || { echo "run.sh: $TEND is not built" >&2; exit 2; }
command -v wrk >/dev/null || { echo "run.sh: wrk is missing (deploy/deps.sh installs it)" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/tend-bench-endpoint.XXXXXX)
chmod 755 "$tmp"
export TEND_HOME=$tmp/home
unset TEND_DATABASE_URL TEND_PLAYBOOK
epid=
cleanup() {
  [ -n "$epid" ] && kill "$epid" 2>/dev/null
  wait 2>/dev/null
  "$TEND" db down >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
"$TEND" db up >/dev/null 2>&1 || fail "tend db up"
SOCK=$TEND_HOME/pg/data
sql() { psql -X -q -A -t -v ON_ERROR_STOP=1 -h "$SOCK" -U tend -d tend -c "$1"; }

TOKEN=bench-token-0123456789abcdef
tokens=""
for t in c1b1 c1b1000 c32b1 c32b1000; do tokens+="$t:$TOKEN-$t "; done
export TEND_ENDPOINT_TOKENS=$tokens
# (one JSON log line per post, as in production)
"$TEND" endpoint --listen 127.0.0.1:0 --log-format json --db-connections 8 --max-body 64M 2>"$tmp/endpoint.log" &
epid=$!
port=
for _ in $(seq 100); do
  port=$(grep -o '"msg":"listening".*"port":[0-9]*' "$tmp/endpoint.log" | grep -o '[0-9]*$')
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || fail "the endpoint did not start: $(cat "$tmp/endpoint.log")"

printf '%-22s %10s %12s %10s %10s\n' configuration "requests/s" "events/s" "p50 ms" "p99 ms"
declare -A EPS P99 P50
for clients in 1 32; do
  for batch in 1 1000; do
    tenant=c${clients}b$batch
    threads=$((clients < 2 ? 1 : 2))
    BATCH=$batch TOKEN=$TOKEN-$tenant RUN=$tenant wrk -t"$threads" -c"$clients" -d"${SECONDS_EACH}s" --timeout 30s \
      -s "$HERE/post.lua" "http://127.0.0.1:$port" >"$tmp/wrk.$tenant" 2>&1 || fail "wrk: $(cat "$tmp/wrk.$tenant")"
    r=$(grep '^RESULT ' "$tmp/wrk.$tenant" | cut -d' ' -f2-)
    [ -n "$r" ] || fail "wrk printed no result: $(cat "$tmp/wrk.$tenant")"
    read -r reqs sockerr non2xx secs p50 p99 < <(/usr/bin/python3 -c '
import json, sys
r = json.loads(sys.argv[1])
print(r["requests"], r["socket_errors"], r["non2xx"], r["seconds"], r["p50_ms"], r["p99_ms"])' "$r")
    [ "$non2xx" = 0 ] || fail "$tenant: $non2xx answers were not 2xx"
    # requests wrk counted are complete; the database may hold a few more
    # (in flight when wrk stopped), never fewer, never a duplicate
    sleep 0.5 # what was in flight when wrk stopped
    IFS='|' read -r stored distinct < <(sql "SELECT count(*), count(DISTINCT id) FROM events WHERE tenant = '$tenant'")
    [ "$stored" = "$distinct" ] || fail "$tenant: duplicate events ($stored rows, $distinct ids)"
    [ "$stored" -ge $((reqs * batch)) ] || fail "$tenant: $stored events stored, $((reqs * batch)) answered"
    eps=$(awk -v n="$reqs" -v b="$batch" -v s="$secs" 'BEGIN {printf "%.0f", n * b / s}')
    EPS[$tenant]=$eps P99[$tenant]=$p99 P50[$tenant]=$p50
    printf '%-22s %10.0f %12s %10.2f %10.2f\n' "$clients client(s), batch $batch" \
      "$(awk -v n="$reqs" -v s="$secs" 'BEGIN {print n / s}')" "$eps" "$p50" "$p99"
  done
done

# The baseline: tend ingest of as many events of the same shape.
n=$(( EPS[c32b1000] * SECONDS_EACH ))
[ "$n" -ge 10000 ] || n=10000
awk -v n="$n" 'BEGIN {for (i = 1; i <= n; i++)
  printf "{\"id\":\"base-%d\",\"account_id\":\"acc%d\",\"type\":\"ping\",\"at\":\"2026-11-20T10:00:00Z\",\"data\":{\"n\":%d}}\n", i, i % 1000, i}' \
  >"$tmp/base.jsonl"
# a first load of a tenant takes a faster path (COPY straight into the
# table); the endpoint's tenants have rows already, so the baseline's too
sql "INSERT INTO tenants (id, name) VALUES ('base', 'base');
     INSERT INTO events (tenant, id, account_id, type, at) VALUES ('base', 'seed', 'acc0', 'ping', now())" >/dev/null
t0=$(date +%s.%N)
"$TEND" ingest events "$tmp/base.jsonl" --tenant base 2>"$tmp/ingest.log" || fail "tend ingest: $(cat "$tmp/ingest.log")"
t1=$(date +%s.%N)
[ "$(sql "SELECT count(*) FROM events WHERE tenant = 'base'")" = $((n + 1)) ] || fail "tend ingest stored a wrong count"
base=$(awk -v n="$n" -v a="$t0" -v b="$t1" 'BEGIN {printf "%.0f", n / (b - a)}')
printf '%-22s %10s %12s\n' "tend ingest ($n events)" "" "$base"
# The floor under a single-event post: one transaction inserting one event
# (no HTTP, no checks, no staging), by pgbench on one connection, as long.
PGBENCH=$(ls /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | tail -1)
[ -x "$PGBENCH" ] || PGBENCH=$(command -v pgbench) || fail "pgbench is missing (it comes with postgresql)"
cat >"$tmp/one.sql" <<'SQL'
BEGIN;
INSERT INTO events (tenant, id, account_id, type, at, data) VALUES ('base', 'pgb-' || :client_id || '-' || random()::text, 'acc1', 'ping', now(), '{}') ON CONFLICT DO NOTHING;
COMMIT;
SQL
(cd "$tmp" && "$PGBENCH" -n -h "$SOCK" -U tend -f one.sql -T "$SECONDS_EACH" -c 1 -l --log-prefix=pgb tend >/dev/null 2>&1) ||
  fail "pgbench"
read -r fp50 fp99 fn < <(cat "$tmp"/pgb.* | awk '{print $3 / 1000}' | sort -n | awk '{a[NR] = $1}
  END {i = int(NR * 0.5); j = int(NR * 0.99); if (i < 1) i = 1; if (j < 1) j = 1; printf "%.2f %.2f %d\n", a[i], a[j], NR}')
printf '%-22s %10.0f %12s %10.2f %10.2f\n' "one-row INSERT (pgbench)" "$(awk -v n="$fn" -v s="$SECONDS_EACH" 'BEGIN {print n / s}')" "" "$fp50" "$fp99"
echo "ratio: single-event post p50 / one-row INSERT p50 = $(awk -v a="${P50[c1b1]}" -v b="$fp50" 'BEGIN {printf "%.2f", a / b}')"

best=$(( EPS[c1b1000] > EPS[c32b1000] ? EPS[c1b1000] : EPS[c32b1000] ))
echo "ratio: endpoint in batches of 1,000 / tend ingest = $(awk -v a="$best" -v b="$base" 'BEGIN {printf "%.2f", a / b}')"

miss=0
echo "target: >= 20000 events/s in batches: $best $( [ "$best" -ge 20000 ] && echo met || { miss=1; echo MISSED; })"
p99=${P99[c1b1]}
echo "target: single-event p99 < 20 ms (1 client): $p99 ms $(awk -v p="$p99" 'BEGIN {exit !(p < 20)}' && echo met || { miss=1; echo MISSED; })"
[ "$TARGET" = 1 ] && [ "$miss" = 1 ] && exit 1
exit 0
