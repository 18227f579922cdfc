#!/usr/bin/env bash
# tend endpoint against a real PostgreSQL (an embedded cluster in a
# temporary TEND_HOME) with curl: a good batch and a bad one (each rejected
# line's number, field and reason in the answer, the good lines stored), a
# JSON array and a single object, a wrong or missing token (401, logged
# without the token), an oversized body (413, declared or chunked), an
# Idempotency-Key repeated (nothing stored twice, the first answer back; the
# key with another body 422; eight posts racing with one key), an account naming another tenant, 32
# concurrent posters storing every line exactly once, /metrics parsed by
# prometheus_client's parser with counters equal to the database's,
# /readyz false while the database is down and true after it returns, TLS,
# and the logs parsed as JSON Lines. The endpoint and the server are
# stopped even when a check fails. `promtool check metrics` runs too when
# promtool is on the PATH (Debian ships it only inside the whole prometheus
# server package, about 96 MB, which deploy/deps.sh does not install; the
# naming conventions it checks are checked by endpoint_check.py instead).
# Run from the repository root: endpoint.sh TEND
set -uo pipefail
TEND=$1
. tests/integration/lib_cluster.sh
cluster_require_server
PY=/usr/bin/python3
CHECK=tests/integration/endpoint_check.py
for need in "curl --version:curl" "$PY -c 'import prometheus_client':python3-prometheus-client" "openssl version:openssl"; do
  eval "${need%:*}" >/dev/null 2>&1 || { echo "missing ${need#*:} (deploy/deps.sh installs it)"; exit 1; }
done

cluster_home endpoint
export PGTZ=UTC
"$TEND" db up >/dev/null 2>&1 || fail "tend db up"
PSQL=(psql -X -q -A -t -v ON_ERROR_STOP=1 -h "$SOCK" -U tend -d tend)
sql() { "${PSQL[@]}" -c "$1" 2>&1 || fail "psql: $1"; }
same() { [ "$1" = "$2" ] || fail "$3: got '$1', want '$2'"; }
# get ARGS...: the body and the status on one line
get() { curl -s -w ' %{http_code}' "$@" | tr -d '\n'; }

ACME=acme-token-0123456789abcdef
GLOBEX=globex-token-0123456789abcdef
export TEND_ENDPOINT_TOKENS="acme:$ACME, globex:$GLOBEX"

# start_endpoint LOG ARGS...: starts it in the background, waits for its
# "listening" line, sets $port (and $epid).
start_endpoint() {
  local log=$1; shift
  "$TEND" endpoint --listen 127.0.0.1:0 --log-format json "$@" 2>"$log" &
  epid=$!
  pids+=("$epid")
  port=
  for _ in $(seq 100); do
    port=$(grep -o '"msg":"listening".*"port":[0-9]*' "$log" 2>/dev/null | grep -o '[0-9]*$')
    [ -n "$port" ] && return 0
    kill -0 "$epid" 2>/dev/null || fail "tend endpoint exited: $(cat "$log")"
    sleep 0.1
  done
  fail "tend endpoint did not start: $(cat "$log")"
}
pids=()
start_endpoint "$tmp/log" --max-body 64K --db-connections 4
BASE=http://127.0.0.1:$port
# post ROUTE TOKEN FILE [curl args...]: the answer in $tmp/ans, the status in $code
post() {
  local route=$1 token=$2 file=$3; shift 3
  code=$(curl -s -o "$tmp/ans" -D "$tmp/hdr" -w '%{http_code}' -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/x-ndjson' --data-binary "@$file" "$@" "$BASE/v1/$route")
}
answer() { $PY $CHECK answer "$tmp/ans" "$@" || fail "answer of the last post (HTTP $code)"; }

# --- health
same "$(get "$BASE/healthz")" '{"status":"ok"} 200' "/healthz"
same "$(get "$BASE/readyz")" '{"ready":true} 200' "/readyz with the database up"
same "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/nowhere")" 404 "an unknown route"
same "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/v1/events")" 405 "GET on a post route"

# --- a good batch
cat >"$tmp/good.jsonl" <<'EOF'
{"account_id":"a1","type":"login","at":"2026-11-20T10:00:00Z","user":"u1"}
{"account_id":"a1","type":"feature_used","at":"2026-11-20T11:00:00Z","data":{"feature":"reports"}}

{"account_id":"a2","type":"login","at":"2026-11-21T09:00:00Z"}
EOF
post events "$ACME" "$tmp/good.jsonl"
same "$code" 200 "a good batch"
answer 'a["read"] == 3' 'a["stored"] == 3' 'a["rejected"] == 0' 'a["errors"] == []'
same "$(sql "SELECT count(*) FROM events WHERE tenant = 'acme'")" 3 "the good batch stored"

