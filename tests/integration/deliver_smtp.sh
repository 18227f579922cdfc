#!/usr/bin/env bash
# tend deliver through the smtp connector to a real SMTP server on 127.0.0.1
# (aiosmtpd, tests/integration/smtp_sink.py) that requires STARTTLS (a
# throwaway self-signed certificate made here with openssl) and a login;
# an embedded PostgreSQL in a temporary TEND_HOME; everything stopped and
# removed even when a check fails.
#   1. what `tend eval` renders is what arrives: MAIL FROM, RCPT TO, the
#      multipart/alternative body (text/plain and text/html, UTF-8), the
#      RFC 2047 subject decoded back to the pt-BR text with its accents, the
#      Message-ID derived from the message id; over TLS, logged in
#   2. 451 at RCPT retried on the schedule, then sent with the same Message-ID
#   3. 550 at RCPT and 554 after DATA dead-lettered at once, the reply kept
#   4. an intent that could not be rendered is dead-lettered, never sent
#   5. kept-alive connections: many messages over few connections
#   6. a wrong password (535) holds the connector's rows; starttls refuses a
#      server that offers no TLS; smtps:// (TLS from the start) with a login;
#      the password is never printed nor stored
#   7. settings errors (exit 3)
# Run from the repository root: deliver_smtp.sh TEND [--valgrind]
set -uo pipefail
TEND=$1
. tests/integration/lib_cluster.sh
tend_under_valgrind "${2:-}"
PY=/usr/bin/python3
SINK=$PWD/tests/integration/smtp_sink.py
cluster_home smtp
pids=()
$PY -c 'import aiosmtpd' 2>/dev/null || fail "python3-aiosmtpd is not installed (deploy/deps.sh installs it)"
PSQL=(psql -h "$TEND_HOME/pg/data" -U tend -d tend -q -t -A -v ON_ERROR_STOP=1)
q() { "${PSQL[@]}" -c "$1"; }
row() { q "select $1 from outbox where tenant = '$2' and dedupe_key = '$3'"; }
msgid() { printf 'msg_%s' "$(printf '%s\n%s' "$1" "$2" | sha256sum | cut -c1-32)"; }
deliver() { "${T[@]}" deliver "$@" >"$tmp/out" 2>"$tmp/err"; }
has() { grep -qE -- "$2" "$1" || fail "$3: no /$2/ in: $(cat "$1")"; }

# sink NAME [ARGS...]: starts an SMTP server; its port in $tmp/NAME.port
sink() {
  local name=$1
  shift
  $PY "$SINK" --port-file "$tmp/$name.port" --log "$tmp/$name.log" "$@" 2>"$tmp/$name.err" &
  pids+=($!)
  for _ in $(seq 100); do [ -s "$tmp/$name.port" ] && return 0; sleep 0.05; done
  fail "the SMTP server $name did not start: $(cat "$tmp/$name.err")"
}

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" -days 1 \
  -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1 || fail "openssl req"
export SMTP_PASSWORD='s3cret-pässword' WRONG_PASSWORD=not-it
sink tls --cert "$tmp/cert.pem" --key "$tmp/key.pem" --auth "cs@tend.example:$SMTP_PASSWORD"
sink plain
sink implicit --smtps --cert "$tmp/cert.pem" --key "$tmp/key.pem" --auth "cs@tend.example:$SMTP_PASSWORD"
TLS=smtp://127.0.0.1:$(cat "$tmp/tls.port") PLAIN=smtp://127.0.0.1:$(cat "$tmp/plain.port")
SMTPS=smtps://127.0.0.1:$(cat "$tmp/implicit.port")

"$TEND" db up >/dev/null 2>&1 || fail "tend db up"
q "insert into tenants (id) values ('t1'), ('t2'), ('t3'), ('t4'), ('t5') on conflict do nothing" || fail tenants

