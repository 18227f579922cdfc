#!/usr/bin/env bash
# The chaos test of delivery: 2,000 intents to a receiver that answers 500
# to 30% of requests and stalls 10% past the client's timeout; the
# deliverer is killed with SIGKILL twice mid-run and restarted (the last
# time as two deliverers at once). At the end every intent is delivered or
# dead-lettered, none is lost, a receiver that dedupes by webhook-id sees
# each delivered intent (and nothing else), and every signature verifies —
# by the receiver's own HMAC and, for a sample, by `openssl dgst`.
# Run from the repository root: deliver_chaos.sh TEND RECEIVER [N]
set -uo pipefail
TEND=$1 RECEIVER=$2 N=${3:-2000}
. tests/integration/lib_cluster.sh
cluster_home chaos
pids=()
PSQL=(psql -h "$TEND_HOME/pg/data" -U tend -d tend -q -t -A -v ON_ERROR_STOP=1)
q() { "${PSQL[@]}" -c "$1"; }
started=$(date +%s)
deadline=$((started + 300))

export TEND_WEBHOOK_SECRET=whsec_$(head -c 32 /dev/urandom | base64 | tr -d '\n')
"$RECEIVER" --port-file "$tmp/port" --log "$tmp/recv.log" --secret "$TEND_WEBHOOK_SECRET" \
  --seed 20261121 --fail 30 --stall 10 --stall-ms 1500 >/dev/null &
pids+=($!)
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
[ -s "$tmp/port" ] || fail "the receiver did not start"
URL=http://127.0.0.1:$(cat "$tmp/port")
cat >"$tmp/connectors.json" <<EOF
{"connectors": {"webhook": {"type": "webhook", "url": "$URL/chaos", "secret_env": "TEND_WEBHOOK_SECRET",
                            "timeout": "500ms", "jitter": 0.2,
                            "retry": ["0s", "200ms", "500ms", "1s", "1s", "2s", "2s", "2s"]}}}
EOF

"$TEND" db up >/dev/null 2>&1 || fail "tend db up"
q "insert into outbox (tenant, dedupe_key, account_id, kind, payload)
   select 'default', 'chaos:' || g, 'acct-' || (g % 97), 'webhook',
          jsonb_build_object('kind', 'webhook', 'target', 'crm', 'key', 'chaos:' || g, 'rule', 'chaos',
                             'data', jsonb_build_object('n', g, 'text', 'ação ' || g))
   from generate_series(1, $N) g" || fail "queueing"

# deliverer LOG: a draining deliverer in the background
deliverer() {
  "$TEND" deliver --drain --lease 3 --concurrency 32 --connectors "$tmp/connectors.json" >>"$tmp/$1" 2>&1 &
  pids+=($!)
  last=$!
}
sent() { q "select count(*) from outbox where status = 'sent'"; }
wait_sent() {
  while [ "$(sent)" -lt "$1" ]; do
    [ "$(date +%s)" -lt $deadline ] || fail "timed out waiting for $1 sent (have $(sent))"
    kill -0 "$last" 2>/dev/null || fail "the deliverer ended early: $(cat "$tmp"/d*.log)"
    sleep 0.1
  done
}

deliverer d1.log
wait_sent $((N / 5))
kill -9 "$last"
wait "$last" 2>/dev/null
k1=$(q "select count(*) from deliveries where finished_at is null")
deliverer d2.log
wait_sent $((N * 3 / 5))
kill -9 "$last"
wait "$last" 2>/dev/null
k2=$(q "select count(*) from deliveries where finished_at is null")
[ "$k1" -gt 0 ] && [ "$k2" -gt 0 ] || fail "a kill did not interrupt a send (unfinished attempts: $k1, $k2)"
deliverer d3.log
a=$last
deliverer d4.log
b=$last
while kill -0 "$a" 2>/dev/null || kill -0 "$b" 2>/dev/null; do
  [ "$(date +%s)" -lt $deadline ] || fail "timed out draining (sent $(sent))"
  sleep 0.2
done
wait "$a" || fail "deliverer 3 exited $?: $(cat "$tmp/d3.log")"
wait "$b" || fail "deliverer 4 exited $?: $(cat "$tmp/d4.log")"

# Every intent delivered or dead-lettered; nothing pending, nothing lost.
read -r total sent dead pending <<<"$(q "select count(*), count(*) filter (where status = 'sent'),
  count(*) filter (where status = 'dead'), count(*) filter (where status = 'pending') from outbox" | tr '|' ' ')"
[ "$total" = "$N" ] && [ "$pending" = 0 ] && [ $((sent + dead)) = "$N" ] ||
  fail "outbox: $total rows, $sent sent, $dead dead, $pending pending"
[ "$(q "select count(*) from outbox o where status = 'sent' and not exists (select 1 from deliveries d
        where d.tenant = o.tenant and d.outbox_id = o.id and d.ok)")" = 0 ] || fail "a sent row without a successful attempt"
[ "$(q "select count(*) from outbox where status = 'dead' and (last_error is null or attempts < 8)")" = 0 ] ||
  fail "a dead row before its last attempt"

# The receiver: every signature verifies; deduped by webhook-id it saw every
# sent intent, and only intents of this outbox.
bad=$(cut -f4 "$tmp/recv.log" | grep -vc '^ok$')
[ "$bad" = 0 ] || fail "$bad requests without a valid signature"
# message ids as tend derives them (msg_ + sha256(tenant "\n" key)[:32]), computed here by SQL
ids() { q "select 'msg_' || left(encode(sha256(convert_to(tenant || E'\n' || dedupe_key, 'UTF8')), 'hex'), 32)
           from outbox where $1" | LC_ALL=C sort; }
ids "status = 'sent'" >"$tmp/sent.ids"
ids true >"$tmp/all.ids"
# what the receiver processed: answered 200, or stalled (the answer came too late)
awk -F'\t' '$3 == "200" || $3 == "stall" { print $2 }' "$tmp/recv.log" | LC_ALL=C sort -u >"$tmp/accepted.ids"
missing=$(LC_ALL=C comm -23 "$tmp/sent.ids" "$tmp/accepted.ids" | wc -l)
phantom=$(LC_ALL=C comm -13 "$tmp/all.ids" "$tmp/accepted.ids" | wc -l)
[ "$missing" = 0 ] || fail "$missing sent intents the receiver never accepted"
[ "$phantom" = 0 ] || fail "the receiver accepted $phantom ids the outbox does not have"
requests=$(wc -l <"$tmp/recv.log")
accepted=$(wc -l <"$tmp/accepted.ids")
dupes=$(awk -F'\t' '$3 == "200" || $3 == "stall"' "$tmp/recv.log" | wc -l)

# A sample of signatures, checked again by openssl.
keyhex=$(printf '%s' "${TEND_WEBHOOK_SECRET#whsec_}" | base64 -d | od -An -tx1 | tr -d ' \n')
while IFS=$'\t' read -r _ id _ _ ts sig _ body; do
  want=$(printf '%s.%s.%s' "$id" "$ts" "$body" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$keyhex" -binary | base64)
  [ "$sig" = "v1,$want" ] || fail "openssl disagrees on the signature of $id"
done < <(awk 'NR % 97 == 1' "$tmp/recv.log")
attempts=$(q "select count(*) from deliveries")
echo "chaos: $N intents: $sent sent, $dead dead-lettered; $attempts attempts, 2 kills ($k1 and $((k2 - k1)) sends" \
  "interrupted); the receiver got $requests requests, accepted $dupes, $accepted distinct ids; $(( $(date +%s) - started )) s"
