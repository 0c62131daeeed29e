#!/bin/sh
# The X session of a kiosk terminal: no screen blanking, then the kiosk, full screen.
# systemd (lobby-kiosk.service) restarts the whole session if the kiosk ever exits.
xset s off -dpms s noblank 2>/dev/null || true
exec /opt/lobby-kiosk/.venv/bin/python /opt/lobby-kiosk/main.py --config /etc/lobby-kiosk/kiosk.toml
