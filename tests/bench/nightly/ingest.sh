#!/usr/bin/env bash
# Benchmark `tend ingest` against `psql \copy` of the same rows into the
# same tables (target: tend's rate >= 0.8x psql's).
#
#   bash tests/bench/nightly/ingest.sh [N]        (default N=100000 accounts)
#
# Data: generate.lua's accounts/events/metrics JSON Lines for N accounts
# (tests/bench/nightly/generate.lua, ~10 events and 30 days of metrics per
# account; tests/bench/eval/generate.lua, 14 days, when that one is absent),
# cached in BENCH_DIR (default build/bench-ingest/N). The reference rows are
# made once, before any timing, by ingest_rows.lua (lua-cjson, not tend):
# COPY text of exactly the rows tend stores (events deduplicated as the
# dedupe indexes do).
#
# A throwaway embedded cluster (temporary TEND_HOME, stopped and removed at
# the end, even on failure; autovacuum off) holds two fresh databases. For each of
# accounts, events, metrics: a CHECKPOINT, `tend ingest` of the JSONL file
# into one database; a CHECKPOINT, `psql \copy` of the prepared rows into
# the other. Then the two databases must hold the same rows (compared with
# md5 over every column but seq and the timestamps tend sets), and a second
# `tend ingest` of each file must store nothing.
#
# Prints rows/s of both, the ratio, and tend's peak RSS. A missed target
# prints MISSED; the script fails only if a command fails or the rows differ.
# Timings are only meaningful on an otherwise idle machine.
# Environment: TEND (default build/tend), BENCH_DIR, TEND_PG_BINDIR.
set -u -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
N=${1:-100000}
TEND=${TEND:-build/tend}
case "$TEND" in /*) ;; *) TEND="$root/$TEND" ;; esac
[ -x "$TEND" ] || { echo "ingest.sh: $TEND not found; build first: cmake -S . -B build && make -C build -j2" >&2; exit 2; }
btype=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$(dirname "$TEND")/CMakeCache.txt" 2>/dev/null)
echo "tend build: ${btype:-unknown} ($TEND)"
case "$btype" in Debug|"") echo "warning: not an optimised build; configure with -DCMAKE_BUILD_TYPE=RelWithDebInfo" ;; esac
command -v lua5.4 >/dev/null || { echo "ingest.sh: lua5.4 not found (apt-get install lua5.4)" >&2; exit 2; }
lua5.4 -e 'require "cjson"' 2>/dev/null || { echo "ingest.sh: lua-cjson not found (apt-get install lua-cjson)" >&2; exit 2; }
command -v psql >/dev/null || { echo "ingest.sh: psql not found (deploy/deps.sh installs PostgreSQL)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "ingest.sh: /usr/bin/time not found (apt-get install time)" >&2; exit 2; }

gen=$here/generate.lua
[ -f "$gen" ] || gen=$root/tests/bench/eval/generate.lua
data=${BENCH_DIR:-$root/build/bench-ingest/$N}

# ---- data and reference rows (cached; remade when a script changes) ---------
stamp="$(cat "$gen" "$here/ingest_rows.lua" | sha256sum | cut -c1-16) $N"
if [ "$(cat "$data/.stamp" 2>/dev/null)" != "$stamp" ]; then
  mkdir -p "$data"
  echo "generating $N accounts into $data ($(basename "$(dirname "$gen")")/generate.lua) ..."
  lua5.4 "$gen" "$N" "$data" 42 || { echo "ingest.sh: generate.lua failed" >&2; exit 2; }
  echo "preparing the rows for psql \\copy ..."
  lua5.4 "$here/ingest_rows.lua" "$data" "$data" || { echo "ingest.sh: ingest_rows.lua failed" >&2; exit 2; }
  echo "$stamp" > "$data/.stamp"
fi

# ---- a throwaway cluster ----------------------------------------------------
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tend-bench-ingest.XXXXXX")
chmod 755 "$tmp"
cp "$TEND" "$tmp/tend" && TEND=$tmp/tend # others may rebuild build/tend meanwhile
export TEND_HOME=$tmp/home
unset TEND_DATABASE_URL
SOCK=$TEND_HOME/pg/data
stop_server() {
  "$TEND" db down >/dev/null 2>&1 && return
  local pid
  pid=$(head -1 "$SOCK/postmaster.pid" 2>/dev/null) || return
  kill -INT "$pid" 2>/dev/null || return
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return; sleep 0.1; done
}
trap 'stop_server; rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$TEND" db up >"$tmp/up.log" 2>&1 || fail "tend db up: $(cat "$tmp/up.log")"
PSQL=(psql -X -q -A -t -v ON_ERROR_STOP=1 -h "$SOCK" -U tend)
for db in bench_tend bench_psql; do
  "${PSQL[@]}" -d postgres -c "CREATE DATABASE $db" || fail "CREATE DATABASE $db"
  TEND_DATABASE_URL="postgresql:///$db?host=$SOCK&user=tend" "$TEND" db migrate >/dev/null || fail "migrate $db"
done
# No autovacuum of what one side just loaded while the other side is timed.
"${PSQL[@]}" -d postgres -c "ALTER SYSTEM SET autovacuum = off" -c "SELECT pg_reload_conf()" >/dev/null ||
  fail "turning autovacuum off"
export TEND_DATABASE_URL="postgresql:///bench_tend?host=$SOCK&user=tend"
echo "server: PostgreSQL $("${PSQL[@]}" -d postgres -c 'SHOW server_version'), host: $(nproc) cores"

# timed NAME CMD...: runs CMD, sets SEC (wall seconds) and KB (peak RSS).
timed() {
  local name=$1; shift
  "${PSQL[@]}" -d postgres -c CHECKPOINT || fail CHECKPOINT
  /usr/bin/time -f "%e %M" -o "$tmp/$name.time" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" ||
    fail "$name: $(tail -5 "$tmp/$name.err")"
  read -r SEC KB <"$tmp/$name.time"
}
rate() { awk -v r="$1" -v s="$2" 'BEGIN { printf "%.0f", (s > 0 ? r / s : 0) }'; }

declare -A TABLE=([accounts]=accounts [events]=events [metrics]=metrics_daily)
declare -A COLS=(
  [accounts]="tenant, id, name, employees, acv, industry, technical, product_type, locale, licensed_users, contract_signed_at, onboarding_target_at, renewal_date, csm, champion, attrs"
  [events]="tenant, id, account_id, type, at, user_id, data"
  [metrics]="tenant, account_id, date, metrics")
declare -A ORDER=([accounts]="tenant, id" [events]="tenant, account_id, at, type, coalesce(user_id, ''), data::text, id"
                  [metrics]="tenant, account_id, date")

printf '\n%-9s %10s %10s %12s %10s %12s %7s %10s\n' kind rows "tend s" "tend rows/s" "psql s" "psql rows/s" ratio "tend RSS"
tot_rows=0 tot_tend=0 tot_psql=0 missed=0 max_kb=0
for kind in accounts events metrics; do
  timed "tend-$kind" "$TEND" ingest "$kind" "$data/$kind.jsonl"
  t_sec=$SEC t_kb=$KB
  timed "psql-$kind" "${PSQL[@]}" -d bench_psql -c "\\copy ${TABLE[$kind]} (${COLS[$kind]}) FROM '$data/$kind.copy'"
  p_sec=$SEC
  rows=$("${PSQL[@]}" -d bench_tend -c "SELECT count(*) FROM ${TABLE[$kind]}")
  prows=$("${PSQL[@]}" -d bench_psql -c "SELECT count(*) FROM ${TABLE[$kind]}")
  [ "$rows" = "$prows" ] || fail "$kind: tend stored $rows rows, psql copied $prows"
  ratio=$(awk -v t="$t_sec" -v p="$p_sec" 'BEGIN { printf "%.2f", (t > 0 ? p / t : 0) }')
  mark=""
  awk -v r="$ratio" 'BEGIN { exit !(r < 0.8) }' && { mark=" MISSED"; missed=1; }
  printf '%-9s %10d %10.2f %12s %10.2f %12s %7s %8d KB%s\n' "$kind" "$rows" "$t_sec" "$(rate "$rows" "$t_sec")" \
    "$p_sec" "$(rate "$rows" "$p_sec")" "$ratio" "$t_kb" "$mark"
  echo "          $(tail -1 "$tmp/tend-$kind.err")"
  tot_rows=$((tot_rows + rows))
  tot_tend=$(awk -v a="$tot_tend" -v b="$t_sec" 'BEGIN { print a + b }')
  tot_psql=$(awk -v a="$tot_psql" -v b="$p_sec" 'BEGIN { print a + b }')
  [ "$t_kb" -gt "$max_kb" ] && max_kb=$t_kb
done
ratio=$(awk -v t="$tot_tend" -v p="$tot_psql" 'BEGIN { printf "%.2f", (t > 0 ? p / t : 0) }')
mark=""
awk -v r="$ratio" 'BEGIN { exit !(r < 0.8) }' && mark=" MISSED"
printf '%-9s %10d %10.2f %12s %10.2f %12s %7s %8d KB%s\n' all "$tot_rows" "$tot_tend" "$(rate "$tot_rows" "$tot_tend")" \
  "$tot_psql" "$(rate "$tot_rows" "$tot_psql")" "$ratio" "$max_kb" "$mark"
echo "(ratio: tend's rate / psql's; target >= 0.8)"

# The same rows on both sides.
for kind in accounts events metrics; do
  q="SELECT count(*) || ' ' || md5(string_agg(row(${COLS[$kind]})::text, E'\\n' ORDER BY ${ORDER[$kind]})) FROM ${TABLE[$kind]}"
  a=$("${PSQL[@]}" -d bench_tend -c "$q") b=$("${PSQL[@]}" -d bench_psql -c "$q")
  [ "$a" = "$b" ] || fail "$kind: tend's rows differ from psql's ($a vs $b)"
done
echo "rows: tend's equal psql's (accounts, events, metrics_daily)"

# Loading the same files again stores nothing.
for kind in accounts events metrics; do
  timed "again-$kind" "$TEND" ingest "$kind" "$data/$kind.jsonl"
  line=$(tail -1 "$tmp/again-$kind.err")
  grep -q ", 0 stored," <<<"$line" || fail "re-ingest of $kind stored rows: $line"
  printf 're-ingest %-8s %8.2f s  %s\n' "$kind" "$SEC" "$line"
done
exit 0
