# What every integration test needs around a throwaway embedded PostgreSQL.
# Source it from the repository root after setting TEND, then call
#
#   cluster_require_server        exit 77 (skipped) when no PostgreSQL server
#                                 is installed; under CI that is a failure
#   cluster_home NAME             a temporary TEND_HOME in /tmp/tend-NAME.*
#                                 ($tmp, $TEND_HOME, $SOCK), tend's database
#                                 and connector variables unset, and a trap
#                                 that, on any exit, kills the test's
#                                 background processes ($rpid, ${pids[@]}),
#                                 stops the server and removes it all
#                                 (TEND_TEST_KEEP=1 keeps $tmp); a function
#                                 `on_cleanup`, if the test defines one, runs
#                                 first
#   tend_under_valgrind [--valgrind]
#                                 T=(tend), VG=0; or T=(valgrind ... tend), VG=1
#   fail MESSAGE                  prints FAIL and the server log's tail, exit 1
#
# The server runs as `postgres` when the test runs as root, so $tmp is
# world-searchable.

cluster_require_server() {
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null &&
     [ -z "${TEND_PG_BINDIR:-}" ]; then
    echo "no PostgreSQL server installed (deploy/deps.sh installs it)"
    [ "${CI:-}" = true ] && exit 1
    exit 77
  fi
}

tend_under_valgrind() {
  T=("$TEND")
  VG=0
  if [ "${1:-}" = --valgrind ]; then
    VG=1
    T=(valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect
       --show-leak-kinds=definite,indirect "$TEND")
  fi
}

# Stops the cluster even when tend itself failed: then the postmaster it
# started gets SIGINT (fast shutdown).
stop_server() {
  "$TEND" db down >/dev/null 2>&1 && return
  local pid
  pid=$(head -1 "$SOCK/postmaster.pid" 2>/dev/null) || return
  kill -INT "$pid" 2>/dev/null || return
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return; sleep 0.1; done
}

cluster_cleanup() {
  if declare -F on_cleanup >/dev/null; then on_cleanup; fi
  local p
  for p in ${rpid:-} ${pids[@]+"${pids[@]}"}; do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  stop_server
  if [ -n "${TEND_TEST_KEEP:-}" ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}

cluster_home() {
  tmp=$(mktemp -d "/tmp/tend-$1.XXXXXX")
  chmod 755 "$tmp"
  export TEND_HOME=$tmp/home
  unset TEND_DATABASE_URL TEND_PLAYBOOK TEND_WEBHOOK_URL TEND_WEBHOOK_SECRET TEND_ROUTES TEND_CONNECTORS \
    TEND_CONNECTOR_PATH
  SOCK=$TEND_HOME/pg/data
  trap cluster_cleanup EXIT
}

fail() {
  echo "FAIL: $*"
  [ -f "$TEND_HOME/pg/server.log" ] && { echo "--- server.log (tail)"; tail -5 "$TEND_HOME/pg/server.log"; }
  exit 1
}
