#!/usr/bin/env bash
# The browser the portal's tests drive: headless Chromium and its driver from Debian's packages
# (never a browser download), and axe-core from the npm registry through the project's lock
# file. Also jq and OpenSSL: the proof page tells citizens to verify a receipt with them, and
# the browser test runs those commands. Idempotent; `make browser` and `make test` call it, so a
# fresh machine gets all of it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() { printf '[install-browser] %s\n' "$*" >&2; }

if ! [ -x /usr/bin/chromium ] || ! [ -x /usr/bin/chromedriver ] \
    || ! command -v jq >/dev/null || ! command -v openssl >/dev/null; then
  if [ "$(id -u)" -ne 0 ]; then
    log "installing chromium, chromium-driver, jq and openssl needs root (apt-get install chromium chromium-driver jq openssl)"
    exit 1
  fi
  log "installing chromium, chromium-driver, jq and openssl from Debian's packages"
  # Another engineer's apt run may hold the lock: wait for it rather than fail.
  for _ in $(seq 1 60); do
    if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        chromium chromium-driver fonts-dejavu-core jq openssl >/dev/null; then
      break
    fi
    log "apt busy or failed; retrying in 5 s"
    sleep 5
  done
  [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] || { log "chromium not installed"; exit 1; }
fi
