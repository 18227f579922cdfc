#!/usr/bin/env bash
# The playbook's send policy, applied by tend deliver, against a real
# PostgreSQL (an embedded cluster in a temporary TEND_HOME, stopped and
# removed even when a check fails). The clock is `tend deliver --now`, with
# rows queued (by tend run nightly, or in SQL) due in the past, so nothing
# waits for real time.
#   1. caps per contact (emails, across rules and across accounts) and per
#      account (every kind): oldest intents pass, the rest are capped with
#      the reason, never delivered; a row one cap stops does not use up
#      another cap's room
#   2. quiet hours in the account's zone (attrs.timezone): a message due at
#      23:00 local waits, unsent, until 08:00 local, then goes; an account
#      without a zone gets the policy's default; an unknown zone is reported
#      and the default used; kinds the quiet hours do not name go at night
#   3. tend explain and tend outbox show held and capped rows with reasons
#   4. the window rolls: a week later the contact gets mail again
#   5. two deliverers at once admit exactly the cap
#   6. nothing lost, nothing twice: rows by status add up, one file line per
#      sent row, no delivery recorded for a held or capped row
#   7. no policy: nothing held; a zone the database does not know: exit 3
# Run from the repository root: deliver_policy.sh TEND [--valgrind]
set -uo pipefail
TEND=$1
. tests/integration/lib_cluster.sh
tend_under_valgrind "${2:-}"
cluster_home policy
PSQL=(psql -h "$TEND_HOME/pg/data" -U tend -d tend -q -t -A -v ON_ERROR_STOP=1)
q() { "${PSQL[@]}" -c "$1"; }
deliver() { "${T[@]}" deliver --playbook "$PB" "$@" >"$tmp/out" 2>"$tmp/err"; }
has() { grep -qE -- "$2" "$1" || fail "$3: no /$2/ in: $(cat "$1")"; }
# key ACCOUNT TEMPLATE: the dedupe key of an email the nightly run queued
status_of() { q "select status from outbox where dedupe_key = '$1'"; }
# queue ACCOUNT KEY DUE [KIND]: an email to the champion, as the nightly run writes it
queue() {
  q "insert into outbox (tenant, dedupe_key, account_id, kind, payload, next_attempt_at) values ('default', '$2', '$1',
     '${4:-email}', jsonb_build_object('kind', '${4:-email}', 'template', 'welcome', 'to', 'champion', 'key', '$2'),
     '$3')"
}

# The playbook: seven intents per account from seven rules, and the policy.
PB=$tmp/pb
mkdir -p "$PB/templates/en"
for t in one two three four; do printf 'Subject: %s\n\nHello {{account.name}}.\n' "$t" >"$PB/templates/en/$t.txt"; done
cat >"$PB/rules.lua" <<'EOF'
segment "all" { touch = "tech" }
local function mine(a) return a.id ~= "acme-eu" and a.id ~= "gamma" end
rule "r1" { when = mine, actions = { email "one" } }
rule "r2" { when = mine, actions = { email "two" } }
rule "r3" { when = mine, actions = { email "three" } }
rule "r4" { when = mine, actions = { email "four" } }
rule "r5" { when = mine, actions = { notify { channel = "cs_alerts", to = "champion" } } }
rule "r6" { when = mine, actions = { webhook "crm" } }
rule "r7" { when = mine, actions = { notify { channel = "cs_digest" } } }
send_policy {
  cap { per = "contact", kind = "email", max = 3, within = "7d" },
  cap { per = "account", max = 5, within = "1d" },
  quiet_hours { from = "20:00", to = "08:00", timezone = "America/Sao_Paulo", kind = { "email", "notify" } },
}
EOF
"$TEND" check "$PB" >"$tmp/out" 2>&1 || fail "tend check: $(cat "$tmp/out")"
has "$tmp/out" "^send_policy  at most 3 email per contact per 7d; at most 5 messages per account per 1d; quiet hours 20:00-08:00 for email/notify \(default zone America/Sao_Paulo\)" "check"

