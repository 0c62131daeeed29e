"""Drive the real kiosk app in a real Kivy window, frame by frame (under Xvfb without a screen).

One window per test process (Kivy cannot make a second); each harness builds a fresh app in it,
taps real widgets found by id, and removes the app again at close().
"""

from __future__ import annotations

import time
from pathlib import Path

import main as kiosk_main

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
WINDOW_SIZE = (1280, 800)     # the kiosk's 15" screen (config/kivy.ini in windowed mode)
# The test screen's picture area: 1280 x 800 on a 15.4" 16:10 panel (3.87 px/mm), written as
# [screen] in every test config, so that tests measure text and touch targets in millimetres.
TEST_SCREEN_MM = (331.0, 207.0)


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

[screen]
width_mm = {TEST_SCREEN_MM[0]}
height_mm = {TEST_SCREEN_MM[1]}
width_px = {WINDOW_SIZE[0]}
height_px = {WINDOW_SIZE[1]}

[branding]
name = "Office Test de l'Habitat"
logo = "{Path(kiosk_main.ROOT) / 'assets' / 'logo-demo.png'}"
{extra}
""", encoding="utf-8")
    return path


class KioskHarness:
    def __init__(self, config, *, windowed: bool = True, clock=None, agent_clock=None):
        """windowed=False: the app behaves as on a terminal (refuses close requests) in this
        test window; clock: the idle timer's clock (a FakeClock drives the idle warning);
        agent_clock: agent mode's wall clock (lockout, re-lock, the 3 s hold)."""
        kiosk_main.configure_kivy(windowed=True)
        from kivy.base import EventLoop
        from kivy.core.window import Window

        from kiosk.app import KioskApp

        EventLoop.ensure_window()
        if tuple(Window.size) != WINDOW_SIZE:
            # A test module imported a Kivy widget before configure_kivy ran: Kivy made its
            # default 800x600 window. Give it the kiosk's size so tests see what tenants see.
            Window.size = WINDOW_SIZE
        self.window = Window
        self.event_loop = EventLoop
        extra = {} if clock is None else {"clock": clock}
        if agent_clock is not None:
            extra["agent_clock"] = agent_clock
        self.app = KioskApp(config, windowed=windowed, **extra)
        self.app.services.start()
        try:
            self.app._run_prepare()      # build, add the root to the window, on_start: App.run() minus its loop
            self.frames(2)
        except BaseException:
            self.app.services.stop()     # else the sync thread keeps the test process alive
            raise

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
        target = self.widget(widget_id)
        self.tap_at(*target.to_window(*target.center))

    def tap_at(self, x: float, y: float, button: str | None = None) -> None:
        """A touch at window coordinates; button ('left', 'right', 'middle') as a mouse gives it."""
        from kivy.tests.common import UnitTestTouch

        touch = UnitTestTouch(x, y)
        if button is not None:
            touch.profile.append("button")
            touch.button = button
        touch.touch_down()
        self.frames(1)
        touch.touch_up()
        self.frames(2)

    def key(self, key: int, modifiers: list | None = None, codepoint: str | None = None) -> None:
        """A key press as SDL reports it: on_key_down then on_keyboard, then on_key_up."""
        modifiers = modifiers or []
        scancode = 0
        self.window.dispatch("on_key_down", key, scancode, codepoint, modifiers)
        self.window.dispatch("on_keyboard", key, scancode, codepoint, modifiers)
        self.frames(1)
        self.window.dispatch("on_key_up", key, scancode)
        self.frames(1)

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
        from kivy.lang import Builder

        # KV rules read `app` through a proxy that caches the running app until its on_stop:
        # every queued KV update must run before on_stop, or the proxy would keep this app and
        # the next test's widgets would bind to it.
        self.frames(1)
        self.window.remove_widget(self.app.root)
        Builder.sync()
        self.app.dispatch("on_stop")     # stops the sync worker and closes the outbox
        self.window.unbind(on_request_close=self.app._refuse_close)
        App._running_app = None


def stand_in_screens(monkeypatch, names=("account", "booking", "cancel")):
    """Registers screens `names` as stand-ins (a journey, a text field, a record of how each was
    started) in place of the real ones, for tests of the shell that must not depend on them.
    Call before building the harness; returns {name: class}."""
    kiosk_main.configure_kivy(windowed=True)
    from kivy.uix.textinput import TextInput

    import kiosk.app
    import screens
    import screens.home
    from kiosk.journeys.wizard import Step, Wizard
    from screens.base import KioskScreen

    class StandInJourney(Wizard):
        steps = {"start": Step(next="details"), "details": Step(next="review"), "review": Step()}
        start = "start"

    classes = {}
    for name in names:
        class StandInScreen(KioskScreen):
            def __init__(self, **kwargs):
                super().__init__(**kwargs)
                self.journey = StandInJourney()
                self.starts: list[dict] = []
                self.cleared = 0
                self.add_widget(TextInput(multiline=False, size_hint=(0.8, None), height=80,
                                          pos_hint={"center_x": 0.5, "top": 0.95}))
                self.ids["field"] = self.children[0]

            def start(self, **kwargs):
                self.starts.append(kwargs)
                if kwargs.get("step") in self.journey.steps:
                    self.journey._path = [self.journey.start, kwargs["step"]]

            def clear(self):
                self.cleared += 1
                self.journey.reset()

        StandInScreen.__name__ = f"StandIn{name.title()}Screen"
        classes[name] = StandInScreen

    real_screen_class = screens.screen_class
    all_names = tuple(dict.fromkeys((*screens.SCREEN_NAMES, *names)))
    monkeypatch.setattr(screens, "SCREEN_NAMES", all_names)
    monkeypatch.setattr(screens.home, "SCREEN_NAMES", all_names)
    monkeypatch.setattr(kiosk.app, "SCREEN_NAMES", all_names)
    monkeypatch.setattr(kiosk.app, "screen_class",
                        lambda name: classes[name] if name in classes else real_screen_class(name))
    return classes
