#!/usr/bin/env bash
# tend's webhook signatures, checked by an independent implementation: the
# Standard Webhooks reference library for JavaScript (npm `standardwebhooks`,
# pinned by tests/integration/swh/package-lock.json and installed there with
# `npm ci` when missing). tend delivers intents with ASCII and non-ASCII
# text, signed with two secrets (a rotation), to the test receiver on
# 127.0.0.1, which logs each request's headers and body; swh/verify.js then
# checks that every request verifies under both secrets and that tampered
# bodies, ids, timestamps and a foreign secret are refused.
# Run from the repository root: deliver_swh.sh TEND RECEIVER
set -uo pipefail
TEND=$1 RECEIVER=$2
SWH=$PWD/tests/integration/swh
. tests/integration/lib_cluster.sh
cluster_home swh
rpid=
command -v node >/dev/null && command -v npm >/dev/null || fail "node and npm are needed (deploy/deps.sh installs them)"
if [ ! -f "$SWH/node_modules/standardwebhooks/package.json" ]; then
  (cd "$SWH" && npm ci --no-audit --no-fund --loglevel=error >"$tmp/npm.log" 2>&1) || fail "npm ci: $(cat "$tmp/npm.log")"
fi
PSQL=(psql -h "$TEND_HOME/pg/data" -U tend -d tend -q -t -A -v ON_ERROR_STOP=1)
q() { "${PSQL[@]}" -c "$1"; }
secret() { echo "whsec_$(head -c 32 /dev/urandom | base64 | tr -d '\n')"; }
S1=$(secret) S2=$(secret) OTHER=$(secret)

# The receiver checks the first secret with its own HMAC too.
"$RECEIVER" --port-file "$tmp/port" --log "$tmp/recv.log" --secret "$S1" >/dev/null &
rpid=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
[ -s "$tmp/port" ] || fail "the receiver did not start"
"$TEND" db up >/dev/null 2>&1 || fail "tend db up"
q "insert into tenants (id) values ('default'), ('acme-br') on conflict do nothing" || fail tenants
N=40
q "insert into outbox (tenant, dedupe_key, account_id, kind, payload)
   select case when g % 2 = 0 then 'default' else 'acme-br' end, 'swh:' || g, 'acct-' || g, 'webhook',
          jsonb_build_object('kind', 'webhook', 'target', 'crm', 'key', 'swh:' || g,
                             'data', jsonb_build_object('n', g, 'text', case when g % 3 = 0 then 'ação — 東京 ✓'
                               else 'plain "quoted" \\ text' end))
   from generate_series(1, $N) g" || fail "queueing"
export TEND_WEBHOOK_URL=http://127.0.0.1:$(cat "$tmp/port")/swh TEND_WEBHOOK_SECRET="$S1 $S2"
"$TEND" deliver --concurrency 8 >"$tmp/out" 2>&1 || fail "deliver: $(cat "$tmp/out")"
grep -q "^tend deliver: $N sent" "$tmp/out" || fail "deliver: $(cat "$tmp/out")"
[ "$(cut -f4 "$tmp/recv.log" | grep -c '^ok$')" = "$N" ] || fail "the receiver's own check: $(cut -f2-4 "$tmp/recv.log")"
SWH_SECRETS="$S1 $S2" SWH_OTHER_SECRET=$OTHER node "$SWH/verify.js" "$tmp/recv.log" "$N" || fail "standardwebhooks"
echo "deliver-swh: all checks passed"
