#!/usr/bin/env bash
# Quickstart: installs what tend needs, builds it, and runs the default
# playbook over the bundled sample accounts, printing what tend decided.
# Safe to run twice.
set -euo pipefail
cd "$(dirname "$0")/.."
. deploy/deps.sh
tend_install_packages "${TEND_PACKAGES[@]}"
tend_build build
S=scripts/examples/sample
NOW=2026-11-22T02:00:00Z
echo "tend $(build/tend --version | cut -d' ' -f2): the default playbook over $(wc -l < $S/accounts.jsonl) sample accounts, as of $NOW"
echo
build/tend check scripts/default
echo
build/tend eval --playbook scripts/default --accounts $S/accounts.jsonl --events $S/events.jsonl \
  --metrics $S/metrics.jsonl --now $NOW --format summary
echo
echo "One row per account: add --format table. Every decision with its trace, as JSON Lines:"
echo "  build/tend eval --playbook scripts/default --accounts $S/accounts.jsonl --events $S/events.jsonl --metrics $S/metrics.jsonl --now $NOW"
