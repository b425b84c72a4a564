#!/usr/bin/env bash
# An ADDITIONAL RabbitMQ node beside the default one (rabbit@<host>, 5672), from Debian's
# package binaries: its own node name, ports, data, logs, config and plugins; the system Erlang
# cookie, so CLI tools and (later) cluster peers can reach it. Never touches the default node.
#
#   scripts/rabbitmq-node.sh start NAME PORT_BASE [options]
#   scripts/rabbitmq-node.sh stop NAME [--purge]       stop it (--purge: delete its data too)
#   scripts/rabbitmq-node.sh status NAME               exit 0 when it runs
#   scripts/rabbitmq-node.sh ctl NAME ARGS...          rabbitmqctl against it
#   scripts/rabbitmq-node.sh env NAME                  exports for running the CLI tools yourself
#
# Ports: AMQP = PORT_BASE, AMQPS = +1, management = +2, Erlang distribution = +3; all bound to
# 127.0.0.1. Files: $RABBITMQ_NODES_DIR/NAME/ (default .local/rabbitmq/NAME/). start options:
#   --tls DIR          AMQPS with mutual TLS, EXTERNAL auth and CRL checks, from a test PKI
#                      directory (scripts/pki.py): ca/bundle.pem, servers/rabbitmq.{pem,key}, crl/
#   --no-plain         no plain AMQP listener (with --tls: TLS only)
#   --management       enable the management plugin (HTTP on PORT_BASE+2)
#   --definitions FILE import these definitions at boot (users, vhosts, permissions, topology)
#   --conf FILE        append these rabbitmq.conf lines (repeatable; e.g. cluster formation)
#   --advanced FILE    use this advanced.config (not together with --tls, which writes its own)
#   --timeout SECONDS  how long to wait for the boot (default 120)
#   --stop-with PID    stop the node once process PID has ended (e.g. a killed test run)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NODES_DIR="${RABBITMQ_NODES_DIR:-$ROOT/.local/rabbitmq}"
RABBITMQ_BIN=/usr/lib/rabbitmq/bin
SYSTEM_COOKIE=/var/lib/rabbitmq/.erlang.cookie
# The default node's ports (AMQP, AMQPS, management, distribution), epmd and CLI tool ports.
RESERVED_PORTS=" 5671 5672 15672 25672 4369 $(seq -s ' ' 35672 35682) "

