#!/usr/bin/env bash
# The declarative http connector and connectors.lua, against real servers:
# an embedded PostgreSQL in a temporary TEND_HOME and the test receiver on
# 127.0.0.1 logging every request whole (both stopped and removed even when
# a check fails).
#   1. method, URL path with percent-encoded placeholders, headers with a
#      secret from the environment, the JSON body rendered with its types
#   2. the Idempotency-Key is the message id, the same on every retry
#   3. a path the intent lacks dead-letters the row, shown by tend outbox show
#   4. `success` statuses; a 2xx that is not listed fails
#   5. connectors.lua errors: file:line and exit 3; the sandbox's limits
#      (an endless loop, a memory bomb, no io/os) hold
#   6. the secret never appears in output, files under TEND_HOME or rows
#   7. the example helpdesk connector delivers the default playbook's
#      nightly tasks; tend check ignores connectors.lua
# Run from the repository root: deliver_http.sh TEND RECEIVER [--valgrind]
# (then every tend deliver runs under valgrind).
set -uo pipefail
TEND=$1 RECEIVER=$2
. tests/integration/lib_cluster.sh
tend_under_valgrind "${3:-}"
cluster_home http
rpid=
PSQL=(psql -h "$TEND_HOME/pg/data" -U tend -d tend -q -t -A -v ON_ERROR_STOP=1)
q() { "${PSQL[@]}" -c "$1"; }
# queue TENANT ACCOUNT KIND KEY PAYLOAD_JSON: an outbox row as tend run nightly writes it
queue() {
  "${PSQL[@]}" -v "t=$1" -v "a=$2" -v "k=$3" -v "key=$4" -v "p=$5" <<'SQL' || fail "queue $4"
insert into outbox (tenant, dedupe_key, account_id, kind, payload) values (:'t', :'key', :'a', :'k', :'p'::jsonb);
SQL
}
msgid() { printf 'msg_%s' "$(printf '%s\n%s' "$1" "$2" | sha256sum | cut -c1-32)"; }
row() { q "select $1 from outbox where tenant = '$2' and dedupe_key = '$3'"; }
deliver() { "${T[@]}" deliver "$@" >"$tmp/out" 2>"$tmp/err"; }
has() { grep -qE -- "$2" "$1" || fail "$3: no /$2/ in: $(cat "$1")"; }
# request PATH-PREFIX: the receiver's log lines of requests under that path
request() { grep -F -- $'\t'"$1" "$tmp/requests.log"; }

"$RECEIVER" --port-file "$tmp/port" --log "$tmp/recv.log" --requests "$tmp/requests.log" >/dev/null &
rpid=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
[ -s "$tmp/port" ] || fail "the receiver did not start"
URL=http://127.0.0.1:$(cat "$tmp/port")

"$TEND" db up >/dev/null 2>&1 || fail "tend db up"
q "insert into tenants (id) values ('default'), ('t1'), ('t2'), ('t3') on conflict do nothing" || fail tenants

export CRM_TOKEN="tok-$(head -c 18 /dev/urandom | base64 | tr -d '\n/+=')"
pb=$tmp/pb
mkdir -p "$pb"
cat >"$pb/connectors.lua" <<EOF
-- Lua for what repeats; the result has connectors.json's shape.
local base = "$URL"
local quick = { "0s", "100ms", "100ms" }
return {
  connectors = {
    desk = {
      type = "http",
      method = "put",
      url = base .. "/accounts/{{account_id}}/tickets/{{payload.title}}?tenant={{tenant}}",
      secrets = { "CRM_TOKEN" },
      headers = { Authorization = "Bearer {{secret.CRM_TOKEN}}", ["X-Tend-Kind"] = "{{kind}}" },
      body = {
        ticket = {
          subject = "Task: {{payload.title}}", owner = "{{payload.owner}}", details = "{{data}}",
          steps = "{{data.steps}}", n = "{{data.n}}", flag = "{{data.flag}}", note = "Q: {{data.quote}}",
          first = "{{data.steps.2}}", fixed = 3, ratio = 0.5, yes = true, id = "{{id}}", attempt = "{{attempt}}",
        },
        tags = { "tend", "{{payload.rule}}" },
      },
      retry = quick,
    },
    flaky = { type = "http", url = base .. "/flaky/2/{{key}}", body = { key = "{{key}}" }, retry = quick, jitter = 0 },
    picky = { type = "http", method = "DELETE", url = base .. "/status/202/{{account_id}}", success = { 200, 409 },
              idempotency_header = "X-Request-Id" },
    dupe = { type = "http", url = base .. "/status/409", success = { 201, 409 }, body = false },
  },
  routes = { task = "desk", webhook = "flaky", ["notify:picky"] = "picky", ["notify:dupe"] = "dupe" },
}
EOF