"$TEND" db up >/dev/null 2>&1 || fail "tend db up"
# acme and acme-eu share a champion; acme is in Tokyo (UTC+9), beta has no
# zone (the default: Sao Paulo, UTC-3), mars has one nobody knows.
q "insert into accounts (tenant, id, name, champion, attrs) values
   ('default', 'acme', 'Acme', 'Joao@Acme.example', '{\"timezone\": \"Asia/Tokyo\"}'),
   ('default', 'acme-eu', 'Acme EU', 'joao@acme.example', '{\"timezone\": \"Asia/Tokyo\"}'),
   ('default', 'beta', 'Beta', 'bia@beta.example', '{}'),
   ('default', 'mars', 'Mars', 'zed@mars.example', '{\"timezone\": \"Mars/Olympus\"}'),
   ('default', 'gamma', 'Gamma', 'gil@gamma.example', '{\"timezone\": \"Asia/Tokyo\"}')" || fail accounts
"$TEND" run nightly --playbook "$PB" --now 2026-01-05T02:00:00Z >"$tmp/out" 2>&1 || fail "nightly: $(cat "$tmp/out")"
[ "$(q "select count(*) from outbox")" = 21 ] || fail "nightly queued $(q "select count(*) from outbox") rows, not 21"
# Queued at 02:00 UTC, in intent order; one email to the shared champion from acme-eu.
q "update outbox set next_attempt_at = '2026-01-05T02:00:00Z', created_at = '2026-01-05T02:00:00Z'"
queue acme-eu eu:1 2026-01-05T02:00:01Z
q "update outbox set created_at = '2026-01-05T02:00:01Z' where dedupe_key = 'eu:1'"
key() { q "select dedupe_key from outbox where account_id = '$1' and (payload->>'template' = '$2' or payload->>'channel' = '$2' or payload->>'target' = '$2')"; }

# 1 + 2. 03:00 UTC: noon in Tokyo, midnight in Sao Paulo.
deliver --now 2026-01-05T03:00:00Z --verbose || fail "deliver at 03:00: $(cat "$tmp/err")"
has "$tmp/out" "^quiet +[0-9]+ $(key beta one): quiet hours 20:00–08:00 America/Sao_Paulo: held until" "--verbose: a held row"
# acme: 3 emails + r5 + r6 sent; email four capped (contact), r7 capped (account: 5 already);
# beta and mars: their webhooks go (quiet hours name email and notify only), the rest wait.
has "$tmp/out" "^tend deliver: 7 sent, 0 to retry, 0 dead-lettered, 0 held, 3 capped, 12 in quiet hours" "03:00"
has "$tmp/err" "account mars \(tenant default\): attrs.timezone 'Mars/Olympus' is not a time zone the database knows; quiet hours use the policy's default, America/Sao_Paulo" "unknown zone"
for t in one two three cs_alerts crm; do [ "$(status_of "$(key acme $t)")" = sent ] || fail "acme $t: $(status_of "$(key acme $t)")"; done
[ "$(status_of "$(key acme four)")" = capped ] || fail "acme four: $(status_of "$(key acme four)")"
[ "$(status_of "$(key acme cs_digest)")" = capped ] || fail "acme cs_digest: $(status_of "$(key acme cs_digest)")"
[ "$(status_of eu:1)" = capped ] || fail "the shared champion's 4th email (from another account): $(status_of eu:1)"
reason() { q "select policy_reason from outbox where dedupe_key = '$1'"; }
[ "$(reason "$(key acme four)")" = "capped: at most 3 email per contact per 7d ($PB/rules.lua:11), and contact joao@acme.example already had 3 in that window" ] ||
  fail "reason: $(reason "$(key acme four)")"
reason "$(key acme cs_digest)" | grep -qF "capped: at most 5 messages per account per 1d ($PB/rules.lua:12), and account acme already had 5" ||
  fail "account cap reason: $(reason "$(key acme cs_digest)")"
