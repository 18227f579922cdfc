#!/usr/bin/env bash
# Runs one libFuzzer harness for a bounded time, from its seed corpus:
#
#   bash tests/fuzz/run.sh BINARY NAME [SECONDS]
#
# libFuzzer first replays every seed of tests/fuzz/corpus/NAME (the crashes
# found so far are kept there, so each stays fixed), then mutates for
# SECONDS (default 20). New inputs go to a temporary folder, never into the
# repository. A crash, leak, sanitizer report or timeout fails the run and
# leaves the input in $FUZZ_ARTIFACTS/NAME/ (default ./fuzz-artifacts):
# fix the bug, then copy the input into tests/fuzz/corpus/NAME/.
set -u
bin=$1 name=$2 secs=${3:-20}
here=$(cd "$(dirname "$0")" && pwd)
seeds=$here/corpus/$name
[ -d "$seeds" ] || { echo "run.sh: no seed corpus $seeds" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/tend-fuzz-$name.XXXXXX")
trap 'rm -rf "$work"' EXIT
art=${FUZZ_ARTIFACTS:-$PWD/fuzz-artifacts}/$name
mkdir -p "$art"
mkdir "$work/corpus"
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
  "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$art/" "$work/corpus" "$seeds" >"$work/log" 2>&1
rc=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
if [ $rc != 0 ]; then
  echo "fuzz $name: FAILED (exit $rc) after ${runs:-?} runs; input kept in $art/"
  grep -v '^#\|^INFO\|^stat::' "$work/log" | tail -n 60
  exit 1
fi
echo "fuzz $name: ${runs:-?} inputs in ${secs} s, $(ls "$seeds" | wc -l) seeds replayed, no finding"
