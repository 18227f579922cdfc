#!/usr/bin/env bash
# deploy/ checked without a cluster, a container engine or a running
# systemd: the systemd units with `systemd-analyze verify` (ExecStart
# pointed at the tend just built, since /usr/local/bin/tend is not
# installed here; any message at all is a failure, since verify exits 0
# on keys it ignores), their hardening directives, and the Kubernetes
# manifests, compose.yaml and the Dockerfile (check_manifests.py).
# Run from the repository root: manifests.sh TEND
set -uo pipefail
TEND=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
PY=/usr/bin/python3
fail() { echo "FAIL: $*"; exit 1; }
command -v systemd-analyze >/dev/null || fail "systemd-analyze is missing (deploy/deps.sh installs systemd)"
$PY -c 'import yaml, jsonschema' 2>/dev/null || fail "python3-yaml or python3-jsonschema is missing (deploy/deps.sh)"
tmp=$(mktemp -d /tmp/tend-manifests.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

mkdir "$tmp/units"
for f in deploy/systemd/*.service deploy/systemd/*.timer; do
  sed "s#/usr/local/bin/tend#$TEND#" "$f" >"$tmp/units/$(basename "$f")"
done
out=$(systemd-analyze verify --man=no "$tmp"/units/* 2>&1)
[ $? -eq 0 ] && [ -z "$out" ] || fail "systemd-analyze verify:
$out"
for d in Restart=on-failure NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes User=tend \
  EnvironmentFile=/etc/tend/tend.env; do
  grep -qx "$d" deploy/systemd/tend.service || fail "tend.service: no $d"
done
for u in tend-nightly tend-deliver; do
  grep -qx 'Type=oneshot' deploy/systemd/$u.service || fail "$u.service is not a oneshot"
  grep -q '^On' deploy/systemd/$u.timer || fail "$u.timer has no schedule"
done
# each unit runs a tend command this tend has (serve once it exists)
for cmd in $(grep -ho '^ExecStart=/usr/local/bin/tend [a-z]*' deploy/systemd/*.service | awk '{print $2}'); do
  if ! "$TEND" help "$cmd" >/dev/null 2>&1; then
    [ "$cmd" = serve ] && { echo "note: tend.service runs tend serve, which this tend does not have yet"; continue; }
    fail "a unit runs 'tend $cmd', not a tend command"
  fi
done
# the example environment file parses as one (KEY=value lines)
grep -v '^#' deploy/tend.env.example | grep -v '^$' | grep -vqE '^[A-Z_]+=' && fail "tend.env.example: a bad line"

$PY tests/deploy/check_manifests.py "$TEND" "$tmp" || exit 1
echo "ok: deploy manifests"
