#!/usr/bin/env bash
# tend deliver and tend outbox against real servers: an embedded PostgreSQL
# in a temporary TEND_HOME and the test receiver on 127.0.0.1 (both stopped
# and removed even when a check fails).
#   1. the file connector by default: the envelope as JSON Lines, nothing twice
#   2. the webhook connector from the environment: signatures verified by the
#      receiver's own HMAC and again with `openssl dgst`; kept-alive connections
#   3. retries on a schedule, Retry-After, 4xx dead-letters, timeouts, refused
#      connections, 410 disables the connector and holds its rows
#   4. tend outbox list/show/dead/retry/enable: replay with the same message id
#   5. a row no connector takes is retried, not lost
#   6. a delivery killed mid-send is claimed again when its lease runs out;
#      SIGTERM lets what is in flight finish and be recorded, and gives back
#      rows claimed ahead but not sent (attempt undone)
#   7. secrets never printed or stored
#   8. a connector plugin from TEND_CONNECTOR_PATH (the example in
#      runtime/connectors/examples)
#   9. exit codes: settings 3, database 4, usage 2
#  10. what tend run nightly queues from the default playbook is delivered
# Run from the repository root: deliver_basic.sh TEND RECEIVER PLUGIN [--valgrind]
# (then every tend deliver runs under valgrind; the crash test is skipped).
set -uo pipefail
TEND=$1 RECEIVER=$2 PLUGIN=$3
. tests/integration/lib_cluster.sh
tend_under_valgrind "${4:-}"
cluster_home deliver
rpid=
PSQL=(psql -h "$TEND_HOME/pg/data" -U tend -d tend -q -t -A -v ON_ERROR_STOP=1)
q() { "${PSQL[@]}" -c "$1"; }
# queue TENANT KIND KEY [CONNECTOR]: an outbox row as tend run nightly writes it
queue() {
  local conn=null
  [ -n "${4:-}" ] && conn="'$4'"
  q "insert into outbox (tenant, dedupe_key, account_id, kind, connector, payload) values ('$1', '$3', 'acme',
     '$2', $conn, jsonb_build_object('kind', '$2', 'template', 'welcome', 'key', '$3', 'data',
     jsonb_build_object('reason', 'día 8 \"sin\" login')))"
}
msgid() { printf 'msg_%s' "$(printf '%s\n%s' "$1" "$2" | sha256sum | cut -c1-32)"; }
row() { q "select $1 from outbox where tenant = '$2' and dedupe_key = '$3'"; }
deliver() { "${T[@]}" deliver "$@" >"$tmp/out" 2>"$tmp/err"; }
has() { grep -qE -- "$2" "$1" || fail "$3: no /$2/ in: $(cat "$1")"; }

SECRET=whsec_$(head -c 32 /dev/urandom | base64 | tr -d '\n')
"$RECEIVER" --port-file "$tmp/port" --log "$tmp/recv.log" --secret "$SECRET" >/dev/null &
rpid=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
[ -s "$tmp/port" ] || fail "the receiver did not start"
URL=http://127.0.0.1:$(cat "$tmp/port")

"$TEND" db up >/dev/null 2>&1 || fail "tend db up"
q "insert into tenants (id) values ('default'), ('t1'), ('t2'), ('t3'), ('t4'), ('t5'), ('t6'), ('t7')
   on conflict do nothing" || fail tenants

# 1. The file connector is the default: exactly what a webhook would receive.
queue default email welcome:acme:1
queue default email welcome:acme:2
queue default notify notify:csm_slack:acme
deliver || fail "deliver (file): $(cat "$tmp/err")"
has "$tmp/out" "^tend deliver: 3 sent, 0 to retry, 0 dead-lettered, 0 held" "file"
f=$TEND_HOME/outbox/default.jsonl
[ "$(wc -l <"$f")" = 3 ] || fail "file: $(cat "$f")"
grep -qF "{\"id\":\"$(msgid default welcome:acme:1)\",\"type\":\"tend.email\"," "$f" || fail "file envelope: $(head -1 "$f")"
grep -qF '"tenant":"default","account_id":"acme","key":"welcome:acme:1","data":{' "$f" || fail "file envelope fields"
[ "$(q "select count(*) from outbox where tenant = 'default' and status = 'sent' and sent_at is not null")" = 3 ] ||
  fail "file: rows not sent"
