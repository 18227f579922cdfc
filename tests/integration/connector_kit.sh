#!/usr/bin/env bash
# The connector kit as installed: `cmake --install` into a temporary prefix
# puts connector.h (and nothing else) under include/tend/ and
# tend-connector.pc under share/pkgconfig; the example plugin, copied out of
# the installed tree into an empty folder, builds with its Makefile through
# pkg-config alone; the installed tend lists it with its ABI and file, and
# `tend --version` names the ABI the .pc file states. A stray non-plugin
# .so in the folder is an error naming it.
# Usage: connector_kit.sh BUILD_DIR (run from the repository root).
set -uo pipefail
build=$1
prefix=$(mktemp -d)
work=$(mktemp -d)
trap 'rm -rf "$prefix" "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cmake --install "$build" --prefix "$prefix" >/dev/null || fail "cmake --install"
[ "$(cd "$prefix/include" && find . -type f)" = ./tend/connector.h ] ||
  fail "include/ holds more than tend/connector.h: $(cd "$prefix/include" && find . -type f)"
export PKG_CONFIG_PATH=$prefix/share/pkgconfig
pkg-config --exists tend-connector || fail "pkg-config does not find tend-connector"
[ "$(pkg-config --cflags tend-connector)" = "-I$prefix/share/pkgconfig/../../include/tend" ] ||
  [ -f "$(pkg-config --variable=includedir tend-connector)/connector.h" ] || fail "cflags: $(pkg-config --cflags tend-connector)"
abi=$(pkg-config --variable=abi tend-connector)
"$prefix/bin/tend" --version | grep -qx "tend [0-9.]* (connector ABI $abi)" ||
  fail "tend --version: $("$prefix/bin/tend" --version), .pc says ABI $abi"

# From an empty folder: only the installed example, its Makefile and the kit.
cp "$prefix/share/tend/connectors/examples/"* "$work/"
make -C "$work" >"$work/make.log" 2>&1 || fail "make: $(cat "$work/make.log")"
grep -q -- "-I$prefix" "$work/make.log" || fail "the build did not use the installed kit: $(cat "$work/make.log")"
grep -q -- "-I[^ ]*runtime" "$work/make.log" && fail "the build reached into a source tree"
out=$(TEND_CONNECTOR_PATH=$work "$prefix/bin/tend" connectors list) || fail "connectors list: $out"
grep -Eq "^bearer +$abi +$work/bearer.so\$" <<<"$out" || fail "connectors list: $out"
grep -Eq "^webhook +$abi +built-in\$" <<<"$out" || fail "connectors list, built-ins: $out"

# ABI compatibility: a plugin that answers only ABI 2 (its entry returns
# NULL for 3) still loads, listed as 2; one that speaks only ABI 1 is refused
# with the range this tend serves.
old() { # NAME ABI
  cat >"$work/$1.c" <<C
#include "connector.h"
static int cf(const tend_connector_host *h, const char *i, const char *c, void **s, char *e, unsigned long n) {
  (void)h, (void)i, (void)c, (void)e, (void)n; *s = 0; return 0; }
static int pr(void *s, const tend_message *m, tend_request *r, char *e, unsigned long n) {
  (void)s, (void)m, (void)r, (void)e, (void)n; return -1; }
static void fr(void *s) { (void)s; }
static const tend_connector_type t = {.abi = $2, .name = "$1", .configure = cf, .prepare = pr, .free = fr};
const tend_connector_type *tend_connector_entry(int abi) { return abi == $2 ? &t : 0; }
C
  cc -shared -fPIC -Wall -Werror $(pkg-config --cflags tend-connector) -o "$work/abi/$1.so" "$work/$1.c" ||
    fail "building $1"
}
mkdir -p "$work/abi"
old abi_two 2
out=$(TEND_CONNECTOR_PATH=$work/abi "$prefix/bin/tend" connectors list) || fail "an ABI 2 plugin: $out"
grep -Eq "^abi_two +2 +$work/abi/abi_two.so\$" <<<"$out" || fail "an ABI 2 plugin: $out"
old abi_one 1
TEND_CONNECTOR_PATH=$work/abi "$prefix/bin/tend" connectors list >/dev/null 2>"$work/err" && fail "an ABI 1 plugin loaded"
grep -q "abi_one.so speaks no connector ABI this tend serves (2 to $abi)" "$work/err" ||
  fail "an ABI 1 plugin: $(cat "$work/err")"

# A stray .so (not a plugin) is an error naming it.
printf 'not an ELF file\n' >"$work/stray.so"
TEND_CONNECTOR_PATH=$work "$prefix/bin/tend" connectors list >/dev/null 2>"$work/err"
rc=$?
[ $rc = 3 ] || fail "a stray .so: exit $rc, want 3"
grep -q "$work/stray.so" "$work/err" || fail "a stray .so: $(cat "$work/err")"
echo "ok: built against the installed kit (ABI $abi) and listed"
