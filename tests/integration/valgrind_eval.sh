#!/usr/bin/env bash
# tend eval and tend check under valgrind over the CLI fixtures, including
# rejected lines and a failing/timed-out account: no leaks and no memory
# errors in the host's own code.
set -euo pipefail
TEND=$1
F=tests/cli/fixtures
V=(valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect
   --show-leak-kinds=definite,indirect)
rc=0
"${V[@]}" "$TEND" eval --playbook $F/playbook --accounts $F/accounts.jsonl --events $F/events.jsonl \
  --metrics $F/metrics.jsonl --now 2026-11-22 --jobs 2 >/dev/null 2>/tmp/tend-vg.$$ || rc=$?
grep -v '^tests/cli/fixtures\|^tend eval' /tmp/tend-vg.$$ || true
[ $rc -eq 1 ] || { echo "eval under valgrind: exit $rc (want 1: fixtures have bad lines)"; exit 1; }
rc=0
printf '%s\n' '{"id":"ok","acv":20000}' '{"id":"broken"}' '{"id":"loop"}' |
  "${V[@]}" "$TEND" eval --playbook tests/cli/eval_failing_account/playbook --accounts - --eval-timeout 3000 \
  >/dev/null 2>/tmp/tend-vg.$$ || rc=$?
grep -v "^-:\|^tend eval" /tmp/tend-vg.$$ || true
[ $rc -eq 1 ] || { echo "failing-account eval under valgrind: exit $rc (want 1)"; exit 1; }
rc=0
"${V[@]}" "$TEND" check tests/cli/check_problems/playbook >/dev/null 2>&1 || rc=$?
[ $rc -eq 3 ] || { echo "check under valgrind: exit $rc (want 3)"; exit 1; }
rm -f /tmp/tend-vg.$$
echo "valgrind: no leaks or memory errors"
