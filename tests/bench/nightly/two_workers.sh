#!/usr/bin/env bash
# two_workers.sh TEND ARGS...: two `TEND ARGS...` processes at once sharing
# one occurrence (shards under leases); exits non-zero when either fails.
# Their outputs follow one another on stdout.
set -u
d=$(mktemp -d "${TMPDIR:-/tmp}/tend-two-workers.XXXXXX")
"$@" >"$d/1" 2>&1 & a=$!
"$@" >"$d/2" 2>&1 & b=$!
wait $a; ra=$?
wait $b; rb=$?
cat "$d/1" "$d/2"
rm -rf "$d"
[ $ra = 0 ] && [ $rb = 0 ]
