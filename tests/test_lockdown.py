"""No way out for a tenant: Escape, Alt+F4, F1 (Kivy's settings), F11, right and middle clicks
and close requests do nothing. In this test's window (in-process), then with the real main.py
full screen on the test's X display, driven by xdotool.

Run as a script (`python tests/test_lockdown.py --config X`), this file is main.py plus a
reporter that writes what the window shows to $LOCKDOWN_REPORT a few times a second.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if __name__ != "__main__":
    import pytest

    from kiosk.config import load_config
    from tests.hubproc import free_port
    from tests.kiosk_harness import KioskHarness, stand_in_screens, write_config

    pytestmark = pytest.mark.ui

KEY_ESCAPE, KEY_F1, KEY_F4, KEY_F11 = 27, 282, 285, 292


# --- in this test's window --------------------------------------------------------------------------

if __name__ != "__main__":

    @pytest.fixture
    def kiosk(tmp_path, monkeypatch):
        """The app as on a terminal (windowed=False: close requests refused), offline."""
        stand_in_screens(monkeypatch)
        config = load_config(write_config(tmp_path, f"http://127.0.0.1:{free_port()}", "t"))
        harness = KioskHarness(config, windowed=False)
        harness.app.show("booking")
        harness.widget("field").text = "Dupont"
        harness.frames(2)
        yield harness
        harness.close()

    def window_state(kiosk) -> dict:
        from kivy.base import EventLoop
        from kivy.graphics import Ellipse
        from kivy.uix.settings import Settings

        window = kiosk.window
        return {
            "running": EventLoop.status != "closed" and not EventLoop.quit,
            "root shown": kiosk.app.root in window.children,
            "window children": [type(child).__name__ for child in window.children],
            "settings": kiosk.app._app_settings is not None
                        or any(isinstance(w, Settings) for c in window.children for w in c.walk()),
            "dots": sum(isinstance(i, Ellipse) for i in window.canvas.after.children),
            "size": tuple(window.size),
            "fullscreen": window.fullscreen,
            "screen": kiosk.app.current_screen,
            "typed": kiosk.widget("field").text,
            "call": kiosk.app.call_state,
        }

    def test_escape_alt_f4_f1_f11_do_nothing(kiosk, monkeypatch):
        from kivy.config import Config

        # Even with Kivy told to close on Escape, the app's own handler stops it.
        monkeypatch.setattr(type(kiosk.window).on_keyboard, "exit_on_escape", True, raising=False)
        before = window_state(kiosk)
        for key, modifiers in [(KEY_ESCAPE, []), (KEY_F4, ["alt"]), (KEY_F1, []), (KEY_F11, []),
                               (KEY_ESCAPE, ["ctrl"]), (KEY_F1, ["shift"])]:
            kiosk.key(key, modifiers)
        kiosk.frames(3)
        assert window_state(kiosk) == before
        assert before["running"] and before["root shown"] and before["screen"] == "booking"
        assert Config.getint("kivy", "exit_on_escape") == 0      # and config/kivy.ini says so too

    def test_close_requests_are_refused(kiosk):
        before = window_state(kiosk)
        assert kiosk.window.dispatch("on_request_close") is True
        assert kiosk.window.dispatch("on_request_close", source="keyboard") is True
        kiosk.frames(2)
        assert window_state(kiosk) == before

    def test_right_and_middle_touches_do_nothing(kiosk):
        button = kiosk.widget("call_agent_button")
        before = window_state(kiosk)
        for mouse_button in ("right", "middle"):
            kiosk.tap_at(*button.to_window(*button.center), button=mouse_button)
        assert window_state(kiosk) == before and kiosk.app.call_state == ""
        kiosk.tap_at(*button.to_window(*button.center), button="left")
        assert kiosk.app.call_state == "unreachable"               # a left touch still works

    def test_right_and_middle_clicks_through_the_configured_mouse_draw_no_dots(kiosk):
        """The mouse provider as config/kivy.ini builds it, fed SDL's mouse events."""
        from kivy.config import Config
        from kivy.input import MotionEventFactory

        (key, value), = Config.items("input")               # exactly one touch provider
        provider_id, _, args = value.partition(",")
        provider = MotionEventFactory.get(provider_id)(key, args)
        assert provider.disable_multitouch
        kiosk.event_loop.add_input_provider(provider)
        provider.start()
        try:
            button = kiosk.widget("call_agent_button")
            x, y = button.to_window(*button.center)
            before = window_state(kiosk)
            for mouse_button in ("right", "middle"):
                # SDL gives y from the top of the window.
                kiosk.window.dispatch("on_mouse_down", x, kiosk.window.height - y, mouse_button, [])
                kiosk.frames(2)
                assert window_state(kiosk)["dots"] == 0
                kiosk.window.dispatch("on_mouse_up", x, kiosk.window.height - y, mouse_button, [])
                kiosk.frames(2)
            assert window_state(kiosk) == before
        finally:
            provider.stop()
            kiosk.event_loop.remove_input_provider(provider)


