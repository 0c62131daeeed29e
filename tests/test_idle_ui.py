"""When the visitor walks away: the warning, "Je continue", and the wipe that leaves nothing of
them anywhere in the app. A fake clock drives the idle timer; nothing sleeps."""

from __future__ import annotations

import secrets

import pytest

from kiosk.config import load_config
from tests.fakes import FakeClock
from tests.kiosk_harness import KioskHarness, stand_in_screens, write_config

pytestmark = pytest.mark.ui

# What a visitor types: unlikely anywhere else, and fresh for each test (fresh_canary) so that
# no other test's leftovers can match.
CANARY = "Zebulon Kwiatkowska 0612345678"
TIMEOUT, WARNING = 90, 20          # the config's defaults


@pytest.fixture(autouse=True)
def fresh_canary():
    global CANARY
    tag = secrets.token_hex(3)
    CANARY = f"Zebulon{tag} Kwiatkowska{tag} 06{secrets.randbelow(10**8):08d}"


def canary_parts():
    return [CANARY, *CANARY.split()]


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def kiosk(tmp_path, hub, clock, monkeypatch):
    stand_in_screens(monkeypatch)
    token = hub.add_kiosk("kiosk-test")
    harness = KioskHarness(load_config(write_config(tmp_path, hub.url, token)), clock=clock)
    harness.wait_until(lambda: harness.app.online is True, what="the first contact with the hub")
    yield harness
    harness.close()


def idle(kiosk, clock, seconds: float) -> None:
    """Let `seconds` of quiet pass, then the app's next idle check."""
    clock.advance(seconds)
    kiosk.app.check_idle()
    kiosk.frames(2)


def plant_canaries(kiosk) -> None:
    """What a visitor leaves behind: typed text (with undo history), a journey's data, a form
    field, a call for an agent, their settings. Typed on screen 'booking'."""
    from kivy.core.clipboard import Clipboard

    from screens.forms import FormField

    app = kiosk.app
    app.show("booking")
    booking = app.screen_manager.get_screen("booking")
    field = booking.ids.field
    field.focus = True
    field.insert_text(CANARY)
    kiosk.frames(2)
    booking.journey.data["surname"] = CANARY
    booking.journey.next()
    form_field = FormField(label="Votre nom", size_hint=(0.8, None), height=160,
                           pos_hint={"center_x": 0.5, "y": 0.1})
    booking.add_widget(form_field)
    form_field.text = CANARY
    kiosk.frames(3)
    kiosk.tap("call_agent_button")
    app.text_scale, app.high_contrast, app.speech_on, app.language = 2.0, True, True, "es"
    Clipboard.copy(CANARY)                 # copied from a field's long-press menu
    kiosk.frames(3)
    assert find_canaries(app), "the canaries were not planted"
    assert Clipboard.paste() == CANARY