# 1. The request as declared.
data='{"n": 7, "flag": false, "quote": "say \"hi\"\n", "steps": [1, "two"]}'
queue t1 'acme co/1' task task:1 "{\"kind\":\"task\",\"title\":\"Call back: día 8\",\"owner\":\"csm\",
  \"rule\":\"late_onboarding\",\"key\":\"task:1\",\"data\":$data}"
deliver --tenant t1 --playbook "$pb" || fail "deliver (desk): $(cat "$tmp/err")"
has "$tmp/out" "^tend deliver: 1 sent, 0 to retry, 0 dead-lettered" "desk"
line=$(request /accounts/) || fail "no request reached the receiver: $(cat "$tmp/requests.log")"
IFS=$'\t' read -r method path headers body <<<"$line"
[ "$method" = PUT ] || fail "method: $method"
[ "$path" = "/accounts/acme%20co%2F1/tickets/Call%20back%3A%20d%C3%ADa%208?tenant=t1" ] || fail "path: $path"
id=$(msgid t1 task:1)
for h in "Authorization: Bearer $CRM_TOKEN" "Idempotency-Key: $id" "X-Tend-Kind: task" \
         "Content-Type: application/json" "User-Agent: tend/"; do
  case " | $headers" in *" | $h"*) ;; *) fail "header $h missing: $headers" ;; esac
done
want='{"tags":["tend","late_onboarding"],"ticket":{"attempt":1,"details":{"n":7,"flag":false,"quote":"say \"hi\"\n","steps":[1,"two"]},'
want+='"first":"two","fixed":3,"flag":false,"id":"'$id'","n":7,"note":"Q: say \"hi\"\n","owner":"csm",'
want+='"ratio":0.5,"steps":[1,"two"],"subject":"Task: Call back: día 8","yes":true}}'
[ "$body" = "$want" ] || fail "body:
 got  $body
 want $want"
[ "$(row "status || ' ' || attempts || ' ' || coalesce(last_error, '-')" t1 task:1)" = "sent 1 -" ] || fail "desk row"
[ "$(q "select connector || ' ' || http_status from deliveries where tenant = 't1'")" = "desk 200" ] ||
  fail "desk delivery: $(q "select * from deliveries where tenant = 't1'")"

# 2. Retried with the same Idempotency-Key (the receiver answers 503 twice per key).
queue t1 acme webhook hook:1 '{"kind":"webhook","target":"crm","key":"hook:1"}'
deliver --tenant t1 --playbook "$pb" --drain || fail "deliver (flaky): $(cat "$tmp/err")"
[ "$(row "status || ' ' || attempts" t1 hook:1)" = "sent 3" ] || fail "flaky: $(row "status, attempts, last_error" t1 hook:1)"
[ "$(request /flaky/2/hook%3A1 | wc -l)" = 3 ] || fail "flaky: $(cat "$tmp/requests.log")"
keys=$(request /flaky/2/hook%3A1 | cut -f3 | grep -oE 'Idempotency-Key: [^ ]+' | sort | uniq -c)
[ "$(echo "$keys" | wc -l)" = 1 ] && echo "$keys" | grep -qE "^ +3 Idempotency-Key: $(msgid t1 hook:1)$" ||
  fail "the Idempotency-Key changed between attempts: $keys"
