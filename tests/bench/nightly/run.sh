#!/usr/bin/env bash
# Benchmark `tend run nightly` against pure_sql.sql: the same playbook's
# decisions computed inside PostgreSQL, timed in the same run on the same
# embedded cluster.
#
#   bash tests/bench/nightly/run.sh [N]        (default N=100000 accounts)
#
# Environment: TEND (default build/tend; build it first), REPEAT (runs per
# timing, best wall time kept; default 1), BENCH_DIR (data and cluster
# cache; default build/bench-nightly/N). Exits non-zero only when tend fails
# or its stored decisions differ from the SQL's; a missed target prints
# MISSED.
set -u -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
N=${1:-100000}
Q=$((N / 4))
REPEAT=${REPEAT:-1}
NOW=2026-11-22T02:00:00Z
TEND=${TEND:-build/tend}
case "$TEND" in /*) ;; *) [ -x "$TEND" ] || TEND="$root/$TEND" ;; esac
[ -x "$TEND" ] || { echo "run.sh: $TEND not found; build first: cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo && make -C build -j2" >&2; exit 2; }
TEND=$(cd "$(dirname "$TEND")" && pwd)/$(basename "$TEND")
# Figures from a Debug build mean little: say which build this is.
btype=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$(dirname "$TEND")/CMakeCache.txt" 2>/dev/null)
echo "tend build: ${btype:-unknown} ($TEND)"
case "$btype" in Debug|"") echo "warning: not an optimised build; configure with -DCMAKE_BUILD_TYPE=RelWithDebInfo" ;; esac
for c in lua5.4 psql; do
  command -v $c >/dev/null || { echo "run.sh: $c not found (apt-get install lua5.4 postgresql-client)" >&2; exit 2; }
done
have_time=0
[ -x /usr/bin/time ] && /usr/bin/time -f %M true >/dev/null 2>&1 && have_time=1
[ $have_time = 1 ] || echo "note: /usr/bin/time missing (apt-get install time): peak RSS and tend CPU not measured"

data=${BENCH_DIR:-$root/build/bench-nightly/$N}
mkdir -p "$data"
data=$(cd "$data" && pwd)
out=$(mktemp -d "${TMPDIR:-/tmp}/tend-bench-nightly.XXXXXX")
# Time a snapshot: others may rebuild build/tend while this runs. A source
# build reads the stdlib from the source tree; snapshot that too.
cp "$TEND" "$out/tend" && TEND="$out/tend"
if [ -z "${TEND_STDLIB:-}" ] && [ -f "$root/stdlib/tend/dsl.lua" ]; then
  cp -r "$root/stdlib" "$out/stdlib" && export TEND_STDLIB="$out/stdlib"
fi

# The embedded cluster lives with the data (cached): when run as root the
# server runs as postgres, so the folders on the way must be searchable.
export TEND_HOME=$data/home
unset TEND_DATABASE_URL TEND_PLAYBOOK
sock=$TEND_HOME/pg/data
QURL="postgresql:///tend_q?host=$sock&port=5432&user=tend"
cleanup() { "$TEND" db down >/dev/null 2>&1; rm -rf "$out"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
psql_db() { local db=$1; shift; psql -X -q -h "$sock" -U tend -d "$db" -v ON_ERROR_STOP=1 "$@"; }

# ---- data (generated and loaded once; redone when an input changes) --------
stamp="$(cat "$here/generate.lua" | sha256sum | cut -c1-16) $N"
if [ "$(cat "$data/.stamp" 2>/dev/null)" != "$stamp" ]; then
  echo "generating $N accounts into $data ..."
  lua5.4 "$here/generate.lua" "$N" "$data" 42 || { echo "run.sh: generate.lua failed" >&2; exit 2; }
  echo "$stamp" > "$data/.stamp"
fi
# The cached cluster gets new migrations from `tend db up` (and `db migrate`
# for tend_q); one that does not start or migrate is loaded afresh.
dbstamp="$stamp $(sha256sum < "$here/load.sql" | cut -c1-16)"
fresh=0
[ "$(cat "$data/.dbstamp" 2>/dev/null)" != "$dbstamp" ] && fresh=1
if [ $fresh = 0 ]; then
  if ! "$TEND" db up >"$out/up" 2>&1 || ! TEND_DATABASE_URL=$QURL "$TEND" db migrate >>"$out/up" 2>&1; then
    echo "the cached cluster in $TEND_HOME does not start or migrate ($(tail -n 1 "$out/up")): loading afresh"
    fresh=1
  fi
fi
if [ $fresh = 1 ]; then
  echo "loading into a fresh embedded cluster in $TEND_HOME (psql COPY, once) ..."
  "$TEND" db down >/dev/null 2>&1
  rm -rf "$TEND_HOME" "$data/.dbstamp"
  chmod 755 "$data"
  t0=$(date +%s.%N)
  "$TEND" db up >"$out/up" 2>&1 || { cat "$out/up" >&2; fail "tend db up"; }
  (cd "$data" && psql_db tend -f "$here/load.sql") || fail "loading the data"
  # N/4 accounts with their history in a second database, for peak RSS at N/4.
  psql_db tend -c "CREATE DATABASE tend_q" || fail "create database tend_q"
  TEND_DATABASE_URL=$QURL "$TEND" db migrate >"$out/up" 2>&1 || { cat "$out/up" >&2; fail "migrating tend_q"; }
  last=$(psql_db tend -t -A -c "SELECT id FROM accounts WHERE tenant = 'default' ORDER BY id OFFSET $((Q - 1)) LIMIT 1")
  psql_db tend -c "\\copy (SELECT * FROM accounts WHERE id <= '$last') TO STDOUT" |
    psql_db tend_q -c "\\copy accounts FROM STDIN" || fail "copying accounts to tend_q"
  psql_db tend -c "\\copy (SELECT tenant, account_id, type, at, user_id, data FROM events WHERE account_id <= '$last' ORDER BY account_id, at) TO STDOUT" |
    psql_db tend_q -c "\\copy events (tenant, account_id, type, at, user_id, data) FROM STDIN" || fail "copying events to tend_q"
  psql_db tend -c "\\copy (SELECT * FROM metrics_daily WHERE account_id <= '$last') TO STDOUT" |
    psql_db tend_q -c "\\copy metrics_daily FROM STDIN" || fail "copying metrics to tend_q"
  psql_db tend_q -c "VACUUM (FREEZE, ANALYZE)" || fail "vacuum tend_q"
  echo "$dbstamp" > "$data/.dbstamp"
  echo "loaded in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s"
fi
nev=$(psql_db tend -t -A -c "SELECT count(*) FROM events WHERE tenant = 'default'")
nme=$(psql_db tend -t -A -c "SELECT count(*) FROM metrics_daily WHERE tenant = 'default'")
pgv=$(psql_db tend -t -A -c "SHOW server_version")
echo "data: $N accounts, $nev events, $nme metric rows (30 days) in PostgreSQL $pgv ($TEND_HOME); host: $(nproc) cores"

# ---- timing ------------------------------------------------------------------

# Every run starts equal: no results, no ledger, no runs, nothing dirty.
# reset DB [sql]: tend's tables, or (sql) pure_sql.sql's copies in puresql,
# made anew so they have the indexes public's tables have now.
reset() {
  local sql="TRUNCATE evaluations, account_state, stage_history, rule_fires, tasks, outbox, deliveries, shard_leases, job_runs CASCADE;"
  [ "${2:-}" = sql ] && sql="DROP SCHEMA IF EXISTS puresql CASCADE; CREATE SCHEMA puresql;
    CREATE TABLE puresql.evaluations (LIKE public.evaluations INCLUDING ALL);
    CREATE TABLE puresql.outbox (LIKE public.outbox INCLUDING ALL);
    CREATE TABLE puresql.tasks (LIKE public.tasks INCLUDING ALL);"
  psql_db "$1" >/dev/null <<EOF || fail "resetting $1"
SET client_min_messages = warning;
$sql
CHECKPOINT;
EOF
}

# CPU seconds (user + system) the cluster's processes have used so far:
# the live ones, and the backends that exited (the postmaster's children).
clk=$(getconf CLK_TCK)
pg_cpu() {
  local pm p
  pm=$(head -n 1 "$sock/postmaster.pid" 2>/dev/null) || { echo 0; return; }
  for p in $pm $(ps -o pid= --ppid "$pm"); do
    [ -r "/proc/$p/stat" ] && echo "$p $(cat "/proc/$p/stat" 2>/dev/null)"
  done | awk -v pm="$pm" -v hz="$clk" '{ pid = $1; sub(/^[^ ]+ [^ ]+ \(.*\) /, "");
      t += $12 + $13; if (pid == pm) t += $14 + $15 } END { printf "%.2f\n", t / hz }'
}

# timed NAME DB CMD... : runs CMD REPEAT times on a reset database DB;
# sets WALL_<NAME> (best seconds), RSS_<NAME> (peak KiB, max over runs),
# CPU_<NAME> (the command's user+system seconds) and PG_<NAME> (the
# cluster's CPU seconds) of the best run.
timed() {
  local name=$1 db=$2; shift 2
  local best="" rss=0 cpu=0 pgc=0 i wall kb rc t0 t1 p0 p1 ucpu
  for ((i = 0; i < REPEAT; i++)); do
    reset "$db" "$name"
    p0=$(pg_cpu)
    t0=$(date +%s.%N)
    if [ $have_time = 1 ]; then
      /usr/bin/time -f '%M %U %S' -o "$out/$name.time" "$@" > "$out/$name.out" 2> "$out/$name.err"; rc=$?
      read -r kb u s < <(tail -n 1 "$out/$name.time")
      ucpu=$(awk -v u="$u" -v s="$s" 'BEGIN{printf "%.2f", u + s}')
    else
      "$@" > "$out/$name.out" 2> "$out/$name.err"; rc=$?
      kb=0; ucpu=0
    fi
    t1=$(date +%s.%N)
    sleep 0.3 # let the postmaster reap the run's backends
    p1=$(pg_cpu)
    if [ $rc != 0 ]; then
      echo "FAIL: $name exited with status $rc:" >&2
      head -n 20 "$out/$name.err" >&2
      tail -n 3 "$out/$name.out" >&2
      exit 1
    fi
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b-a}')
    if [ -z "$best" ] || awk -v w="$wall" -v b="$best" 'BEGIN{exit !(w<b)}'; then
      best=$wall; cpu=$ucpu; pgc=$(awk -v a="$p0" -v b="$p1" 'BEGIN{printf "%.2f", b-a}')
    fi
    [ "$kb" -gt "$rss" ] && rss=$kb
  done
  printf -v "WALL_$name" '%s' "$best"
  printf -v "RSS_$name" '%s' "$rss"
  printf -v "CPU_$name" '%s' "$cpu"
  printf -v "PG_$name" '%s' "$pgc"
}

# check NAME ACCOUNTS: tend's summary says every account was evaluated.
check() {
  grep -q ": $2 accounts, 0 failed, 0 rejected" "$out/$1.out" || fail "$1: $(tail -n 1 "$out/$1.out")"
}

# compare NAME: tend's stored decisions are the SQL's, account by account.
status=0
compare() {
  local line
  line=$(psql_db tend -f "$here/compare.sql") || fail "compare.sql"
  echo "$1 $line"
  if ! echo "$line" | grep -q " 0 differ; outbox [0-9]* rows, 0 differ; tasks [0-9]* rows, 0 differ"; then
    echo "MISMATCH: tend ($1) and pure_sql.sql decided differently; first differences:"
    psql_db tend -f "$here/compare.sql" -v show_diff=1 | tail -n +2 | head -n 12
    status=1
  fi
}

load=$(cut -d' ' -f1 /proc/loadavg)
echo "load average before timing: $load$(awk -v l="$load" 'BEGIN{ if (l > 0.5) printf " (not idle: figures may be inflated)" }')"
run=("$TEND" run nightly --playbook "$here/playbook" --now "$NOW" --force)
timed sql tend psql -X -q -h "$sock" -U tend -d tend -v ON_ERROR_STOP=1 -v now="$NOW" -f "$here/pure_sql.sql"
timed j1 tend "${run[@]}" --jobs 1
check j1 "$N"; compare "tend --jobs 1:"
timed j2 tend "${run[@]}" --jobs 2
check j2 "$N"; compare "tend --jobs 2:"
# Two processes of --jobs 1 sharing the occurrence (the tables are reset
# before each timing, so no --force: the second joins the first's run).
timed w2 tend bash "$here/two_workers.sh" "$TEND" run nightly --playbook "$here/playbook" --now "$NOW" --jobs 1
grep -q "succeeded: $N accounts, 0 failed" "$out/w2.out" || fail "w2: $(grep '^run' "$out/w2.out")"
compare "tend 2 workers --jobs 1:"
TEND_DATABASE_URL=$QURL timed q1 tend_q "${run[@]}" --jobs 1
check q1 "$Q"
TEND_DATABASE_URL=$QURL timed q2 tend_q "${run[@]}" --jobs 2
check q2 "$Q"
load=$(cut -d' ' -f1 /proc/loadavg)

# ---- report --------------------------------------------------------------------
row() { # LABEL NAME ACCOUNTS [norss]
  local w r c p
  w=$(eval echo "\$WALL_$2"); r=$(eval echo "\$RSS_$2"); c=$(eval echo "\$CPU_$2"); p=$(eval echo "\$PG_$2")
  [ -n "${4:-}" ] && r=""
  awk -v l="$1" -v w="$w" -v r="$r" -v n="$3" -v c="$c" -v p="$p" -v t="$have_time" 'BEGIN{
    printf "%-34s %8.2f s %10.0f/s %10s %9.2f s %11s\n", l, w, n / w,
      (t ? sprintf("%.2f s", c) : "-"), p, (t && r != "" ? sprintf("%.1f MiB", r / 1024) : "-") }'
}
echo
printf "%-34s %10s %12s %10s %11s %11s\n" "run ($N accounts unless said)" "wall" "accounts/s" "client CPU" "server CPU" "peak RSS"
row "pure SQL (psql -f pure_sql.sql)" sql "$N" norss
row "tend run nightly --jobs 1" j1 "$N"
row "tend run nightly --jobs 2" j2 "$N"
row "2 workers of --jobs 1 (shared run)" w2 "$N"
row "tend --jobs 1, $Q accounts" q1 "$Q"
row "tend --jobs 2, $Q accounts" q2 "$Q"
echo "(client CPU: user+system seconds of psql or tend, all threads; server CPU: every process of the cluster, backends included)"
echo "load average after timing: $load"
echo
awk -v j="$WALL_j2" -v s="$WALL_sql" 'BEGIN{ r = j / s;
  printf "ratio tend --jobs 2 / pure SQL time: %.2f (target <= 1.3) %s\n", r, (r <= 1.3 ? "ok" : "MISSED") }'
awk -v j="$WALL_j1" -v s="$WALL_sql" 'BEGIN{ printf "ratio tend --jobs 1 / pure SQL time: %.2f\n", j / s }'
awk -v w="$WALL_w2" -v j="$WALL_j2" 'BEGIN{ r = w / j;
  printf "ratio 2 workers of --jobs 1 / one --jobs 2 time: %.2f (target 0.90-1.10) %s\n", r,
    (r >= 0.9 && r <= 1.1 ? "ok" : "MISSED") }'
if [ $have_time = 1 ]; then
  for j in 1 2; do
    awk -v q="$(eval echo "\$RSS_q$j")" -v f="$(eval echo "\$RSS_j$j")" -v nq="$Q" -v nf="$N" -v j="$j" 'BEGIN{
      d = f - q; lim = (q * 0.10 > 8192 ? q * 0.10 : 8192);
      printf "tend --jobs %d peak RSS: %.1f MiB at %d accounts, %.1f MiB at %d (target: independent of N) %s\n",
        j, q / 1024, nq, f / 1024, nf, (d <= lim ? "ok" : "MISSED") }'
  done
fi
[ $status = 0 ] && echo "decisions: tend --jobs 1 and --jobs 2 stored exactly what pure_sql.sql decided, for every account" ||
  echo "FAIL: decision mismatch"
exit $status