# The intents come from tend eval: a playbook that sends two catalogue emails.
mkdir -p "$tmp/pb"
cat >"$tmp/pb/rules.lua" <<'EOF'
segment "all" { touch = "tech" }
rule "idle" {
  when = function(a, t) return t.days_since("login") >= 7, "no login for a week" end,
  actions = {
    email "reengagement" { data = { days_idle = 8 } },
    email "weekly_summary" { data = { week_summary = { "3 logins", "2 of 5 users <active> & counting" } } },
  },
}
EOF
cat >"$tmp/accounts.jsonl" <<'EOF'
{"id":"acme","name":"Padaria Açúcar & Cia","locale":"pt-BR","champion":"joao.silva@acme.example","champion_name":"João","csm":"ana@cs.example","help_link":"https://help.example/começar?x=1&y=2"}
{"id":"busy","name":"Busy","champion":"tempfail-2@busy.example","csm":"ana@cs.example","help_link":"https://help.example/start"}
{"id":"gone","name":"Gone","champion":"reject@gone.example","csm":"ana@cs.example","help_link":"https://help.example/start"}
{"id":"spam","name":"Spam","champion":"datafail@spam.example","csm":"ana@cs.example","help_link":"https://help.example/start"}
{"id":"anon","name":"Anon","locale":"es"}
EOF
for i in $(seq 12); do
  printf '{"id":"many%d","name":"Many %d","locale":"es","champion":"c%d@many.example","csm":"lucia@cs.example","help_link":"https://help.example/%d"}\n' \
    "$i" "$i" "$i" "$i" >>"$tmp/accounts.jsonl"
done
"$TEND" eval --playbook "$tmp/pb" --accounts "$tmp/accounts.jsonl" --now 2026-11-22T02:00:00Z >"$tmp/eval.jsonl" ||
  fail "tend eval: $(cat "$tmp/eval.jsonl")"
# queue TENANT ACCOUNT-PREFIX: the email intents of those accounts, as tend run nightly writes them
queue() {
  $PY - "$tmp/eval.jsonl" "$1" "$2" >"$tmp/queue.sql" <<'EOF'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    if not r["account_id"].startswith(sys.argv[3]):
        continue
    for a in r["actions"]:
        if a["kind"] == "email":
            print("insert into outbox (tenant, dedupe_key, account_id, kind, payload) values "
                  "('%s', $k$%s$k$, '%s', 'email', $j$%s$j$);" % (sys.argv[2], a["key"], r["account_id"], json.dumps(a)))
EOF
  "${PSQL[@]}" -f "$tmp/queue.sql" || fail "queue $1 $2"
}
# received N: the messages the TLS server accepted, parsed (one JSON line each)
received() {
  $PY - "$tmp/tls.log" <<'EOF'
import email, email.policy, json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    m = email.message_from_string(r["data"], policy=email.policy.default)
    parts = [(p.get_content_type(), p.get_content_charset(), p["Content-Transfer-Encoding"], p.get_content())
             for p in m.iter_parts()] if m.is_multipart() else []
    print(json.dumps({"from": r["mail_from"], "to": r["rcpt_tos"], "tls": r["tls"], "auth": r["auth"],
                      "peer": r["peer"], "subject": str(m["subject"]), "raw_subject": r["data"].split("Subject: ")[1].split("\r\nMessage-ID")[0],
                      "message_id": m["message-id"], "type": m.get_content_type(), "header_from": str(m["from"]),
                      "header_to": str(m["to"]), "date": str(m["date"]), "parts": parts}, ensure_ascii=False))
EOF
}
cat >"$tmp/connectors.json" <<EOF
{"connectors": {"mail": {"type": "smtp", "url": "$TLS", "from": "Customer Success <cs@tend.example>",
                         "starttls": true, "ca_file": "$tmp/cert.pem",
                         "username": "cs@tend.example", "secret_env": "SMTP_PASSWORD",
                         "retry": ["0s", "300ms", "300ms"]}},
 "routes": {"email": "mail"}}
EOF

# 1-4. One run: rendered messages arrive; 451 retried; 550/554 and unrenderable dead.
queue t1 acme
queue t1 busy
queue t1 gone
queue t1 spam
queue t1 anon
deliver --tenant t1 --drain --connectors "$tmp/connectors.json" || fail "deliver: $(cat "$tmp/err")"
has "$tmp/out" "^tend deliver: 4 sent, 2 to retry, 6 dead-lettered, 0 held" "the run"
received >"$tmp/got.jsonl" || fail "parsing what arrived"
[ "$(wc -l <"$tmp/got.jsonl")" = 4 ] || fail "4 messages should have arrived: $(cat "$tmp/got.jsonl")"
$PY - "$tmp/got.jsonl" "$(msgid t1 reengagement:acme:2026-11-22)" "$(msgid t1 reengagement:busy:2026-11-22)" \
  "$(msgid t1 weekly_summary:busy:2026-11-22)" <<'EOF' || fail "what arrived"
import json, sys
got = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
def check(cond, what):
    if not cond:
        sys.exit("%s: %s" % (what, json.dumps(got, ensure_ascii=False, indent=1)))
