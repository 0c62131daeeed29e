"""Touch targets on every view of the kiosk (tests/screen_tour.py), measured in millimetres on
the configured screen: every control at least 15 mm both ways, the main actions at least 20 mm,
at least 3 mm between two controls. And buttons act on release, never when the finger slides off.

Controls: every ButtonBehavior and TextInput a tenant can see, and each key of an open
on-screen keyboard. Sizes are in dp, the same number of pixels on every screen: they are
measured on the denser of the test screen (kiosk_harness.TEST_SCREEN_MM) and the reference
kiosk (config/kiosk.toml), so that they hold on both.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from kiosk.config import ScreenSettings, load_config
from kiosk.geometry import MAIN_TOUCH_TARGET_MM, TOUCH_GAP_MM, TOUCH_TARGET_MM, px_per_mm
from tests.kiosk_harness import TEST_SCREEN_MM, WINDOW_SIZE, KioskHarness, write_config
from tests.screen_tour import account_feedback, every_view, settle

pytestmark = pytest.mark.ui

ROOT = Path(__file__).resolve().parent.parent
SLACK_PX = 0.5
REFERENCE_WINDOW = (1920, 1080)     # config/kiosk.toml's width_px = 0: the window, full screen


def strictest_px_per_mm() -> float:
    test_screen = ScreenSettings(width_mm=TEST_SCREEN_MM[0], height_mm=TEST_SCREEN_MM[1],
                                 width_px=WINDOW_SIZE[0], height_px=WINDOW_SIZE[1])
    reference = load_config(ROOT / "config" / "kiosk.toml").screen
    return max(px_per_mm(test_screen), px_per_mm(reference, REFERENCE_WINDOW))


@pytest.fixture(scope="module")
def kiosk(module_hub, tmp_path_factory):
    from kivy.lang.parser import global_idmap

    # KV's `app` proxy may still hold the previous test module's app (see test_booking_ui).
    object.__setattr__(global_idmap["app"], "_obj", None)
    tmp_path = tmp_path_factory.mktemp("targets")
    token = module_hub.add_kiosk("kiosk-targets")
    harness = KioskHarness(load_config(write_config(tmp_path, module_hub.url, token,
                                                    kiosk_id="kiosk-targets")))
    yield harness
    harness.close()


# --- finding what a finger can touch ----------------------------------------------------------

@dataclass
class Target:
    name: str
    rect: tuple[float, float, float, float]      # left, bottom, right, top in the window
    seen: tuple[float, float, float, float]      # the part not hidden by a scroll view
    main: bool
    widget: object


def _window_rect(widget) -> tuple[float, float, float, float]:
    left, bottom = widget.to_window(widget.x, widget.y)
    return left, bottom, left + widget.width, bottom + widget.height


def _clip(rect, box):
    return (max(rect[0], box[0]), max(rect[1], box[1]), min(rect[2], box[2]), min(rect[3], box[3]))


def _shown(widget, top) -> bool:
    node = widget
    while node is not None:
        if node.opacity <= 0.01 or node.disabled or node.width < 1 or node.height < 1:
            return False
        if node is top:
            return True
        node = node.parent
    return False


def _name(widget) -> str:
    node = widget.parent
    while node is not None and node is not node.parent:
        for key, value in getattr(node, "ids", {}).items():
            if getattr(value, "__self__", value) is widget:      # KV ids are weak proxies
                return key
        node = node.parent
    text = getattr(widget, "text", "") or getattr(widget, "msgid", "")
    return f"{type(widget).__name__}({text[:30]!r})"


def targets(app) -> list[Target]:
    from kivy.factory import Factory
    from kivy.uix.behaviors import ButtonBehavior
    from kivy.uix.scrollview import ScrollView
    from kivy.uix.textinput import TextInput

    from screens.forms import KioskKeyboard

    root = app.root
    top = root.overlay or root
    main_kinds = (Factory.BigButton, Factory.HomeChoice)
    found: list[Target] = []
    for node in top.walk(restrict=True):
        if not isinstance(node, (ButtonBehavior, TextInput, KioskKeyboard)) or not _shown(node, top):
            continue
        seen = (0, 0, *app.root.get_root_window().size)
        parent = node.parent
        while parent is not None and parent is not top:
            if isinstance(parent, ScrollView):
                seen = _clip(seen, _window_rect(parent))
            parent = parent.parent
        if isinstance(node, KioskKeyboard):
            if node.field is None:
                continue
            for key, (x, y, w, h) in node.key_rects():
                rect = (x, y, x + w, y + h)
                found.append(Target(f"key {key[0]!r}", rect, _clip(rect, seen), False, node))
            continue
        rect = _window_rect(node)
        visible = _clip(rect, seen)
        if visible[2] - visible[0] < 1 or visible[3] - visible[1] < 1:
            continue           # scrolled out of sight: checked once scrolled (moment "/end")
        found.append(Target(_name(node), rect, visible, isinstance(node, main_kinds), node))
    return found


def _nested(first: Target, second: Target) -> bool:
    def inside(widget, other):
        node = widget.parent
        while node is not None and node is not node.parent:
            if node is other:
                return True
            node = node.parent
        return False
    return inside(first.widget, second.widget) or inside(second.widget, first.widget)


def problems(found: list[Target], ppm: float) -> list[str]:
    found_problems = []
    for target in found:
        width, height = target.rect[2] - target.rect[0], target.rect[3] - target.rect[1]
        minimum = MAIN_TOUCH_TARGET_MM if target.main else TOUCH_TARGET_MM
        if min(width, height) + SLACK_PX < minimum * ppm:
            found_problems.append(f"{target.name}: {width / ppm:.1f} x {height / ppm:.1f} mm, "
                                  f"needs {minimum:.0f} mm both ways")
    for index, first in enumerate(found):
        for second in found[index + 1:]:
            if _nested(first, second):
                continue
            a, b = first.seen, second.seen
            gap = max(b[0] - a[2], a[0] - b[2], b[1] - a[3], a[1] - b[3])
            if gap + SLACK_PX < TOUCH_GAP_MM * ppm:
                found_problems.append(f"{first.name} and {second.name}: {max(gap, 0) / ppm:.1f} mm "
                                      f"apart, needs {TOUCH_GAP_MM:.0f} mm")
    return found_problems


def open_keyboard(kiosk) -> bool:
    """On a form view, the first field typed in: its keyboard is open, as the tenant sees it."""
    from screens.forms import FormField

    root = kiosk.app.root
    if root.overlay is not None:
        return False
    fields = [node for node in root.walk(restrict=True) if isinstance(node, FormField)
              and _shown(node, root)]
    if fields:
        fields[0].focus()
    return bool(fields)


def scroll_to_the_end(kiosk) -> bool:
    """Every scroll view of the view that has more than it shows, scrolled to its end."""
    from kivy.uix.scrollview import ScrollView

    from screens.forms import FormField

    root = kiosk.app.root
    top = root.overlay or root
    for node in top.walk(restrict=True):
        if isinstance(node, FormField):
            node.unfocus()         # else its form keeps scrolling back to it
    settle(kiosk)
    scrolled = False
    for node in top.walk(restrict=True):
        if (isinstance(node, ScrollView) and _shown(node, top)
                and node.viewport_size[1] > node.height + 1 and node.scroll_y > 0):
            node.scroll_y = 0
            scrolled = True
    return scrolled


def settled_targets(kiosk, rounds: int = 12) -> list[Target]:
    """The targets once the layout has stopped moving (a call's status or a keyboard coming
    out re-lays the bars out over several frames)."""
    settle(kiosk)
    found = targets(kiosk.app)
    for _ in range(rounds):
        settle(kiosk, 2)
        again = targets(kiosk.app)
        if [(t.name, t.rect) for t in again] == [(t.name, t.rect) for t in found]:
            return again
        found = again
    return found


def past_the_step_guard(kiosk, timeout: float = 2.0) -> None:
    """Frames until a new step takes touches again (screens/account.py ignores them for
    SETTLE_SECONDS, so that a double tap cannot act on the next step)."""
    import time

    from kivy.clock import Clock

    guards = [getattr(node, "_settle_until", 0) for node in kiosk.app.root.walk(restrict=True)]
    deadline = time.monotonic() + timeout
    while Clock.get_boottime() < max(guards, default=0) and time.monotonic() < deadline:
        settle(kiosk, 1)


def wait_for_press(kiosk, finger, button, timeout: float = 2.0) -> bool:
    """Frames until the button holds the finger: at once, or once a scroll view around it has
    made sure the finger is not swiping (Kivy's scroll_timeout). A finger resting on a button."""
    import time

    button = getattr(button, "__self__", button)      # KV ids are weak proxies
    deadline = time.monotonic() + timeout
    while button not in [ref() for ref in finger.grab_list]:
        if time.monotonic() > deadline:
            return False
        settle(kiosk, 1)
    return True


# --- the tests ----------------------------------------------------------------------------------

def test_every_control_is_big_enough_and_apart_from_its_neighbours(kiosk):
    ppm = strictest_px_per_mm()
    report = {}
    count = 0
    for view in every_view(kiosk):
        # As the view opens; scrolled to its end; typing in its first field (keyboard out).
        for moment in ("", "/end", "/typing"):
            if moment == "/end" and not scroll_to_the_end(kiosk):
                continue
            if moment == "/typing" and not open_keyboard(kiosk):
                continue
            found = settled_targets(kiosk)
            count += len(found)
            if view == "home":
                assert any(target.name == "call_agent_button" and target.main for target in found)
            found_problems = problems(found, ppm)
            if found_problems:
                report[view + moment] = found_problems
                kiosk.screenshot(f"targets-{(view + moment).replace('/', '-')}")
    assert count > 100
    assert not report, "\n".join(f"{view}:\n  " + "\n  ".join(lines) for view, lines in report.items())


def test_no_button_fires_when_released_elsewhere(kiosk):
    """On each view, every button: pressed, slid 20 px beyond its edge, released. Nothing fires,
    and a toggle keeps the state it had."""
    from kivy.tests.common import UnitTestTouch
    from kivy.uix.behaviors import ButtonBehavior

    checked = 0
    fired: list[str] = []
    wanted = {"home", "account/intro", "account/details", "account/review", "account/feedback",
              "booking/sessions", "booking/review", "overlay/language", "overlay/idle"}
    for view in every_view(kiosk, only=wanted.__contains__):
        settle(kiosk)
        past_the_step_guard(kiosk)
        window_width = kiosk.window.width
        for target in targets(kiosk.app):
            button = target.widget
            if not isinstance(button, ButtonBehavior):
                continue
            assert not button.always_release, f"{view}: {target.name} fires on any release"
            before = button.state
            calls = []
            recorder = lambda *_args, calls=calls: calls.append(1)     # noqa: E731
            button.bind(on_release=recorder)
            left, bottom, right, top = target.seen
            x, y = (left + right) / 2, (bottom + top) / 2
            outside = right + 20 if right + 20 < window_width else left - 20
            finger = UnitTestTouch(x, y)
            finger.touch_down()
            if not wait_for_press(kiosk, finger, button):
                fired.append(f"{view}: {target.name} (never got the press)")
            finger.touch_move(outside, y)
            settle(kiosk, 2)
            finger.touch_up()
            settle(kiosk, 2)
            button.unbind(on_release=recorder)
            checked += 1
            if calls or button.state != before:
                fired.append(f"{view}: {target.name} ({'fired' if calls else 'state changed'})")
    assert checked > 20
    assert not fired, "\n".join(fired)


@pytest.mark.parametrize("button_id", ["call_agent_button", "text_size_button"])
def test_a_button_fires_once_when_released_on_it(kiosk, button_id):
    from kivy.tests.common import UnitTestTouch

    kiosk.app.show("home")
    settle(kiosk)
    button = kiosk.widget(button_id)
    calls = []
    recorder = lambda *_args: calls.append(1)      # noqa: E731
    button.bind(on_release=recorder)
    x, y = button.to_window(*button.center)
    finger = UnitTestTouch(x, y)
    finger.touch_down()
    settle(kiosk, 2)
    assert calls == [], "nothing happens while the finger is down"
    finger.touch_move(x + 3, y + 3)              # a finger is never still
    finger.touch_up()
    settle(kiosk, 2)
    button.unbind(on_release=recorder)
    assert calls == [1]
    kiosk.app.text_scale = 1.0
    kiosk.app.call_state = ""


def test_a_face_fires_only_when_released_on_it(kiosk):
    from kivy.tests.common import UnitTestTouch

    account_feedback(kiosk)
    settle(kiosk)
    face = kiosk.widget("face_happy")
    faces = kiosk.widget("face_happy").parent.parent
    faces.clear()
    settle(kiosk)
    past_the_step_guard(kiosk)
    x, y = face.to_window(*face.center)
    finger = UnitTestTouch(x, y)
    finger.touch_down()
    assert wait_for_press(kiosk, finger, face)
    finger.touch_move(x, y + face.height)
    settle(kiosk, 2)
    finger.touch_up()
    settle(kiosk, 2)
    assert faces.given == 0
    finger = UnitTestTouch(x, y)
    finger.touch_down()
    assert wait_for_press(kiosk, finger, face)
    finger.touch_up()
    settle(kiosk, 2)
    assert faces.given == 3


def test_a_yes_no_choice_slid_off_stays_as_it_was(kiosk):
    """The consent buttons show the answer given; Kivy's ToggleButton turns "down" as soon as
    it is pressed: sliding off must still leave the tenant's answer and its picture unchanged."""
    from kivy.tests.common import UnitTestTouch

    kiosk.app.show("account", step="details")
    settle(kiosk)
    screen = kiosk.app.screen_manager.get_screen("account")
    yes = kiosk.widget("consent_yes_button")
    for name in ("tenant_ref", "surname", "birth_date", "email", "mobile"):
        kiosk.widget(f"{name}_field").unfocus()     # else the form keeps the field in view
    settle(kiosk)
    scroll = yes.parent
    while not hasattr(scroll, "scroll_to"):
        scroll = scroll.parent
    scroll.scroll_to(yes, animate=False)
    settle(kiosk)
    past_the_step_guard(kiosk)
    assert screen.consent is None and yes.state == "normal"
    x, y = yes.to_window(*yes.center)
    finger = UnitTestTouch(x, y)
    finger.touch_down()
    assert wait_for_press(kiosk, finger, yes)
    finger.touch_move(x, y - yes.height)
    settle(kiosk, 2)
    finger.touch_up()
    settle(kiosk, 2)
    assert screen.consent is None
    assert yes.state == "normal", "shown as chosen, but the answer was not given"
    finger = UnitTestTouch(x, y)
    finger.touch_down()
    finger.touch_up()
    settle(kiosk, 2)
    assert screen.consent is True and yes.state == "down"
