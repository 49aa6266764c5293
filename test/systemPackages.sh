#!/bin/sh
# Run first by `npm test`, before npm install and the build: the system packages the tests drive for
# real must be on this machine. Debian's Chromium (unless PII_CHROMIUM names
# another) and redis-server for the relay's scale-out tests (unless REDIS_URL
# names a running Redis). As root it apt-installs what is missing; otherwise it
# stops at once with the command to run, instead of the suite failing minutes
# later, after the build and the unit tests. Silent when nothing is missing.
set -eu

if [ -n "${PII_CHROMIUM:-}" ] && [ ! -x "$PII_CHROMIUM" ]; then
  # apt cannot help here: the tests would drive this path, not Debian's Chromium.
  echo "PII_CHROMIUM is $PII_CHROMIUM, which is not an executable file. Point it at a Chromium or Chrome binary, or unset it to use Debian's Chromium." >&2
  exit 1
fi

missing=''
instead=''
# The same path e2e/chromium.ts drives when PII_CHROMIUM is unset.
if [ -z "${PII_CHROMIUM:-}" ] && [ ! -x /usr/bin/chromium ]; then
  missing="$missing chromium"
  instead="$instead PII_CHROMIUM to another Chromium or Chrome binary,"
fi
# The relay tests start their own redis-server on a free port; REDIS_URL points them at an existing one instead.
if [ -z "${REDIS_URL:-}" ] && ! command -v redis-server >/dev/null 2>&1; then
  missing="$missing redis-server"
  instead="$instead REDIS_URL to a running Redis,"
fi
[ -z "$missing" ] && exit 0
missing=${missing# }

if [ "$(id -u)" -ne 0 ]; then
  echo "The tests need these Debian packages, which are not installed: $missing. Install them with:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y $missing" >&2
  echo "or set${instead%,}." >&2
  exit 1
fi
echo "Installing Debian packages: $missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# $missing is unquoted on purpose: one argument per package.
apt-get install -y -qq $missing >/dev/null
