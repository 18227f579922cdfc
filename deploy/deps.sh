# Sourced by quickstart.sh and test.sh: installs the Debian packages tend
# needs when any is missing (safe to run twice: it checks first).
# postgresql: the distribution's server (postgresql-15 on Debian 12) for the
# embedded cluster of `tend db up` (initdb, pg_ctl, psql, the postgres user).
# python3-aiosmtpd, openssl: the smtp connector's test runs a real SMTP
# server (tests/integration/smtp_sink.py) with a throwaway certificate.
TEND_PACKAGES=(cmake make gcc pkg-config lua5.4 liblua5.4-dev libjansson-dev libcurl4-openssl-dev
               libpq-dev libssl-dev lua-busted lua-cjson postgresql
               python3-aiosmtpd openssl)

tend_install_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "tend: installing ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

tend_build() { # tend_build DIR [cmake options...]
  local dir=$1; shift
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  cmake --build "$dir" -j"$(nproc)" >/dev/null
}
