#!/usr/bin/env bash
# `make run`: the local stack, a mail sink and all four services, in the foreground.
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

port=8081
for service in berichtenbox zaken gegevens notifier; do
  AMQP_URL="amqp://$service:$service-local-secret@127.0.0.1:5672/mijnoverheid" \
  MONGODB_URL="mongodb://127.0.0.1:27017" \
  HTTP_PORT=$port SMTP_HOST=127.0.0.1 SMTP_PORT=1025 \
  PORTAL_URL="http://127.0.0.1:8081" \
    "$PY" -m "$service" >>"$LOCAL/logs/$service.log" 2>&1 &
  pids+=($!)
  port=$((port + 1))
done

for port in 8081 8082 8083 8084; do
  for _ in $(seq 1 150); do
    if "$PY" -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$port/ready', timeout=1)" 2>/dev/null; then break; fi
    sleep 0.2
  done
done

cat <<MSG

MijnOverheid runs locally:
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
