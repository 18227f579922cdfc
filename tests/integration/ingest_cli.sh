#!/usr/bin/env bash
# tend ingest against a real PostgreSQL: an embedded cluster in a temporary
# TEND_HOME (removed at the end, the server stopped even when a check
# fails). The CLI fixtures go in with their bad lines reported as FILE:LINE
# exactly as `tend eval` reports them (exit 1); the stored rows are checked
# with psql; loading again changes nothing (rows, updated_at, xmin); CSV and
# JSON Lines give the same rows; standard input works; changed records
# update only their rows; events dedupe by id and by content; values that
# need COPY escaping survive; usage errors exit 2, a database without the
# schema 3, an unreachable one 4.
# Run from the repository root: ingest_cli.sh TEND [--valgrind] (then
# every ingest runs under valgrind: no leaks or memory errors in our code).
# Exits 77 (skipped) when no PostgreSQL server is installed, except under
# CI, where that is a failure.
set -uo pipefail
TEND=$1
. tests/integration/lib_cluster.sh
tend_under_valgrind "${2:-}"

cluster_require_server

cluster_home ingest
export PGTZ=UTC # psql shows times in UTC
F=tests/cli/fixtures
# run WANT_EXIT ARGS...: runs tend, sets $out, $err and $summary (the last
# line of stderr), checks the exit code.
run() {
  local want=$1; shift
  "${T[@]}" "$@" >"$tmp/out" 2>"$tmp/err"
  code=$?
  out=$(cat "$tmp/out"); err=$(cat "$tmp/err"); summary=$(tail -1 "$tmp/err")
  [ "$code" = "$want" ] || fail "tend $* exited $code, want $want
--- stdout
$out
--- stderr
$err"
}
# run_in WANT FILE ARGS...: the same with FILE on standard input.
run_in() {
  local want=$1 file=$2; shift 2
  "${T[@]}" "$@" <"$file" >"$tmp/out" 2>"$tmp/err"
  code=$?
  out=$(cat "$tmp/out"); err=$(cat "$tmp/err"); summary=$(tail -1 "$tmp/err")
  [ "$code" = "$want" ] || fail "tend $* < $file exited $code, want $want
--- stderr
$err"
}
has() { grep -qE -- "$2" <<<"$1" || fail "$3: expected /$2/ in:
$1"; }
hasnt() { ! grep -qE -- "$2" <<<"$1" || fail "$3: unexpected /$2/ in:
$1"; }
same() { [ "$1" = "$2" ] || fail "$3:
--- got
$1
--- want
$2"; }
PSQL=(psql -X -q -A -t -v ON_ERROR_STOP=1 -h "$SOCK" -U tend)
sql() { "${PSQL[@]}" -d "${DB:-tend}" -c "$1" 2>&1 || fail "psql: $1"; }
# The physical rows: a row rewritten gets a new xmin, an updated one a new updated_at.
snapshot() {
  sql "SELECT string_agg(tenant || '/' || id || ' ' || xmin || ' ' || updated_at, ',' ORDER BY tenant, id) FROM accounts"
  sql "SELECT count(*) || ' ' || string_agg(xmin::text, ',' ORDER BY seq) FROM events"
  sql "SELECT string_agg(account_id || ' ' || date || ' ' || xmin || ' ' || updated_at, ','
       ORDER BY tenant, account_id, date) FROM metrics_daily"
}
# The FILE:LINE lines of stderr.
rejects() { grep -E '^[^ ]+:[0-9]+: ' <<<"$1"; }

# ---- usage (no database needed) -------------------------------------------
run 0 help ingest
has "$out" "^usage: tend ingest accounts\|events\|metrics FILE" "help"
has "$out" "before their account" "help says events may come first"
run 2 ingest
has "$err" "expected what to load" "no arguments"
run 2 ingest people $F/accounts.jsonl
has "$err" "unknown kind 'people'" "unknown kind"
run 2 ingest events
has "$err" "expected FILE" "no file"
run 2 ingest events a b
has "$err" "unexpected argument 'b'" "two files"
run 2 ingest events $F/events.jsonl --input-format xml
has "$err" "--input-format must be auto, jsonl or csv" "bad format"
run 2 ingest events $F/events.jsonl --tenant ''
has "$err" "--tenant must not be empty" "empty tenant"
run 2 ingest events "$tmp/missing.jsonl"
has "$err" "^tend ingest events: $tmp/missing.jsonl: No such file" "missing file"

# ---- no database: exit 4, one line -----------------------------------------
run 4 ingest accounts $F/accounts.jsonl
has "$err" "^tend ingest accounts: cannot connect to the embedded database at $SOCK/\.s\.PGSQL\.5432: .*tend db up" \
  "before db up"
[ "$(wc -l <<<"$err")" = 1 ] || fail "before db up: one line expected: $err"
TEND_DATABASE_URL=postgresql://nobody:secret@127.0.0.1:1/x run 4 ingest events $F/events.jsonl
has "$err" "^tend ingest events: cannot connect to postgresql://nobody:\*\*\*@127\.0\.0\.1:1/x" "unreachable URL"
hasnt "$err" "secret" "unreachable URL"

"$TEND" db up >"$tmp/up" 2>&1 || fail "tend db up: $(cat "$tmp/up")"

# A database without the schema: exit 3, nothing created.
sql "CREATE DATABASE bare" >/dev/null
TEND_DATABASE_URL="postgresql:///bare?host=$SOCK&user=tend" run 3 ingest accounts $F/accounts.jsonl
has "$err" "^tend ingest accounts: the database schema is at version 0, [0-9]+ migrations pending: run 'tend db migrate'" \
  "no schema"
[ "$(DB=bare sql "SELECT to_regclass('accounts') IS NULL")" = t ] || fail "no schema: tables created"

# ---- the fixtures: bad lines as tend eval reports them -----------------------
"$TEND" eval --playbook $F/playbook --accounts $F/accounts.jsonl --events $F/events.jsonl \
  --metrics $F/metrics.jsonl --now 2026-11-22 >/dev/null 2>"$tmp/eval.err"
"$TEND" eval --playbook $F/playbook --accounts $F/accounts.csv --now 2026-11-22 >/dev/null 2>"$tmp/eval-csv.err"
eval_rejects=$(rejects "$(cat "$tmp/eval.err" "$tmp/eval-csv.err")")

run 1 ingest accounts $F/accounts.jsonl
same "$summary" "tend ingest accounts: 8 read, 4 stored, 0 unchanged/duplicate, 4 rejected" "accounts.jsonl"
got=$(rejects "$err")
same "$got" "$(grep "^$F/accounts.jsonl:" <<<"$eval_rejects")" "accounts.jsonl: rejected lines (vs tend eval)"
same "$(sql "SELECT tenant, id, name, employees, acv, locale, licensed_users, contract_signed_at, attrs
             FROM accounts WHERE id = 'acme'")" \
  'default|acme|Acme Ltda|1200|85000|pt-BR|120|2026-11-14|{"region": "south"}' "acme"
# A contract time is stored as its day (UTC); the record's tenant wins, and is created.
same "$(sql "SELECT tenant, acv, contract_signed_at, attrs FROM accounts WHERE id = 'beta'")" \
  't2|20000|2026-11-21|{}' "beta"
same "$(sql "SELECT tenant, employees, technical, renewal_date, attrs FROM accounts WHERE id = 'epsé'")" \
  'default|100|t|2027-03-01|{"plan": "pro"}' "epsé (\\u escape: the jansson path)"
same "$(sql "SELECT string_agg(id, ' ' ORDER BY id) FROM tenants")" "default t2" "tenants"

run 1 ingest events $F/events.jsonl
same "$summary" "tend ingest events: 11 read, 9 stored, 0 unchanged/duplicate, 2 rejected" "events.jsonl"
same "$(rejects "$err")" "$(grep "^$F/events.jsonl:" <<<"$eval_rejects")" "events.jsonl: rejected lines (vs tend eval)"
# Five assessments at the same time differ in data: five events.
same "$(sql "SELECT count(*), count(DISTINCT data) FROM events WHERE type = 'assessment'")" "5|5" "assessments"
same "$(sql "SELECT at, user_id, data FROM events WHERE account_id = 'acme' ORDER BY seq LIMIT 1")" \
  '2026-11-20 10:00:00+00||{"score": 9, "dimension": "technical"}' "first event"
same "$(sql "SELECT user_id, data FROM events WHERE account_id = 'beta' AND at = '2026-11-21T10:00:00Z'")" \
  'u1|{}' "beta's login"

# Metrics from standard input: the reports name "-".
run_in 1 $F/metrics.jsonl ingest metrics -
same "$summary" "tend ingest metrics: 3 read, 2 stored, 0 unchanged/duplicate, 1 rejected" "metrics from stdin"
same "$(rejects "$err")" "$(grep "^$F/metrics.jsonl:" <<<"$eval_rejects" | sed "s|^$F/metrics.jsonl:|-:|")" \
  "metrics: rejected lines (vs tend eval)"
same "$(sql "SELECT account_id, date, metrics FROM metrics_daily ORDER BY account_id")" \
  'acme|2026-11-20|{"daily_active": 20, "weekly_active": 40}
gamma|2026-11-21|{"weekly_active": 9}' "metrics rows"

# ---- loading again changes nothing ---------------------------------------------
before=$(snapshot)
run 1 ingest accounts $F/accounts.jsonl
same "$summary" "tend ingest accounts: 8 read, 0 stored, 4 unchanged/duplicate, 4 rejected" "accounts again"
run 1 ingest events $F/events.jsonl
same "$summary" "tend ingest events: 11 read, 0 stored, 9 unchanged/duplicate, 2 rejected" "events again"
run_in 1 $F/metrics.jsonl ingest metrics -
same "$summary" "tend ingest metrics: 3 read, 0 stored, 2 unchanged/duplicate, 1 rejected" "metrics again"
# The same accounts as CSV: the same rows, so nothing to store either.
run 1 ingest accounts $F/accounts.csv
same "$summary" "tend ingest accounts: 6 read, 0 stored, 4 unchanged/duplicate, 2 rejected" "accounts.csv after JSONL"
same "$(rejects "$err")" "$(grep "^$F/accounts.csv:" <<<"$eval_rejects")" "accounts.csv: rejected lines (vs tend eval)"
same "$(snapshot)" "$before" "rows after loading everything again (xmin, updated_at)"

# CSV into a database of its own holds what JSON Lines gave.
sql "CREATE DATABASE other" >/dev/null
OTHER="postgresql:///other?host=$SOCK&user=tend"
TEND_DATABASE_URL=$OTHER "$TEND" db migrate >/dev/null || fail "migrate other"
TEND_DATABASE_URL=$OTHER run 1 ingest accounts $F/accounts.csv
same "$summary" "tend ingest accounts: 6 read, 4 stored, 0 unchanged/duplicate, 2 rejected" "accounts.csv first"
same "$(DB=other sql "SELECT tenant, id, name, employees, acv, industry, technical, product_type, locale,
  licensed_users, contract_signed_at, onboarding_target_at, renewal_date, csm, champion, attrs FROM accounts ORDER BY 1, 2")" \
  "$(sql "SELECT tenant, id, name, employees, acv, industry, technical, product_type, locale,
  licensed_users, contract_signed_at, onboarding_target_at, renewal_date, csm, champion, attrs FROM accounts ORDER BY 1, 2")" \
  "accounts: CSV rows vs JSON Lines rows"

# A first load of a tenant's accounts from a file goes straight into
# accounts (the fixtures above gave way: beta's tenant t2 did not exist).
printf '{"id":"d1","employees":5,"region":"x"}\n{"id":"d2","technical":true,"tenant":""}\n' >"$tmp/direct.jsonl"
run 0 ingest accounts "$tmp/direct.jsonl" --tenant direct
same "$summary" "tend ingest accounts: 2 read, 2 stored, 0 unchanged/duplicate, 0 rejected" "accounts, first load"
same "$(sql "SELECT tenant, id, employees, technical, attrs FROM accounts WHERE tenant = 'direct' ORDER BY id")" \
  'direct|d1|5||{"region": "x"}
direct|d2||t|{}' "accounts, first load: rows"
run 0 ingest accounts "$tmp/direct.jsonl" --tenant direct
same "$summary" "tend ingest accounts: 2 read, 0 stored, 2 unchanged/duplicate, 0 rejected" "accounts, first load again"

# ---- changes: only the changed rows move ------------------------------------------
sed 's/"name":"Acme Ltda"/"name":"Acme S.A."/' $F/accounts.jsonl >"$tmp/acme2.jsonl"
before=$(sql "SELECT string_agg(id || ' ' || updated_at, ',' ORDER BY tenant, id) FROM accounts WHERE id <> 'acme'")
acme_at=$(sql "SELECT updated_at FROM accounts WHERE id = 'acme'")
run 1 ingest accounts "$tmp/acme2.jsonl"
same "$summary" "tend ingest accounts: 8 read, 1 stored, 3 unchanged/duplicate, 4 rejected" "one account changed"
same "$(sql "SELECT name, updated_at > '$acme_at' FROM accounts WHERE id = 'acme'")" "Acme S.A.|t" "acme updated"
same "$(sql "SELECT string_agg(id || ' ' || updated_at, ',' ORDER BY tenant, id) FROM accounts WHERE id <> 'acme'")" \
  "$before" "other accounts untouched"
# A field that is gone is cleared: the record is the account.
echo '{"id":"acme","name":"Acme S.A."}' >"$tmp/acme3.jsonl"
run 0 ingest accounts "$tmp/acme3.jsonl"
same "$(sql "SELECT name, employees IS NULL, attrs FROM accounts WHERE id = 'acme'")" "Acme S.A.|t|{}" "acme replaced"

printf '{"account_id":"acme","date":"2026-11-20","weekly_active":41,"daily_active":20}\n' >"$tmp/m2.jsonl"
gamma_at=$(sql "SELECT updated_at FROM metrics_daily WHERE account_id = 'gamma'")
run 0 ingest metrics "$tmp/m2.jsonl"
same "$summary" "tend ingest metrics: 1 read, 1 stored, 0 unchanged/duplicate, 0 rejected" "a metric changed"
same "$(sql "SELECT metrics->>'weekly_active', updated_at > created FROM metrics_daily,
             (SELECT '$gamma_at'::timestamptz AS created) c WHERE account_id = 'acme'")" "41|t" "acme's metrics"
same "$(sql "SELECT updated_at FROM metrics_daily WHERE account_id = 'gamma'")" "$gamma_at" "gamma's metrics untouched"

# ---- within one input, the last record of a key wins ------------------------------
printf 'id,plan\nacme,basic\nacme,pro\nzeta,free\n' >"$tmp/dup.csv"
run 0 ingest accounts "$tmp/dup.csv"
same "$summary" "tend ingest accounts: 3 read, 2 stored, 1 unchanged/duplicate, 0 rejected" "repeated account"
same "$(sql "SELECT attrs->>'plan' FROM accounts WHERE id = 'acme'")" "pro" "the last record wins"
run 0 ingest accounts "$tmp/dup.csv"
same "$summary" "tend ingest accounts: 3 read, 0 stored, 3 unchanged/duplicate, 0 rejected" "repeated account again"
same "$(sql "SELECT attrs->>'plan' FROM accounts WHERE id = 'acme'")" "pro" "the last record still wins"
# The same on a first load of a tenant (the plain INSERT gives way).
run 0 ingest accounts "$tmp/dup.csv" --tenant fresh
same "$(sql "SELECT count(*), max(attrs->>'plan') FILTER (WHERE id = 'acme') FROM accounts WHERE tenant = 'fresh'")" \
  "2|pro" "repeated account, first load"
printf '{"account_id":"m","date":"2026-11-20","x":1}\n{"account_id":"m","date":"2026-11-20T23:00:00Z","x":2}\n' \
  >"$tmp/mdup.jsonl"
run 0 ingest metrics "$tmp/mdup.jsonl"
same "$summary" "tend ingest metrics: 2 read, 1 stored, 1 unchanged/duplicate, 0 rejected" "repeated metric day"
same "$(sql "SELECT metrics FROM metrics_daily WHERE account_id = 'm'")" '{"x": 2}' "the last metric row wins"
# A first load of a tenant's metrics from a file goes straight into
# metrics_daily; a day twice in it makes that give way to the staging table
# (each bad line still reported once).
run 1 ingest metrics $F/metrics.jsonl --tenant t4
same "$summary" "tend ingest metrics: 3 read, 2 stored, 0 unchanged/duplicate, 1 rejected" "metrics, first load"
same "$(rejects "$err")" "$(grep "^$F/metrics.jsonl:" <<<"$eval_rejects")" "metrics, first load: rejected lines"
same "$(sql "SELECT account_id, date, metrics FROM metrics_daily WHERE tenant = 't4' ORDER BY account_id")" \
  'acme|2026-11-20|{"daily_active": 20, "weekly_active": 40}
gamma|2026-11-21|{"weekly_active": 9}' "metrics, first load: rows"
printf '{"account_id":"m","date":"2026-11-20","x":"bad"}\n' >>"$tmp/mdup.jsonl"
run 1 ingest metrics "$tmp/mdup.jsonl" --tenant t5
same "$summary" "tend ingest metrics: 3 read, 1 stored, 1 unchanged/duplicate, 1 rejected" "repeated day, first load"
same "$(rejects "$err")" "$tmp/mdup.jsonl:3: field 'x': expected a number, got \"bad\"" "repeated day: reported once"
same "$(sql "SELECT tenant, metrics FROM metrics_daily WHERE tenant = 't5'")" 't5|{"x": 2}' "repeated day, first load: last wins"
run_in 1 "$tmp/mdup.jsonl" ingest metrics - --tenant t6
same "$(sql "SELECT tenant, metrics FROM metrics_daily WHERE tenant = 't6'")" 't6|{"x": 2}' "repeated day from stdin"

# ---- events: dedupe, tenants, times, fields outside the contract ---------------------
cat >"$tmp/ev.jsonl" <<'EOF'
{"id":"e1","account_id":"ghost","type":"login","at":"2026-11-20T12:00:00+02:00","user":"u9"}
{"id":"e1","account_id":"ghost","type":"login","at":"2026-11-21T12:00:00Z","data":{"other":true}}
{"id":7,"account_id":"ghost","type":"ticket","at":"2026-11-20","priority":"high","data":{"n":1}}
{"account_id":"ghost","type":"note","at":"2026-11-20T10:00:00Z","data":{"k":"é","v":0.1}}
{"account_id":"ghost","type":"note","at":"2026-11-20T10:00:00Z","data":{"v":0.1,"k":"\u00e9"}}
{"account_id":"ghost","type":"note","at":"2026-11-20T10:00:00Z","data":"{\"k\":\"é\",\"v\":1e-1}"}
{"account_id":"ghost","type":"note","at":"2026-11-20T10:00:00Z","data":{"k":"é","v":0.2}}
{"account_id":"ghost","type":"nested","at":"2026-11-20T10:00:00Z","data":{"a":{"b":[1,2]}}}
EOF
run 0 ingest events "$tmp/ev.jsonl" --tenant t3
same "$summary" "tend ingest events: 8 read, 5 stored, 3 unchanged/duplicate, 0 rejected" "events with ids"
same "$(DB=tend sql "SELECT tenant, id, at, user_id, data FROM events WHERE account_id = 'ghost' ORDER BY seq")" \
  't3|e1|2026-11-20 10:00:00+00|u9|{}
t3|7|2026-11-20 00:00:00+00||{"n": 1, "priority": "high"}
t3||2026-11-20 10:00:00+00||{"k": "é", "v": 0.1}
t3||2026-11-20 10:00:00+00||{"k": "é", "v": 0.2}
t3||2026-11-20 10:00:00+00||{"a": {"b": [1, 2]}}' "events of an account not stored yet, tenant t3"
same "$(sql "SELECT name FROM tenants WHERE id = 't3'")" "t3" "tenant t3 created"
run 0 ingest events "$tmp/ev.jsonl"
same "$summary" "tend ingest events: 8 read, 5 stored, 3 unchanged/duplicate, 0 rejected" "the same events, tenant default"

# A first load is copied straight into events, dropping repeats within the
# file itself; with a key set too small for the file (--first-load-keys 2)
# it goes through the staging table instead: the same rows either way, and
# each rejected line reported once.
cat >"$tmp/ev2.jsonl" <<'EOF'
{"id":"x1","account_id":"a","type":"login","at":"2026-11-20T10:00:00Z"}
{"account_id":"a","type":"login","at":"2026-11-20T10:00:00Z","user":"u1"}
{"id":"x1","account_id":"a","type":"login","at":"2026-11-21T10:00:00Z"}
{"account_id":"a","type":"login","at":"2026-11-20T10:00:00Z","user":"u1"}
{"account_id":"a","type":"login","at":"bad"}
{"account_id":"a","type":"login","at":"2026-11-20T10:00:00Z","user":"u2"}
EOF
for keys in 100 2; do
  run 1 ingest events "$tmp/ev2.jsonl" --tenant "t7-$keys" --first-load-keys $keys
  same "$summary" "tend ingest events: 6 read, 3 stored, 2 unchanged/duplicate, 1 rejected" "first load, $keys keys"
  same "$(rejects "$err" | sed 's/: .*//')" "$tmp/ev2.jsonl:5" "first load, $keys keys: the rejection once"
  same "$(sql "SELECT coalesce(id, '-'), at, coalesce(user_id, '-') FROM events WHERE tenant = 't7-$keys' ORDER BY seq")" \
    'x1|2026-11-20 10:00:00+00|-
-|2026-11-20 10:00:00+00|u1
-|2026-11-20 10:00:00+00|u2' "first load, $keys keys: the first of each"
done
run 2 ingest events "$tmp/ev2.jsonl" --first-load-keys 0

# CSV events: data as JSON text, extra columns into data, as text (only
# the data contract's numeric fields become numbers; typed values go in
# the data column's JSON).
printf 'account_id,type,at,user,data,score\nacme,survey_response,2026-11-19T08:00:00Z,u2,"{""nps"":9}",9\n' >"$tmp/ev.csv"
run 0 ingest events "$tmp/ev.csv"
same "$(sql "SELECT user_id, data FROM events WHERE type = 'survey_response'")" 'u2|{"nps": 9, "score": "9"}' "CSV event"

# ---- values that need COPY escaping; lines only ingest refuses ------------------------
cat >"$tmp/esc.jsonl" <<'EOF'
{"id":"tab\there","name":"back\\slash \\N and\nnewline\r","csm":"\\."}
{"id":"old","contract_signed_at":"0000-06-01"}
EOF
run 1 ingest accounts "$tmp/esc.jsonl"
same "$summary" "tend ingest accounts: 2 read, 1 stored, 0 unchanged/duplicate, 1 rejected" "escaping"
has "$err" "^$tmp/esc.jsonl:2: field 'contract_signed_at': outside the years 1 to 9999" "year 0"
same "$(sql "SELECT id = E'tab\\there', name = E'back\\\\slash \\\\N and\\nnewline\\r', csm = E'\\\\.'
             FROM accounts WHERE id LIKE 'tab%'")" "t|t|t" "escaped values round-trip"

# ---- several COPY chunks, --input-format ----------------------------------------------
awk 'BEGIN { for (i = 1; i <= 6000; i++)
  printf "{\"account_id\":\"bulk-%d\",\"type\":\"login\",\"at\":\"2026-11-20T10:00:00Z\",\"user\":\"u%d\",\"data\":{\"pad\":\"%080d\"}}\n", i % 50, i, i }' \
  >"$tmp/bulk.txt"
run 0 ingest events "$tmp/bulk.txt" --input-format jsonl --tenant bulk
same "$summary" "tend ingest events: 6000 read, 6000 stored, 0 unchanged/duplicate, 0 rejected" "6000 events"
same "$(sql "SELECT count(*), min(seq) < max(seq) FROM events WHERE tenant = 'bulk'")" "6000|t" "6000 events stored"
printf 'account_id,date,active_users\nacme,2026-11-18,0.1\n' >"$tmp/m.txt"
run 0 ingest metrics "$tmp/m.txt" --input-format csv
same "$(sql "SELECT metrics FROM metrics_daily WHERE date = '2026-11-18'")" '{"active_users": 0.1}' "CSV metric"
printf '{"account_id":"acme","date":"2026-11-18","active_users":0.1}\n' >"$tmp/m.jsonl"
run 0 ingest metrics "$tmp/m.jsonl"
same "$summary" "tend ingest metrics: 1 read, 0 stored, 1 unchanged/duplicate, 0 rejected" "JSONL metric = CSV metric"

# ---- a file big enough to be parsed on its own thread (>= 4 MB; long lines, few
# records, so it stays quick under valgrind) ----------------------------------
awk 'BEGIN { for (i = 1; i <= 15000; i++) if (i == 7500) print "{not json"; else
  printf "{\"id\":\"big-%d\",\"account_id\":\"big-%d\",\"type\":\"login\",\"at\":\"2026-11-20T10:00:00Z\",\"data\":{\"pad\":\"%0300d\"}}\n", i, i % 97, i }' \
  >"$tmp/big.jsonl"
[ "$(stat -c %s "$tmp/big.jsonl")" -ge 4194304 ] || fail "big.jsonl is under 4 MB"
run 1 ingest events "$tmp/big.jsonl" --tenant big
same "$summary" "tend ingest events: 15000 read, 14999 stored, 0 unchanged/duplicate, 1 rejected" "big file, first load"
has "$err" "^$tmp/big.jsonl:7500: " "big file: the bad line named"
same "$(sql "SELECT count(*), (array_agg(id ORDER BY seq))[1], (array_agg(id ORDER BY seq))[14999]
             FROM events WHERE tenant = 'big'")" "14999|big-1|big-15000" "big file: every event, in file order"
run 1 ingest events "$tmp/big.jsonl" --tenant big
same "$summary" "tend ingest events: 15000 read, 0 stored, 14999 unchanged/duplicate, 1 rejected" "big file, again (staged)"
same "$(sql "SELECT count(*) FROM events WHERE tenant = 'big'")" "14999" "big file, again: nothing added"

echo "ingest: ok"