[ "$(status_of "$(key beta crm)")" = sent ] || fail "beta's webhook at night: $(status_of "$(key beta crm)")"
want="pending 0 2026-01-05 11:00:00+00 2026-01-05 11:00:00+00"
for a in beta mars; do
  for t in one two three four cs_alerts cs_digest; do
    k=$(key $a $t)
    got=$(q "select status || ' ' || attempts || ' ' || next_attempt_at || ' ' || held_until from outbox where dedupe_key = '$k'")
    [ "$got" = "$want" ] || fail "$a $t held: $got"
  done
done
[ "$(reason "$(key beta one)")" = "quiet hours 20:00–08:00 America/Sao_Paulo: held until 2026-01-05 08:00 local (2026-01-05T11:00:00Z); the account has no attrs.timezone: the policy's default zone" ] ||
  fail "beta's hold: $(reason "$(key beta one)")"
reason "$(key mars one)" | grep -qF "; attrs.timezone 'Mars/Olympus' is not a known time zone: the policy's default zone" ||
  fail "mars's hold: $(reason "$(key mars one)")"
[ "$(q "select count(*) from deliveries d join outbox o on o.tenant = d.tenant and o.id = d.outbox_id
        where o.status = 'capped' or o.held_until is not null")" = 0 ] || fail "a held or capped row has a delivery"

# 3. What a person sees.
"$TEND" explain acme >"$tmp/out" 2>&1 || fail "explain acme: $(cat "$tmp/out")"
has "$tmp/out" "^    outbox #[0-9]+ \(run [0-9]+\): capped, never sent: capped: at most 3 email per contact per 7d" "explain: capped"
has "$tmp/out" "^    outbox #[0-9]+ \(run [0-9]+\): sent " "explain: sent"
"$TEND" explain beta >"$tmp/out" 2>&1 || fail "explain beta: $(cat "$tmp/out")"
has "$tmp/out" "^    outbox #[0-9]+ \(run [0-9]+\): held until 2026-01-05T11:00:00Z \(quiet hours 20:00–08:00 America/Sao_Paulo: held until 2026-01-05 08:00 local" "explain: held"
"$TEND" explain beta --format json >"$tmp/out" 2>&1 || fail "explain --format json"
has "$tmp/out" '"held_until":"2026-01-05T11:00:00Z"' "explain json: held_until"
has "$tmp/out" '"policy_reason":"quiet hours' "explain json: policy_reason"
"$TEND" outbox list --status capped >"$tmp/out" 2>&1 || fail "outbox list --status capped"
[ "$(grep -c ' capped ' "$tmp/out")" = 3 ] || fail "outbox list --status capped: $(cat "$tmp/out")"
has "$tmp/out" "capped: at most" "outbox list: the reason"
"$TEND" outbox list --status quiet >"$tmp/out" 2>&1 || fail "outbox list --status quiet"
[ "$(grep -c ' quiet ' "$tmp/out")" = 12 ] || fail "outbox list --status quiet: $(cat "$tmp/out")"
"$TEND" outbox show "$(q "select id from outbox where dedupe_key = '$(key beta one)'")" >"$tmp/out" 2>&1 || fail "outbox show"
has "$tmp/out" "^  status +quiet: held until 2026-01-05 11:00:00 by the send policy" "show: held"
has "$tmp/out" "^  policy +quiet hours 20:00–08:00 America/Sao_Paulo" "show: the reason"
"$TEND" outbox show "$(q "select id from outbox where dedupe_key = 'eu:1'")" >"$tmp/out" 2>&1 || fail "outbox show"
has "$tmp/out" "^  status +capped by the send policy: never sent" "show: capped"

