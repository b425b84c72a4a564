#!/usr/bin/env bash
# The local stack without Docker: RabbitMQ from Debian's package and FerretDB built from
# tools/ferretdb, on PostgreSQL (Debian's package, our own cluster: scripts/postgres.sh) by
# default, or on SQLite with FERRETDB_BACKEND=sqlite. docs/performance.md ("The embedded
# store") has the measurements behind the default. Idempotent: `up` installs what is missing
# and starts what is not running; `store` does so for the document store alone.
# Usage: scripts/local-stack.sh up|store|down|status|env|build|install
#
# Two ways in, both on 127.0.0.1 only:
# - plain (the tests, `make run TLS=no`): the default RabbitMQ node on 5672 with the local
#   passwords (<user>-local-secret) and FerretDB on FERRETDB_ADDR (27017);
# - TLS (`make run`): a test CA made on first start in .local/pki/ (scripts/pki.py; keys 0600,
#   never committed), a TLS-only RabbitMQ node LOCAL_TLS_NODE with mutual TLS and EXTERNAL
#   (AMQPS on LOCAL_TLS_PORT_BASE+1 = 5681, its management UI on +2 = 5682) whose users are the
#   certificates' subjects, and FerretDB's TLS listener on FERRETDB_TLS_ADDR (27018).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL="$ROOT/.local"
FERRETDB_BIN="$LOCAL/bin/ferretdb"
FERRETDB_ADDR="${FERRETDB_ADDR:-127.0.0.1:27017}"
FERRETDB_BACKEND="${FERRETDB_BACKEND:-postgresql}"
# Where this FerretDB keeps its state: pid, backend, TLS stamp, log, its SQLite files.
FERRETDB_STATE="${FERRETDB_STATE:-$LOCAL/ferretdb}"
# Empty: no TLS listener (a store of its own, such as the seeded one).
FERRETDB_TLS_ADDR="${FERRETDB_TLS_ADDR-127.0.0.1:27018}"
PKI="$LOCAL/pki"
TLS_NODE="${LOCAL_TLS_NODE:-mijnoverheid-tls}"
TLS_PORT_BASE="${LOCAL_TLS_PORT_BASE:-5680}"
TLS_ADMIN_PASSWORD="$LOCAL/rabbitmq-tls-admin-password"
PYTHON="$ROOT/.venv/bin/python"
VHOSTS=(mijnoverheid mijnoverheid-test)

log() { printf '[local-stack] %s\n' "$*" >&2; }

need_root() {
  if [ "$(id -u)" -ne 0 ]; then
    log "installing and starting the system RabbitMQ needs root (or run it yourself and set AMQP_URL)"
    exit 1
  fi
}

ensure_rabbitmq_installed() {
  if command -v rabbitmq-server >/dev/null 2>&1 || [ -x /usr/sbin/rabbitmq-server ]; then return; fi
  need_root
  log "installing rabbitmq-server from Debian's packages"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rabbitmq-server >/dev/null
}

rabbitmq_running() { rabbitmqctl -q status >/dev/null 2>&1; }

# config/rabbitmq/limits.conf: kept in the node's rabbitmq.conf for its next start, and set in
# the running node too (new channels read them), so no restart is needed.
apply_rabbitmq_limits() {
  local conf=/etc/rabbitmq/rabbitmq.conf line key value
  while read -r line; do
    case "$line" in ''|'#'*) continue ;; esac
    key="${line%% =*}" value="${line#*= }"
    if ! grep -qxF "$line" "$conf" 2>/dev/null; then
      need_root
      { grep -v "^$key =" "$conf" 2>/dev/null || true; echo "$line"; } >"$conf.new"
      mv -f "$conf.new" "$conf"
    fi
    rabbitmqctl -q eval "application:set_env(rabbit, $key, $value)." >/dev/null
  done <"$ROOT/config/rabbitmq/limits.conf"
}

