#!/usr/bin/env bash
# The local stack without Docker: RabbitMQ from Debian's package and FerretDB (SQLite backend)
# built from tools/ferretdb. Idempotent: `up` installs what is missing and starts what is not
# running. Usage: scripts/local-stack.sh up|down|status|env
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL="$ROOT/.local"
FERRETDB_BIN="$LOCAL/bin/ferretdb"
FERRETDB_ADDR="${FERRETDB_ADDR:-127.0.0.1:27017}"
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

start_rabbitmq() {
  export PATH="$PATH:/usr/sbin"
  if ! rabbitmq_running; then
    need_root
    rabbitmq-plugins -q enable --offline rabbitmq_management >/dev/null
    log "starting RabbitMQ"
    /etc/init.d/rabbitmq-server start >/dev/null
  fi
  rabbitmqctl -q await_startup --timeout 120
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

build_ferretdb() {
  local sources=("$ROOT/tools/ferretdb/main.go" "$ROOT/tools/ferretdb/go.mod" "$ROOT/tools/ferretdb/go.sum")
  if [ -x "$FERRETDB_BIN" ] && [ -z "$(find "${sources[@]}" -newer "$FERRETDB_BIN")" ]; then return; fi
  command -v go >/dev/null 2>&1 || export PATH="$PATH:/usr/local/go/bin"
  log "building FerretDB v1.24.2 (embedded, SQLite backend); the first build takes a few minutes"
  mkdir -p "$LOCAL/bin"
  (cd "$ROOT/tools/ferretdb" && go build -trimpath -o "$FERRETDB_BIN" .)
}

port_open() { (exec 3<>"/dev/tcp/${1%:*}/${1#*:}") 2>/dev/null; }

ferretdb_is_ours() {
  [ -f "$LOCAL/ferretdb.pid" ] && kill -0 "$(cat "$LOCAL/ferretdb.pid")" 2>/dev/null
}

start_ferretdb() {
  if port_open "$FERRETDB_ADDR"; then
    if ferretdb_is_ours; then return; fi
    log "something else listens on $FERRETDB_ADDR (another checkout's FerretDB?);"
    log "stop it, or give this checkout its own address: FERRETDB_ADDR=127.0.0.1:27018 $0 up"
    exit 1
  fi
  mkdir -p "$LOCAL/ferretdb"
  log "starting FerretDB on $FERRETDB_ADDR"
  nohup "$FERRETDB_BIN" --listen "$FERRETDB_ADDR" --data "$LOCAL/ferretdb" \
    >>"$LOCAL/ferretdb.log" 2>&1 &
  echo $! >"$LOCAL/ferretdb.pid"
  for _ in $(seq 1 100); do
    if port_open "$FERRETDB_ADDR"; then return; fi
    sleep 0.2
  done
  log "FerretDB did not start; see $LOCAL/ferretdb.log"
  exit 1
}

stop_ferretdb() {
  if [ -f "$LOCAL/ferretdb.pid" ]; then
    kill "$(cat "$LOCAL/ferretdb.pid")" 2>/dev/null || true
    rm -f "$LOCAL/ferretdb.pid"
  fi
}

print_env() {
  local host=127.0.0.1
  echo "export AMQP_URL=amqp://mijnoverheid-admin:mijnoverheid-admin-local-secret@$host:5672/${1:-mijnoverheid-test}"
  echo "export MONGODB_URL=mongodb://$FERRETDB_ADDR"
}

case "${1:-up}" in
  up)
    mkdir -p "$LOCAL"
    ensure_rabbitmq_installed
    build_ferretdb
    start_rabbitmq
    provision_rabbitmq
    start_ferretdb
    ;;
  down)
    stop_ferretdb
    if rabbitmq_running; then /etc/init.d/rabbitmq-server stop >/dev/null; fi
    ;;
  status)
    rabbitmq_running && log "RabbitMQ: running" || log "RabbitMQ: stopped"
    port_open "$FERRETDB_ADDR" && log "FerretDB: running on $FERRETDB_ADDR" || log "FerretDB: stopped"
    ;;
  env) print_env "${2:-}" ;;
  *) log "usage: $0 up|down|status|env [vhost]"; exit 2 ;;
esac
