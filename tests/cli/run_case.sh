#!/usr/bin/env bash
# Runs one cram-style CLI case: tests/cli/<case>/cmd is a bash snippet run
# from the repository root with $TEND set to the binary and $CASE to the
# case folder; its stdout, stderr and exit code are compared with the
# case's expected `stdout`, `stderr` (when present) and `exit` (default 0).
# The snippet runs under pipefail: `$TEND ... | grep` records tend's status.
# Set TEND_UPDATE_GOLDEN=1 to rewrite the expected files from this run.
set -u
export TEND="$1" CASE
CASE=$(realpath --relative-to="$PWD" "$2")
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
bash -o pipefail "$CASE/cmd" >"$out" 2>"$err"
code=$?
want_code=$(cat "$CASE/exit" 2>/dev/null || echo 0)
fail=0
if [ "${TEND_UPDATE_GOLDEN:-}" = 1 ]; then
  cp "$out" "$CASE/stdout"; [ -f "$CASE/stderr" ] && cp "$err" "$CASE/stderr"
  echo "$code" > "$CASE/exit"; exit 0
fi
if [ "$code" != "$want_code" ]; then
  echo "exit code $code, expected $want_code"; fail=1
fi
if ! diff -u "$CASE/stdout" "$out"; then echo "stdout differs"; fail=1; fi
if [ -f "$CASE/stderr" ] && ! diff -u "$CASE/stderr" "$err"; then echo "stderr differs"; fail=1; fi
[ $fail = 0 ] || { echo "--- stderr was:"; cat "$err"; }
exit $fail