start_rabbitmq() {
  export PATH="$PATH:/usr/sbin"
  if ! rabbitmq_running; then
    need_root
    rabbitmq-plugins -q enable --offline rabbitmq_management >/dev/null
    log "starting RabbitMQ"
    /etc/init.d/rabbitmq-server start >/dev/null
  fi
  rabbitmqctl -q await_startup --timeout 120
  apply_rabbitmq_limits
  # The management plugin may have been enabled after the node started.
  rabbitmq-plugins -q enable rabbitmq_management >/dev/null
}

provision_rabbitmq() {
  local definitions="$LOCAL/rabbitmq-definitions.json"
  local args=()
  for vhost in "${VHOSTS[@]}"; do args+=(--vhost "$vhost"); done
  "$PYTHON" -m mijnoverheid.provisioning "${args[@]}" --out "$definitions"
  rabbitmqctl -q import_definitions "$definitions" >/dev/null
  # The import finishes asynchronously: wait for its last vhost's queues and users.
  for _ in $(seq 1 120); do
    if rabbitmqctl -q list_queues -p "${VHOSTS[-1]}" name 2>/dev/null | grep -qx 'notifier.message-delivered' \
      && rabbitmqctl -q list_users 2>/dev/null | grep -q '^stichting-voorbeeld'; then
      log "RabbitMQ provisioned: vhosts ${VHOSTS[*]}, management UI on http://127.0.0.1:15672"
      return
    fi
    sleep 0.5
  done
  log "RabbitMQ definitions were not applied within 60 s"
  exit 1
}

# FerretDB is built from the module the Go proxy serves (its version is the one in
# tools/ferretdb/go.mod), with our patches from tools/ferretdb/*.patch applied to a copy of it
# under .local/build and wired in with a `replace` on a copy of go.mod: no FerretDB source is
# kept in this repository. The stamp (a hash of everything that goes in) triggers a rebuild
# whenever a patch, main.go, go.mod or go.sum changes.
FERRETDB_SRC="$ROOT/tools/ferretdb"
FERRETDB_BUILD="$LOCAL/build/ferretdb"

ferretdb_inputs_hash() {
  (cd "$FERRETDB_SRC" && cat main.go go.mod go.sum *.patch) | sha256sum | cut -d' ' -f1
}