# --- a bad batch: rejected lines by number and field, the good ones stored
cat >"$tmp/bad.jsonl" <<'EOF'
{"account_id":"b1","type":"login","at":"2026-11-20T10:00:00Z"}
{"account_id":"b1","type":"login","at":"yesterday"}
{"type":"login","at":"2026-11-20T10:00:00Z"}
not json at all
{"account_id":"b2","type":"login","at":"2026-11-22T10:00:00Z"}
EOF
post events "$ACME" "$tmp/bad.jsonl"
same "$code" 200 "a batch with bad lines"
answer 'a["read"] == 5' 'a["stored"] == 2' 'a["rejected"] == 3' \
  '[(e["line"], e["field"]) for e in a["errors"]] == [(2, "at"), (3, "account_id"), (4, None)]' \
  'all(e["reason"] for e in a["errors"])' '"yesterday" in a["errors"][0]["reason"]'
same "$(sql "SELECT string_agg(account_id, ',' ORDER BY account_id) FROM events WHERE account_id LIKE 'b%'")" \
  "b1,b2" "the good lines of the bad batch stored"

# --- a JSON array (lines are elements) and a single object over several lines
printf '[{"account_id":"c1","type":"login","at":"2026-11-20T10:00:00Z"},\n {"account_id":"c2","type":"login"}]' >"$tmp/arr.json"
post events "$ACME" "$tmp/arr.json" -H 'Content-Type: application/json'
same "$code" 200 "a JSON array"
answer 'a["stored"] == 1' '[(e["line"], e["field"]) for e in a["errors"]] == [(2, "at")]'
printf '{\n  "account_id": "c3",\n  "type": "login",\n  "at": "2026-11-20T10:00:00Z"\n}\n' >"$tmp/one.json"
post events "$ACME" "$tmp/one.json"
answer 'a["read"] == 1' 'a["stored"] == 1'
printf '[{"account_id": ' >"$tmp/broken.json"
post events "$ACME" "$tmp/broken.json"
same "$code" 400 "a broken JSON array"
answer '"line 1" in a["error"]'
printf '  \n' >"$tmp/empty"
post events "$ACME" "$tmp/empty"
same "$code" 400 "an empty body"

# --- tokens
post events "wrong-token-that-is-long-enough" "$tmp/good.jsonl"
same "$code" 401 "a wrong token"
grep -qi '^WWW-Authenticate: Bearer' "$tmp/hdr" || fail "401 without WWW-Authenticate"
code=$(curl -s -o /dev/null -w '%{http_code}' --data-binary "@$tmp/good.jsonl" "$BASE/v1/events")
same "$code" 401 "no token"
post events "${ACME}x" "$tmp/good.jsonl"
same "$code" 401 "a token with a byte more"
grep -q '"msg":"post refused: no valid bearer token"' "$tmp/log" || fail "the refused token is not logged"
same "$(sql "SELECT count(*) FROM events WHERE tenant = 'acme'")" 7 "refused posts stored nothing"

# --- tenants: each token writes its own tenant; an account naming another is rejected
printf '{"id":"g1","name":"Globex One"}\n{"id":"g2","tenant":"acme"}\n{"id":"g3","tenant":"globex"}\n' >"$tmp/acc.jsonl"
post accounts "$GLOBEX" "$tmp/acc.jsonl"
same "$code" 200 "accounts"
answer 'a["read"] == 3' 'a["stored"] == 2' '[(e["line"], e["field"]) for e in a["errors"]] == [(2, "tenant")]'
same "$(sql "SELECT string_agg(tenant || '/' || id, ',' ORDER BY id) FROM accounts")" "globex/g1,globex/g3" \
  "accounts stored under the token's tenant only"
printf '{"account_id":"g1","date":"2026-11-20","active_users":5}\n{"account_id":"g1","date":"soon"}\n' >"$tmp/met.jsonl"
post metrics "$GLOBEX" "$tmp/met.jsonl"
answer 'a["stored"] == 1' '[(e["line"], e["field"]) for e in a["errors"]] == [(2, "date")]'

# --- size limit (--max-body 64K): declared, and chunked (no length declared)
head -c 70000 /dev/zero | tr '\0' ' ' >"$tmp/big"
post events "$ACME" "$tmp/big"
same "$code" 413 "an oversized body"
post events "$ACME" "$tmp/big" -H 'Transfer-Encoding: chunked'
same "$code" 413 "an oversized chunked body"
post events "$ACME" "$tmp/good.jsonl"
same "$code" 200 "a post after the oversized ones"