# 2. A minute before 08:00 in Sao Paulo nothing goes; at 08:00 the held rows do.
deliver --now 2026-01-05T10:59:00Z --verbose || fail "deliver at 10:59: $(cat "$tmp/err")"
has "$tmp/out" "^tend deliver: 0 sent, 0 to retry, 0 dead-lettered, 0 held, 0 capped, 0 in quiet hours" "10:59"
deliver --now 2026-01-05T11:00:00Z --verbose || fail "deliver at 11:00: $(cat "$tmp/err")"
has "$tmp/out" "^capped [0-9]+ $(key beta four): capped: at most 3 email per contact per 7d" "--verbose: a capped row"
# beta and mars each: three emails and r5 (with the webhook, 5 today); email four and r7 capped.
has "$tmp/out" "^tend deliver: 8 sent, 0 to retry, 0 dead-lettered, 0 held, 4 capped, 0 in quiet hours" "11:00"
for a in beta mars; do
  for t in one two three cs_alerts; do [ "$(status_of "$(key $a $t)")" = sent ] || fail "$a $t after 08:00"; done
  for t in four cs_digest; do [ "$(status_of "$(key $a $t)")" = capped ] || fail "$a $t after 08:00"; done
done
[ "$(q "select count(*) from outbox where account_id = 'beta' and status = 'sent' and sent_at is not null
        and attempts = 1 and admitted_at = '2026-01-05T11:00:00Z'")" = 4 ] || fail "beta's rows went at 08:00 local"
"$TEND" explain beta >"$tmp/out" 2>&1 || fail "explain beta"
has "$tmp/out" "^    outbox #[0-9]+ \(run [0-9]+\): sent .*, after quiet hours until 2026-01-05T11:00:00Z" "explain: sent after a hold"

# 4. A week later the window has rolled: joao gets mail again, once more than... three times.
for i in 1 2 3 4; do queue acme "later:$i" 2026-01-12T03:00:00Z; done
deliver --now 2026-01-12T03:30:00Z || fail "deliver a week later: $(cat "$tmp/err")"
has "$tmp/out" "^tend deliver: 3 sent, 0 to retry, 0 dead-lettered, 0 held, 1 capped, 0 in quiet hours" "a week later"
[ "$(status_of later:4)" = capped ] || fail "later:4: $(status_of later:4)"

# 5. Two deliverers at once, a row per claim: exactly three emails reach gil.
for i in $(seq 20); do queue gamma "race:$i" 2026-01-05T02:00:00Z; done
"${T[@]}" deliver --playbook "$PB" --now 2026-01-05T03:00:00Z --concurrency 1 >"$tmp/race1" 2>&1 &
p1=$!
"${T[@]}" deliver --playbook "$PB" --now 2026-01-05T03:00:00Z --concurrency 1 >"$tmp/race2" 2>&1 &
p2=$!
wait $p1 || fail "deliverer 1: $(cat "$tmp/race1")"
wait $p2 || fail "deliverer 2: $(cat "$tmp/race2")"
[ "$(q "select string_agg(status || ' ' || n, ',' order by status) from (select status, count(*) n from outbox
        where account_id = 'gamma' group by status) s")" = "capped 17,sent 3" ] ||
  fail "the race: $(q "select status, count(*) from outbox where account_id = 'gamma' group by status")"
# (Which three is up to the race: each deliverer admits oldest first among
# the rows it claimed, and the two claim in turns.)

# 6. Nothing lost, nothing twice.
total=$(q "select count(*) from outbox")
[ "$(q "select count(*) from outbox where status in ('sent', 'capped')")" = "$total" ] ||
  fail "rows by status: $(q "select status, count(*) from outbox group by 1")"
