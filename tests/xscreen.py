"""A private virtual screen (Xvfb) for a test process that has none.

Each pytest worker (`make test` runs two, with pytest-xdist) gets a display of its own, so that
one worker's full-screen kiosk and xdotool keys (test_lockdown.py) never reach the other's
window. Xvfb picks a free display number itself and writes it on a pipe (-displayfd).
"""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import tempfile

SCREEN = "1280x800x24"       # the kiosk's 15" screen (tests/kiosk_harness.py WINDOW_SIZE)
START_SECONDS = 20.0


class VirtualScreen:
    def __init__(self):
        self.process: subprocess.Popen | None = None
        self.display = ""
        self._log = tempfile.TemporaryFile()        # Xvfb's warnings; a pipe nobody reads would fill

    @staticmethod
    def available() -> bool:
        return shutil.which("Xvfb") is not None

    def start(self) -> str:
        """Starts Xvfb and returns its DISPLAY (":5"); raises RuntimeError if it cannot."""
        read_end, write_end = os.pipe()
        try:
            self.process = subprocess.Popen(
                ["Xvfb", "-displayfd", str(write_end), "-screen", "0", SCREEN, "-nolisten", "tcp",
                 "-noreset"],
                pass_fds=(write_end,), stdout=subprocess.DEVNULL, stderr=self._log)
            os.close(write_end)
            write_end = -1
            number = b""
            while not number.endswith(b"\n"):
                ready, _, _ = select.select([read_end], [], [], START_SECONDS)
                chunk = os.read(read_end, 16) if ready else b""
                if not chunk:
                    error = self._stop_and_read_error()
                    raise RuntimeError(f"Xvfb did not start: {error or 'no display number'}")
                number += chunk
        finally:
            os.close(read_end)
            if write_end >= 0:
                os.close(write_end)
        self.display = f":{number.decode().strip()}"
        return self.display

    def _stop_and_read_error(self) -> str:
        self.stop()
        self._log.seek(0)
        return self._log.read().decode(errors="replace").strip()[-500:]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
