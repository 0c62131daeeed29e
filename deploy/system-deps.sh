#!/usr/bin/env bash
# Installs the Debian packages the kiosk, the hub and the tests need, when any is missing.
# As root it runs apt-get; otherwise it prints the command for someone who can.
set -euo pipefail

packages=(
  python3-venv          # the .venv
  xvfb xauth            # a virtual screen for tests and screen-less machines
  espeak-ng espeak-ng-data   # read-aloud: kiosk/speech.py runs the espeak-ng command line
  alsa-utils            # aplay, plays what espeak-ng says ([speech] player_command, device)
  libmtdev1             # Kivy's touch input on Linux
  libgl1 libgl1-mesa-dri libegl1 libx11-6 libxrender1   # GL and X runtime for Kivy's SDL2 window
  sqlite3               # the sqlite3 shell, for IT looking into the outbox
  xdotool               # tests: real keys and clicks sent to the full-screen kiosk (test_lockdown.py)
  zbar-tools            # tests: decode the QR codes the kiosk draws (test_receipts.py)
  pulseaudio            # tests: a null sink that plays in real time, so speech can be cut mid-sentence (tests/soundsink.py)
  chromium chromium-driver   # tests: a real browser on the hub's agent console (tests/test_console_browser.py)
)

missing=()
for p in "${packages[@]}"; do
  if [ "$p" = python3-venv ]; then
    # A Python with a working venv (pyenv, or Debian's with python3-venv) needs nothing.
    python3 -c 'import ensurepip, venv' 2>/dev/null && continue
  fi
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  echo "Installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "Missing Debian packages: ${missing[*]}" >&2
  echo "Ask an administrator to run: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
