#!/usr/bin/env bash
# The installed tree (DOMAIN C4 at install time): `cmake --install` ships
# the stdlib with its template catalogue, stdlib/tend/templates/<locale>/
# <name>.txt, and the installed binary, pointed at the installed stdlib,
# loads the default playbook and renders a Malay welcome from those files.
# Usage: install.sh BUILD_DIR (run from the repository root).
set -euo pipefail
build=$1
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
for f in en/welcome pt-BR/welcome es/welcome ms/welcome; do
  test -f "$prefix/share/tend/stdlib/tend/templates/$f.txt" || { echo "not installed: templates/$f.txt"; exit 1; }
done
export TEND_STDLIB=$prefix/share/tend/stdlib
"$prefix/bin/tend" check scripts/default >/dev/null
out=$(printf '%s\n' '{"id":"k1","name":"Kedai","locale":"ms","employees":20,"acv":3000,"champion":"siti@kedai.example"}' |
  "$prefix/bin/tend" eval --playbook scripts/default --accounts - \
    --events <(echo '{"account_id":"k1","type":"contract_signed","at":"2026-11-21T10:00:00Z"}') --now 2026-11-22T02:00:00Z)
if ! grep -q '"subject":"Selamat datang, Kedai' <<<"$out"; then
  echo "no Malay welcome rendered from the installed templates:"; echo "$out"; exit 1
fi
# Without its templates the stdlib is incomplete, and check says so.
rm -r "$prefix/share/tend/stdlib/tend/templates"
if "$prefix/bin/tend" check scripts/default >/dev/null 2>"$prefix/err"; then
  echo "check passed without the template catalogue"; exit 1
fi
grep -q 'stdlib/tend/templates: no template files' "$prefix/err" || { cat "$prefix/err"; exit 1; }
echo ok
