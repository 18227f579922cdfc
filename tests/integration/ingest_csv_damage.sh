#!/usr/bin/env bash
# Issue 13, defects 3 and 4, through tend ingest against a real PostgreSQL
# (an embedded cluster in a temporary TEND_HOME, stopped and removed even
# when a check fails): a 1,000-row CSV with a stray quote in an unquoted
# cell, an unclosed quoted cell, a negative count and "yes" for a boolean
# loses those four lines only, every line is counted, and cells outside the
# data contract are stored as text (ZIP 01310, +5511999990000, 007).
# Run from the repository root: ingest_csv_damage.sh TEND
set -uo pipefail
TEND=$1
. tests/integration/lib_cluster.sh
cluster_require_server
cluster_home csvdamage
export PGTZ=UTC
"$TEND" db up >"$tmp/up" 2>&1 || fail "tend db up: $(cat "$tmp/up")"
awk 'BEGIN {
  print "id,name,employees,technical,zip,phone,code,quoted,notes"
  for (i = 1; i <= 1000; i++) {
    name = "Acme " i; notes = "ok"; emp = i; tech = "true"
    if (i == 10) name = "12\" monitor"
    if (i == 500) notes = "\"unclosed note, with a comma"
    if (i == 700) notes = "\"two lines,\nstill one cell\""
    if (i == 800) emp = -5
    if (i == 900) tech = "yes"
    printf "a%04d,%s,%s,%s,01310,+5511999990000,007,\"42\",%s\n", i, name, emp, tech, notes
  }
}' > "$tmp/accounts.csv"
"$TEND" ingest accounts "$tmp/accounts.csv" >"$tmp/out" 2>"$tmp/err"
code=$?
[ $code = 1 ] || fail "ingest exited $code, want 1: $(cat "$tmp/err")"
summary=$(tail -1 "$tmp/err")
[ "$summary" = "tend ingest accounts: 1000 read, 996 stored, 0 unchanged/duplicate, 4 rejected" ] ||
  fail "summary: $summary"
lines=$(grep -o '^[^ ]*accounts\.csv:[0-9]*:' "$tmp/err" | sed 's/.*csv://; s/://' | tr '\n' ' ')
[ "$lines" = "11 501 802 902 " ] || fail "rejected lines: $lines ($(cat "$tmp/err"))"
PSQL=(psql -X -q -A -t -v ON_ERROR_STOP=1 -h "$SOCK" -U tend -d tend)
got=$("${PSQL[@]}" -c "SELECT count(*) FROM accounts") || fail "psql"
[ "$got" = 996 ] || fail "rows stored: $got"
got=$("${PSQL[@]}" -c "SELECT attrs->>'zip', jsonb_typeof(attrs->'zip'), attrs->>'phone', jsonb_typeof(attrs->'phone'),
                              attrs->>'code', jsonb_typeof(attrs->'quoted'), employees
                       FROM accounts WHERE id = 'a0001'")
[ "$got" = "01310|string|+5511999990000|string|007|string|1" ] || fail "a0001: $got"
got=$("${PSQL[@]}" -c "SELECT attrs->>'notes' FROM accounts WHERE id = 'a0700'")
[ "$got" = "two lines,
still one cell" ] || fail "a0700's two-line cell: $got"
echo "ok: 1000 read, 996 stored, 4 rejected (lines 11 501 802 902); text stays text"