# --- Idempotency-Key: the retry stores nothing and gets the first answer
printf '{"id":"k1","name":"First"}\n' >"$tmp/k1.jsonl"
post accounts "$ACME" "$tmp/k1.jsonl" -H 'Idempotency-Key: order-77'
same "$code" 200 "the first post with a key"
cp "$tmp/ans" "$tmp/ans.first"
printf '{"id":"k1","name":"Renamed since"}\n' >"$tmp/k1b.jsonl"
post accounts "$ACME" "$tmp/k1b.jsonl"
post accounts "$ACME" "$tmp/k1.jsonl" -H 'Idempotency-Key: order-77'
same "$code" 200 "the retry"
grep -qi '^Idempotent-Replayed: true' "$tmp/hdr" || fail "the retry is not marked as replayed"
cmp -s "$tmp/ans" "$tmp/ans.first" || fail "the retry's answer differs from the first"
same "$(sql "SELECT name FROM accounts WHERE id = 'k1'")" "Renamed since" "the retry stored nothing (no revert)"
post accounts "$GLOBEX" "$tmp/k1.jsonl" -H 'Idempotency-Key: order-77'
grep -qi '^Idempotent-Replayed' "$tmp/hdr" && fail "a key is shared across tenants"
post accounts "$ACME" "$tmp/k1b.jsonl" -H 'Idempotency-Key: order-77'
same "$code" 422 "the key with another body"
same "$(sql "SELECT count(*) FROM endpoint_requests")" 2 "keys remembered"

# --- 32 concurrent posters, each 4 batches of 25 events, each batch posted
# twice with its key (a retry): every line stored exactly once
mkdir -p "$tmp/par"
for p in $(seq 32); do
  (
    for b in 1 2 3 4; do
      f=$tmp/par/$p-$b.jsonl
      for i in $(seq 25); do
        printf '{"account_id":"p%d","type":"ping","at":"2026-11-20T10:%02d:%02dZ","data":{"batch":%d}}\n' "$p" "$b" "$i" "$b"
      done >"$f"
      for try in 1 2; do
        c=$(curl -s -o "$f.ans$try" -w '%{http_code}' -H "Authorization: Bearer $ACME" -H "Idempotency-Key: p$p-b$b" \
          --data-binary "@$f" "$BASE/v1/events")
        echo "$c" >>"$tmp/par/codes"
      done
    done
  ) &
  pids+=($!)
done
wait "${pids[@]:1}" 2>/dev/null
pids=("$epid")
same "$(sort "$tmp/par/codes" | uniq -c | tr -s ' ')" " 256 200" "every concurrent post answered 200"
same "$(sql "SELECT count(*), count(DISTINCT (account_id, at)) FROM events WHERE type = 'ping'")" "3200|3200" \
  "32 posters: every line stored exactly once"
