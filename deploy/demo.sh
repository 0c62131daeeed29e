#!/usr/bin/env bash
# `make run`: a local hub with demo data, and the kiosk connected to it (config/demo.toml).
# KIOSK_ARGS="" make run   gives the real full-screen kiosk; the default is a window.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
DEMO=var/demo
PORT=8765                      # the port config/demo.toml points at
KIOSK_ARGS=${KIOSK_ARGS---windowed}
mkdir -p "$DEMO"

if [ ! -s "$DEMO/kiosk.token" ]; then
  "$PY" -m hub kiosk add demo-centre-ouest --agency "Centre Ouest" --db "$DEMO/hub.db" \
    --token-file "$DEMO/kiosk.token"
fi

"$PY" -m hub serve --db "$DEMO/hub.db" --port "$PORT" --demo >"$DEMO/hub.log" 2>&1 &
hub_pid=$!
trap 'kill "$hub_pid" 2>/dev/null; wait "$hub_pid" 2>/dev/null || true' EXIT

"$PY" - "$PORT" <<'PYEOF'
import sys, time, requests
deadline = time.monotonic() + 30
while time.monotonic() < deadline:
    try:
        if requests.get(f"http://127.0.0.1:{sys.argv[1]}/healthz", timeout=(1, 2)).ok:
            sys.exit(0)
    except requests.RequestException:
        time.sleep(0.2)
sys.exit("The demo hub did not start: see var/demo/hub.log")
PYEOF
echo "Demo hub on http://127.0.0.1:$PORT (log: $DEMO/hub.log, data: $DEMO/hub.db)"

# A demo agent for the console, with a new random password each run, shown only here.
password_file=$(mktemp)
"$PY" -c 'import secrets; print(secrets.token_urlsafe(12))' >"$password_file"
"$PY" -m hub agent password demo --password-file "$password_file" --db "$DEMO/hub.db" >/dev/null 2>&1 \
  || "$PY" -m hub agent add demo --first-name Camille --agency "Centre Ouest" --password-file "$password_file" --db "$DEMO/hub.db" >/dev/null
echo "Agent console: http://127.0.0.1:$PORT/console  (identifiant: demo, mot de passe: $(cat "$password_file"))"
rm -f "$password_file"

if [ -z "${DISPLAY:-}" ]; then
  echo "No screen here: the kiosk runs on a virtual screen (Xvfb). Set DISPLAY to see it."
  exec_kiosk=(xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp")
else
  exec_kiosk=()
fi
"${exec_kiosk[@]}" "$PY" main.py --config config/demo.toml $KIOSK_ARGS