[ "$(q "select count(*) from deliveries where tenant = 'default' and ok and connector = 'file'
        and finished_at is not null and latency_ms >= 0")" = 3 ] || fail "file: deliveries"
deliver || fail "deliver again"
has "$tmp/out" "^tend deliver: 0 sent" "nothing twice"
[ "$(wc -l <"$f")" = 3 ] || fail "a line was written twice"

# 2. The webhook connector from the environment, Standard Webhooks signed.
export TEND_WEBHOOK_URL=$URL/hooks TEND_WEBHOOK_SECRET=$SECRET
for i in $(seq 20); do queue t1 webhook "hook:$i"; done
deliver --tenant t1 --concurrency 4 || fail "deliver (webhook): $(cat "$tmp/err")"
has "$tmp/out" "^tend deliver: 20 sent" "webhook"
[ "$(grep -c $'\t200\tok\t' "$tmp/recv.log")" = 20 ] || fail "receiver: $(cut -f1-5 "$tmp/recv.log")"
for i in 1 7 20; do
  grep -qF "$(msgid t1 "hook:$i")"$'\t200\tok' "$tmp/recv.log" || fail "webhook-id of hook:$i"
done
conns=$(cut -f1 "$tmp/recv.log" | sort -u | wc -l)
[ "$conns" -le 4 ] || fail "$conns connections for 20 requests at concurrency 4: not kept alive"
keyhex=$(printf '%s' "${SECRET#whsec_}" | base64 -d | od -An -tx1 | tr -d ' \n')
now=$(date +%s)
while IFS=$'\t' read -r _ id _ _ ts sig path body; do
  want=$(printf '%s.%s.%s' "$id" "$ts" "$body" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$keyhex" -binary | base64)
  [ "$sig" = "v1,$want" ] || fail "openssl disagrees on the signature of $id"
  [ $((now - ts)) -lt 120 ] && [ $((ts - now)) -lt 120 ] || fail "webhook-timestamp $ts is not now ($now)"
  [ "$path" = /hooks ] || fail "path $path"
  case $body in "{\"id\":\"$id\",\"type\":\"tend.webhook\","*) ;; *) fail "body: $body" ;; esac
done < <(head -3 "$tmp/recv.log")

# 3. Retries, dead letters, Retry-After, timeouts, 410.
cat >"$tmp/c3.json" <<EOF
{"connectors": {
  "bad":   {"type": "webhook", "url": "$URL/status/400", "secret_env": "TEND_WEBHOOK_SECRET"},
  "flaky": {"type": "webhook", "url": "$URL/flaky/2", "secret_env": "TEND_WEBHOOK_SECRET",
            "retry": ["0s", "200ms", "200ms"]},
  "busy":  {"type": "webhook", "url": "$URL/status/429/retry-after/2", "secret_env": "TEND_WEBHOOK_SECRET",
            "retry": ["0s", "100ms"]},
  "down":  {"type": "webhook", "url": "http://127.0.0.1:1/", "secret_env": "TEND_WEBHOOK_SECRET",
            "retry": ["0s", "100ms"], "timeout": "2s"},
  "slow":  {"type": "webhook", "url": "$URL/stall/2000", "secret_env": "TEND_WEBHOOK_SECRET",
            "retry": ["0s", "100ms"], "timeout": "300ms"},
  "gone":  {"type": "webhook", "url": "$URL/status/410", "secret_env": "TEND_WEBHOOK_SECRET"}
}}
EOF
for c in bad flaky busy down slow gone; do queue t2 email "e:$c" "$c"; done
deliver --tenant t2 --drain --connectors "$tmp/c3.json" || fail "deliver (retries): $(cat "$tmp/err")"
has "$tmp/out" "^tend deliver: 1 sent, [0-9]+ to retry, 4 dead-lettered, 1 held" "retries"
[ "$(row "status || ' ' || attempts || ' ' || last_error" t2 e:bad)" = "dead 1 HTTP 400" ] || fail "400: $(row status t2 e:bad)"
[ "$(row "status || ' ' || attempts" t2 e:flaky)" = "sent 3" ] || fail "flaky: $(row "status || attempts" t2 e:flaky)"
[ "$(q "select string_agg(http_status::text, ',' order by attempt) from deliveries d join outbox o
        on o.tenant = d.tenant and o.id = d.outbox_id where o.dedupe_key = 'e:flaky'")" = 503,503,200 ] ||
  fail "flaky attempts"
