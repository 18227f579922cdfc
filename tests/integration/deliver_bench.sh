#!/usr/bin/env bash
# Delivery throughput: N intents (default 5000) through the webhook
# connector to the test receiver on 127.0.0.1 (answering at once), at
# concurrency 1 and 32, then through the file connector; prints
# deliveries/s and the connections opened (keep-alive: one per slot).
# Not part of ctest. Run from the repository root after a build:
#   bash tests/integration/deliver_bench.sh build/tend build/tests/deliver_receiver [N]
set -uo pipefail
TEND=$1 RECEIVER=$2 N=${3:-5000}
tmp=$(mktemp -d /tmp/tend-bench.XXXXXX)
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

export TEND_WEBHOOK_SECRET=whsec_$(head -c 32 /dev/urandom | base64 | tr -d '\n')
"$RECEIVER" --port-file "$tmp/port" --log /dev/null --secret "$TEND_WEBHOOK_SECRET" >/dev/null &
rpid=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
URL=http://127.0.0.1:$(cat "$tmp/port")
cat >"$tmp/webhook.json" <<EOF
{"connectors": {"hook": {"type": "webhook", "url": "$URL/bench", "secret_env": "TEND_WEBHOOK_SECRET"}},
 "routes": {"*": "hook"}}
EOF
echo '{"routes": {"*": "file"}}' >"$tmp/file.json"
"$TEND" db up >/dev/null 2>&1 || fail "tend db up"
q "insert into outbox (tenant, dedupe_key, account_id, kind, payload)
   select 'default', 'bench:' || g, 'acct-' || (g % 500), 'email',
          jsonb_build_object('kind', 'email', 'template', 'welcome', 'to', 'champion', 'locale', 'pt-BR',
                             'key', 'bench:' || g, 'rule', 'on contract_signed',
                             'data', jsonb_build_object('n', g, 'reason', 'contract signed'))
   from generate_series(1, $N) g" || fail "queueing"

run() { # LABEL CONFIG CONCURRENCY
  q "update outbox set status = 'pending', next_attempt_at = now(), round_start = attempts, sent_at = null" >/dev/null
  q "vacuum analyze outbox" >/dev/null
  t0=$(date +%s.%N)
  out=$("$TEND" deliver --until-empty --concurrency "$3" --connectors "$2") || fail "$1: $out"
  secs=$(echo "$(date +%s.%N) - $t0" | bc -l)
  sent=$(sed -n 's/^tend deliver: \([0-9]*\) sent.*/\1/p' <<<"$out")
  [ "$sent" = "$N" ] || fail "$1: $out"
  conns=$(sed -n 's/.*attempts, \([0-9]*\) new connections.*/\1/p' <<<"$out")
  printf '%-28s %6d deliveries in %6.2f s (wall): %7.0f/s (%s new connections)\n' "$1" "$N" "$secs" \
    "$(echo "$N / $secs" | bc -l)" "$conns"
}
run "webhook, concurrency 1" "$tmp/webhook.json" 1
run "webhook, concurrency 32" "$tmp/webhook.json" 32
run "file, concurrency 32" "$tmp/file.json" 32