request /flaky/2/hook%3A1 | cut -f4 | sort -u | grep -qxF '{"key":"hook:1"}' || fail "flaky body"

# 3. A path the intent lacks: dead-lettered at once, nothing sent, the reason on record.
before=$(wc -l <"$tmp/requests.log")
queue t2 acme task task:2 '{"kind":"task","title":"No flag","owner":"csm","rule":"r","key":"task:2","data":{"n":1,"steps":[1,2]}}'
queue t2 acme task task:3 '{"kind":"task","owner":"csm","rule":"r","key":"task:3"}'
deliver --tenant t2 --playbook "$pb" || fail "deliver (missing): $(cat "$tmp/err")"
has "$tmp/out" "^tend deliver: 0 sent, 0 to retry, 2 dead-lettered" "missing paths"
[ "$(wc -l <"$tmp/requests.log")" = "$before" ] || fail "a message with a missing path was sent"
[ "$(row "status || ' ' || attempts" t2 task:2)" = "dead 1" ] || fail "missing path: $(row status t2 task:2)"
"$TEND" outbox show "$(row id t2 task:2)" >"$tmp/show" 2>&1 || fail "outbox show: $(cat "$tmp/show")"
has "$tmp/show" "^  status +dead" "show"
has "$tmp/show" "desk +failed .* connector 'desk': body.ticket.flag: \{\{data.flag\}\}: the intent has no data.flag" \
  "show: the reason"
row last_error t2 task:3 | grep -qF "url: {{payload.title}}: the intent has no payload.title" ||
  fail "missing title: $(row last_error t2 task:3)"

# 4. `success`: listed statuses are delivered, a 2xx that is not listed fails.
queue t3 acme notify n:picky '{"kind":"notify","channel":"picky","key":"n:picky"}'
queue t3 acme notify n:dupe '{"kind":"notify","channel":"dupe","key":"n:dupe"}'
deliver --tenant t3 --playbook "$pb" || fail "deliver (success): $(cat "$tmp/err")"
[ "$(row "status || ' ' || last_error" t3 n:picky)" = 'dead HTTP 202 is not listed in "success"' ] ||
  fail "202 not listed: $(row "status, last_error" t3 n:picky)"
[ "$(row status t3 n:dupe)" = sent ] || fail "409 listed: $(row "status, last_error" t3 n:dupe)"
line=$(request /status/202/acme) || fail "picky request"
IFS=$'\t' read -r method path headers body <<<"$line"
[ "$method" = DELETE ] && [ -z "$body" ] || fail "DELETE without a body: $line"
case "$headers" in *"X-Request-Id: $(msgid t3 n:picky)"*) ;; *) fail "idempotency_header: $headers" ;; esac
case "$headers" in *Idempotency-Key*|*application/json*|*Content-Type*) fail "picky headers: $headers" ;; esac
line=$(request /status/409) || fail "dupe request"
IFS=$'\t' read -r method path headers body <<<"$line"
[ "$method" = POST ] && [ -z "$body" ] || fail "body = false: $line"
# No body, no Content-Type (libcurl would otherwise claim a form).
case "$headers" in *Content-Type*) fail "body = false sent a Content-Type: $headers" ;; esac

