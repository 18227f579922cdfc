#!/usr/bin/env bash
# Benchmark `tend eval` against the plain lua5.4 + lua-cjson baseline.
#
#   bash tests/bench/eval/run.sh [N]        (default N=200000 accounts)
#
# Environment: TEND (default build/tend; build it first), REPEAT (runs per
# timing, best wall time kept; default 1), BENCH_DIR (data cache; default
# build/bench-eval/N). Exits non-zero only when tend fails or its decisions
# differ from the baseline's; a missed target prints MISSED.
set -u -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
N=${1:-200000}
REPEAT=${REPEAT:-1}
NOW=2026-11-22T02:00:00Z
TEND=${TEND:-build/tend}
case "$TEND" in /*) ;; *) [ -x "$TEND" ] || TEND="$root/$TEND" ;; esac
[ -x "$TEND" ] || { echo "run.sh: $TEND not found; build first: cmake -S . -B build && make -C build -j2" >&2; exit 2; }
TEND=$(cd "$(dirname "$TEND")" && pwd)/$(basename "$TEND")
# Figures from a Debug build mean little: say which build this is.
btype=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$(dirname "$TEND")/CMakeCache.txt" 2>/dev/null)
echo "tend build: ${btype:-unknown} ($TEND)"
case "$btype" in Debug|"") echo "warning: not an optimised build; configure with -DCMAKE_BUILD_TYPE=RelWithDebInfo" ;; esac
command -v lua5.4 >/dev/null || { echo "run.sh: lua5.4 not found (apt-get install lua5.4)" >&2; exit 2; }
lua5.4 -e 'require "cjson"' 2>/dev/null || { echo "run.sh: lua-cjson not found (apt-get install lua-cjson)" >&2; exit 2; }

data=${BENCH_DIR:-$root/build/bench-eval/$N}
out=$(mktemp -d "${TMPDIR:-/tmp}/tend-bench-eval.XXXXXX")
trap 'rm -rf "$out"' EXIT
# Time a snapshot: others may rebuild build/tend while this runs. A source
# build reads the stdlib from the source tree; snapshot that too.
cp "$TEND" "$out/tend" && TEND="$out/tend"
if [ -z "${TEND_STDLIB:-}" ] && [ -f "$root/stdlib/tend/dsl.lua" ]; then
  cp -r "$root/stdlib" "$out/stdlib" && export TEND_STDLIB="$out/stdlib"
fi

# ---- data (cached; regenerated when generate.lua changes) -----------------
stamp="$(sha256sum "$here/generate.lua" | cut -c1-16) $N"
if [ "$(cat "$data/.stamp" 2>/dev/null)" != "$stamp" ]; then
  mkdir -p "$data"
  echo "generating $N accounts into $data ..."
  t0=$(date +%s.%N)
  lua5.4 "$here/generate.lua" "$N" "$data" 42 || { echo "run.sh: generate.lua failed" >&2; exit 2; }
  head -n $((N / 4)) "$data/accounts.jsonl" > "$data/accounts_quarter.jsonl"
  : > "$data/accounts_none.jsonl"
  echo "$stamp" > "$data/.stamp"
  echo "generated in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s"
fi
nev=$(wc -l < "$data/events.jsonl"); nme=$(wc -l < "$data/metrics.jsonl")
echo "data: $N accounts, $nev events, $nme metric rows ($data); host: $(nproc) cores"

# ---- timing ----------------------------------------------------------------
have_time=0
[ -x /usr/bin/time ] && /usr/bin/time -f %M true 2>/dev/null && have_time=1
[ $have_time = 1 ] || echo "note: /usr/bin/time missing (apt-get install time): peak RSS not measured"

# timed NAME OUTFILE CMD... : runs CMD REPEAT times with stdout to OUTFILE;
# sets WALL_<NAME> (best seconds) and RSS_<NAME> (peak KiB, max over runs).
timed() {
  local name=$1 outfile=$2; shift 2
  local best="" rss=0 i wall kb rc
  for ((i = 0; i < REPEAT; i++)); do
    local t0 t1
    t0=$(date +%s.%N)
    if [ $have_time = 1 ]; then
      /usr/bin/time -f %M -o "$out/$name.rss" "$@" > "$outfile" 2> "$out/$name.err"; rc=$?
      kb=$(tail -n 1 "$out/$name.rss")
    else
      "$@" > "$outfile" 2> "$out/$name.err"; rc=$?
      kb=0
    fi
    t1=$(date +%s.%N)
    if [ $rc != 0 ]; then
      echo "FAIL: $name exited with status $rc:" >&2
      head -n 20 "$out/$name.err" >&2
      exit 1
    fi
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b-a}')
    if [ -z "$best" ] || awk -v w="$wall" -v b="$best" 'BEGIN{exit !(w<b)}'; then best=$wall; fi
    [ "$kb" -gt "$rss" ] && rss=$kb
  done
  printf -v "WALL_$name" '%s' "$best"
  printf -v "RSS_$name" '%s' "$rss"
}

row() { # LABEL NAME ACCOUNTS
  local w r
  w=$(eval echo "\$WALL_$2"); r=$(eval echo "\$RSS_$2")
  awk -v l="$1" -v w="$w" -v r="$r" -v n="$3" 'BEGIN{
    printf "%-46s %8.2f s %12s %10.1f MiB\n", l, w, (n > 0 ? sprintf("%.0f/s", n / w) : "-"), r / 1024 }'
}

ev="$data/events.jsonl"; me="$data/metrics.jsonl"; acc="$data/accounts.jsonl"
timed base "$out/base.jsonl" lua5.4 "$here/baseline.lua" "$acc" "$ev" "$me" "$NOW"
timed j1 "$out/j1.jsonl" "$TEND" eval --playbook "$here/playbook" --accounts "$acc" --events "$ev" --metrics "$me" --now "$NOW" --jobs 1
# The same run without isolating accounts (isolate.h), to show its cost.
timed j1u "$out/j1u.jsonl" env TEND_BENCH_UNISOLATED=1 "$TEND" eval --playbook "$here/playbook" --accounts "$acc" --events "$ev" --metrics "$me" --now "$NOW" --jobs 1
timed j2 "$out/j2.jsonl" "$TEND" eval --playbook "$here/playbook" --accounts "$acc" --events "$ev" --metrics "$me" --now "$NOW" --jobs 2
timed load "$out/load.jsonl" "$TEND" eval --playbook "$here/playbook" --accounts "$data/accounts_none.jsonl" --events "$ev" --metrics "$me" --now "$NOW" --jobs 1
timed sq "$out/sq.jsonl" "$TEND" eval --playbook "$here/playbook" --accounts "$data/accounts_quarter.jsonl" --now "$NOW" --jobs 1
timed sf "$out/sf.jsonl" "$TEND" eval --playbook "$here/playbook" --accounts "$acc" --now "$NOW" --jobs 1

# ---- decisions must match --------------------------------------------------
status=0
if ! lua5.4 "$here/compare.lua" "$out/j1.jsonl" "$out/base.jsonl"; then status=1; fi
if ! cmp -s "$out/j1.jsonl" "$out/j2.jsonl"; then
  echo "MISMATCH: tend --jobs 2 output differs from --jobs 1 (first difference: $(cmp "$out/j1.jsonl" "$out/j2.jsonl" | head -n 1))"
  status=1
fi
if ! cmp -s "$out/j1.jsonl" "$out/j1u.jsonl"; then
  echo "MISMATCH: isolated and unisolated runs differ (first difference: $(cmp "$out/j1.jsonl" "$out/j1u.jsonl" | head -n 1))"
  status=1
fi
[ "$(wc -l < "$out/j1.jsonl")" = "$N" ] || { echo "MISMATCH: tend wrote $(wc -l < "$out/j1.jsonl") results for $N accounts"; status=1; }

# ---- report ----------------------------------------------------------------
echo
printf "%-46s %10s %12s %14s\n" "run" "wall" "accounts/s" "peak RSS"
row "baseline (lua5.4 + cjson)" base "$N"
row "tend eval --jobs 1" j1 "$N"
row "tend eval --jobs 1, accounts not isolated" j1u "$N"
row "tend eval --jobs 2" j2 "$N"
row "tend: events+metrics load only" load 0
row "tend --jobs 1, $((N / 4)) accounts, no history" sq "$((N / 4))"
row "tend --jobs 1, $N accounts, no history" sf "$N"
echo
awk -v j1="$WALL_j1" -v b="$WALL_base" 'BEGIN{ r = j1 / b;
  printf "ratio tend --jobs 1 / baseline time: %.2f (target <= 1.0) %s\n", r, (r <= 1.0 ? "ok" : "MISSED") }'
awk -v j1="$WALL_j1" -v j2="$WALL_j2" -v c="$(nproc)" 'BEGIN{ s = j1 / j2;
  printf "speedup tend --jobs 2 vs --jobs 1: %.2fx (target >= 1.8 on 2 cores; host has %d) %s\n", s, c, (s >= 1.8 ? "ok" : "MISSED") }'
awk -v i="$WALL_j1" -v u="$WALL_j1u" 'BEGIN{
  printf "isolation cost: tend --jobs 1 isolated / not isolated time: %.3f\n", i / u }'
if [ $have_time = 1 ]; then
  awk -v q="$RSS_sq" -v f="$RSS_sf" -v nq="$((N / 4))" -v nf="$N" 'BEGIN{
    d = f - q; lim = (q * 0.10 > 8192 ? q * 0.10 : 8192);
    printf "account stream peak RSS: %.1f MiB at %d accounts, %.1f MiB at %d accounts (target: independent of N) %s\n",
      q / 1024, nq, f / 1024, nf, (d <= lim ? "ok" : "MISSED") }'
fi
if [ $have_time = 1 ]; then
  # What the history costs per account: the run with it over the account
  # stream alone, same accounts.
  awk -v j="$RSS_j1" -v f="$RSS_sf" -v n="$N" 'BEGIN{
    b = (j - f) * 1024 / n;
    printf "history peak RSS per account: %.0f bytes (tend --jobs 1 minus the account stream alone; target <= 512) %s\n",
      b, (b <= 512 ? "ok" : "MISSED") }'
fi
[ $status = 0 ] && echo "decisions: tend --jobs 1 = baseline, tend --jobs 2 = tend --jobs 1" || echo "FAIL: decision mismatch"
exit $status
