#!/usr/bin/env bash
# The whole test suite: installs what it needs, builds, runs every test
# through ctest (C unit tests, busted specs inside the host, CLI cases,
# valgrind), then the same suite again built with AddressSanitizer and
# UBSan. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
. deploy/deps.sh
tend_install_packages "${TEND_PACKAGES[@]}" "${TEND_TEST_PACKAGES[@]}" valgrind
tend_install_npm

echo "== build (-Wall -Wextra -Werror)"
tend_build build -DTEND_WERROR=ON
echo "== tests"
ctest --test-dir build --output-on-failure -j2

# What a packager does: Release with Clang and Debian's hardening flags
# (-fstack-protector-strong -D_FORTIFY_SOURCE=2 -Werror=format-security,
# relro/now; dpkg's -O2, then CMake's Release -O3); GCC builds
# RelWithDebInfo (-O2) above. The binary must still pass the CLI cases.
echo "== Release build with Clang and dpkg-buildflags (-Werror)"
DEB_BUILD_MAINT_OPTIONS=hardening=+all CC=clang \
CFLAGS="$(DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get CFLAGS) $(DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get CPPFLAGS)" \
LDFLAGS="$(DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get LDFLAGS)" \
  tend_build build-release-clang -DCMAKE_BUILD_TYPE=Release -DTEND_WERROR=ON
ctest --test-dir build-release-clang --output-on-failure -j2 -R '^cli/'

echo "== fuzzing (libFuzzer, Clang, ASan + UBSan; 20 s per harness)"
CC=clang tend_build build-fuzz -DTEND_FUZZ=ON -DTEND_WERROR=ON
ctest --test-dir build-fuzz --output-on-failure -j2 -R '^fuzz/'

echo "== tests under AddressSanitizer + UBSan"
tend_build build-asan -DTEND_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug -DTEND_WERROR=ON
ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j2 -E '^(integration/valgrind|deploy/build)'
