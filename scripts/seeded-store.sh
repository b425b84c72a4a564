#!/usr/bin/env bash
# The seeded store of `make seed` and `make bench`: a FerretDB of its own (default
# 127.0.0.1:27027, state under .local/seeded-ferretdb) on its own database ("seeded") of the
# project's PostgreSQL cluster (scripts/postgres.sh), so a million seeded messages never mix
# with the local stack's data. Usage: scripts/seeded-store.sh up|down|url|postgres
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SEED_ADDR="${SEED_ADDR:-127.0.0.1:27027}"
export FERRETDB_ADDR="$SEED_ADDR" FERRETDB_STATE="$ROOT/.local/seeded-ferretdb"
export FERRETDB_BACKEND=postgresql PG_DATABASE=seeded FERRETDB_TLS_ADDR=""

case "${1:-up}" in
  up) "$ROOT/scripts/local-stack.sh" store ;;
  down)
    if [ -f "$FERRETDB_STATE.pid" ]; then
      kill "$(cat "$FERRETDB_STATE.pid")" 2>/dev/null || true
      rm -f "$FERRETDB_STATE.pid"
    fi
    ;;
  url) echo "mongodb://$SEED_ADDR" ;;
  postgres) "$ROOT/scripts/postgres.sh" url ;;
  *) echo "usage: $0 up|down|url|postgres" >&2; exit 2 ;;
esac