def find_canaries(app) -> list[str]:
    """Every place that still holds the canary (or a word of it), from the app outwards: every
    widget of every screen and overlay, and every widget they refer to, their Kivy properties
    and attributes, text fields' lines and undo history, labels' rendered text, the app's state."""
    from kivy.uix.label import Label
    from kivy.uix.textinput import TextInput
    from kivy.uix.widget import Widget

    words = [part.lower() for part in canary_parts()]
    hits: list[str] = []
    seen: set[int] = set()
    widgets: list[tuple[Widget, str]] = []     # to scan, each with a fresh depth

    def scan(value, where: str, depth: int = 0) -> None:
        if value is None or isinstance(value, (bool, int, float)):
            return
        if isinstance(value, str):
            if any(word in value.lower() for word in words):
                hits.append(f"{where} = {value[:80]!r}")
            return
        if id(value) in seen or depth > 6:
            return
        seen.add(id(value))
        if isinstance(value, Widget):
            widgets.append((value, where))
        elif isinstance(value, dict):
            for key, item in list(value.items()):
                scan(key, f"{where}[key]", depth + 1)
                scan(item, f"{where}[{key!r}]", depth + 1)
        elif isinstance(value, (list, tuple, set, frozenset)):
            for index, item in enumerate(list(value)):
                scan(item, f"{where}[{index}]", depth + 1)
        elif type(value).__module__.startswith(("kiosk.", "screens.", "tests.")) \
                and hasattr(value, "__dict__"):
            scan(vars(value), f"{where}.__dict__", depth + 1)

    def scan_widget(widget, where: str) -> None:
        name = f"{type(widget).__name__}@{where}"
        for prop in widget.properties():
            try:
                scan(getattr(widget, prop), f"{name}.{prop}", 1)
            except Exception:  # noqa: BLE001 - a property that cannot be read holds nothing
                pass
        scan(dict(vars(widget)), f"{name}.__dict__", 1)
        if isinstance(widget, TextInput):
            for attr in ("_lines", "_undo", "_redo"):
                scan(getattr(widget, attr, None), f"{name}.{attr}", 1)
        if isinstance(widget, Label) and getattr(widget, "_label", None) is not None:
            scan(widget._label.text, f"{name}._label.text", 1)

    for widget in app.all_widgets():
        scan(widget, "tree")
    for screen in app.all_screens():
        scan(screen, f"screen {screen.name}")
    scan(app.root.overlay, "overlay")
    scan(dict(vars(app)), "app")
    for prop in app.properties():
        scan(getattr(app, prop), f"app.{prop}")
    while widgets:
        scan_widget(*widgets.pop())
    return hits


def assert_visitor_gone(kiosk) -> None:
    from kivy.core.clipboard import Clipboard

    app = kiosk.app
    assert app.current_screen == "home"
    assert find_canaries(app) == []
    assert Clipboard.paste() == ""
    assert (app.text_scale, app.high_contrast, app.speech_on, app.language) == (1.0, False, False, "fr")
    assert (app.call_state, app.call_agent_name, app.assistance.call_id) == ("", "", None)
    assert kiosk.text("call_status_label") == ""
    assert app.screen_manager.get_screen("booking").journey.current == "start"
    assert app.root.overlay is None and not app.idle_warning


# --- the warning ----------------------------------------------------------------------------------

def test_warning_comes_after_the_idle_timeout_with_a_countdown(kiosk, clock):
    kiosk.app.show("booking")
    idle(kiosk, clock, TIMEOUT - 1)
    assert not kiosk.app.idle_warning
    idle(kiosk, clock, 1)
    assert kiosk.app.idle_warning
    assert kiosk.text("idle_heading_label") == "Vous êtes toujours là\u00a0?"
    assert kiosk.text("idle_countdown_label") == \
        "Si vous ne touchez rien, la borne efface tout dans 20\u00a0secondes."
    kiosk.screenshot("idle-warning")
    idle(kiosk, clock, 7)
    assert kiosk.text("idle_countdown_label").endswith("dans 13\u00a0secondes.")
    kiosk.app.text_scale = 2.0
    kiosk.frames(3)
    kiosk.screenshot("idle-warning-200")
    panel = kiosk.app.root.overlay.ids.panel
    assert panel.y >= 0 and panel.top <= kiosk.window.height     # fits at 200 %


def test_je_continue_works_ten_times_and_keeps_what_was_typed(kiosk, clock):
    kiosk.app.show("booking")
    field = kiosk.app.screen_manager.get_screen("booking").ids.field
    field.insert_text("Martin")
    for _ in range(10):
        idle(kiosk, clock, TIMEOUT + WARNING - 1)       # one second before the wipe
        assert kiosk.app.idle_warning
        kiosk.tap("continue_button")
        assert not kiosk.app.idle_warning and kiosk.app.root.overlay is None
        assert field.text == "Martin" and kiosk.app.current_screen == "booking"
    idle(kiosk, clock, TIMEOUT)
    idle(kiosk, clock, WARNING)
    assert kiosk.app.current_screen == "home" and field.text == ""


