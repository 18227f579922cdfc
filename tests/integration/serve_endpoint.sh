#!/usr/bin/env bash
# `tend serve --listen`: the HTTP endpoint inside the service (an embedded
# cluster in a temporary TEND_HOME, stopped and removed even when a check
# fails; serve killed on the way out):
#   1. an event POSTed to /v1/events fires its `on` handler: one outbox row,
#      committed within one second of the post's answer;
#   2. /metrics, parsed by prometheus_client's text parser: the runs, the
#      accounts evaluated and the deliveries equal the database's counts;
#   3. /readyz: 200 when up, 503 while the database is stopped, 200 after
#      it returns (and serve goes on: a second event still fires);
#   4. SIGTERM: exit 0; stderr (--log-format json) is JSON Lines with ts,
#      level and msg, holds a line per woken batch and per delivery batch,
#      and never the token;
#   5. tend deliver and tend run nightly --log-format json: a JSON line for
#      the batch, for the run.
# Run from the repository root: serve_endpoint.sh TEND
set -uo pipefail
TEND=$1
. tests/integration/lib_cluster.sh
cluster_require_server
PY=/usr/bin/python3
CHECK=tests/integration/endpoint_check.py
for need in "curl --version:curl" "$PY -c 'import prometheus_client':python3-prometheus-client"; do
  eval "${need%:*}" >/dev/null 2>&1 || { echo "missing ${need#*:} (deploy/deps.sh installs it)"; exit 1; }
done
cluster_home serve_endpoint
export PGTZ=UTC
PSQL=(psql -X -h "$SOCK" -U tend -d tend -q -t -A -v ON_ERROR_STOP=1)
q() { "${PSQL[@]}" -c "$1"; }
same() { [ "$1" = "$2" ] || fail "$3: got '$1', want '$2'"; }
now_ms() { date +%s%3N; }

"$TEND" db up >/dev/null 2>&1 || fail "tend db up"
"${PSQL[@]}" -f tests/integration/load_sample.sql || fail "loading the sample"
cp -R tests/integration/serve_playbook "$tmp/book"
TOKEN=default-token-0123456789abcdef
export TEND_ENDPOINT_TOKENS="default:$TOKEN"

# Schedules off: only the posted events make runs, so the counts are stable.
pids=()
"$TEND" serve --playbook "$tmp/book" --no-schedules --poll 0.5 --grace 20 --listen 127.0.0.1:0 \
  --log-format json 2>"$tmp/serve.log" &
spid=$!
pids+=("$spid")
port=
for _ in $(seq 200); do
  port=$(grep -o '"msg":"listening".*"port":[0-9]*' "$tmp/serve.log" 2>/dev/null | grep -o '[0-9]*$')
  [ -n "$port" ] && break
  kill -0 "$spid" 2>/dev/null || fail "tend serve exited: $(cat "$tmp/serve.log")"
  sleep 0.05
done
[ -n "$port" ] || fail "tend serve --listen did not start: $(cat "$tmp/serve.log")"
BASE=http://127.0.0.1:$port

# post_event ACCOUNT: posts one contract_signed event, waits for its notify
# row, sets $lat (ms from the post's answer to the row's commit, as seen).
post_event() {
  local acct=$1 code t0
  code=$(printf '{"account_id":"%s","type":"contract_signed","at":"%s"}\n' "$acct" "$(date -u +%FT%TZ)" |
    curl -s -o "$tmp/ans" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" --data-binary @- "$BASE/v1/events")
  t0=$(now_ms)
  same "$code" 200 "POST /v1/events for $acct ($(cat "$tmp/ans"))"
  while [ $(($(now_ms) - t0)) -lt 5000 ]; do
    [ "$(q "select count(*) from outbox where account_id = '$acct' and kind = 'notify'")" -ge 1 ] && break
    sleep 0.01
  done
  lat=$(($(now_ms) - t0))
  same "$(q "select count(*) from outbox where account_id = '$acct' and kind = 'notify'")" 1 \
    "notify rows for $acct's posted event ($(tail -3 "$tmp/serve.log"))"
}

# --- 1. A posted event fires its handler within a second.
same "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/readyz")" 200 "/readyz once serve is up"
post_event acme-ltda
[ "$lat" -lt 1000 ] || fail "the outbox row came ${lat} ms after the post was answered, want < 1000"
echo "ok 1 - an event POSTed to serve's endpoint fired its handler: one outbox row, seen ${lat} ms after the answer"

# --- 2. /metrics against the database (after the row is delivered).
for _ in $(seq 200); do
  [ "$(q "select count(*) from outbox where status = 'sent'")" -ge 1 ] && break
  sleep 0.05
