# Nightly runs in the database, for the tests of what reads them (tend
# explain, tend status). Source this file, then:
#
#   fixture_init TEND PSQL...        the tend binary, and the psql command
#                                    line that reaches the tend database
#   fixture_inputs TENANT ACCOUNTS [EVENTS [METRICS]]
#                                    tend ingest of each file
#   fixture_nightly TENANT NOW PLAYBOOK
#                                    tend run nightly as of NOW; prints the
#                                    run's id (exit 1 of the run, some
#                                    accounts failed, is fine: runs record it)
#
# What explain and status read from a run: the job_runs row (schedule
# "nightly", occurrence, status, playbook, started/finished, accounts,
# failed), the evaluations rows (the result objects), and the outbox rows
# and tasks of the intents (dedupe_key = the intent's key; outbox.run_id and
# tasks.created_run_id name the run that queued them).

fixture_init() {
  FIXTURE_TEND=$1; shift
  FIXTURE_PSQL=("$@")
  FIXTURE_TMP=$(mktemp -d /tmp/tend-fixture.XXXXXX)
}

fixture_cleanup() { if [ -n "${FIXTURE_TMP:-}" ]; then rm -rf "$FIXTURE_TMP"; fi; }

fixture_inputs() {
  local tenant=$1 kind file
  shift
  for kind in accounts events metrics; do
    file=${1:-}
    [ -n "$file" ] || break
    shift
    if ! "$FIXTURE_TEND" ingest "$kind" "$file" --tenant "$tenant" >"$FIXTURE_TMP/ingest.out" 2>&1; then
      echo "fixture: tend ingest $kind $file: $(cat "$FIXTURE_TMP/ingest.out")" >&2
      return 1
    fi
  done
}

fixture_nightly() {
  local tenant=$1 now=$2 playbook=$3 rc=0
  "$FIXTURE_TEND" run nightly --playbook "$playbook" --tenant "$tenant" --now "$now" \
    >"$FIXTURE_TMP/run.out" 2>"$FIXTURE_TMP/run.err" || rc=$?
  if [ $rc -gt 1 ]; then
    echo "fixture: tend run nightly exited $rc: $(cat "$FIXTURE_TMP/run.err")" >&2
    return 1
  fi
  "${FIXTURE_PSQL[@]}" -v tenant="$tenant" -v now="$now" <<'SQL'
SELECT id FROM job_runs WHERE tenant = :'tenant' AND schedule = 'nightly' AND occurrence = (:'now'::timestamptz)::date;
SQL
}