# 5. connectors.lua mistakes: file:line, exit 3, limits that hold.
bad=$tmp/bad
mkdir -p "$bad"
expect3() { # expect3 WHAT PATTERN: deliver --playbook $bad exits 3 and says PATTERN
  deliver --playbook "$bad"
  local rc=$?
  [ $rc = 3 ] || fail "$1: want exit 3, got $rc: $(cat "$tmp/err")"
  has "$tmp/err" "$2" "$1"
  [ "$(wc -l <"$tmp/err")" = 1 ] || fail "$1: not one line: $(cat "$tmp/err")"
}
printf 'return {\n  connectors = {\n    x = { type = "http" url = "http://a/" },\n  },\n}\n' >"$bad/connectors.lua"
expect3 "a syntax error" "connectors.lua:3: .*expected"
printf 'local t = nil\nreturn {\n  connectors = t.x,\n}\n' >"$bad/connectors.lua"
expect3 "a runtime error" "connectors.lua:3: attempt to index a nil value"
cat >"$bad/connectors.lua" <<'EOF'
return {
  connectors = {
    crm = {
      type = "http",
      url = "http://127.0.0.1:1/{{account_id}}",
      body = {
        subject = "{{acount_id}}",
      },
    },
  },
}
EOF
expect3 "an unknown placeholder" "connectors.lua:7: connector 'crm': body.subject: unknown placeholder \{\{acount_id\}\}"
sed -i 's/{{acount_id}}/{{secret.HOME}}/' "$bad/connectors.lua"
expect3 "an unlisted secret" "connectors.lua:7: connector 'crm': body.subject: \{\{secret.HOME\}\} reads HOME, which is not listed in \"secrets\""
sed -i 's/{{secret.HOME}}/{{payload.x/' "$bad/connectors.lua"
expect3 "an unclosed placeholder" "connectors.lua:3: connector 'crm': body.subject: \"\{\{\" without a closing \"\}\}\""
printf 'return { connectors = { crm = { type = "http", url = "ftp://x/{{id}}" } } }\n' >"$bad/connectors.lua"
expect3 "not http" "connectors.lua:1: connector 'crm': \"url\" must start with http:// or https://"
printf 'return {\n  connectors = {\n    crm = { type = "http",\n      url = "http://x/",\n      timeout = "forever" },\n  },\n}\n' \
  >"$bad/connectors.lua"
expect3 "a bad common setting" "connectors.lua:5: connector 'crm': \"timeout\" must be a duration"
sed -i 's/timeout = "forever"/colour = 3/' "$bad/connectors.lua"
expect3 "an unknown setting" "connectors.lua:5: connector 'crm': unknown setting \"colour\""
printf 'return { connectors = { crm = { type = "http", url = "http://x/", token = "abc" } } }\n' >"$bad/connectors.lua"
expect3 "a secret in the file" "connector 'crm': secrets are read from the environment"
printf 'return { connectors = { crm = { type = "http", url = "http://x/", when = function() end } } }\n' >"$bad/connectors.lua"
expect3 "a function" "connectors.lua: cannot encode settings.connectors.crm.when as JSON"
printf 'return "connectors"\n' >"$bad/connectors.lua"
expect3 "not a table" "connectors.lua: must return a table"
printf 'local n = 0\nwhile true do\n  n = n + 1\nend\n' >"$bad/connectors.lua"
start=$(date +%s)
expect3 "an endless loop" "connectors.lua:[0-9]+: time budget of 2000 ms exceeded"
[ $(($(date +%s) - start)) -lt 30 ] || fail "the endless loop was not stopped in time"
printf 'local t = {}\nfor i = 1, 1e9 do t[i] = ("x"):rep(1 << 20) .. i end\n' >"$bad/connectors.lua"
if [ $VG = 0 ]; then
  expect3 "a memory bomb" "connectors.lua: memory limit of 16 MiB exceeded"
else # valgrind is slow enough that the time budget may run out first
  expect3 "a memory bomb" "connectors.lua(:[0-9]+)?: (memory limit of 16 MiB|time budget of 2000 ms) exceeded"
