#!/usr/bin/env bash
# The build steps of deploy/Dockerfile's build stage, as a script the test
# suite runs too (tests/deploy/build.sh), so a broken step shows without a
# container engine:
#
#   deploy/build.sh OUT [--no-deps]
#
# installs the build dependencies (deploy/deps.sh; --no-deps skips that),
# builds tend (RelWithDebInfo, as the suite does; stripped) with -Werror installs
# it under OUT/usr/local (bin/tend, share/tend/stdlib), checks the installed
# binary runs and loads the default playbook, and writes
# OUT/runtime-packages.txt: the Debian packages of the shared libraries
# tend links against directly, which is all the runtime image installs.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: deploy/build.sh OUT [--no-deps]}
mkdir -p "$out"
out=$(cd "$out" && pwd)
if [ "${2:-}" != --no-deps ]; then
  . deploy/deps.sh
  # the build needs neither the PostgreSQL server nor busted
  tend_install_packages cmake make gcc pkg-config liblua5.4-dev libjansson-dev libcurl4-openssl-dev libpq-dev \
    libssl-dev libmicrohttpd-dev binutils
fi

build=$out/.build
echo "== build (RelWithDebInfo, stripped at install; -Wall -Wextra -Werror)"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr/local >/dev/null
cmake --build "$build" -j"$(nproc)" --target tend >/dev/null
echo "== install into $out/usr/local"
DESTDIR=$out cmake --install "$build" >/dev/null
tend=$out/usr/local/bin/tend
strip --strip-unneeded "$tend"
[ -f "$out/usr/local/share/tend/stdlib/tend/dsl.lua" ] || { echo "build.sh: the stdlib is not installed" >&2; exit 1; }

echo "== check the installed binary"
"$tend" --version
"$tend" check scripts/default >/dev/null

echo "== runtime packages"
# Each library tend names (NEEDED), found where the loader finds it, to
# the Debian package that holds it (paths under /lib are /usr/lib on a
# merged /usr).
: >"$out/runtime-packages.txt"
for soname in $(objdump -p "$tend" | awk '$1 == "NEEDED" {print $2}'); do
  path=$(ldd "$tend" | awk -v s="$soname" '$1 == s {print $3}')
  [ -n "$path" ] || { echo "build.sh: $soname is not found" >&2; exit 1; }
  real=$(readlink -f "$path")
  pkg=$( (dpkg -S "$real" 2>/dev/null || dpkg -S "${real#/usr}" 2>/dev/null || dpkg -S "$path" 2>/dev/null) |
    head -1 | cut -d: -f1)
  [ -n "$pkg" ] || { echo "build.sh: no Debian package holds $real" >&2; exit 1; }
  echo "$pkg" >>"$out/runtime-packages.txt"
done
sort -u -o "$out/runtime-packages.txt" "$out/runtime-packages.txt"
tr '\n' ' ' <"$out/runtime-packages.txt"; echo
rm -rf "$build"
