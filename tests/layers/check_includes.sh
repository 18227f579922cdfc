#!/usr/bin/env bash
# The layers of runtime/ as runtime/README.md orders them ("1. `base/` ...",
# lowest first): a folder includes only itself and folders listed before
# it, so no folder includes one above it and no two folders include each
# other. Every `#include "folder/..."` of every .c and .h under runtime/ is
# checked; a folder missing from the README's list fails too.
# Run from the repository root: check_includes.sh [RUNTIME_DIR]
set -uo pipefail
root=${1:-runtime}
readme=$root/README.md
mapfile -t layers < <(sed -n 's/^[0-9][0-9]*\. `\([a-z_]*\)\/`.*/\1/p' "$readme")
[ "${#layers[@]}" -ge 2 ] || { echo "FAIL: no numbered list of layers in $readme"; exit 1; }
declare -A rank
for i in "${!layers[@]}"; do rank[${layers[$i]}]=$i; done

bad=0 checked=0
for dir in "$root"/*/; do
  folder=$(basename "$dir")
  if [ -z "${rank[$folder]+x}" ]; then
    echo "FAIL: $root/$folder/ is not among the layers of $readme"
    bad=$((bad + 1))
    continue
  fi
  while IFS=: read -r file line text; do
    target=$(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([a-z_]*\)\/.*/\1/p' <<<"$text")
    [ -n "$target" ] || continue
    checked=$((checked + 1))
    if [ -z "${rank[$target]+x}" ]; then
      echo "FAIL: $file:$line includes $target/, which is not a layer of $readme"
      bad=$((bad + 1))
    elif [ "${rank[$target]}" -gt "${rank[$folder]}" ]; then
      echo "FAIL: $file:$line: $folder/ (layer $((rank[$folder] + 1))) includes $target/ (layer $((rank[$target] + 1))), above it"
      bad=$((bad + 1))
    fi
  done < <(grep -Hn '#[[:space:]]*include[[:space:]]*"' "$dir"*.c "$dir"*.h 2>/dev/null)
done
[ "$checked" -gt 0 ] || { echo "FAIL: no includes found under $root"; exit 1; }
if [ "$bad" -gt 0 ]; then echo "$bad include(s) against the layers"; exit 1; fi
echo "ok: $checked includes across ${#layers[@]} layers (${layers[*]}) follow $readme"