f=$TEND_HOME/outbox/default.jsonl
sent=$(q "select count(*) from outbox where status = 'sent'")
[ "$(wc -l <"$f")" = "$sent" ] || fail "$(wc -l <"$f") lines in the file for $sent sent rows"
[ "$(grep -o '"key":"[^"]*"' "$f" | sort | uniq -d | wc -l)" = 0 ] || fail "a row was sent twice"
for k in $(q "select dedupe_key from outbox where status = 'capped'"); do
  grep -qF "\"key\":\"$k\"" "$f" && fail "capped row $k was delivered"
done
[ "$(q "select count(*) from outbox o where status = 'sent' and (select count(*) from deliveries d
        where d.tenant = o.tenant and d.outbox_id = o.id and d.ok) <> 1")" = 0 ] || fail "a sent row without one delivery"

# 7. No policy: a night is just a night. A zone the database does not know: exit 3.
mkdir -p "$tmp/plain"
echo 'segment "all" { touch = "tech" }' >"$tmp/plain/rules.lua"
queue beta night:1 2026-01-06T01:00:00Z
"${T[@]}" deliver --playbook "$tmp/plain" --now 2026-01-06T02:00:00Z >"$tmp/out" 2>&1 || fail "deliver without a policy"
has "$tmp/out" "^tend deliver: 1 sent, 0 to retry, 0 dead-lettered, 0 held \(" "no policy"
# Quiet hours inside one day (a lunch break), in the default zone UTC.
mkdir -p "$tmp/lunch"
printf 'segment "all" { touch = "tech" }\nsend_policy { quiet_hours { from = "12:00", to = "14:00" } }\n' >"$tmp/lunch/rules.lua"
queue beta lunch:1 2026-01-07T11:00:00Z
queue beta lunch:2 2026-01-07T12:59:00Z
"${T[@]}" deliver --playbook "$tmp/lunch" --now 2026-01-07T11:30:00Z >"$tmp/out" 2>&1 || fail "deliver before lunch"
has "$tmp/out" "^tend deliver: 1 sent, 0 to retry, 0 dead-lettered, 0 held, 0 capped, 0 in quiet hours" "before lunch"
"${T[@]}" deliver --playbook "$tmp/lunch" --now 2026-01-07T13:30:00Z >"$tmp/out" 2>&1 || fail "deliver at lunch"
has "$tmp/out" "^tend deliver: 0 sent, 0 to retry, 0 dead-lettered, 0 held, 0 capped, 1 in quiet hours" "at lunch"
[ "$(q "select held_until from outbox where dedupe_key = 'lunch:2'")" = "2026-01-07 14:00:00+00" ] || fail "lunch: held until"
"${T[@]}" deliver --playbook "$tmp/lunch" --now 2026-01-07T14:00:00Z >"$tmp/out" 2>&1 || fail "deliver after lunch"
has "$tmp/out" "^tend deliver: 1 sent" "after lunch"
# A policy that does not load stops tend deliver before it sends anything.
mkdir -p "$tmp/broken"
printf 'segment "all" { touch = "tech" }\nsend_policy { cap { per = "team", max = 3, within = "7d" } }\n' >"$tmp/broken/rules.lua"
queue beta broken:1 2026-01-07T11:00:00Z
"$TEND" deliver --playbook "$tmp/broken" >"$tmp/out" 2>&1; [ $? = 3 ] || fail "a broken policy: want exit 3"
has "$tmp/out" "broken/rules.lua:2: cap: 'per' must be \"contact\" or \"account\", got 'team'" "a broken policy"
[ "$(status_of broken:1)" = pending ] || fail "a broken policy: the row is $(status_of broken:1)"
sed -i 's#timezone = "America/Sao_Paulo"#timezone = "Atlantis/Capital"#' "$PB/rules.lua"
deliver; [ $? = 3 ] || fail "an unknown default zone: want exit 3"
has "$tmp/err" "rules.lua:13: quiet_hours: the database knows no time zone 'Atlantis/Capital'" "unknown default zone"
"$TEND" deliver --now tomorrow >/dev/null 2>&1; [ $? = 2 ] || fail "--now tomorrow: want exit 2"
"$TEND" deliver --now 2999-01-01T00:00:00Z >/dev/null 2>&1; [ $? = 2 ] || fail "--now in the future: want exit 2"
echo "deliver policy: all checks passed"