done
sleep 1 # a delivery batch and a woken batch are counted after they commit
curl -s -o "$tmp/metrics" "$BASE/metrics" || fail "GET /metrics"
runs=$(q "select count(*) from job_runs where job = 'events' and status = 'succeeded'")
evaluated=$(q "select count(*) from evaluations e join job_runs r on r.id = e.run_id and r.tenant = e.tenant
               where r.job = 'events'")
sent=$(q "select count(*) from outbox where status = 'sent'")
connector=file # the playbook's notify goes to the file connector (routed at delivery)
[ "$runs" -ge 1 ] && [ "$evaluated" -ge 1 ] && [ "$sent" -ge 1 ] ||
  fail "nothing to compare: runs $runs, evaluated $evaluated, sent $sent"
$PY $CHECK metrics "$tmp/metrics" \
  "tend_runs_total{job=events,status=ok}=$runs" \
  "tend_accounts_evaluated_total{tenant=default}=$evaluated" \
  "tend_accounts_failed_total{tenant=default}=0" \
  "tend_deliveries_total{connector=$connector,status=sent}=$sent" \
  "tend_delivery_duration_seconds_count{connector=$connector}=$sent" \
  "tend_event_to_outbox_seconds_count=1" \
  "tend_ingested_records_total{kind=events,result=stored}=1" \
  "tend_outbox_rows{status=sent}=$sent" \
  "tend_lease_takeovers_total=0" \
  "tend_build_info{version=$("$TEND" --version | cut -d' ' -f2)}=1" || fail "/metrics: $(cat "$tmp/metrics")"
grep -q '^tend_rule_fires_total{' "$tmp/metrics" || grep -q '^# TYPE tend_rule_fires_total' "$tmp/metrics" ||
  fail "no tend_rule_fires_total family"
echo "ok 2 - /metrics parses; runs ($runs), accounts evaluated ($evaluated), deliveries ($sent) equal the database's"

# --- 3. /readyz follows the database; serve outlives its absence.
"$TEND" db down >/dev/null 2>&1 || fail "tend db down"
same "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/readyz")" 503 "/readyz with the database stopped"
same "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/healthz")" 200 "/healthz with the database stopped"
"$TEND" db up >/dev/null 2>&1 || fail "tend db up again"
ok=
for _ in $(seq 100); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/readyz")" = 200 ] && { ok=1; break; }
  sleep 0.1
done
[ -n "$ok" ] || fail "/readyz did not come back after the database returned"
kill -0 "$spid" 2>/dev/null || fail "serve died with the database: $(tail -5 "$tmp/serve.log")"
# serve's own connections come back within its retry interval (2 s)
sleep 2.5
post_event borealis-health
echo "ok 3 - /readyz: 200 up, 503 with the database stopped, 200 after; a later event still fired (${lat} ms)"

# --- 4. SIGTERM, and the log as JSON Lines.
kill -TERM "$spid"
wait "$spid"
same "$?" 0 "serve's exit on SIGTERM"
pids=()
$PY $CHECK logs "$tmp/serve.log" "$TOKEN" || fail "serve's log"
grep -q '"msg":"tenant default: 1 woken account evaluated' "$tmp/serve.log" || fail "no woken batch line"
grep '"msg":"tenant default: 1 woken account' "$tmp/serve.log" | grep -q '"run":[0-9]' || fail "no run id on it"
grep -q '"msg":"deliver: tenant default: ' "$tmp/serve.log" || fail "no delivery batch line"
grep -q '"level":"warn".*"error":' "$tmp/serve.log" || fail "the lost database is not logged as a warning"
echo "ok 4 - SIGTERM exits 0; stderr is JSON Lines (ts, level, msg), without the token"

# --- 5. tend deliver --log-format json: its batch as one JSON line.
"$TEND" deliver --until-empty --quiet --playbook "$tmp/book" --log-format json 2>"$tmp/deliver.log" ||
  fail "tend deliver: $(cat "$tmp/deliver.log")"
$PY $CHECK logs "$tmp/deliver.log" "$TOKEN" || fail "deliver's log"
grep -q '"msg":"delivery batch".*"attempts":[0-9]' "$tmp/deliver.log" || fail "no delivery batch line: $(cat "$tmp/deliver.log")"
echo "ok 5 - tend deliver --log-format json logs its batch as a JSON line"
"$TEND" run nightly --playbook "$tmp/book" --log-format json >/dev/null 2>"$tmp/run.log" ||
  fail "tend run nightly: $(cat "$tmp/run.log")"
$PY $CHECK logs "$tmp/run.log" "$TOKEN" || fail "run's log"
grep -q '"msg":"nightly run","tenant":"default","run":[0-9]*,.*"status":"succeeded"' "$tmp/run.log" ||
  fail "no nightly run line: $(cat "$tmp/run.log")"
echo "ok 6 - tend run nightly --log-format json logs its run as a JSON line"