stored_sum=$(cat "$tmp"/par/*.ans1 | $PY -c 'import sys,json; print(sum(json.loads(l)["stored"] for l in sys.stdin))')
same "$stored_sum" 3200 "the answers count every line once"

# --- 8 posts racing with one key and one body: one stores, the others get its answer
for i in $(seq 25); do
  printf '{"account_id":"race","type":"ping","at":"2026-11-21T10:00:%02dZ"}\n' "$i"
done >"$tmp/race.jsonl"
for r in $(seq 8); do
  curl -s -o "$tmp/race.ans$r" -D "$tmp/race.hdr$r" -H "Authorization: Bearer $ACME" -H 'Idempotency-Key: race-1' \
    --data-binary "@$tmp/race.jsonl" "$BASE/v1/events" &
  pids+=($!)
done
wait "${pids[@]:1}" 2>/dev/null
pids=("$epid")
same "$(grep -li '^Idempotent-Replayed: true' "$tmp"/race.hdr* | wc -l)" 7 "racing posts answered by the first"
same "$(cat "$tmp"/race.ans* | sort -u | wc -l)" 1 "racing posts got one answer"
same "$(sql "SELECT count(*) FROM events WHERE account_id = 'race'")" 25 "racing posts stored once"

# --- /metrics: parsed by prometheus_client, counters equal to the database's
sql "INSERT INTO outbox (tenant, dedupe_key, account_id, kind, connector, payload, status) VALUES
  ('acme', 'k:1', 'a1', 'email', 'file', '{}', 'pending'), ('acme', 'k:2', 'a1', 'email', 'file', '{}', 'pending'),
  ('acme', 'k:3', 'a2', 'webhook', 'webhook', '{}', 'dead')" >/dev/null
curl -s -o "$tmp/metrics" -w '%{http_code} %{content_type}' "$BASE/metrics" >"$tmp/mhdr"
grep -q '^200 text/plain; version=0.0.4' "$tmp/mhdr" || fail "/metrics: $(cat "$tmp/mhdr")"
events=$(sql "SELECT count(*) FROM events")
accounts=$(sql "SELECT count(*) FROM accounts")
$PY $CHECK metrics "$tmp/metrics" \
  "tend_ingested_records_total{kind=events,result=stored}=$events" \
  "tend_ingested_records_total{kind=accounts,result=stored}=$((accounts + 1))" \
  "tend_ingested_records_total{kind=events,result=rejected}=4" \
  "tend_outbox_rows{status=pending}=$(sql "SELECT count(*) FROM outbox WHERE status = 'pending'")" \
  "tend_outbox_rows{status=dead}=$(sql "SELECT count(*) FROM outbox WHERE status = 'dead'")" \
  "tend_http_requests_total{code=401,route=/v1/events}=3" \
  "tend_http_requests_total{code=413,route=/v1/events}=2" \
  "tend_build_info{version=$("$TEND" --version | cut -d' ' -f2)}=1" \
  "tend_lease_takeovers_total=0" || fail "/metrics"
# (accounts: k1 stored, then rewritten once by the rename: two stores, one row more than rows)
if command -v promtool >/dev/null; then
  promtool check metrics <"$tmp/metrics" || fail "promtool check metrics"
fi

# --- /readyz while the database is down, and after it returns
"$TEND" db down >/dev/null 2>&1 || fail "tend db down"
same "$(get "$BASE/readyz" | grep -o '"ready":false.* 503$' | grep -o ' 503$')" " 503" \
  "/readyz with the database down"
post events "$ACME" "$tmp/good.jsonl"
same "$code" 503 "a post with the database down"
same "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/healthz")" 200 "/healthz with the database down"
"$TEND" db up >/dev/null 2>&1 || fail "tend db up again"
same "$(get "$BASE/readyz")" '{"ready":true} 200' "/readyz after the database returned"
printf '{"account_id":"z9","type":"login","at":"2026-11-25T10:00:00Z"}\n' >"$tmp/after.jsonl"
post events "$ACME" "$tmp/after.jsonl"
same "$code" 200 "a post after the database returned"
grep -q '"msg":"not ready","reason":"database: ' "$tmp/log" || fail "the readiness failure is not logged"

# --- TLS (a throwaway certificate)
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" -days 1 -subj /CN=127.0.0.1 \
  >/dev/null 2>&1 || fail "openssl req"
main_port=$port main_pid=$epid
start_endpoint "$tmp/log.tls" --tls-cert "$tmp/cert.pem" --tls-key "$tmp/key.pem"
same "$(get --cacert "$tmp/cert.pem" "https://127.0.0.1:$port/healthz")" '{"status":"ok"} 200' \
  "/healthz over TLS"
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$tmp/cert.pem" -H "Authorization: Bearer $ACME" \
  --data-binary "@$tmp/after.jsonl" "https://127.0.0.1:$port/v1/events")
same "$code" 200 "a post over TLS"
kill -TERM "$epid"
wait "$epid"
same "$?" 0 "the TLS endpoint's exit on SIGTERM"
printf '' | "$TEND" endpoint --listen 127.0.0.1:0 --tls-cert "$tmp/cert.pem" 2>"$tmp/err"
same "$?" 2 "a certificate without a key"
TEND_ENDPOINT_TOKENS="acme:short" "$TEND" endpoint --listen 127.0.0.1:0 2>"$tmp/err"
same "$?" 2 "a short token"
grep -q "shorter than 16" "$tmp/err" || fail "the short token's message: $(cat "$tmp/err")"
grep -q short "$tmp/err" && ! grep -q 'acme:short' "$tmp/err" || fail "the token list is echoed: $(cat "$tmp/err")"
"$TEND" endpoint --listen nowhere 2>"$tmp/err"
same "$?" 2 "a bad address"
for o in listen max-body db-connections tls-cert tls-key log-format log-level; do
  "$TEND" help endpoint | grep -q -- "--$o" || fail "tend help endpoint misses --$o"
done
"$TEND" help endpoint | grep -q 'TEND_ENDPOINT_TOKENS' || fail "tend help endpoint does not say where tokens come from"

# --- stop, and the logs
kill -TERM "$main_pid"
wait "$main_pid"
same "$?" 0 "the endpoint's exit on SIGTERM"
pids=()
grep -q '"msg":"stopped"' "$tmp/log" || fail "no 'stopped' line"
grep -q '"msg":"post","tenant":"acme","route":"/v1/events","status":200' "$tmp/log" || fail "no post line"
$PY $CHECK logs "$tmp/log" "$ACME" "$GLOBEX" "wrong-token-that-is-long-enough" "Renamed since" "yesterday" ||
  fail "the logs"
$PY $CHECK logs "$tmp/log.tls" "$ACME" || fail "the TLS endpoint's logs"
echo "ok: endpoint"
