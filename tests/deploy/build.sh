#!/usr/bin/env bash
# deploy/build.sh, the Dockerfile's build stage, run here as the image
# build would run it (without installing packages: the suite has them):
# it must build, install, pass its own checks, and list the runtime
# packages; the installed tend must run from its install tree.
# Run from the repository root.
set -uo pipefail
fail() { echo "FAIL: $*"; exit 1; }
out=$(mktemp -d /tmp/tend-image.XXXXXX)
trap 'rm -rf "$out"' EXIT
bash deploy/build.sh "$out" --no-deps >"$out.log" 2>&1 || { cat "$out.log"; rm -f "$out.log"; fail "deploy/build.sh"; }
rm -f "$out.log"
tend=$out/usr/local/bin/tend
[ -x "$tend" ] || fail "no installed tend"
for p in libmicrohttpd12 libpq5 libjansson4 liblua5.4-0 libcurl4; do
  grep -qx "$p" "$out/runtime-packages.txt" || fail "runtime-packages.txt lacks $p: $(cat "$out/runtime-packages.txt")"
done
grep -q -- '-dev$' "$out/runtime-packages.txt" && fail "a -dev package in the runtime: $(cat "$out/runtime-packages.txt")"
"$tend" help endpoint >/dev/null || fail "the installed tend has no endpoint command"
# the stdlib it finds when the source tree is not there: the installed one
TEND_STDLIB=$out/usr/local/share/tend/stdlib "$tend" check scripts/default >/dev/null || fail "tend check with the installed stdlib"
echo "ok: deploy/build.sh"