log() { printf '[rabbitmq-node] %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

check_name() {
  [[ "${1:-}" =~ ^[a-z0-9][a-z0-9_-]{0,40}$ ]] || die "node name must match [a-z0-9][a-z0-9_-]*: '${1:-}'"
  [ "$1" != rabbit ] || die "'rabbit' is the default node other engineers use; pick another name"
}

# Everything the server and the CLI tools need to find this node and only this node.
node_env() {
  NAME="$1"
  NODE_DIR="$NODES_DIR/$NAME"
  export RABBITMQ_NODENAME="$NAME@$(hostname -s)"
  export RABBITMQ_CONF_ENV_FILE="$NODE_DIR/rabbitmq-env.conf"  # not /etc/rabbitmq's
  export RABBITMQ_CONFIG_FILE="$NODE_DIR/rabbitmq.conf"
  export RABBITMQ_ADVANCED_CONFIG_FILE="$NODE_DIR/advanced.config"
  export RABBITMQ_ENABLED_PLUGINS_FILE="$NODE_DIR/enabled_plugins"
  export RABBITMQ_MNESIA_BASE="$NODE_DIR/mnesia"
  export RABBITMQ_LOG_BASE="$NODE_DIR/log"
  export RABBITMQ_PID_FILE="$NODE_DIR/rabbitmq.pid"
  export HOME="$NODE_DIR/home"  # Erlang reads the cookie from $HOME/.erlang.cookie
  if [ -f "$NODE_DIR/ports" ]; then
    # shellcheck disable=SC1091
    . "$NODE_DIR/ports"
    export RABBITMQ_NODE_PORT="$AMQP_PORT" RABBITMQ_DIST_PORT="$DIST_PORT"
  fi
}

ctl() {
  # Without the node's home (and cookie) the CLI's Erlang VM crashes, dumping into the cwd.
  [ -d "$HOME" ] || die "no node $NAME under $NODES_DIR (start it first)"
  "$RABBITMQ_BIN/rabbitmqctl" -q -n "$RABBITMQ_NODENAME" "$@"
}
# The process group this script started for the node, if it still runs. Its leader is checked
# (rabbitmq-server, working in this node's directory), so a stale pid file whose number the
# system has since given to someone else's processes never makes us signal those.
launched() {
  local pid
  pid="$(cat "$NODE_DIR/launcher.pid" 2>/dev/null || true)"
  [ -n "$pid" ] && kill -0 -- "-$pid" 2>/dev/null \
    && [ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" = "$(realpath "$NODE_DIR")" ] \
    && grep -q rabbitmq-server "/proc/$pid/cmdline" 2>/dev/null
}
# A CLI call costs about a second (an Erlang VM starts): ask only when our process lives.
running() { launched && ctl ping >/dev/null 2>&1; }
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

share_cookie() {
  mkdir -p "$HOME"
  chmod 700 "$HOME"
  local source="$SYSTEM_COOKIE"
  [ -r "$source" ] || source="${REAL_HOME:-}/.erlang.cookie"
  if [ -r "$source" ]; then
    install -m 0400 "$source" "$HOME/.erlang.cookie.new"
    mv -f "$HOME/.erlang.cookie.new" "$HOME/.erlang.cookie"
  fi  # else Erlang creates a cookie of this node's own on first start
}

# The TLS listener from config/rabbitmq/tls-node.{conf,advanced.config}, filled in.
write_tls_config() {
  local pki="$1" file
  for file in ca/bundle.pem servers/rabbitmq.pem servers/rabbitmq.key crl; do
    [ -r "$pki/$file" ] || die "--tls $pki: $file missing (create it with scripts/pki.py)"
  done
  [[ "$pki" =~ ^[A-Za-z0-9_./-]+$ ]] || die "--tls: use a path of letters, digits and _ . / -"
  sed "s|@AMQPS_PORT@|$AMQPS_PORT|g" "$ROOT/config/rabbitmq/tls-node.conf"
  # Mechanisms are per node, not per listener: with a plain listener, PLAIN works over TLS too.
  [ "$PLAIN" = no ] || echo "auth_mechanisms.2 = PLAIN"
  sed "s|@PKI@|$pki|g" "$ROOT/config/rabbitmq/tls-node.advanced.config" >"$RABBITMQ_ADVANCED_CONFIG_FILE"
}

start() {
  local name="${1:-}" base="${2:-}"
  check_name "$name"
  [[ "$base" =~ ^[0-9]+$ ]] && [ "$base" -ge 1024 ] && [ "$base" -le 65000 ] \
    || die "PORT_BASE must be a number from 1024 to 65000"
  shift 2
  local tls="" definitions="" advanced="" management=no timeout=120 conf=() owner=""
  PLAIN=yes
  while [ $# -gt 0 ]; do
    case "$1" in
      --tls) tls="$(realpath "$2")"; shift 2 ;;
      --no-plain) PLAIN=no; shift ;;
      --management) management=yes; shift ;;
      --definitions) definitions="$(realpath "$2")"; shift 2 ;;
      --conf) conf+=("$(realpath "$2")"); shift 2 ;;
      --advanced) advanced="$(realpath "$2")"; shift 2 ;;
      --timeout) timeout="$2"; shift 2 ;;
      --stop-with) owner="$2"; shift 2 ;;
      *) die "unknown option $1" ;;
    esac
  done
  [ -z "$tls" ] || [ -z "$advanced" ] || die "--advanced and --tls cannot be combined"
  [ -x "$RABBITMQ_BIN/rabbitmq-server" ] \
    || die "RabbitMQ is not installed: \`make stack\` (scripts/local-stack.sh up) installs it"
  REAL_HOME="${HOME:-}"
  node_env "$name"
  if running; then
    log "$RABBITMQ_NODENAME is already running (its configuration is unchanged; stop it first to change it)"
    return 0
  fi
  AMQP_PORT=$base AMQPS_PORT=$((base + 1)) MANAGEMENT_PORT=$((base + 2)) DIST_PORT=$((base + 3))
  for port in $AMQP_PORT $AMQPS_PORT $MANAGEMENT_PORT $DIST_PORT; do
    [[ "$RESERVED_PORTS" != *" $port "* ]] || die "port $port belongs to the default node or Erlang's tools"
    ! port_in_use "$port" || die "port $port is in use; choose another PORT_BASE"
  done
  mkdir -p "$NODE_DIR/mnesia" "$NODE_DIR/log"
  printf 'AMQP_PORT=%s\nAMQPS_PORT=%s\nMANAGEMENT_PORT=%s\nDIST_PORT=%s\n' \
    "$AMQP_PORT" "$AMQPS_PORT" "$MANAGEMENT_PORT" "$DIST_PORT" >"$NODE_DIR/ports"
  node_env "$name"
  : >"$RABBITMQ_CONF_ENV_FILE"
  share_cookie

  local plugins=()
  [ -z "$tls" ] || plugins+=(rabbitmq_auth_mechanism_ssl)
  [ "$management" = no ] || plugins+=(rabbitmq_management)
  (IFS=,; printf '[%s].\n' "${plugins[*]}") >"$RABBITMQ_ENABLED_PLUGINS_FILE"

  if [ ! -f "$NODE_DIR/admin-password" ]; then
    (umask 077 && head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$NODE_DIR/admin-password")
  fi
  {
    echo "# Generated by scripts/rabbitmq-node.sh for $RABBITMQ_NODENAME; rewritten on every start."
    if [ "$PLAIN" = yes ]; then
      echo "listeners.tcp.default = 127.0.0.1:$AMQP_PORT"
    else
      echo "listeners.tcp = none"
    fi
    echo "log.file = $name.log"
    echo "log.file.level = info"
    echo "log.console = false"
    # No guest/guest: an administrator with a random password (admin-password, 0600).
    echo "default_user = node-admin"
    echo "default_pass = $(cat "$NODE_DIR/admin-password")"
    echo "default_user_tags.administrator = true"
    if [ "$management" = yes ]; then
      echo "management.tcp.ip = 127.0.0.1"
      echo "management.tcp.port = $MANAGEMENT_PORT"
    fi
    [ -z "$definitions" ] || echo "load_definitions = $definitions"
    [ -z "$tls" ] || write_tls_config "$tls"
    grep -v '^#' "$ROOT/config/rabbitmq/limits.conf"
    for file in "${conf[@]}"; do cat "$file"; echo; done
  } >"$RABBITMQ_CONFIG_FILE.new"
  chmod 600 "$RABBITMQ_CONFIG_FILE.new"
  mv -f "$RABBITMQ_CONFIG_FILE.new" "$RABBITMQ_CONFIG_FILE"

  if [ -n "$advanced" ]; then
    cp "$advanced" "$RABBITMQ_ADVANCED_CONFIG_FILE"
  elif [ -z "$tls" ]; then
    echo "[]." >"$RABBITMQ_ADVANCED_CONFIG_FILE"
  fi

  log "starting $RABBITMQ_NODENAME (AMQP ${AMQP_PORT}$([ "$PLAIN" = yes ] || echo ' off'), AMQPS $([ -n "$tls" ] && echo "$AMQPS_PORT" || echo off), dist $DIST_PORT)"
  rm -f "$RABBITMQ_PID_FILE"
  # Its own session and process group: `stop` can end exactly this node and its children.
  (cd "$NODE_DIR" && exec setsid "$RABBITMQ_BIN/rabbitmq-server" \
    >>"$NODE_DIR/log/startup.log" 2>&1 </dev/null) &
  echo $! >"$NODE_DIR/launcher.pid"
  # `launched` knows the server only once the subshell has exec'd it; else: a "crash" at once.
  for _ in $(seq 1 50); do launched && break; sleep 0.1; done
  local expected=()
  [ "$PLAIN" = no ] || expected+=("$AMQP_PORT")
  [ -z "$tls" ] || expected+=("$AMQPS_PORT")
  [ "$management" = no ] || expected+=("$MANAGEMENT_PORT")
  if ! await_boot "$timeout" || ! listening "${expected[@]}"; then
    log "$RABBITMQ_NODENAME did not start within ${timeout}s; the end of its logs:"
    tail -n 20 "$NODE_DIR/log/startup.log" "$NODE_DIR/log/$name.log" >&2 2>/dev/null || true
    kill_group
    exit 1
  fi
  [ -z "$owner" ] || watch_owner "$owner"
  log "$RABBITMQ_NODENAME is running"
}