def test_any_touch_or_key_starts_the_quiet_time_again(kiosk, clock):
    kiosk.app.show("booking")
    idle(kiosk, clock, TIMEOUT - 5)
    kiosk.tap_at(640, 400)
    idle(kiosk, clock, TIMEOUT - 5)
    kiosk.key(97, codepoint="a")
    idle(kiosk, clock, TIMEOUT - 5)
    assert not kiosk.app.idle_warning


def test_a_touch_on_the_warning_never_reaches_the_screen_beneath(kiosk, clock, hub):
    kiosk.app.show("booking")
    idle(kiosk, clock, TIMEOUT)
    assert kiosk.app.idle_warning
    kiosk.tap("call_agent_button")       # under the warning: counts as "Je continue", no call
    assert not kiosk.app.idle_warning
    assert kiosk.app.call_state == "" and kiosk.app.services.outbox.waiting_count() == 0
    assert hub.actions("assistance_call") == []


def test_an_empty_lobby_gets_no_warning(kiosk, clock):
    for _ in range(3):
        idle(kiosk, clock, TIMEOUT + WARNING + 5)
        assert not kiosk.app.idle_warning and kiosk.app.root.overlay is None


def test_changed_settings_alone_still_get_the_warning_then_the_reset(kiosk, clock):
    kiosk.tap("text_size_button")
    idle(kiosk, clock, TIMEOUT)
    assert kiosk.app.idle_warning
    idle(kiosk, clock, WARNING)
    assert kiosk.app.text_scale == 1.0 and not kiosk.app.idle_warning


# --- the wipe -------------------------------------------------------------------------------------

def test_expiry_wipes_everything_the_visitor_typed_or_chose(kiosk, clock):
    plant_canaries(kiosk)
    idle(kiosk, clock, TIMEOUT)
    assert kiosk.app.idle_warning
    idle(kiosk, clock, WARNING)
    kiosk.frames(3)
    assert_visitor_gone(kiosk)
    kiosk.screenshot("idle-after-wipe")


def test_home_button_wipes_the_same_way(kiosk):
    plant_canaries(kiosk)
    kiosk.tap("home_button")
    kiosk.frames(3)
    assert_visitor_gone(kiosk)


def test_the_wipe_reaches_what_is_not_a_screen(kiosk, clock):
    resets = []
    kiosk.app.bind(on_visitor_reset=lambda app: resets.append(True))   # the speech queue's hook
    kiosk.tap("language_button")                                      # a chooser left open
    kiosk.app.go_home()
    assert resets == [True] and kiosk.app.root.overlay is None


def test_the_wipe_goes_on_when_one_screen_fails_to_clear(kiosk, clock, monkeypatch):
    booking = kiosk.app.screen_manager.get_screen("booking")
    kiosk.app.show("cancel")
    cancel = kiosk.app.screen_manager.get_screen("cancel")
    cancel.ids.field.text = CANARY

    def broken_clear():
        raise RuntimeError("a bug in one screen")

    monkeypatch.setattr(booking, "clear", broken_clear)
    kiosk.app.go_home()
    assert cancel.ids.field.text == "" and kiosk.app.current_screen == "home"


def test_real_screens_keep_nothing_after_the_wipe(tmp_path, hub, clock):
    """The registered screens themselves (not stand-ins): every text field filled, then wiped."""
    from kivy.uix.textinput import TextInput

    harness = KioskHarness(load_config(write_config(tmp_path, hub.url, hub.add_kiosk("kiosk-test"))),
                           clock=clock)
    try:
        app = harness.app
        for screen in app.all_screens():
            app.show(screen.name)
            harness.frames(2)
            for widget in list(screen.walk(restrict=True)):
                if isinstance(widget, TextInput):
                    widget.insert_text(CANARY)
        harness.frames(2)
        assert find_canaries(app), "no text field took the canary"
        idle(harness, clock, TIMEOUT)
        idle(harness, clock, WARNING)
        harness.frames(3)
        assert find_canaries(app) == []
        assert app.current_screen == "home"
    finally:
        harness.close()
