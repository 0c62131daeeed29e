"""Drive the real kiosk app in a real Kivy window, frame by frame (under Xvfb without a screen).

One window per test process (Kivy cannot make a second); each harness builds a fresh app in it,
taps real widgets found by id, and removes the app again at close().
"""

from __future__ import annotations

import time
from pathlib import Path

import main as kiosk_main

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"


def write_config(tmp_path: Path, hub_url: str, token: str | None, *, kiosk_id: str = "kiosk-test",
                 extra: str = "") -> Path:
    """A kiosk config for tests: data and token under tmp_path, fast timeouts, the hub at hub_url."""
    token_file = tmp_path / "kiosk.token"
    if token is not None:
        token_file.write_text(token + "\n", encoding="utf-8")
    path = tmp_path / "kiosk.toml"
    path.write_text(f"""
[kiosk]
id = "{kiosk_id}"
agency = "Centre Ouest"
data_dir = "{tmp_path / 'data'}"

[hub]
url = "{hub_url}"
token_file = "{token_file}"
connect_timeout_seconds = 0.5
read_timeout_seconds = 3.0
assistance_poll_seconds = 0.5
heartbeat_seconds = 5

[outbox]
retry_base_seconds = 0.2
retry_cap_seconds = 2.0

[branding]
name = "Office Test de l'Habitat"
logo = "{Path(kiosk_main.ROOT) / 'assets' / 'logo-demo.png'}"
{extra}
""", encoding="utf-8")
    return path


class KioskHarness:
    def __init__(self, config):
        kiosk_main.configure_kivy(windowed=True)
        from kivy.base import EventLoop
        from kivy.core.window import Window

        from kiosk.app import KioskApp

        EventLoop.ensure_window()
        self.window = Window
        self.event_loop = EventLoop
        self.app = KioskApp(config, windowed=True)
        self.app.services.start()
        self.app._run_prepare()          # build, add the root to the window, on_start: App.run() minus its loop
        self.frames(2)

    def frames(self, count: int = 1) -> None:
        for _ in range(count):
            self.event_loop.idle()

    def wait_until(self, predicate, timeout: float = 10.0, what: str = "the condition") -> None:
        """Advance frames until predicate() is true; fail after timeout seconds."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout} s waiting for {what}")
            self.frames(1)

    def widget(self, widget_id: str):
        """The widget with this id anywhere in the tree (KV ids are per rule, so search them all)."""
        for node in self.app.root.walk(restrict=False):
            found = getattr(node, "ids", {}).get(widget_id)
            if found is not None:
                return found
        raise LookupError(f"no widget with id {widget_id!r} on screen")

    def tap(self, widget_id: str) -> None:
        from kivy.tests.common import UnitTestTouch

        target = self.widget(widget_id)
        x, y = target.to_window(*target.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        self.frames(1)
        touch.touch_up()
        self.frames(2)

    def text(self, widget_id: str) -> str:
        return self.widget(widget_id).text

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(exist_ok=True)
        self.frames(2)
        wanted = SCREENSHOTS / f"{name}.png"
        written = Path(self.window.screenshot(str(wanted)))  # Kivy adds a counter to the name
        return written.replace(wanted)

    def close(self) -> None:
        from kivy.app import App

        self.app.dispatch("on_stop")     # stops the sync worker and closes the outbox
        self.window.unbind(on_request_close=self.app._refuse_close)
        self.window.remove_widget(self.app.root)
        App._running_app = None
        self.frames(1)
