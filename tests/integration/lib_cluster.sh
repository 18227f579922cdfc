# What every integration test needs around a throwaway embedded PostgreSQL.
# Source it from the repository root after setting TEND, then call
#
#   cluster_require_server        exit 77 (skipped) when no PostgreSQL server
#                                 is installed; under CI that is a failure
#   cluster_home NAME             a temporary TEND_HOME in /tmp/tend-NAME.*
#                                 ($tmp, $TEND_HOME, $SOCK), tend's database
#                                 variables unset, and a trap that stops the
#                                 server and removes it all on any exit; a
#                                 function `on_cleanup`, if the test defines
#                                 one, runs first (receivers, fixtures)
#   tend_under_valgrind [--valgrind]
#                                 T=(tend) or T=(valgrind ... tend)
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
  if [ "${1:-}" = --valgrind ]; then
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
  stop_server
  rm -rf "$tmp"
}

cluster_home() {
  tmp=$(mktemp -d "/tmp/tend-$1.XXXXXX")
  chmod 755 "$tmp"
  export TEND_HOME=$tmp/home
  unset TEND_DATABASE_URL TEND_PLAYBOOK
  SOCK=$TEND_HOME/pg/data
  trap cluster_cleanup EXIT
}

fail() {
  echo "FAIL: $*"
  [ -f "$TEND_HOME/pg/server.log" ] && { echo "--- server.log (tail)"; tail -5 "$TEND_HOME/pg/server.log"; }
  exit 1
}