# A watchdog in its own session: when the owner ends without stopping the node (killed, say),
# it stops the node, so no orphan keeps running on a shared machine. It ends with the node.
watch_owner() {
  local group
  group="$(cat "$NODE_DIR/launcher.pid")"
  setsid bash -c 'while kill -0 "$1" 2>/dev/null && kill -0 -- "-$2" 2>/dev/null; do sleep 2; done
    if kill -0 -- "-$2" 2>/dev/null; then "$3" stop "$4"; fi' \
    watchdog "$1" "$group" "$ROOT/scripts/rabbitmq-node.sh" "$NAME" >>"$NODE_DIR/log/watchdog.log" 2>&1 </dev/null &
}

# `rabbitmqctl wait` returns once the node has booted; it would wait out its whole timeout for
# a node that crashed before writing its pid file, so watch the node's process beside it.
await_boot() {
  ctl wait --timeout "$1" "$RABBITMQ_PID_FILE" >/dev/null 2>&1 &
  local waiter=$!
  while kill -0 "$waiter" 2>/dev/null; do
    if ! launched; then
      kill "$waiter" 2>/dev/null || true
      break
    fi
    sleep 0.2
  done
  wait "$waiter"
}

# A node whose listener fails (a bad certificate, say) still boots in 3.10: check each port.
listening() {
  for port in "$@"; do
    if ! port_in_use "$port"; then
      log "nothing listens on port $port"
      return 1
    fi
  done
}

