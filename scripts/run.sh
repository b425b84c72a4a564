#!/usr/bin/env bash
# `make run`: the local stack, a mail sink, all four services, the DigiD mock and the portal, in
# the foreground. Development only: the mock hands out any test person.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
LOCAL="$ROOT/.local"
PY="$ROOT/.venv/bin/python"
mkdir -p "$LOCAL/logs" "$LOCAL/mails"

scripts/local-stack.sh up

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

"$PY" scripts/mail_sink.py --port 1025 --folder "$LOCAL/mails" >>"$LOCAL/logs/mail-sink.log" 2>&1 &
pids+=($!)

# Everything here is the local development stack: its keys, passwords and plain connections.
export MIJNOVERHEID_ENVIRONMENT=development
# The portal's development keys (created once in .local/portal/). The services trust its
# tokens, and the development issuer's as well, so `mijnoverheid.devtokens` keeps working.
portal_public_key="$("$PY" -m portal.devkeys)"
trusted="[{\"issuer\": \"urn:nld:mijnoverheid:portal\", \"keys\": \"$portal_public_key\"}, {\"issuer\": \"urn:mijnoverheid:dev-token-issuer\", \"keys\": \"$ROOT/config/dev-token-issuer.pub\"}]"
PORTAL="http://127.0.0.1:8080"
DIGID="http://127.0.0.1:8085"

port=8081
for service in berichtenbox zaken gegevens notifier; do
  AMQP_URL="amqp://$service:$service-local-secret@127.0.0.1:5672/mijnoverheid" \
  MONGODB_URL="mongodb://${FERRETDB_ADDR:-127.0.0.1:27017}" \
  HTTP_PORT=$port SMTP_HOST=127.0.0.1 SMTP_PORT=1025 \
  PORTAL_URL="$PORTAL" CITIZEN_TOKEN_ISSUERS="$trusted" \
    "$PY" -m "$service" >>"$LOCAL/logs/$service.log" 2>&1 &
  pids+=($!)
  port=$((port + 1))
done

HTTP_PORT=8085 \
  "$PY" -m digid_mock >>"$LOCAL/logs/digid-mock.log" 2>&1 &
pids+=($!)

AMQP_URL="amqp://portal:portal-local-secret@127.0.0.1:5672/mijnoverheid" \
  PORTAL_URL="$PORTAL" HTTP_PORT=8080 SESSION_COOKIE_SECURE=false \
  OIDC_ISSUER="$DIGID" MONGODB_URL="mongodb://${FERRETDB_ADDR:-127.0.0.1:27017}" \
  "$PY" -m portal >>"$LOCAL/logs/portal.log" 2>&1 &
pids+=($!)

for port in 8081 8082 8083 8084 8085 8080; do
  for _ in $(seq 1 150); do
    if "$PY" -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$port/ready', timeout=1)" 2>/dev/null; then break; fi
    sleep 0.2
  done
done

cat <<MSG

MijnOverheid runs locally:
  Portal         $PORTAL   <- open this and log in
                 as J. Jansen (BSN 999993653) at the DigiD mock (level midden);
                 all test persons: config/digid-test-persons.yaml
  DigiD mock     $DIGID   (development only)
  Berichtenbox   http://127.0.0.1:8081   (health: /health, ready: /ready)
  Zaken          http://127.0.0.1:8082
  Gegevens       http://127.0.0.1:8083
  Notifier       http://127.0.0.1:8084   (API docs: /api/v1/docs)
  RabbitMQ UI    http://127.0.0.1:15672  (user mijnoverheid-admin, password mijnoverheid-admin-local-secret)
  Mails          $LOCAL/mails/  (each mail as .eml and as readable .txt)
  Logs           $LOCAL/logs/

In another terminal: make demo   (Ctrl-C here stops the services)
MSG
wait -n "${pids[@]}"
echo "a process stopped; see $LOCAL/logs/" >&2
exit 1