fi
printf 'local f = io.open("/etc/passwd")\nreturn {}\n' >"$bad/connectors.lua"
expect3 "no io" "connectors.lua:1: attempt to index a nil value \(global 'io'\)"
printf 'return { connectors = { x = { type = "http", url = os.getenv("HOME") } } }\n' >"$bad/connectors.lua"
expect3 "no os" "connectors.lua:1: attempt to index a nil value \(global 'os'\)"
printf 'return {}\n' >"$bad/connectors.lua"
echo '{}' >"$bad/connectors.json"
expect3 "both files" "both connectors.json and connectors.lua: keep one"
rm "$bad/connectors.json"
deliver --playbook "$bad" || fail "an empty connectors.lua: $(cat "$tmp/err")"
CRM_TOKEN= deliver --playbook "$pb"; [ $? = 3 ] || fail "an unset secret: want exit 3"
has "$tmp/err" "connectors.lua:[0-9]+: connector 'desk': the secret variable CRM_TOKEN is not set" "unset secret"

# 6. The secret is never printed, written or stored.
"$TEND" outbox list >"$tmp/list" 2>&1
for f in "$tmp/out" "$tmp/err" "$tmp/show" "$tmp/list"; do
  grep -qF -- "$CRM_TOKEN" "$f" && fail "the secret was printed in $(basename "$f")"
done
grep -rqaF -- "$CRM_TOKEN" "$TEND_HOME" && fail "the secret was written under TEND_HOME: $(grep -rlaF -- "$CRM_TOKEN" "$TEND_HOME")"
q "select o::text from outbox o; select d::text from deliveries d" | grep -qF -- "$CRM_TOKEN" && fail "the secret was stored"
grep -qF -- "$CRM_TOKEN" "$tmp/requests.log" || fail "the receiver never saw the token (the check above proves nothing)"

# 7. The example: the default playbook's nightly CSM follow-ups become helpdesk tickets.
book=$tmp/book
cp -r scripts/default "$book"
cp scripts/examples/connectors/helpdesk.lua "$book/connectors.lua"
"$TEND" check "$book" >"$tmp/check" 2>&1 || fail "tend check with a connectors.lua: $(cat "$tmp/check")"
"${PSQL[@]}" -f tests/integration/load_sample.sql >/dev/null || fail "loading the sample"
"$TEND" run nightly --playbook "$book" --now 2026-11-22T02:00:00Z >"$tmp/run" 2>&1 || fail "run nightly: $(cat "$tmp/run")"
followups=$(q "select count(*) from outbox where tenant = 'default' and kind = 'notify' and payload->>'channel' = 'csm_slack'")
[ "$followups" -gt 0 ] || fail "the nightly run queued no follow-up"
export HELPDESK_URL=$URL/desk HELPDESK_TOKEN=desk-token
deliver --tenant default --playbook "$book" || fail "deliver (helpdesk): $(cat "$tmp/err")"
[ "$(q "select count(*) from outbox o join deliveries d on d.tenant = o.tenant and d.outbox_id = o.id
        where o.tenant = 'default' and o.status = 'sent' and d.connector = 'helpdesk' and d.http_status = 200")" = "$followups" ] ||
  fail "follow-ups through the helpdesk: $(q "select status, last_error from outbox where tenant = 'default'")"
[ "$(request /desk/api/v2/accounts/ | wc -l)" = "$followups" ] || fail "one request per follow-up"
request /desk/api/v2/accounts/ | head -1 | grep -qE $'^POST\t/desk/api/v2/accounts/[a-z0-9-]+/tickets\t.*Authorization: Bearer desk-token.*X-Tend-Rule: [a-z0-9_]+.*\t\\{"ticket":\\{"account":"[a-z0-9-]+","assignee_group":"csm","details":\\{.*"kind": ?"notify".*\\},"external_id":"msg_[0-9a-f]{32}","priority":2,"subject":"[^"]+","tags":\\["tend","notify"\\]\\}\\}$' ||
  fail "helpdesk request: $(request /desk/api/v2/accounts/ | head -1)"
[ "$(q "select count(*) from outbox where tenant = 'default' and kind <> 'notify' and status = 'sent'")" -gt 0 ] ||
  fail "the other intents did not go to the file connector"
echo "deliver-http: all checks passed"
