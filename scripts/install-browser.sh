#!/usr/bin/env bash
# The browser the portal's tests drive: headless Chromium and its driver from Debian's packages
# (never a browser download), and axe-core from the npm registry through the project's lock
# file. Idempotent; `make browser` and `make test` call it, so a fresh machine gets both.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() { printf '[install-browser] %s\n' "$*" >&2; }

if ! [ -x /usr/bin/chromium ] || ! [ -x /usr/bin/chromedriver ]; then
  if [ "$(id -u)" -ne 0 ]; then
    log "installing chromium and chromium-driver needs root (apt-get install chromium chromium-driver)"
    exit 1
  fi
  log "installing chromium and chromium-driver from Debian's packages"
  # Another engineer's apt run may hold the lock: wait for it rather than fail.
  for _ in $(seq 1 60); do
    if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        chromium chromium-driver fonts-dejavu-core >/dev/null; then
      break
    fi
    log "apt busy or failed; retrying in 5 s"
    sleep 5
  done
  [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] || { log "chromium not installed"; exit 1; }
fi