# --- the real main.py, full screen, driven by xdotool -------------------------------------------------

def send_close_request(window_id: int) -> None:
    """What a window manager sends for Alt+F4 or a close button: WM_PROTOCOLS/WM_DELETE_WINDOW."""

    class ClientMessage(ctypes.Structure):
        _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong), ("send_event", ctypes.c_int),
                    ("display", ctypes.c_void_p), ("window", ctypes.c_ulong),
                    ("message_type", ctypes.c_ulong), ("format", ctypes.c_int),
                    ("data", ctypes.c_long * 5)]

    class XEvent(ctypes.Union):
        _fields_ = [("xclient", ClientMessage), ("pad", ctypes.c_long * 24)]

    xlib = ctypes.cdll.LoadLibrary(ctypes.util.find_library("X11"))
    xlib.XOpenDisplay.restype = ctypes.c_void_p
    xlib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    xlib.XInternAtom.restype = ctypes.c_ulong
    xlib.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    xlib.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long,
                                ctypes.POINTER(XEvent)]
    xlib.XFlush.argtypes = [ctypes.c_void_p]
    xlib.XCloseDisplay.argtypes = [ctypes.c_void_p]
    display = xlib.XOpenDisplay(None)
    assert display, "cannot open the X display"
    try:
        event = XEvent()
        event.xclient.type = 33                      # ClientMessage
        event.xclient.window = window_id
        event.xclient.message_type = xlib.XInternAtom(display, b"WM_PROTOCOLS", False)
        event.xclient.format = 32
        event.xclient.data[0] = xlib.XInternAtom(display, b"WM_DELETE_WINDOW", False)
        event.xclient.data[1] = 0                    # CurrentTime
        assert xlib.XSendEvent(display, window_id, False, 0, ctypes.byref(event))
        xlib.XFlush(display)
    finally:
        xlib.XCloseDisplay(display)