# SIGTERM makes the Erlang VM stop RabbitMQ gracefully (as `rabbitmqctl stop` does, without
# the second of starting a CLI VM); whatever is left after the grace period is killed.
kill_group() {
  local pid grace="${1:-10}"
  launched || return 0
  pid="$(cat "$NODE_DIR/launcher.pid")"
  kill -TERM -- "-$pid" 2>/dev/null || return 0
  for _ in $(seq 1 $((grace * 10))); do
    kill -0 -- "-$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  log "$RABBITMQ_NODENAME did not stop within ${grace}s: killing it"
  kill -KILL -- "-$pid" 2>/dev/null || true
}

stop() {
  check_name "${1:-}"
  node_env "$1"
  [ -d "$NODE_DIR" ] || die "no node $1 under $NODES_DIR"
  if launched; then
    kill_group 60
  elif ctl ping >/dev/null 2>&1; then
    ctl stop "$RABBITMQ_PID_FILE" >/dev/null  # running, but not in the group we started
  fi
  rm -f "$NODE_DIR/launcher.pid"
  log "$RABBITMQ_NODENAME stopped"
  if [ "${2:-}" = --purge ]; then
    rm -rf "$NODE_DIR"
    log "removed $NODE_DIR"
  fi
}

status() {
  check_name "${1:-}"
  node_env "$1"
  if running; then
    log "$RABBITMQ_NODENAME: running (AMQP ${AMQP_PORT:-?}, AMQPS ${AMQPS_PORT:-?}, management ${MANAGEMENT_PORT:-?}, dist ${DIST_PORT:-?})"
  else
    log "$RABBITMQ_NODENAME: stopped"
    return 3
  fi
}

command="${1:-}"
shift || true
case "$command" in
  start) start "$@" ;;
  stop) stop "$@" ;;
  status) status "$@" ;;
  ctl) check_name "${1:-}"; node_env "$1"; shift; ctl "$@" ;;
  env)
    check_name "${1:-}"
    node_env "$1"
    for variable in RABBITMQ_NODENAME RABBITMQ_CONF_ENV_FILE HOME; do
      printf 'export %s=%q\n' "$variable" "${!variable}"
    done
    ;;
  *) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
