# Sourced by quickstart.sh and test.sh: installs the Debian packages tend
# needs when any is missing (safe to run twice: it checks first).
# postgresql: the distribution's server (postgresql-15 on Debian 12) for the
# embedded cluster of `tend db up` (initdb, pg_ctl, psql, the postgres user).
TEND_PACKAGES=(cmake make gcc pkg-config lua5.4 liblua5.4-dev libjansson-dev libcurl4-openssl-dev
               libpq-dev libssl-dev lua-busted lua-cjson postgresql tzdata)
# For the tests only (deploy/test.sh): nodejs and npm, to verify tend's
# webhook signatures with the Standard Webhooks reference library for
# JavaScript (tests/integration/swh, installed there by the test with
# `npm ci`); python3-aiosmtpd and openssl, for the smtp connector's test
# against a real SMTP server (tests/integration/smtp_sink.py) with a
# throwaway certificate.
TEND_TEST_PACKAGES=(nodejs python3-aiosmtpd openssl)

# npm comes with some builds of the nodejs package and separately with
# Debian's: installs the npm package only when no npm is there.
tend_install_npm() {
  command -v npm >/dev/null 2>&1 || tend_install_packages npm
}

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
