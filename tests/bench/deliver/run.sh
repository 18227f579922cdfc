#!/usr/bin/env bash
# Delivery throughput, end to end: deliveries per second through the outbox
# (claim, sign, send, record, ack) to a loopback receiver, against plain
# libcurl multi sending the same signed requests with no database, in the
# same run, to the same receiver.
#
#   bash tests/bench/deliver/run.sh [--build DIR] [--messages N] [--runs R] [--no-target]
#
# DIR is a build folder holding tend, tests/bench_receiver and
# tests/bench_baseline (default: build; a RelWithDebInfo build is what the
# figures mean). It starts a throwaway PostgreSQL cluster (tend db up in a
# temporary TEND_HOME), queues N intents (default 20,000), and R times
# (default 2) for each concurrency, 1 and 32: starts a fresh receiver
# (receiver.c: epoll, one thread, verifies every signature), runs
# `tend deliver --until-empty --concurrency C` through the webhook
# connector, then the baseline (baseline.c) with the same messages and
# concurrency; after every run it checks the receiver saw every message
# exactly once (by webhook-id) and every signature verified. Then the
# file connector at concurrency 32 (every line written exactly once).
#
# Prints each run, then the best of the runs with the spread (best-worst),
# the ratio tend/baseline, and the target: at concurrency 32 at least
# 10,000 deliveries/s and at least 50% of the baseline; exits 1 if it is
# missed (unless --no-target: ctest's small smoke run checks exactly-once
# only). Everything is stopped and removed on exit, even on failure.
set -uo pipefail
BUILD=build N=20000 RUNS=2 TARGET=1
while [ $# -gt 0 ]; do
  case $1 in
    --build) BUILD=$2; shift 2 ;;
    --messages) N=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --no-target) TARGET=0; shift ;;
    *) echo "usage: run.sh [--build DIR] [--messages N] [--runs R] [--no-target]" >&2; exit 2 ;;
  esac
done
TEND=$(realpath "$BUILD/tend") RECEIVER=$(realpath "$BUILD/tests/bench_receiver")
BASELINE=$(realpath "$BUILD/tests/bench_baseline")
for b in "$TEND" "$RECEIVER" "$BASELINE"; do [ -x "$b" ] || { echo "run.sh: $b is not built" >&2; exit 2; }; done
tmp=$(mktemp -d /tmp/tend-bench-deliver.XXXXXX)
chmod 755 "$tmp"
export TEND_HOME=$tmp/home
unset TEND_DATABASE_URL TEND_PLAYBOOK TEND_WEBHOOK_URL TEND_ROUTES TEND_CONNECTORS TEND_CONNECTOR_PATH
rpid=
cleanup() {
  [ -n "$rpid" ] && kill "$rpid" 2>/dev/null
  wait 2>/dev/null
  "$TEND" db down >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
PSQL=(psql -h "$TEND_HOME/pg/data" -U tend -d tend -q -t -A -v ON_ERROR_STOP=1)
q() { "${PSQL[@]}" -c "$1"; }
now() { date +%s.%N; }

export BENCH_SECRET=whsec_$(head -c 32 /dev/urandom | base64 | tr -d '\n')
"$TEND" db up >/dev/null 2>&1 || fail "tend db up"
q "insert into tenants (id) values ('default') on conflict do nothing" || fail "tenant"
q "insert into outbox (tenant, dedupe_key, account_id, kind, payload)
   select 'default', 'bench:' || g, 'acct-' || (g % 500), 'email',
          jsonb_build_object('kind', 'email', 'template', 'welcome', 'to', 'champion', 'locale', 'pt-BR',
                             'key', 'bench:' || g, 'rule', 'on contract_signed',
                             'data', jsonb_build_object('n', g, 'reason', 'contract signed'))
   from generate_series(1, $N) g" || fail "queueing"
# The message ids tend derives (msg_ + sha256(tenant "\n" key)[:32]), and the
# messages for the baseline.
IDSQL="'msg_' || left(encode(sha256(convert_to(tenant || E'\n' || dedupe_key, 'UTF8')), 'hex'), 32)"
q "select $IDSQL from outbox" | LC_ALL=C sort >"$tmp/want.ids"
q "copy (select $IDSQL, tenant, account_id, kind, dedupe_key, extract(epoch from created_at)::bigint, payload::text
   from outbox order by id) to stdout" >"$tmp/messages.tsv" || fail "exporting messages"
[ "$(wc -l <"$tmp/want.ids")" = "$N" ] || fail "queued $(wc -l <"$tmp/want.ids") of $N"

receiver_start() {
  rm -f "$tmp/port" "$tmp/got.ids"
  "$RECEIVER" --port-file "$tmp/port" --ids "$tmp/got.ids" --secret "$BENCH_SECRET" >"$tmp/recv.out" &
  rpid=$!
  for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
  [ -s "$tmp/port" ] || fail "the receiver did not start"
  URL=http://127.0.0.1:$(cat "$tmp/port")/bench
}
receiver_check() { # LABEL: stop the receiver; every id exactly once, every signature good
  kill "$rpid"
  wait "$rpid"
  rpid=
  read -r _ requests _ bad <"$tmp/recv.out"
  [ "$bad" = 0 ] || fail "$1: $bad of $requests signatures did not verify"
  LC_ALL=C sort "$tmp/got.ids" >"$tmp/got.sorted"
  cmp -s "$tmp/want.ids" "$tmp/got.sorted" || fail "$1: the receiver got $requests requests, $(LC_ALL=C sort -u \
    "$tmp/got.ids" | wc -l) distinct ids, $(LC_ALL=C comm -23 "$tmp/want.ids" "$tmp/got.sorted" | wc -l) missing, \
$(LC_ALL=C uniq -d "$tmp/got.sorted" | wc -l) twice"
}
reset_outbox() {
  q "truncate deliveries; update outbox set status = 'pending', attempts = 0, round_start = 0, next_attempt_at = now(),
     sent_at = null, lease_owner = null, lease_until = null, last_error = null, held_by = null" >/dev/null || fail reset
  q "vacuum analyze outbox" >/dev/null
  q "vacuum analyze deliveries" >/dev/null
  q "checkpoint" >/dev/null
}
declare -A RESULTS
record() { RESULTS[$1]="${RESULTS[$1]:-} $2"; }
rate() { echo "$N / $1" | bc -l; }

