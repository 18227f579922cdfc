#!/usr/bin/env bash
# tend deliver through the slack connector to the test receiver on 127.0.0.1
# (tests/integration/deliver_receiver.c) standing in for a Slack incoming
# webhook; an embedded PostgreSQL in a temporary TEND_HOME; everything
# stopped and removed even when a check fails.
#   1. what `tend eval` renders is what is posted: {"text", "blocks"} with
#      the localized default line (account, rule, why) or the playbook's
#      text, escaped for Slack's mrkdwn, and a context block
#   2. Slack's 404 no_service holds the connector's rows; 429 is retried
#   3. the webhook URL (a secret) comes from the environment only and is
#      never printed nor stored; settings errors exit 3
# Run from the repository root: deliver_slack.sh TEND RECEIVER [--valgrind]
set -uo pipefail
TEND=$1 RECEIVER=$2
. tests/integration/lib_cluster.sh
tend_under_valgrind "${3:-}"
PY=/usr/bin/python3
cluster_home slack
rpid=
PSQL=(psql -h "$TEND_HOME/pg/data" -U tend -d tend -q -t -A -v ON_ERROR_STOP=1)
q() { "${PSQL[@]}" -c "$1"; }
row() { q "select $1 from outbox where tenant = '$2' and dedupe_key = '$3'"; }
deliver() { "${T[@]}" deliver "$@" >"$tmp/out" 2>"$tmp/err"; }
has() { grep -qE -- "$2" "$1" || fail "$3: no /$2/ in: $(cat "$1")"; }

"$RECEIVER" --port-file "$tmp/port" --log "$tmp/recv.log" >/dev/null &
rpid=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
[ -s "$tmp/port" ] || fail "the receiver did not start"
URL=http://127.0.0.1:$(cat "$tmp/port")
export SLACK_URL=$URL/services/T0TEND/B0TEND/s3cretT0ken SLACK_GONE_URL=$URL/status/404/body/no_service
export SLACK_BUSY_URL=$URL/status/429/retry-after/1

"$TEND" db up >/dev/null 2>&1 || fail "tend db up"
q "insert into tenants (id) values ('t1'), ('t2') on conflict do nothing" || fail tenants

mkdir -p "$tmp/pb"
cat >"$tmp/pb/rules.lua" <<'EOF'
segment "all" { touch = "tech" }
rule "idle" {
  when = function(a, t) return t.days_since("login") >= 7, "no login for a week" end,
  actions = {
    notify { channel = "csm_slack" },
    notify { channel = "ops", text = function(a) return a.name .. " <b>needs</b> a call & a plan" end },
  },
}
EOF
printf '%s\n' '{"id":"acme","name":"Padaria Açúcar","locale":"pt-BR"}' >"$tmp/accounts.jsonl"
"$TEND" eval --playbook "$tmp/pb" --accounts "$tmp/accounts.jsonl" --now 2026-11-22T02:00:00Z >"$tmp/eval.jsonl" ||
  fail "tend eval: $(cat "$tmp/eval.jsonl")"
queue() {
  $PY - "$tmp/eval.jsonl" "$1" >"$tmp/queue.sql" <<'EOF'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    for a in r["actions"]:
        print("insert into outbox (tenant, dedupe_key, account_id, kind, payload) values "
              "('%s', $k$%s$k$, '%s', '%s', $j$%s$j$);" % (sys.argv[2], a["key"], r["account_id"], a["kind"], json.dumps(a)))
EOF
  "${PSQL[@]}" -f "$tmp/queue.sql" || fail "queue $1"
}
cat >"$tmp/connectors.json" <<'EOF'
{"connectors": {"slack": {"type": "slack", "url_env": "SLACK_URL"},
                "gone": {"type": "slack", "url_env": "SLACK_GONE_URL"},
                "busy": {"type": "slack", "url_env": "SLACK_BUSY_URL", "retry": ["0s", "100ms"]}},
 "routes": {"notify": "slack"}}
EOF

# 1. Posted: text and blocks.
queue t1
deliver --tenant t1 --connectors "$tmp/connectors.json" || fail "deliver: $(cat "$tmp/err")"
has "$tmp/out" "^tend deliver: 2 sent, 0 to retry, 0 dead-lettered" "slack"
grep $'\t/services/T0TEND/B0TEND/s3cretT0ken\t' "$tmp/recv.log" | cut -f8 >"$tmp/posted.jsonl"
$PY - "$tmp/posted.jsonl" <<'EOF' || fail "what was posted: $(cat "$tmp/posted.jsonl")"
import json, sys
posted = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert len(posted) == 2, posted
by = {p["text"]: p for p in posted}
default = by["Padaria Açúcar: a regra idle disparou (no login for a week)"]
assert default["blocks"][0] == {"type": "section", "text": {"type": "mrkdwn", "text": default["text"]}}, default
ctx = default["blocks"][1]
assert ctx["type"] == "context" and ctx["elements"][0]["type"] == "mrkdwn", ctx
assert "account `acme`" in ctx["elements"][0]["text"] and "rule `idle`" in ctx["elements"][0]["text"], ctx
assert "tenant `t1`" in ctx["elements"][0]["text"], ctx
given = by["Padaria Açúcar &lt;b&gt;needs&lt;/b&gt; a call &amp; a plan"]
assert given["blocks"][0]["text"]["text"] == given["text"], given
EOF

# 2. Slack's answers: 404 no_service holds the rows; 429 is retried after Retry-After.
queue t2
q "update outbox set connector = 'gone' where tenant = 't2' and dedupe_key like 'notify:csm_slack:%'"
q "update outbox set connector = 'busy' where tenant = 't2' and dedupe_key like 'notify:ops:%'"
deliver --tenant t2 --drain --connectors "$tmp/connectors.json" || fail "deliver (answers): $(cat "$tmp/err")"
has "$tmp/out" "^tend deliver: 0 sent, 1 to retry, 1 dead-lettered, 1 held" "answers"
[ "$(row "status || ' ' || held_by || ' ' || last_error" t2 notify:csm_slack:acme:2026-11-22)" = \
  "pending gone HTTP 404: no_service" ] || fail "no_service: $(row "status, held_by, last_error" t2 notify:csm_slack:acme:2026-11-22)"
[ "$(row "status || ' ' || attempts || ' ' || last_error" t2 notify:ops:acme:2026-11-22)" = "dead 2 HTTP 429: no" ] ||
  fail "429: $(row "status, attempts, last_error" t2 notify:ops:acme:2026-11-22)"

# 3. The URL is a secret: never in the file, never printed nor stored.
printf '{"connectors": {"s": {"type": "slack", "url": "%s"}}}' "$SLACK_URL" >"$tmp/bad.json"
deliver --connectors "$tmp/bad.json"; [ $? = 3 ] || fail "a URL in the file: want exit 3"
has "$tmp/err" "connector 's': a Slack webhook URL is a secret" "url in the file"
printf '{"connectors": {"s": {"type": "slack", "url_env": "NOPE_UNSET"}}}' >"$tmp/bad.json"
deliver --connectors "$tmp/bad.json"; [ $? = 3 ] || fail "an unset variable: want exit 3"
has "$tmp/err" "the URL variable NOPE_UNSET is not set" "unset url_env"
grep -qF s3cretT0ken "$tmp/err" && fail "the URL was printed"
q "select o::text from outbox o; select d::text from deliveries d" | grep -qF s3cretT0ken && fail "the URL was stored"
echo "deliver_slack: ok"
