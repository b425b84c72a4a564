#!/usr/bin/env bash
# `make run`: the local stack, a mail sink, all four services, the DigiD mock and the portal, in
# the foreground. Development only: the mock hands out any test person.
#
# By default every hop is TLS, as in production (LOCAL_TLS=yes; `make run TLS=no` for plain):
# the services and the portal log in to the local stack's TLS-only RabbitMQ node with their own
# certificates of the test CA in .local/pki/ (EXTERNAL, no password), verify it and FerretDB's
# TLS listener against that CA, and the Notifier sends through the mail sink over STARTTLS.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
LOCAL="$ROOT/.local"
PY="$ROOT/.venv/bin/python"
LOCAL_TLS="${LOCAL_TLS:-yes}"
PKI="$LOCAL/pki"
mkdir -p "$LOCAL/logs" "$LOCAL/mails"

scripts/local-stack.sh up
# `make demo` connects the way the services do.
echo "LOCAL_TLS=$LOCAL_TLS" >"$LOCAL/run.env"

# How a service (or the portal) reaches the broker and the database, and how the Notifier
# reaches the mail sink.
connections() {
  local service="$1"
  if [ "$LOCAL_TLS" = yes ]; then
    echo "AMQP_URL=amqps://localhost:$((${LOCAL_TLS_PORT_BASE:-5680} + 1))/mijnoverheid"
    echo "AMQP_CA_FILE=$PKI/ca/bundle.pem"
    echo "AMQP_CERT_FILE=$PKI/services/$service.pem"
    echo "AMQP_KEY_FILE=$PKI/services/$service.key"
    local tls_addr="${FERRETDB_TLS_ADDR:-127.0.0.1:27018}"
    # localhost: the name in FerretDB's certificate, which the services check.
    echo "MONGODB_URL=mongodb://localhost:${tls_addr##*:}/"
    echo "MONGODB_CA_FILE=$PKI/ca/bundle.pem"
    echo "SMTP_STARTTLS=true"
    echo "SMTP_CA_FILE=$PKI/ca/bundle.pem"
  else
    echo "AMQP_URL=amqp://$service:$service-local-secret@127.0.0.1:5672/mijnoverheid"
    echo "MONGODB_URL=mongodb://${FERRETDB_ADDR:-127.0.0.1:27017}"
  fi
}
if [ "$LOCAL_TLS" = yes ]; then
  # Each service trusts the others' certificate users (their DNs) for its internal events.
  eval "$("$PY" scripts/pki.py "$PKI" --exports 2>/dev/null)"
  MAIL_TLS=(--tls-cert "$PKI/servers/smtp.pem" --tls-key "$PKI/servers/smtp.key")
else
  MAIL_TLS=()
fi

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

"$PY" scripts/mail_sink.py --port 1025 --folder "$LOCAL/mails" "${MAIL_TLS[@]}" \
  >>"$LOCAL/logs/mail-sink.log" 2>&1 &
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
  mapfile -t connection < <(connections "$service")
  env "${connection[@]}" \
  HTTP_PORT=$port SMTP_HOST=127.0.0.1 SMTP_PORT=1025 \
  PORTAL_URL="$PORTAL" CITIZEN_TOKEN_ISSUERS="$trusted" \
    "$PY" -m "$service" >>"$LOCAL/logs/$service.log" 2>&1 &
  pids+=($!)
  port=$((port + 1))
done

HTTP_PORT=8085 \
  "$PY" -m digid_mock >>"$LOCAL/logs/digid-mock.log" 2>&1 &
pids+=($!)

mapfile -t connection < <(connections portal)
env "${connection[@]}" \
  PORTAL_URL="$PORTAL" HTTP_PORT=8080 SESSION_COOKIE_SECURE=false OIDC_ISSUER="$DIGID" \
  "$PY" -m portal >>"$LOCAL/logs/portal.log" 2>&1 &
pids+=($!)

for port in 8081 8082 8083 8084 8085 8080; do
  for _ in $(seq 1 150); do
    if "$PY" -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$port/ready', timeout=1)" 2>/dev/null; then break; fi
    sleep 0.2
  done
done

if [ "$LOCAL_TLS" = yes ]; then
  RABBITMQ_UI="http://127.0.0.1:$((${LOCAL_TLS_PORT_BASE:-5680} + 2))  (user mijnoverheid-admin, password in .local/rabbitmq-tls-admin-password)
  Connections    TLS on every hop: certificates of the test CA in .local/pki/ (make run TLS=no: plain)"
else
  RABBITMQ_UI="http://127.0.0.1:15672  (user mijnoverheid-admin, password mijnoverheid-admin-local-secret)"
fi
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
  RabbitMQ UI    $RABBITMQ_UI
  Mails          $LOCAL/mails/  (each mail as .eml and as readable .txt)
  Logs           $LOCAL/logs/

In another terminal: make demo   (Ctrl-C here stops the services)
MSG
wait -n "${pids[@]}"
echo "a process stopped; see $LOCAL/logs/" >&2
exit 1