by = {(g["to"][0], g["subject"]): g for g in got}
m = by.get(("joao.silva@acme.example", "Podemos ajudar vocês a começar, João?"))
check(m is not None, "the pt-BR re-engagement, subject decoded with its accents")
check(m["from"] == "cs@tend.example" and m["header_from"] == "Customer Success <cs@tend.example>", "MAIL FROM / From")
check(m["tls"] is True and m["auth"] == "cs@tend.example", "STARTTLS and login")
check(m["raw_subject"].startswith("=?UTF-8?B?"), "RFC 2047 encoded subject")
check(m["message_id"] == "<%s@tend.example>" % sys.argv[2], "Message-ID derived from the message id")
check(m["type"] == "multipart/alternative", "multipart/alternative")
check([p[0] for p in m["parts"]] == ["text/plain", "text/html"], "text then HTML")
check(all(p[1] == "utf-8" for p in m["parts"]), "UTF-8 parts")
text, html = (p[3].replace("\r\n", "\n") for p in m["parts"])
check("ninguém da Padaria Açúcar & Cia acessa a plataforma há 8 dias" in text, "the text part")
check(text.endswith("Abraços,\nAna"), "signed by the CSM")
check("<p>Olá, João,</p>" in html, "the HTML greeting paragraph")
check("Padaria Açúcar &amp; Cia" in html, "HTML escaped")
check('<a href="https://help.example/começar?x=1&amp;y=2">' in html, "the link clickable")
check("<p>Abraços,<br>\nAna</p>" in html, "line breaks kept in a paragraph")
w = by.get(("joao.silva@acme.example", "Padaria Açúcar & Cia: o resumo da sua semana"))
check(w is not None, "the weekly summary")
wh = w["parts"][1][3].replace("\r\n", "\n")
check("<ul>\n<li>3 logins</li>\n<li>2 of 5 users &lt;active&gt; &amp; counting</li>\n</ul>" in wh, "a list as <ul>, escaped")
b = [g for g in got if g["to"] == ["tempfail-2@busy.example"]]
check(len(b) == 2, "both of busy's messages after the 451s")
check(sorted(g["message_id"] for g in b) == sorted("<%s@tend.example>" % i for i in sys.argv[3:5]),
      "retried messages keep their Message-ID")
check(all(g["subject"].isascii() and "=?" not in g["raw_subject"] for g in b), "an ASCII subject is sent as is")
EOF
# The server refuses tempfail-2@ twice in all: one row or both were retried.
[ "$(q "select string_agg(status, ',') || ' ' || sum(attempts) from outbox where tenant = 't1' and account_id = 'busy'")" = \
  "sent,sent 4" ] || fail "451 twice, then sent: $(q "select * from outbox where account_id = 'busy'")"
for t in reengagement weekly_summary; do
  [ "$(row "status || ' ' || attempts || ' ' || last_error" t1 "$t:gone:2026-11-22")" = \
    "dead 1 SMTP 550 5.1.1 No such user here" ] || fail "550: $(row "status, attempts, last_error" t1 "$t:gone:2026-11-22")"
  [ "$(row "status || ' ' || attempts" t1 "$t:spam:2026-11-22")" = "dead 1" ] ||
    fail "554 after DATA: $(row "status, attempts, last_error" t1 "$t:spam:2026-11-22")"
  row last_error t1 "$t:spam:2026-11-22" | grep -q "^SMTP 554" || fail "554: $(row last_error t1 "$t:spam:2026-11-22")"
  [ "$(row "status || ' ' || attempts" t1 "$t:anon:2026-11-22")" = "dead 1" ] || fail "unrenderable: not dead at once"
  row last_error t1 "$t:anon:2026-11-22" | grep -q "no message to send: no address: the account's 'champion'" ||
    fail "unrenderable: $(row last_error t1 "$t:anon:2026-11-22")"
done
[ "$(q "select string_agg(http_status::text, ',' order by d.started_at, d.attempt) from deliveries d join outbox o
        on o.tenant = d.tenant and o.id = d.outbox_id where o.tenant = 't1' and o.account_id = 'busy'
        and d.http_status <> 250")" = 451,451 ] || fail "the SMTP reply codes are recorded"