[ "$(row "status || ' ' || attempts || ' ' || last_error" t2 e:busy)" = "dead 2 HTTP 429" ] || fail "429"
gap=$(q "select extract(epoch from max(d.started_at) - min(d.finished_at)) >= 1.9 from deliveries d join outbox o
         on o.tenant = d.tenant and o.id = d.outbox_id where o.dedupe_key = 'e:busy'")
[ "$gap" = t ] || fail "Retry-After: 2 was not honoured"
[ "$(row "status || ' ' || attempts" t2 e:down)" = "dead 2" ] || fail "refused: $(row status t2 e:down)"
row last_error t2 e:down | grep -qi "connect" || fail "refused: $(row last_error t2 e:down)"
[ "$(row "status || ' ' || attempts" t2 e:slow)" = "dead 2" ] || fail "timeout: $(row status t2 e:slow)"
row last_error t2 e:slow | grep -qE "^timeout after [0-9.]+ s" || fail "timeout: $(row last_error t2 e:slow)"
[ "$(row "status || ' ' || attempts || ' ' || held_by" t2 e:gone)" = "pending 1 gone" ] || fail "410: $(row status t2 e:gone)"
[ "$(q "select string_agg(distinct held_by, ',') from outbox where status = 'pending'")" = gone ] ||
  fail "410 did not disable the connector"
# A row for the disabled connector is held without an attempt.
queue t2 email e:gone2 gone
deliver --tenant t2 --connectors "$tmp/c3.json" || fail "deliver (disabled): $(cat "$tmp/err")"
has "$tmp/out" "^tend deliver: 0 sent, 0 to retry, 0 dead-lettered, 1 held \(0 attempts" "disabled connector"
[ "$(row "attempts || ' ' || held_by" t2 e:gone2)" = "0 gone" ] || fail "parked: $(row "attempts, held_by" t2 e:gone2)"
[ "$(q "select count(*) from deliveries d join outbox o on o.tenant = d.tenant and o.id = d.outbox_id
        where o.dedupe_key = 'e:gone2'")" = 0 ] || fail "a held row has a delivery"

# 4. tend outbox: inspect and replay.
"$TEND" outbox dead --tenant t2 >"$tmp/out" 2>&1 || fail "outbox dead: $(cat "$tmp/out")"
[ "$(grep -c ' dead ' "$tmp/out")" = 4 ] || fail "outbox dead: $(cat "$tmp/out")"
"$TEND" outbox list --status held >"$tmp/out" 2>&1 || fail "outbox list"
[ "$(grep -c ' held ' "$tmp/out")" = 2 ] || fail "outbox list --status held: $(cat "$tmp/out")"
"$TEND" outbox list >"$tmp/out" 2>&1 || fail "outbox list"
has "$tmp/out" "^ID +TENANT +STATUS" "outbox list"
bad=$(row id t2 e:bad)
"$TEND" outbox show "$bad" >"$tmp/out" 2>&1 || fail "outbox show"
has "$tmp/out" "^  status +dead" "show"
has "$tmp/out" "$(msgid t2 e:bad)" "show: message id"
has "$tmp/out" "#1 .* bad +failed +HTTP 400" "show: the attempt"
has "$tmp/out" '"reason": "día 8 \\"sin\\" login"' "show: payload"
"$TEND" outbox show 99999 >/dev/null 2>&1; [ $? = 1 ] || fail "show of no row: want exit 1"
"$TEND" outbox retry "$(row id t2 e:flaky)" >"$tmp/out" 2>&1; [ $? = 1 ] || fail "retry of a sent row: want exit 1"
has "$tmp/out" "was sent; --force" "retry of a sent row"
"$TEND" outbox retry "$bad" >"$tmp/out" 2>&1 || fail "outbox retry: $(cat "$tmp/out")"
[ "$(row "status || ' ' || round_start" t2 e:bad)" = "pending 1" ] || fail "retry: $(row status t2 e:bad)"
sed -i "s#$URL/status/400#$URL/replayed#; s#$URL/status/410#$URL/enabled#" "$tmp/c3.json"
deliver --tenant t2 --connectors "$tmp/c3.json" || fail "deliver (replay): $(cat "$tmp/err")"
[ "$(row "status || ' ' || attempts" t2 e:bad)" = "sent 2" ] || fail "replay: $(row "status, attempts" t2 e:bad)"
grep -qF "$(msgid t2 e:bad)"$'\t200\tok' "$tmp/recv.log" || fail "replay: not the same message id"
"$TEND" outbox enable gone >"$tmp/out" 2>&1 || fail "outbox enable: $(cat "$tmp/out")"
has "$tmp/out" "connector gone enabled: 2 held rows are due again" "enable"
deliver --tenant t2 --connectors "$tmp/c3.json" || fail "deliver (enabled): $(cat "$tmp/err")"
[ "$(q "select string_agg(status, ',' order by dedupe_key) from outbox where dedupe_key like 'e:gone%'")" = sent,sent ] ||
  fail "held rows after enable: $(cat "$tmp/out")"
"$TEND" outbox retry --dead --tenant t2 >"$tmp/out" 2>&1 || fail "retry --dead"
has "$tmp/out" "^3 dead rows are due again" "retry --dead"

# 5. A row no connector takes stays in the outbox, retried on the default schedule.
queue t3 email e:lost nosuch
deliver --tenant t3 || fail "deliver (unroutable): $(cat "$tmp/err")"
[ "$(row "status || ' ' || attempts || ' ' || (next_attempt_at > now() + interval '3 s')" t3 e:lost)" = "pending 1 true" ] ||
  fail "unroutable: $(row "status, attempts, next_attempt_at" t3 e:lost)"
row last_error t3 e:lost | grep -q "no connector or route named 'nosuch'" || fail "unroutable: $(row last_error t3 e:lost)"

# 6. Killed mid-send: the row waits for its lease, then goes again with the same id.
if [ $VG = 0 ]; then
  cat >"$tmp/c6.json" <<EOF
{"connectors": {"crash": {"type": "webhook", "url": "$URL/stall/3000", "secret_env": "TEND_WEBHOOK_SECRET",
                          "timeout": "1s"}}}
EOF
  queue t4 email e:crash crash
  env -u TEND_WEBHOOK_URL "$TEND" deliver --tenant t4 --lease 6 --connectors "$tmp/c6.json" >"$tmp/crash.out" 2>&1 &
  dpid=$!
  for _ in $(seq 200); do
    [ "$(row "lease_owner is not null" t4 e:crash)" = t ] && break
    sleep 0.05
  done
  sleep 0.2
  kill -9 $dpid
  wait $dpid 2>/dev/null
  [ "$(row "status || ' ' || attempts || ' ' || (lease_owner is not null)" t4 e:crash)" = "pending 1 true" ] ||
    fail "after the kill: $(row "status, attempts, lease_owner" t4 e:crash) $(cat "$tmp/crash.out")"
  [ "$(q "select count(*) from deliveries where tenant = 't4' and finished_at is null")" = 1 ] ||
    fail "the interrupted attempt is not on record"
  deliver --tenant t4 --connectors "$tmp/c6.json" || fail "deliver during the lease"
  has "$tmp/out" "^tend deliver: 0 sent, 0 to retry" "a leased row was claimed twice"
  for _ in $(seq 100); do
    [ "$(row "lease_until < now()" t4 e:crash)" = t ] && break
    sleep 0.1
  done
  sed -i "s#$URL/stall/3000#$URL/after-crash#" "$tmp/c6.json"
  deliver --tenant t4 --connectors "$tmp/c6.json" || fail "deliver after the lease"
  [ "$(row "status || ' ' || attempts" t4 e:crash)" = "sent 2" ] || fail "after the lease: $(row status t4 e:crash)"
  id=$(msgid t4 e:crash)
  [ "$(grep -cF "$id" "$tmp/recv.log")" -ge 1 ] && [ "$(grep -F "$id" "$tmp/recv.log" | cut -f2 | sort -u | wc -l)" = 1 ] ||
    fail "the crashed message did not keep its webhook-id"
fi

# SIGTERM: stop claiming, finish the request in flight, record it, exit 0.
cat >"$tmp/c6b.json" <<EOF
{"connectors": {"slowok": {"type": "webhook", "url": "$URL/stall/1500", "secret_env": "TEND_WEBHOOK_SECRET",
                           "timeout": "5s"}}}
EOF
queue t6 email e:term slowok
queue t6 email e:term2 slowok
"${T[@]}" deliver --tenant t6 --concurrency 1 --connectors "$tmp/c6b.json" >"$tmp/term.out" 2>&1 &
dpid=$!
for _ in $(seq 200); do
  [ "$(q "select count(*) from outbox where tenant = 't6' and lease_owner is not null")" = 1 ] && break
  sleep 0.05
done
kill -TERM $dpid
wait $dpid || fail "SIGTERM: exit $?: $(cat "$tmp/term.out")"
has "$tmp/term.out" "^tend deliver: 1 sent, 0 to retry.*stopped by a signal" "SIGTERM"
[ "$(q "select string_agg(status || ' ' || attempts, ',' order by dedupe_key) from outbox where tenant = 't6'")" = \
  "sent 1,pending 0" ] || fail "SIGTERM: the rows"

# SIGTERM with a batch claimed ahead: rows not sent yet are given back (their
# attempt undone, no deliveries row), everything sent is recorded sent.
if [ $VG = 0 ]; then
  q "insert into outbox (tenant, dedupe_key, account_id, kind, payload)
     select 't7', 'batch:' || g, 'acme', 'webhook', jsonb_build_object('kind', 'webhook', 'key', 'batch:' || g)
     from generate_series(1, 20000) g" || fail "queueing t7"
  "$TEND" deliver --tenant t7 --until-empty --concurrency 4 >"$tmp/term2.out" 2>&1 &
  dpid=$!
  for _ in $(seq 400); do
    [ "$(q "select count(*) from outbox where tenant = 't7' and status = 'sent'")" -ge 2000 ] && break
    sleep 0.02
  done
  kill -TERM $dpid
  wait $dpid || fail "SIGTERM with a batch: exit $?: $(cat "$tmp/term2.out")"
  read -r sent pending leased untried <<<"$(q "select count(*) filter (where status = 'sent'),
    count(*) filter (where status = 'pending'), count(*) filter (where lease_owner is not null),
    count(*) filter (where status = 'pending' and attempts = 0) from outbox where tenant = 't7'" | tr '|' ' ')"
  [ "$pending" -gt 0 ] || fail "SIGTERM with a batch: it was not stopped mid-run ($sent sent)"
  [ "$leased" = 0 ] && [ "$untried" = "$pending" ] ||
    fail "SIGTERM with a batch: $leased rows still leased, $untried of $pending pending rows untried"
  [ "$(q "select count(*) from deliveries where tenant = 't7' and (finished_at is null or not ok)")" = 0 ] &&
    [ "$(q "select count(*) from deliveries where tenant = 't7'")" = "$sent" ] || fail "SIGTERM with a batch: deliveries"
  grep -q "^tend deliver: $sent sent, 0 to retry.*stopped by a signal" "$tmp/term2.out" ||
    fail "SIGTERM with a batch: $(cat "$tmp/term2.out")"
  [ "$(grep -c $'\t/hooks\t{"id":"msg_[0-9a-f]*","type":"tend.webhook","timestamp":"[^"]*","tenant":"t7"' "$tmp/recv.log")" = "$sent" ] ||
    fail "SIGTERM with a batch: the receiver's count differs from $sent sent"
fi

# 7. Secrets are never printed nor stored.
export TEND_WEBHOOK_SECRET="whsec_c2VjcmV0LXRoYXQtaXMtbm90LXZhbGlk not-base64!"
deliver --tenant t1; [ $? = 3 ] || fail "a bad secret: want exit 3"
has "$tmp/err" "TEND_WEBHOOK_SECRET is not a Standard Webhooks secret" "bad secret"
export TEND_WEBHOOK_SECRET=$SECRET
for s in "$SECRET" "${SECRET#whsec_}" "c2VjcmV0LXRoYXQtaXMtbm90LXZhbGlk"; do
  grep -rqF -- "$s" "$tmp/out" "$tmp/err" "$TEND_HOME/outbox" && fail "a secret was printed or written"
  q "select o::text from outbox o; select d::text from deliveries d" |
    grep -qF -- "$s" && fail "a secret was stored"
done

# 8. A connector plugin: the example from runtime/connectors/examples/bearer.c.
cat >"$tmp/c8.json" <<EOF
{"connectors": {"crm": {"type": "bearer", "url": "$URL/status/409", "token_env": "CRM_TOKEN"}}, "routes": {"*": "crm"}}
EOF
queue t5 email e:plugin
CRM_TOKEN=tok-123 TEND_CONNECTOR_PATH=$(dirname "$PLUGIN") deliver --tenant t5 --connectors "$tmp/c8.json" ||
  fail "deliver (plugin): $(cat "$tmp/err")"
[ "$(row "status" t5 e:plugin)" = sent ] || fail "plugin: 409 is delivered for it: $(row last_error t5 e:plugin)"
grep -qF "$(msgid t5 e:plugin)" <(grep $'\t/status/409\t' "$tmp/recv.log") || fail "plugin: the request"
TEND_CONNECTOR_PATH=$(dirname "$PLUGIN") deliver --tenant t5 --connectors "$tmp/c8.json"
[ $? = 3 ] || fail "plugin without its token: want exit 3"
has "$tmp/err" "the token variable CRM_TOKEN is not set" "plugin settings"
TEND_CONNECTOR_PATH=$tmp/nowhere deliver; [ $? = 3 ] || fail "a missing plugin folder: want exit 3"

# 9. Exit codes.
echo '{"connectors": {' >"$tmp/broken.json"
deliver --connectors "$tmp/broken.json"; [ $? = 3 ] || fail "broken settings: want exit 3"
has "$tmp/err" "broken.json:[0-9]+: " "broken settings"
"$TEND" deliver --concurrency 0 >/dev/null 2>&1; [ $? = 2 ] || fail "usage: want exit 2"
"$TEND" outbox frobnicate >/dev/null 2>&1; [ $? = 2 ] || fail "outbox usage: want exit 2"
TEND_DATABASE_URL=postgresql://nobody:secret@127.0.0.1:1/x "$TEND" deliver >"$tmp/out" 2>&1
[ $? = 4 ] || fail "unreachable database: want exit 4"
grep -q secret "$tmp/out" && fail "the database password was printed"
TEND_DATABASE_URL=postgresql://nobody:secret@127.0.0.1:1/x "$TEND" outbox list >/dev/null 2>&1
[ $? = 4 ] || fail "outbox, unreachable database: want exit 4"
# 10. From the nightly run to the file and the receiver.
"${PSQL[@]}" -f tests/integration/load_sample.sql >/dev/null || fail "loading the sample"
"$TEND" run nightly --playbook scripts/default --now 2026-11-22T02:00:00Z >"$tmp/out" 2>&1 || fail "run nightly: $(cat "$tmp/out")"
queued=$(q "select count(*) from outbox where tenant = 'default' and run_id is not null")
[ "$queued" -gt 0 ] || fail "the nightly run queued nothing"
before=$(wc -l <"$f")
deliver --tenant default || fail "deliver after nightly: $(cat "$tmp/err")"
has "$tmp/out" "^tend deliver: $queued sent, 0 to retry, 0 dead-lettered, 0 held" "nightly intents"
by_file=$(q "select count(*) from outbox o join deliveries d on d.tenant = o.tenant and d.outbox_id = o.id
             where o.run_id is not null and d.ok and d.connector = 'file'")
[ $(($(wc -l <"$f") - before)) = "$by_file" ] || fail "the file has not one line per intent sent to it"
grep -qF '"type":"tend.email",' "$f" && grep -qF '"type":"tend.notify",' "$f" || fail "email and notify intents in the file"
echo "deliver: all checks passed"
