#!/usr/bin/env bash
# What a single-event ingest's transaction costs with the staging table
# created per transaction (ON COMMIT DROP, as ingest did) and kept per
# connection (ON COMMIT DELETE ROWS, created by a DO block when missing, as
# ingest does now): the same statements tend sends for a one-event POST,
# the COPY written as an INSERT. pgbench runs both scripts in one run,
# picking one at random per transaction, so both see the same machine load;
# it prints each one's mean latency, and this prints the ratio.
#
#   bash tests/bench/endpoint/staging.sh [--build DIR] [--seconds S]
#
# A throwaway database (tend db up in a temporary TEND_HOME), stopped and
# removed on exit, even on failure.
set -uo pipefail
BUILD=build SECS=20
while [ $# -gt 0 ]; do
  case $1 in
    --build) BUILD=$2; shift 2 ;;
    --seconds) SECS=$2; shift 2 ;;
    *) echo "usage: staging.sh [--build DIR] [--seconds S]" >&2; exit 2 ;;
  esac
done
TEND=$(realpath "$BUILD/tend")
[ -x "$TEND" ] || { echo "staging.sh: $TEND is not built" >&2; exit 2; }
command -v pgbench >/dev/null || PATH=$PATH:$(ls -d /usr/lib/postgresql/*/bin | tail -1)
command -v pgbench >/dev/null || { echo "staging.sh: pgbench is missing" >&2; exit 2; }
tmp=$(mktemp -d /tmp/tend-bench-staging.XXXXXX)
chmod 755 "$tmp"
export TEND_HOME=$tmp/home
unset TEND_DATABASE_URL
trap '"$TEND" db down >/dev/null 2>&1; rm -rf "$tmp"' EXIT
"$TEND" db up >/dev/null 2>&1 || { echo "FAIL: tend db up"; exit 1; }
SOCK=$TEND_HOME/pg/data

cols="(line bigint, id text, account_id text, type text, at timestamptz, user_id text, data jsonb)"
store="INSERT INTO events (tenant, id, account_id, type, at, user_id, data)"
store_from() { echo "$store SELECT 'bench', id, account_id, type, at, user_id, data FROM $1 ON CONFLICT DO NOTHING;"; }
row="VALUES (1, :client_id || '-' || :r::text, 'acc-1', 'login', now(), 'u1', '{\"n\": 1}')"
cat >"$tmp/per_transaction.sql" <<EOF
\\set r random(1, 1000000000)
BEGIN;
INSERT INTO tenants (id, name) VALUES ('bench', 'bench') ON CONFLICT (id) DO NOTHING;
CREATE TEMP TABLE staging_drop $cols ON COMMIT DROP;
INSERT INTO staging_drop $row;
$(store_from staging_drop)
COMMIT;
EOF
cat >"$tmp/per_connection.sql" <<EOF
\\set r random(1, 1000000000)
BEGIN;
INSERT INTO tenants (id, name) VALUES ('bench', 'bench') ON CONFLICT (id) DO NOTHING;
DO \$\$BEGIN IF to_regclass('pg_temp.staging_keep') IS NULL THEN CREATE TEMP TABLE staging_keep $cols ON COMMIT DELETE ROWS; END IF; END\$\$;
INSERT INTO staging_keep $row;
$(store_from staging_keep)
COMMIT;
EOF
pgbench -h "$SOCK" -U tend -n -c 1 -T "$SECS" -f "$tmp/per_transaction.sql@1" -f "$tmp/per_connection.sql@1" tend \
  >"$tmp/out" 2>&1 || { echo "FAIL: pgbench: $(head -c 2000 "$tmp/out")"; exit 1; }
drop=$(awk '/per_transaction.sql/{f=1} f && /latency average/{sub(/.*= */, ""); print $1; exit}' "$tmp/out")
keep=$(awk '/per_connection.sql/{f=1} f && /latency average/{sub(/.*= */, ""); print $1; exit}' "$tmp/out")
[ -n "$drop" ] && [ -n "$keep" ] || { echo "FAIL: no latency in pgbench's output: $(cat "$tmp/out")"; exit 1; }
n=$(psql -X -A -t -h "$SOCK" -U tend -d tend -c "SELECT count(*) FROM events WHERE tenant = 'bench'")
printf 'staging table per transaction (ON COMMIT DROP):    %s ms per single-event transaction\n' "$drop"
printf 'staging table per connection (ON COMMIT DELETE ROWS): %s ms\n' "$keep"
awk -v d="$drop" -v k="$keep" -v n="$n" 'BEGIN{ printf "ratio per connection / per transaction: %.2f (%d events stored)\n", k / d, n }'