# 5. Many messages, few connections.
queue t2 many
deliver --tenant t2 --concurrency 4 --connectors "$tmp/connectors.json" || fail "deliver (many): $(cat "$tmp/err")"
has "$tmp/out" "^tend deliver: 24 sent" "many"
received | grep -c '"to": \["c[0-9]*@many' | grep -qx 24 || fail "24 messages for many*"
conns=$(received | grep '@many' | $PY -c 'import json,sys; print(len({json.loads(l)["peer"] for l in sys.stdin}))')
[ "$conns" -le 8 ] || fail "$conns connections for 24 messages at concurrency 4: not kept alive"
echo "smtp: 24 messages over $conns connections (concurrency 4)"

# 6. A wrong password holds the rows; STARTTLS is required when configured.
sed "s/SMTP_PASSWORD/WRONG_PASSWORD/" "$tmp/connectors.json" >"$tmp/wrong.json"
queue t3 acme
deliver --tenant t3 --connectors "$tmp/wrong.json" || fail "deliver (wrong password): $(cat "$tmp/err")"
has "$tmp/out" "^tend deliver: 0 sent, 0 to retry, 0 dead-lettered, [12] held" "wrong password"
[ "$(row "status || ' ' || held_by" t3 reengagement:acme:2026-11-22)" = "pending mail" ] ||
  fail "535: $(row "status, held_by, last_error" t3 reengagement:acme:2026-11-22)"
row last_error t3 reengagement:acme:2026-11-22 | grep -q "^SMTP 535" || fail "535: $(row last_error t3 reengagement:acme:2026-11-22)"
"$TEND" outbox enable mail >/dev/null 2>&1 || fail "outbox enable"
deliver --tenant t3 --connectors "$tmp/connectors.json" || fail "deliver (enabled): $(cat "$tmp/err")"
[ "$(q "select string_agg(status, ',') from outbox where tenant = 't3'")" = sent,sent ] || fail "after enable"
sed "s#$TLS#$PLAIN#" "$tmp/connectors.json" >"$tmp/plain.json"
queue t4 acme
deliver --tenant t4 --connectors "$tmp/plain.json" || fail "deliver (no TLS offered): $(cat "$tmp/err")"
has "$tmp/out" "^tend deliver: 0 sent, 2 to retry" "no TLS offered"
row last_error t4 reengagement:acme:2026-11-22 | grep -qi "tls\|ssl" || fail "no TLS: $(row last_error t4 reengagement:acme:2026-11-22)"
[ -s "$tmp/plain.log" ] && fail "a message went out without TLS"
sed "s#$TLS#$SMTPS#; s#\"starttls\": true#\"starttls\": false#" "$tmp/connectors.json" >"$tmp/smtps.json"
queue t5 acme
deliver --tenant t5 --connectors "$tmp/smtps.json" || fail "deliver (smtps): $(cat "$tmp/err")"
has "$tmp/out" "^tend deliver: 2 sent" "smtps"
[ "$(grep -c '"tls": true, "auth": "cs@tend.example"' "$tmp/implicit.log")" = 2 ] || fail "smtps: $(cat "$tmp/implicit.log")"
for s in "$SMTP_PASSWORD" "$(printf '\0cs@tend.example\0%s' "$SMTP_PASSWORD" | base64)"; do
  grep -rqF -- "$s" "$tmp/out" "$tmp/err" && fail "the password was printed"
  q "select o::text from outbox o; select d::text from deliveries d" | grep -qF -- "$s" && fail "the password was stored"
done

# 7. Settings: one line naming the connector and the setting, exit 3.
bad() {
  printf '{"connectors": {"mail": %s}, "routes": {"email": "mail"}}' "$1" >"$tmp/bad.json"
  deliver --tenant t1 --connectors "$tmp/bad.json"
  [ $? = 3 ] || fail "$1: want exit 3"
  has "$tmp/err" "$2" "$1"
}
bad '{"type": "smtp", "url": "'"$TLS"'", "from": "cs@tend.example", "password": "x"}' \
  "connector 'mail': passwords are read from the environment"
bad '{"type": "smtp", "url": "http://127.0.0.1/", "from": "cs@tend.example"}' "needs an smtp:// or smtps://"
bad '{"type": "smtp", "url": "'"$TLS"'"}' "needs \"from\""
bad '{"type": "smtp", "url": "'"$TLS"'", "from": "cs@tend.example", "starttls": "yes"}' "\"starttls\" must be true or false"
bad '{"type": "smtp", "url": "'"$TLS"'", "from": "cs@tend.example", "username": "u", "secret_env": "NOPE_UNSET"}' \
  "the secret variable NOPE_UNSET is not set"
bad '{"type": "smtp", "url": "'"$TLS"'", "from": "cs@tend.example", "tls": true}' "unknown setting \"tls\""
echo "deliver_smtp: ok"
