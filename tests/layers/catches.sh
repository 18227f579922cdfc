#!/usr/bin/env bash
# check_includes.sh can fail: on a small tree whose lowest layer includes
# the highest, and on a folder the README does not list, it must say so
# and exit non-zero; on the same tree without those, pass.
# Run from the repository root.
set -uo pipefail
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/rt/base" "$tmp/rt/cli"
printf '# layers\n\n1. `base/` the bottom\n2. `cli/` the top\n' >"$tmp/rt/README.md"
echo '#include "base/a.h"' >"$tmp/rt/cli/main.c"
echo '#include <stdio.h>' >"$tmp/rt/base/a.h"
bash tests/layers/check_includes.sh "$tmp/rt" >"$tmp/out" || { echo "FAIL: a clean tree failed: $(cat "$tmp/out")"; exit 1; }
echo '#include "cli/cli.h"' >>"$tmp/rt/base/a.h"
bash tests/layers/check_includes.sh "$tmp/rt" >"$tmp/out" && { echo "FAIL: base/ including cli/ passed"; exit 1; }
grep -q 'base/ (layer 1) includes cli/ (layer 2), above it' "$tmp/out" || { echo "FAIL: $(cat "$tmp/out")"; exit 1; }
sed -i '$d' "$tmp/rt/base/a.h"
mkdir "$tmp/rt/extra"
bash tests/layers/check_includes.sh "$tmp/rt" >"$tmp/out" && { echo "FAIL: an unlisted folder passed"; exit 1; }
grep -q 'extra/ is not among the layers' "$tmp/out" || { echo "FAIL: $(cat "$tmp/out")"; exit 1; }
echo "ok: the include check fails on an upward include and on an unlisted folder"
