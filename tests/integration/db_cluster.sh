#!/usr/bin/env bash
# tend db up|down|migrate|status against a real PostgreSQL: an embedded
# cluster in a temporary TEND_HOME (removed at the end, the server stopped
# even when a check fails), a second database of it reached through
# TEND_DATABASE_URL (pending migrations, concurrent migrators, checksum
# conflicts), and an unreachable URL whose password must not be printed.
# Run from the repository root: db_cluster.sh TEND [--valgrind]
# As root (CI) the server must run as `postgres`: the temp folder is made
# searchable for it. Exits 77 (skipped) when no PostgreSQL server is
# installed, except under CI, where that is a failure.
set -uo pipefail
TEND=$1
. tests/integration/lib_cluster.sh
tend_under_valgrind "${2:-}"

cluster_require_server

# The migrations tend embeds: their count and the latest version.
N=$(ls runtime/store/migrations/*.sql | wc -l)
LATEST=$(ls runtime/store/migrations/*.sql | tail -1 | sed 's|.*/0*\([0-9][0-9]*\)_.*|\1|')

cluster_home db
# run WANT_EXIT ARGS...: runs tend, sets $out and $err, checks the exit code.
run() {
  local want=$1; shift
  "${T[@]}" "$@" >"$tmp/out" 2>"$tmp/err"
  code=$?
  out=$(cat "$tmp/out"); err=$(cat "$tmp/err")
  [ "$code" = "$want" ] || fail "tend $* exited $code, want $want
--- stdout
$out
--- stderr
$err"
}
has() { grep -qE -- "$2" <<<"$1" || fail "$3: expected /$2/ in:
$1"; }
hasnt() { ! grep -qE -- "$2" <<<"$1" || fail "$3: unexpected /$2/ in:
$1"; }
PSQL=(psql -X -q -A -t -v ON_ERROR_STOP=1 -h "$SOCK" -U tend)
sql() { "${PSQL[@]}" -d "$1" -c "$2" 2>&1 || fail "psql -d $1: $2"; }

# Before up: unreachable, exit 4, one line naming the socket and the fix.
run 4 db status
has "$out" "^reachable: no" "status before up"
has "$err" "^tend db status: cannot connect to the embedded database at $SOCK/\.s\.PGSQL\.5432: .*tend db up" \
  "status before up"
[ "$(wc -l <<<"$err")" = 1 ] || fail "status before up: one line expected on stderr: $err"

# up: initdb, start, create the database, apply every migration.
run 0 db up
has "$out" "^initialized $SOCK " "first up"
has "$out" "^started: socket $SOCK/\.s\.PGSQL\.5432" "first up"
has "$out" "^created database tend" "first up"
has "$out" "^applied 001_" "first up"
[ "$(grep -c '^applied ' <<<"$out")" = "$N" ] || fail "first up applied $(grep -c '^applied ' <<<"$out") of $N"
has "$out" "^schema: version $LATEST of $LATEST, up to date" "first up"

# up again: nothing to do.
run 0 db up
has "$out" "^already running" "second up"
has "$out" "^nothing to apply" "second up"
hasnt "$out" "initialized|started|applied" "second up"

run 0 db status
has "$out" "^database: embedded cluster, socket $SOCK/\.s\.PGSQL\.5432" "status"
has "$out" "^reachable: yes, PostgreSQL [0-9]" "status"
has "$out" "^schema: version $LATEST of $LATEST, up to date" "status"
hasnt "$out" "^pending:" "status"

run 0 db migrate
has "$out" "^nothing to apply" "migrate when up to date"

# The schema, seen with psql over the socket.
tables=$(sql tend "SELECT string_agg(table_name, ' ' ORDER BY table_name) FROM information_schema.tables
                   WHERE table_schema = 'public'")
for t in tenants accounts events metrics_daily evaluations account_state stage_history tasks outbox deliveries \
         schedules job_runs shard_leases rule_fires schema_migrations; do
  [[ " $tables " == *" $t "* ]] || fail "table $t missing (have: $tables)"
done
no_tenant=$(sql tend "SELECT string_agg(t.table_name, ' ' ORDER BY t.table_name) FROM information_schema.tables t
  WHERE t.table_schema = 'public' AND NOT EXISTS (SELECT 1 FROM information_schema.columns c
    WHERE c.table_schema = 'public' AND c.table_name = t.table_name AND c.column_name = 'tenant')")
[ "$no_tenant" = "schema_migrations tenants" ] || fail "tables without a tenant column: $no_tenant"
[ "$(sql tend "SELECT count(*) FROM schema_migrations")" = "$N" ] || fail "schema_migrations rows"
[ -z "$(sql tend "SHOW listen_addresses")" ] || fail "the embedded cluster listens on TCP"
if [ "$(id -u)" = 0 ]; then
  owner=$(ps -o user= -p "$(head -1 "$SOCK/postmaster.pid")")
  [ "$owner" = postgres ] || fail "as root the server must run as postgres, runs as $owner"
fi
# Dedupe keys hold: the same event (by id, or by its natural key), the same
# day's metrics, the same outbox intent and the same cron occurrence go in once.
dedupe=$(sql tend "
  INSERT INTO accounts (tenant, id) VALUES ('default', 'acme');
  INSERT INTO events (tenant, account_id, type, at) VALUES ('default', 'acme', 'login', '2026-11-20T10:00:00Z'),
    ('default', 'acme', 'login', '2026-11-20T10:00:00Z') ON CONFLICT DO NOTHING;
  INSERT INTO events (tenant, id, account_id, type, at) VALUES ('default', 'e1', 'acme', 'login', '2026-11-20T10:00:00Z'),
    ('default', 'e1', 'acme', 'login', '2026-11-21T10:00:00Z') ON CONFLICT DO NOTHING;
  INSERT INTO metrics_daily (tenant, account_id, date, metrics) VALUES ('default', 'acme', '2026-11-20', '{\"active_users\": 80}'),
    ('default', 'acme', '2026-11-20', '{\"active_users\": 81}') ON CONFLICT DO NOTHING;
  INSERT INTO outbox (tenant, dedupe_key, account_id, kind, payload) VALUES ('default', 'welcome:acme', 'acme', 'email', '{}'),
    ('default', 'welcome:acme', 'acme', 'email', '{}') ON CONFLICT DO NOTHING;
  INSERT INTO job_runs (tenant, schedule, job, occurrence) VALUES ('default', 'nightly', 'evaluate_all', '2026-11-22T02:00:00Z'),
    ('default', 'nightly', 'evaluate_all', '2026-11-22T02:00:00Z') ON CONFLICT DO NOTHING;
  SELECT (SELECT count(*) FROM events) || ' ' || (SELECT count(*) FROM metrics_daily) || ' ' ||
         (SELECT count(*) FROM outbox) || ' ' || (SELECT count(*) FROM job_runs);")
[ "$dedupe" = "2 1 1 1" ] || fail "dedupe keys: events, metrics, outbox, job_runs = $dedupe, want 2 1 1 1"

# Another database of the same server through TEND_DATABASE_URL: pending
# migrations, then two migrators at once (the advisory lock serializes them).
sql postgres "CREATE DATABASE other" >/dev/null
export TEND_DATABASE_URL="postgresql:///other?host=$SOCK&user=tend"
run 0 db status
has "$out" "^database: postgresql:///other\?host=$SOCK&user=tend \(TEND_DATABASE_URL\)" "status by URL"
has "$out" "^schema: version 0 of $LATEST, $N pending" "status by URL"
has "$out" "^pending: 001_" "status by URL"
hasnt "$out" "^psql:" "status by URL"
"${T[@]}" db migrate >"$tmp/m1" 2>&1 & p1=$!
"${T[@]}" db migrate >"$tmp/m2" 2>&1 & p2=$!
wait $p1 || fail "concurrent migrate 1: $(cat "$tmp/m1")"
wait $p2 || fail "concurrent migrate 2: $(cat "$tmp/m2")"
[ "$(cat "$tmp/m1" "$tmp/m2" | grep -c '^applied ')" = "$N" ] || fail "concurrent migrators applied:
$(cat "$tmp/m1" "$tmp/m2")"
[ "$(sql other "SELECT count(*) FROM schema_migrations")" = "$N" ] || fail "schema_migrations rows after concurrent migrate"
run 0 db up
has "$out" "^TEND_DATABASE_URL is set" "up with a URL"
has "$out" "^nothing to apply" "up with a URL"
run 0 db down
has "$out" "nothing to do" "down with a URL"

# A migration whose text changed after it was applied: exit 3, nothing applied.
sql other "UPDATE schema_migrations SET checksum = 'changed' WHERE version = 1" >/dev/null
run 3 db migrate
has "$err" "^tend db migrate: migration 001_[a-z_]+\.sql was applied with checksum changed" "changed checksum"
run 3 db status
has "$out" "^conflict: migration 001_" "status with a changed checksum"
sum=$(sql tend "SELECT checksum FROM schema_migrations WHERE version = 1")
sql other "UPDATE schema_migrations SET checksum = '$sum' WHERE version = 1" >/dev/null
run 0 db migrate
has "$out" "^nothing to apply" "migrate after restoring the checksum"
# A database migrated by a newer tend: exit 3.
sql other "INSERT INTO schema_migrations (version, name, checksum) VALUES (999, 'future', 'x')" >/dev/null
run 3 db migrate
has "$err" "has migration 999_future, which this tend does not know" "newer database"

# An unreachable server: exit 4, one line naming it, the password masked.
export TEND_DATABASE_URL=postgresql://nobody:secret@127.0.0.1:1/x
run 4 db status
has "$err" "^tend db status: cannot connect to postgresql://nobody:\*\*\*@127\.0\.0\.1:1/x \(TEND_DATABASE_URL\): " \
  "unreachable URL"
hasnt "$out$err" "secret" "unreachable URL"
[ "$(wc -l <<<"$err")" = 1 ] || fail "unreachable URL: one line expected on stderr: $err"
run 4 db migrate
hasnt "$out$err" "secret" "migrate, unreachable URL"
unset TEND_DATABASE_URL

# down, down again, status after down, and up again (a restart, no initdb).
run 0 db down
has "$out" "^stopped: $SOCK" "down"
run 0 db down
has "$out" "^not running" "second down"
run 4 db status
has "$err" "tend db up" "status after down"
run 0 db up
has "$out" "^started: " "up after down"
hasnt "$out" "initialized|created database|applied" "up after down"
run 0 db down

echo "db cluster: ok ($N migrations, schema version $LATEST)"
