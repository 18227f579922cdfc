#!/usr/bin/env bash
# Quickstart: installs what tend needs, builds it, starts the embedded
# PostgreSQL, loads the bundled sample accounts, runs the nightly health
# evaluation of the default playbook on them, prints what tend decided, and
# delivers the queued notifications through the `file` connector, so you see
# exactly what would be sent.
# Safe to run twice (the database keeps its data; the nightly run is
# re-evaluated with --force, which never queues an intent twice).
set -euo pipefail
cd "$(dirname "$0")/.."
. deploy/deps.sh
tend_install_packages "${TEND_PACKAGES[@]}"
tend_build build
S=scripts/examples/sample
NOW=2026-11-22T02:00:00Z
TEND=build/tend

# The embedded database lives in .tend/ here. As root the server runs as
# the postgres user, which must be able to enter this folder; if it cannot
# (a checkout under /root), the database goes to /var/tmp instead.
export TEND_HOME=${TEND_HOME:-$PWD/.tend}
if ! $TEND db up >/tmp/tend-quickstart-db.log 2>&1; then
  if [ "$(id -u)" = 0 ] && [ "$TEND_HOME" = "$PWD/.tend" ]; then
    export TEND_HOME=/var/tmp/tend-quickstart
    mkdir -p "$TEND_HOME" && chmod 755 "$TEND_HOME"
    $TEND db up >/tmp/tend-quickstart-db.log 2>&1 || { cat /tmp/tend-quickstart-db.log; exit 4; }
  else
    cat /tmp/tend-quickstart-db.log; exit 4
  fi
fi
echo "tend $($TEND --version | cut -d' ' -f2): the default playbook over $(wc -l < $S/accounts.jsonl) sample accounts, as of $NOW"
$TEND db status 2>&1 | head -1
echo
$TEND check scripts/default
echo
for kind in accounts events metrics; do $TEND ingest $kind $S/$kind.jsonl; done
echo
$TEND run nightly --playbook scripts/default --now $NOW --force
echo
$TEND deliver --until-empty --playbook scripts/default
echo "What would have been sent, one JSON object a line: $TEND_HOME/outbox/default.jsonl"
echo "(configure connectors.json or connectors.lua for webhooks, Slack, SMTP, HTTP APIs)"
echo
echo "Next:"
echo "  $TEND explain acme-ltda          # one account's decision, its trace in plain words"
echo "  $TEND status                     # the latest run and who is at risk"
echo "  $TEND outbox list                # the notifications and how their delivery went"
echo "  $TEND eval --playbook scripts/default --accounts $S/accounts.jsonl --events $S/events.jsonl \\"
echo "       --metrics $S/metrics.jsonl --now $NOW --format table    # the same, stateless, from files"
echo "  TEND_HOME=$TEND_HOME $TEND db down   # stop the database"
