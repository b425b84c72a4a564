#!/usr/bin/env bash
# A PostgreSQL cluster of our own for FerretDB's postgresql backend: Debian's `postgresql`
# package, a data directory of ours (default .local/postgres), its own port (default 5433) so
# it never touches a system cluster, run as the postgres user. Idempotent: `up` installs what
# is missing, initialises the cluster once and starts it if it is not running.
# Usage: scripts/postgres.sh up|down|status|url|drop (drop: the database PG_DATABASE, if there)
# Environment: PG_PORT (5433), PG_DATA (.local/postgres), PG_DATABASE (ferretdb).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PG_PORT="${PG_PORT:-5433}"
PG_DATA="${PG_DATA:-$ROOT/.local/postgres}"
PG_DATABASE="${PG_DATABASE:-ferretdb}"
PG_USER=postgres

log() { printf '[postgres] %s\n' "$*" >&2; }

bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

as_postgres() { runuser -u "$PG_USER" -- "$@"; }

ensure_installed() {
  if [ -n "$(bindir)" ]; then return; fi
  if [ "$(id -u)" -ne 0 ]; then
    log "installing PostgreSQL needs root"
    exit 1
  fi
  log "installing postgresql from Debian's packages"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
}

running() { [ -n "$(bindir)" ] && as_postgres "$(bindir)/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; }

up() {
  ensure_installed
  local bin
  bin="$(bindir)"
  if [ ! -f "$PG_DATA/PG_VERSION" ]; then
    log "initialising a cluster in $PG_DATA"
    mkdir -p "$PG_DATA"
    chown "$PG_USER:" "$PG_DATA"
    chmod 700 "$PG_DATA"
    # Local connections only, trusted: the cluster listens on loopback and is for development.
    as_postgres "$bin/initdb" -D "$PG_DATA" -U "$PG_USER" --auth=trust -E UTF8 --locale=C.UTF-8 \
      >/dev/null
  fi
  if ! running; then
    log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
    # The socket goes into the data directory: /var/run/postgresql may not exist or be shared.
    as_postgres "$bin/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" -w -t 60 \
      -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $PG_DATA" start >/dev/null
  fi
  if ! as_postgres "$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -d postgres -Atq \
    -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DATABASE'" | grep -q 1; then
    as_postgres "$bin/createdb" -h 127.0.0.1 -p "$PG_PORT" "$PG_DATABASE"
  fi
}

down() {
  if running; then as_postgres "$(bindir)/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null; fi
}

case "${1:-up}" in
  up) up ;;
  down) down ;;
  status) running && log "running on 127.0.0.1:$PG_PORT ($PG_DATA)" || log "stopped" ;;
  url) echo "postgres://$PG_USER@127.0.0.1:$PG_PORT/$PG_DATABASE" ;;
  drop)
    if running; then
      as_postgres "$(bindir)/dropdb" -h 127.0.0.1 -p "$PG_PORT" --if-exists "$PG_DATABASE"
    fi
    ;;
  *) log "usage: $0 up|down|status|url|drop"; exit 2 ;;
esac