run_tend() { # C
  reset_outbox
  receiver_start
  cat >"$tmp/webhook.json" <<JSON
{"connectors": {"hook": {"type": "webhook", "url": "$URL", "secret_env": "BENCH_SECRET"}}, "routes": {"*": "hook"}}
JSON
  local t0 out secs r
  t0=$(now)
  out=$("$TEND" deliver --until-empty --concurrency "$1" --connectors "$tmp/webhook.json" 2>&1) || fail "tend c=$1: $out"
  secs=$(echo "$(now) - $t0" | bc -l)
  grep -q "^tend deliver: $N sent, 0 to retry, 0 dead-lettered" <<<"$out" || fail "tend c=$1: $out"
  receiver_check "tend c=$1"
  [ "$(q "select count(*) from outbox where status = 'sent'")" = "$N" ] || fail "tend c=$1: not every row sent"
  r=$(rate "$secs")
  record "tend$1" "$r"
  printf '  tend deliver     c=%-3s %7d in %6.3f s  %8.0f/s  (%s)\n' "$1" "$N" "$secs" "$r" \
    "$(sed -n 's/.*attempts, \([0-9]* new connections\).*/\1/p' <<<"$out")"
}
run_baseline() { # C
  receiver_start
  local out r
  out=$("$BASELINE" --url "$URL" --secret "$BENCH_SECRET" --concurrency "$1" --messages "$tmp/messages.tsv") ||
    fail "baseline c=$1: $out"
  receiver_check "baseline c=$1"
  r=$(sed -n 's/.*s: \([0-9]*\)\/s.*/\1/p' <<<"$out")
  record "base$1" "$r"
  printf '  libcurl baseline c=%-3s %s\n' "$1" "${out#baseline: }"
}
run_file() {
  reset_outbox
  rm -rf "$TEND_HOME/outbox"
  echo '{"routes": {"*": "file"}}' >"$tmp/file.json"
  local t0 out secs r
  t0=$(now)
  out=$("$TEND" deliver --until-empty --concurrency 32 --connectors "$tmp/file.json" 2>&1) || fail "file: $out"
  secs=$(echo "$(now) - $t0" | bc -l)
  grep -q "^tend deliver: $N sent" <<<"$out" || fail "file: $out"
  sed 's/^{"id":"\([^"]*\)".*/\1/' "$TEND_HOME/outbox/default.jsonl" | LC_ALL=C sort >"$tmp/file.ids"
  cmp -s "$tmp/want.ids" "$tmp/file.ids" || fail "file: $(wc -l <"$tmp/file.ids") lines for $N messages"
  r=$(rate "$secs")
  record file "$r"
  printf '  tend deliver     file   %7d in %6.3f s  %8.0f/s\n' "$N" "$secs" "$r"
}

echo "tend deliver vs plain libcurl multi: $N messages, webhook to 127.0.0.1, $RUNS run(s) each ($(nproc) CPUs)"
for run in $(seq "$RUNS"); do
  echo "run $run"
  for c in 1 32; do
    run_tend "$c"
    run_baseline "$c"
  done
  run_file
done

best() { tr ' ' '\n' <<<"${RESULTS[$1]}" | grep . | sort -g | tail -1; }
worst() { tr ' ' '\n' <<<"${RESULTS[$1]}" | grep . | sort -g | head -1; }
echo "best of $RUNS (spread best-worst):"
ok=1
for c in 1 32; do
  tb=$(best "tend$c") tw=$(worst "tend$c") bb=$(best "base$c") bw=$(worst "base$c")
  ratio=$(echo "$tb / $bb" | bc -l)
  printf '  c=%-3s tend %8.0f/s (%.0f)   baseline %8.0f/s (%.0f)   ratio %.2f\n' "$c" "$tb" \
    "$(echo "$tb - $tw" | bc -l)" "$bb" "$(echo "$bb - $bw" | bc -l)" "$ratio"
  if [ "$c" = 32 ]; then
    t1=$(echo "$tb >= 10000" | bc) t2=$(echo "$ratio >= 0.5" | bc)
    [ "$t1" = 1 ] && [ "$t2" = 1 ] || ok=0
    printf '  target at c=32: >= 10000/s %s, >= 50%% of baseline %s\n' \
      "$([ "$t1" = 1 ] && echo met || echo MISSED)" "$([ "$t2" = 1 ] && echo met || echo MISSED)"
  fi
done
printf '  file connector c=32: %.0f/s (%.0f)\n' "$(best file)" "$(echo "$(best file) - $(worst file)" | bc -l)"
echo "every message arrived exactly once, every signature verified"
[ "$TARGET" = 0 ] || [ "$ok" = 1 ] || exit 1
exit 0