if __name__ != "__main__":

    def xdotool(*args: str) -> str:
        return subprocess.run(["xdotool", *args], check=True, capture_output=True, text=True,
                              timeout=20).stdout.strip()

    class Child:
        """main.py in a subprocess, and what its reporter last wrote."""

        def __init__(self, config_path: Path, report: Path):
            self.report = report
            self.process = subprocess.Popen(
                [sys.executable, str(Path(__file__).resolve()), "--config", str(config_path)],
                cwd=str(ROOT), env={**os.environ, "LOCKDOWN_REPORT": str(report)},
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

        def state(self) -> dict | None:
            try:
                return json.loads(self.report.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return None

        def wait_for(self, predicate, what: str, timeout: float = 30.0) -> dict:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                assert self.process.poll() is None, f"the kiosk exited while waiting for {what}"
                state = self.state()
                if state is not None and predicate(state):
                    return state
                time.sleep(0.05)     # polling another process's file: nothing to wait on here
            raise AssertionError(f"timed out waiting for {what}; last report: {self.state()}")

        def settle(self) -> dict:
            """A report written after everything sent so far was handled (a few frames later)."""
            frame = self.state()["frame"]
            return self.wait_for(lambda s: s["frame"] >= frame + 10, "ten more frames")

        def stop(self) -> str:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGKILL)
            out, _ = self.process.communicate(timeout=20)
            return out

    @pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool is not installed")
    @pytest.mark.skipif(not os.environ.get("DISPLAY"), reason="needs an X display (Xvfb)")
    def test_full_screen_kiosk_ignores_every_way_out(tmp_path):
        config = write_config(tmp_path, f"http://127.0.0.1:{free_port()}", "t")
        child = Child(config, tmp_path / "report.json")
        try:
            start = child.wait_for(lambda s: s["frame"] > 5, "the kiosk's first frames", timeout=60)
            screen_w, screen_h = (int(v) for v in xdotool("getdisplaygeometry").split())
            assert start["size"] == [screen_w, screen_h] and start["fullscreen"] in ("auto", True)
            window_id = int(xdotool("search", "--sync", "--pid", str(child.process.pid)).split()[0])

            def click(button_id: str, mouse_button: int) -> None:
                x, y = child.state()["buttons"][button_id]
                xdotool("mousemove", str(x), str(y), "click", str(mouse_button))

            click("text_size_button", 1)                       # a real touch still works
            before = child.wait_for(lambda s: s["text_scale"] == 1.5, "text size 150 %")

            xdotool("mousemove", str(screen_w // 2), str(screen_h // 2))   # focus follows the pointer
            xdotool("key", "Escape", "alt+F4", "F1", "F11", "ctrl+Escape")
            click("call_agent_button", 3)                      # right click on "call an agent"
            click("call_agent_button", 2)                      # middle click
            send_close_request(window_id)
            after = child.settle()

            assert child.process.poll() is None, "the kiosk exited"
            unchanged = ("screen", "size", "fullscreen", "window_children", "settings", "dots",
                         "call_state", "text_scale")
            assert {k: after[k] for k in unchanged} == {k: before[k] for k in unchanged}
            assert after["window_children"] == ["KioskRoot"] and after["dots"] == 0
            assert after["call_state"] == "" and not after["settings"]
            received = after["received"]          # every key, click and request reached the app
            assert {27, 285, 282, 292} <= set(received["keys"])
            assert {"right", "middle"} <= set(received["buttons"])
            assert received["close_requests"] >= 1
            geometry = xdotool("getwindowgeometry", str(window_id))
            assert f"Geometry: {screen_w}x{screen_h}" in geometry
        finally:
            output = child.stop()
        assert "Traceback" not in output, output[-3000:]


# --- the child: main.py with a reporter ---------------------------------------------------------------

def _child_main() -> int:
    import main

    configure = main.configure_kivy

    def configure_then_report(windowed: bool) -> None:
        configure(windowed)
        import kiosk.app  # first, as main.py does: it sizes the window before Kivy creates it
        from kivy.clock import Clock
        from kivy.core.window import Window
        from kivy.graphics import Ellipse
        from kivy.uix.settings import Settings

        report = Path(os.environ["LOCKDOWN_REPORT"])
        on_start = kiosk.app.KioskApp.on_start
        frames = [0]
        received = {"keys": [], "buttons": [], "close_requests": 0}   # proof the events arrived

        def count_key(_window, key, *_args):
            received["keys"].append(key)

        def count_touch(_window, touch):
            if "button" in touch.profile:
                received["buttons"].append(touch.button)

        def count_close(*_args, **_kwargs):
            received["close_requests"] += 1

        def centre(app, widget_id):
            for node in app.root.walk(restrict=False):
                widget = getattr(node, "ids", {}).get(widget_id)
                if widget is not None:
                    x, y = widget.to_window(*widget.center)
                    return [int(x), int(Window.height - y)]      # X11 counts from the top
            return None

        def write(app, *_args):
            frames[0] += 1
            state = {
                "frame": frames[0],
                "screen": app.current_screen,
                "size": list(Window.size),
                "fullscreen": Window.fullscreen,
                "window_children": [type(c).__name__ for c in Window.children],
                "settings": app._app_settings is not None
                            or any(isinstance(w, Settings) for c in Window.children for w in c.walk()),
                "dots": sum(isinstance(i, Ellipse) for i in Window.canvas.after.children),
                "call_state": app.call_state,
                "text_scale": app.text_scale,
                "buttons": {name: centre(app, name) for name in ("text_size_button", "call_agent_button")},
                "received": received,
            }
            partial = report.with_suffix(".tmp")
            partial.write_text(json.dumps(state), encoding="utf-8")
            partial.replace(report)

        def on_start_and_report(app):
            on_start(app)
            Window.bind(on_key_down=count_key, on_touch_down=count_touch,
                        on_request_close=count_close)
            Clock.schedule_interval(lambda dt: write(app), 0)

        kiosk.app.KioskApp.on_start = on_start_and_report

    main.configure_kivy = configure_then_report
    return main.main(sys.argv[1:])


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(_child_main())
