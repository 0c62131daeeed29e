"""A sound output for machines without a sound card that still plays in real time.

`aplay -D null` returns at once (measured: a 7.5 s sentence "played" in 15 ms), so it cannot
show an interruption. A PulseAudio server with a null sink consumes audio at the real rate on
its own clock: `aplay -D pulse` (alsa-plugins' pulse device) then takes as long as the sentence.
The server runs as a child process on a private socket, with no D-Bus, no login session and
nothing of the host's sound setup.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

DEVICE = "pulse"


class NullSink:
    """`with NullSink() as sink:` then set `sink.env` in the environment of the player."""

    def __init__(self):
        self.process: subprocess.Popen | None = None
        self._dir = None
        self.env: dict[str, str] = {}

    @staticmethod
    def available() -> bool:
        return shutil.which("pulseaudio") is not None and Path(
            "/usr/share/alsa/alsa.conf.d/50-pulseaudio.conf").exists()

    def __enter__(self) -> "NullSink":
        self._dir = tempfile.TemporaryDirectory(prefix="kiosk-sink-")
        home = Path(self._dir.name)
        socket = home / "native"
        self.env = {"PULSE_SERVER": f"unix:{socket}", "XDG_RUNTIME_DIR": str(home)}
        self.process = subprocess.Popen(
            ["pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1", "--use-pid-file=no",
             "--no-cpu-limit", "--realtime=no", "--high-priority=no",   # never killed by its own CPU limiter under load
             "--log-target=stderr", "--log-level=error", "--disallow-module-loading",
             "-L", "module-null-sink sink_name=kiosk_null",
             "-L", f"module-native-protocol-unix socket={socket} auth-anonymous=1"],
            env={**os.environ, "HOME": str(home), "XDG_RUNTIME_DIR": str(home),
                 "XDG_CONFIG_HOME": str(home)},
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while not socket.exists():      # the server makes its socket when it is ready
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.__exit__(None, None, None)
                raise RuntimeError("pulseaudio did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *_exc) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process.stderr.close()
            self.process = None
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None


@contextlib.contextmanager
def sink_in_environment():
    """A NullSink whose address is in this process's environment while it runs (the players the
    speech thread starts inherit it); pytest skips when pulseaudio is missing."""
    import pytest

    if not NullSink.available():
        pytest.skip("pulseaudio and alsa-plugins are needed for a sink that takes real time")
    with NullSink() as sink:
        saved = {name: os.environ.get(name) for name in sink.env}
        os.environ.update(sink.env)
        try:
            yield sink
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
