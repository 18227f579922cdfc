#!/usr/bin/env bash
# Replicas for explain and status (deploy/SCALING.md): a streaming hot
# standby of the embedded cluster (pg_basebackup -R, started on its own
# socket) answers tend status, tend explain and tend outbox list exactly as
# the primary does, through TEND_DATABASE_URL; what writes (tend run
# nightly, tend ingest) is refused there with the server's reason, and
# nothing is half-done. Both servers are stopped even when a check fails.
# Run from the repository root: replica_reads.sh TEND
set -uo pipefail
TEND=$(realpath "$1")
. tests/integration/lib_cluster.sh
cluster_require_server
cluster_home replica
. tests/integration/nightly_fixture.sh

PGBIN=${TEND_PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
[ -x "$PGBIN/pg_basebackup" ] || fail "pg_basebackup not found in '$PGBIN'"
REP=$tmp/replica
# The servers run as postgres when the test runs as root (as tend's do).
as_server() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
on_cleanup() {
  fixture_cleanup
  [ -f "$REP/postmaster.pid" ] && as_server "$PGBIN/pg_ctl" -D "$REP" -m immediate stop >/dev/null 2>&1
}

PSQL=(psql -X -q -A -t -v ON_ERROR_STOP=1 -U tend -d tend)
"$TEND" db up >"$tmp/up" 2>&1 || fail "tend db up: $(cat "$tmp/up")"
fixture_init "$TEND" "${PSQL[@]}" -h "$SOCK"
S=scripts/examples/sample
fixture_inputs default $S/accounts.jsonl $S/events.jsonl $S/metrics.jsonl || fail "loading the sample"
run=$(fixture_nightly default 2026-11-22T02:00:00Z scripts/default) || fail "nightly"
[ -n "$run" ] || fail "no run stored"

# The standby: a base backup that follows the primary (-R), on its own socket.
mkdir -p "$REP" && chmod 700 "$REP"
[ "$(id -u)" = 0 ] && chown postgres "$REP"
as_server "$PGBIN/pg_basebackup" -h "$SOCK" -U tend -D "$REP" -R -X stream -c fast >"$tmp/basebackup" 2>&1 ||
  fail "pg_basebackup: $(cat "$tmp/basebackup")"
rm -f "$REP"/.s.PGSQL.*.lock # the primary's socket lives in its data folder: its lock came along
as_server "$PGBIN/pg_ctl" -D "$REP" -l "$REP/server.log" -w -t 60 \
  -o "-c unix_socket_directories=$REP -c listen_addresses='' -c port=5432" start >"$tmp/start" 2>&1 ||
  fail "standby start: $(cat "$tmp/start"; tail -5 "$REP/server.log" 2>/dev/null)"
[ "$("${PSQL[@]}" -h "$REP" -c "SELECT pg_is_in_recovery()")" = t ] || fail "the copy is not a standby"

# A write after the copy reaches the standby: it streams.
# (vela-fintech's first email; the update must change a row, or the check below proves nothing.)
[ "$("${PSQL[@]}" -h "$SOCK" -c "WITH u AS (UPDATE outbox SET status = 'sent', attempts = 1, sent_at = now()
  WHERE id = (SELECT min(id) FROM outbox WHERE account_id = 'vela-fintech' AND kind = 'email') RETURNING 1)
  SELECT count(*) FROM u")" = 1 ] || fail "update on the primary"
want=$("${PSQL[@]}" -h "$SOCK" -c "SELECT count(*) FILTER (WHERE status = 'sent') || '/' || count(*) FROM outbox")
for _ in $(seq 100); do
  [ "$("${PSQL[@]}" -h "$REP" -c "SELECT count(*) FILTER (WHERE status = 'sent') || '/' || count(*) FROM outbox")" = "$want" ] &&
    break
  sleep 0.1
done
[ "$("${PSQL[@]}" -h "$REP" -c "SELECT count(*) FILTER (WHERE status = 'sent') || '/' || count(*) FROM outbox")" = "$want" ] ||
  fail "the standby did not catch up ($want on the primary)"

PRIMARY="postgresql:///tend?host=$SOCK&user=tend"
REPLICA="postgresql:///tend?host=$REP&user=tend"
# same ARGS...: tend ARGS on the standby prints what it prints on the primary, exit 0.
same() {
  TEND_DATABASE_URL=$PRIMARY "$TEND" "$@" >"$tmp/p.out" 2>"$tmp/p.err" || fail "tend $* on the primary: $(cat "$tmp/p.err")"
  TEND_DATABASE_URL=$REPLICA "$TEND" "$@" >"$tmp/r.out" 2>"$tmp/r.err" || fail "tend $* on the standby: $(cat "$tmp/r.err")"
  [ -s "$tmp/p.out" ] || fail "tend $* printed nothing"
  diff -u "$tmp/p.out" "$tmp/r.out" >"$tmp/diff" || fail "tend $* differs on the standby:
$(cat "$tmp/diff")"
}
same status
same status --tenant default --job nightly
same explain vela-fintech
same explain acme-ltda
same outbox list --limit 100
grep -q "sent" "$tmp/r.out" || fail "the standby's outbox list misses the row sent after the copy"

# Writes are refused by the standby, with its reason, and change nothing.
before=$("${PSQL[@]}" -h "$REP" -c "SELECT count(*) FROM job_runs")
TEND_DATABASE_URL=$REPLICA "$TEND" run nightly --playbook scripts/default --now 2026-11-23T02:00:00Z \
  >"$tmp/run.out" 2>"$tmp/run.err"
code=$?
[ $code != 0 ] || fail "tend run nightly on a standby exited 0"
grep -q "read-only transaction" "$tmp/run.err" || fail "run nightly on the standby: $(cat "$tmp/run.err")"
TEND_DATABASE_URL=$REPLICA "$TEND" ingest accounts $S/accounts.jsonl >"$tmp/ing.out" 2>"$tmp/ing.err"
[ $? != 0 ] || fail "tend ingest on a standby exited 0"
grep -q "read-only transaction" "$tmp/ing.err" || fail "ingest on the standby: $(cat "$tmp/ing.err")"
[ "$("${PSQL[@]}" -h "$SOCK" -c "SELECT count(*) FROM job_runs")" = "$before" ] || fail "a run appeared on the primary"
echo "ok: status, explain and outbox list read the same on a streaming standby; writes refused (run exit $code)"