build_ferretdb() {
  local stamp="$FERRETDB_BIN.stamp" hash module version dir
  hash="$(ferretdb_inputs_hash)"
  if [ -x "$FERRETDB_BIN" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$hash" ]; then return; fi
  command -v go >/dev/null 2>&1 || export PATH="$PATH:/usr/local/go/bin"
  module=github.com/FerretDB/FerretDB
  version="$(cd "$FERRETDB_SRC" && go list -m -f '{{.Version}}' "$module")"
  log "building FerretDB $version (embedded, patched); the first build takes a few minutes"
  # go.sum verifies what the proxy serves; Dir is the (read-only) module cache copy.
  dir="$(cd "$FERRETDB_SRC" && go mod download -json "$module@$version" \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["Dir"])')"
  rm -rf "$FERRETDB_BUILD"
  mkdir -p "$FERRETDB_BUILD/cmd" "$LOCAL/bin"
  cp -R "$dir" "$FERRETDB_BUILD/FerretDB"
  chmod -R u+w "$FERRETDB_BUILD/FerretDB"
  for patch in "$FERRETDB_SRC"/*.patch; do
    log "applying $(basename "$patch")"
    patch -d "$FERRETDB_BUILD/FerretDB" -p1 --forward --batch --quiet <"$patch"
  done
  cp "$FERRETDB_SRC/main.go" "$FERRETDB_SRC/go.mod" "$FERRETDB_SRC/go.sum" "$FERRETDB_BUILD/cmd/"
  (
    cd "$FERRETDB_BUILD/cmd"
    go mod edit -replace "$module=../FerretDB"
    go build -trimpath -o "$FERRETDB_BIN.new" .
  )
  mv "$FERRETDB_BIN.new" "$FERRETDB_BIN"
  echo "$hash" >"$stamp"
}

port_open() { (exec 3<>"/dev/tcp/${1%:*}/${1#*:}") 2>/dev/null; }

ferretdb_is_ours() {
  [ -f "$FERRETDB_STATE.pid" ] && kill -0 "$(cat "$FERRETDB_STATE.pid")" 2>/dev/null
}

# What FerretDB's TLS listener was started with: the address and the server certificate (which
# scripts/pki.py renews before it expires). Another value means it must restart.
ferretdb_tls_stamp() {
  if [ -z "$FERRETDB_TLS_ADDR" ]; then echo none; return; fi
  printf '%s %s\n' "$FERRETDB_TLS_ADDR" "$(cat "$PKI/servers/ferretdb.pem" | sha256sum | cut -d' ' -f1)"
}

# A FerretDB this script started must restart when its binary has been rebuilt since (mv
# replaced the file, so /proc shows the old one as deleted: it would serve the old code), when
# it runs on the other backend (it would serve the other store) or without the current TLS
# listener.
ferretdb_outdated() {
  local pid
  pid="$(cat "$FERRETDB_STATE.pid" 2>/dev/null)" || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  [[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" == *"(deleted)" ]] && return 0
  [ "$(cat "$FERRETDB_STATE.backend" 2>/dev/null || echo sqlite)" != "$FERRETDB_BACKEND" ] && return 0
  [ "$(cat "$FERRETDB_STATE.tls" 2>/dev/null)" != "$(ferretdb_tls_stamp)" ]
}

backend_flags() {
  case "$FERRETDB_BACKEND" in
    postgresql)
      "$ROOT/scripts/postgres.sh" up
      echo "--backend postgresql --postgresql-url $("$ROOT/scripts/postgres.sh" url)"
      ;;
    sqlite) echo "--backend sqlite --data $FERRETDB_STATE" ;;
    *) log "FERRETDB_BACKEND is postgresql or sqlite, not $FERRETDB_BACKEND"; exit 2 ;;
  esac
}

start_ferretdb() {
  if ferretdb_outdated; then
    log "FerretDB on $FERRETDB_ADDR runs an older binary, another backend or another TLS listener: restarting it"
    stop_ferretdb
    for _ in $(seq 1 100); do
      if ! port_open "$FERRETDB_ADDR"; then break; fi
      sleep 0.2
    done
  fi
  local flags tls=()
  flags="$(backend_flags)"  # (starts PostgreSQL first, if that is the backend)
  if port_open "$FERRETDB_ADDR"; then
    if ferretdb_is_ours; then return; fi
    log "something else listens on $FERRETDB_ADDR (another checkout's FerretDB?);"
    log "stop it, or give this checkout its own address: FERRETDB_ADDR=127.0.0.1:27018 $0 up"
    exit 1
  fi
  if [ -n "$FERRETDB_TLS_ADDR" ]; then
    tls=(--tls "$FERRETDB_TLS_ADDR" --tls-cert "$PKI/servers/ferretdb.pem" --tls-key "$PKI/servers/ferretdb.key")
  fi
  mkdir -p "$FERRETDB_STATE"
  log "starting FerretDB ($FERRETDB_BACKEND) on $FERRETDB_ADDR${FERRETDB_TLS_ADDR:+, with TLS on $FERRETDB_TLS_ADDR}"
  # shellcheck disable=SC2086 # the backend flags are words
  nohup "$FERRETDB_BIN" --listen "$FERRETDB_ADDR" $flags "${tls[@]}" >>"$FERRETDB_STATE.log" 2>&1 &
  echo $! >"$FERRETDB_STATE.pid"
  echo "$FERRETDB_BACKEND" >"$FERRETDB_STATE.backend"
  ferretdb_tls_stamp >"$FERRETDB_STATE.tls"
  for _ in $(seq 1 100); do
    if port_open "$FERRETDB_ADDR" && { [ -z "$FERRETDB_TLS_ADDR" ] || port_open "$FERRETDB_TLS_ADDR"; }; then
      return
    fi
    sleep 0.2
  done
  log "FerretDB did not start; see $FERRETDB_STATE.log"
  exit 1
}

stop_ferretdb() {
  if [ -f "$FERRETDB_STATE.pid" ]; then
    kill "$(cat "$FERRETDB_STATE.pid")" 2>/dev/null || true
    rm -f "$FERRETDB_STATE.pid"
  fi
}

# The test CA and the service and organisation certificates (idempotent: kept while valid).
ensure_pki() {
  "$PYTHON" "$ROOT/scripts/pki.py" "$PKI" >/dev/null
}

# The TLS-only node: certificate users (no passwords) and an administrator for its management
# UI with a password made on first start. A running node gets the definitions re-imported.
start_tls_node() {
  local definitions="$LOCAL/rabbitmq-tls-definitions.json" node="$ROOT/scripts/rabbitmq-node.sh"
  [ -s "$TLS_ADMIN_PASSWORD" ] \
    || (umask 077 && head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$TLS_ADMIN_PASSWORD")
  "$PYTHON" -m mijnoverheid.provisioning --vhost mijnoverheid --service-certificates "$PKI/services" \
    --no-local-passwords --admin-password-file "$TLS_ADMIN_PASSWORD" --out "$definitions"
  if "$node" status "$TLS_NODE" 2>/dev/null; then
    "$node" ctl "$TLS_NODE" import_definitions "$definitions" >/dev/null
  else
    "$node" start "$TLS_NODE" "$TLS_PORT_BASE" --tls "$PKI" --no-plain --management \
      --definitions "$definitions"
  fi
  log "RabbitMQ TLS node $TLS_NODE: AMQPS on 127.0.0.1:$((TLS_PORT_BASE + 1)) (certificates only), management UI on http://127.0.0.1:$((TLS_PORT_BASE + 2))"
}

stop_tls_node() {
  if [ -d "$LOCAL/rabbitmq/$TLS_NODE" ]; then "$ROOT/scripts/rabbitmq-node.sh" stop "$TLS_NODE"; fi
}

print_env() {
  local host=127.0.0.1
  echo "export AMQP_URL=amqp://mijnoverheid-admin:mijnoverheid-admin-local-secret@$host:5672/${1:-mijnoverheid-test}"
  echo "export MONGODB_URL=mongodb://$FERRETDB_ADDR"
}

case "${1:-up}" in
  build) mkdir -p "$LOCAL"; build_ferretdb ;;
  # What a run with its own broker node and FerretDB needs (make chaos), without starting the
  # shared ones.
  install) mkdir -p "$LOCAL"; ensure_rabbitmq_installed; build_ferretdb ;;
  store) mkdir -p "$LOCAL"; build_ferretdb; start_ferretdb ;;
  up)
    mkdir -p "$LOCAL"
    ensure_rabbitmq_installed
    build_ferretdb
    start_rabbitmq
    provision_rabbitmq
    ensure_pki
    start_ferretdb
    start_tls_node
    ;;
  down)
    stop_ferretdb
    if [ "$FERRETDB_BACKEND" = postgresql ]; then "$ROOT/scripts/postgres.sh" down; fi
    stop_tls_node
    if rabbitmq_running; then /etc/init.d/rabbitmq-server stop >/dev/null; fi
    ;;
  status)
    rabbitmq_running && log "RabbitMQ: running" || log "RabbitMQ: stopped"
    "$ROOT/scripts/rabbitmq-node.sh" status "$TLS_NODE" || true
    port_open "$FERRETDB_ADDR" && log "FerretDB ($FERRETDB_BACKEND): running on $FERRETDB_ADDR" \
      || log "FerretDB: stopped"
    if [ "$FERRETDB_BACKEND" = postgresql ]; then "$ROOT/scripts/postgres.sh" status; fi
    port_open "$FERRETDB_TLS_ADDR" && log "FerretDB TLS: on $FERRETDB_TLS_ADDR" || log "FerretDB TLS: stopped"
    ;;
  env) print_env "${2:-}" ;;
  *) log "usage: $0 up|store|down|status|env [vhost]|build|install"; exit 2 ;;
esac
