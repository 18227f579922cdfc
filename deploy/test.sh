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
tend_build build
echo "== tests"
ctest --test-dir build --output-on-failure -j2

echo "== tests under AddressSanitizer + UBSan"
tend_build build-asan -DTEND_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j2 -E '^integration/valgrind'
