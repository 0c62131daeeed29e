"""Journeys with a keypad alone, in the real window against a real hub: after every key, what
was said (app.speech.log) names the control that has the focus, and the ring is drawn there.

The keys are those of an accessible terminal's keypad: arrows and Tab to move, Enter to choose,
F5 to hear again, F1 for help. Text is typed on the real keyboard (SDL's text events).
"""

from __future__ import annotations

from dataclasses import replace

import pytest

import main as kiosk_main

kiosk_main.configure_kivy(windowed=True)     # before any Kivy import, as the app does

from kivy.metrics import dp  # noqa: E402
from kivy.uix.textinput import TextInput  # noqa: E402

from screens.focus import DOWN, ENTER, F1, F5, RING_GAP, RING_WIDTH, TAB, UP, visible_text  # noqa: E402
from kiosk.config import load_config  # noqa: E402
from tests.kiosk_harness import write_config  # noqa: E402
from tests.test_booking_ui import new_harness, on_the_hour  # noqa: E402

QUIET_SPEECH = '[speech]\nespeak_command = "true"\nplayer_command = "true"\n'

pytestmark = pytest.mark.ui


# --- driving the keypad ----------------------------------------------------------------------------

def said(kiosk) -> list[str]:
    return [text for _language, text in kiosk.app.speech.log]


def last_said(kiosk) -> str:
    log = said(kiosk)
    return log[-1] if log else ""


def plain(text: str) -> str:
    return " ".join(text.split())


def shown_name(widget) -> str:
    """What a sighted tenant reads on the control, found without the navigator's help."""
    if isinstance(widget, TextInput):
        return plain(widget.parent.ids.label_text.text or widget.hint_text)
    return plain(visible_text(widget))


def assert_focus_spoken(kiosk, key_name: str) -> None:
    """The focused control is named in the last sentence, with its kind, and ringed."""
    focus = kiosk.app.focus
    widget = focus.current()
    assert widget is not None, f"{key_name}: nothing has the focus"
    sentence = last_said(kiosk)
    if isinstance(widget, TextInput):
        sentence = next(text for text in reversed(said(kiosk)) if "Case à remplir" in text)
        assert shown_name(widget) in sentence, f"{key_name}: {sentence!r}"
    else:
        assert sentence.startswith(shown_name(widget)), f"{key_name}: {sentence!r}"
        assert "bouton" in sentence, f"{key_name}: the kind is not said in {sentence!r}"
    kiosk.frames(1)
    x, y = widget.to_window(widget.x, widget.y)
    assert focus.ring_rect() == pytest.approx((x, y, widget.width, widget.height), abs=1)


def press(kiosk, key: int, modifiers=None) -> str:
    """A key as SDL reports it (down, keyboard, up) and one frame; returns the last sentence."""
    modifiers = modifiers or []
    kiosk.window.dispatch("on_key_down", key, 0, None, modifiers)
    kiosk.window.dispatch("on_keyboard", key, 0, None, modifiers)
    kiosk.window.dispatch("on_key_up", key, 0)
    kiosk.frames(1)
    return last_said(kiosk)


def focused(kiosk):
    return kiosk.app.focus.current()


def move_to(kiosk, wanted, key: int = DOWN, limit: int = 40) -> None:
    """Press key until the focus is on `wanted` (a widget), checking what is said at each step."""
    wanted = wanted.__self__             # the widget itself, not a KV id's weak proxy
    for _ in range(limit):
        press(kiosk, key)
        assert_focus_spoken(kiosk, f"key {key}")
        if focused(kiosk) is wanted:
            return
    raise AssertionError(f"{shown_name(wanted)!r} never reached with key {key}")


def type_on_real_keyboard(kiosk, text: str) -> None:
    for char in text:
        kiosk.window.dispatch("on_textinput", char)
    kiosk.frames(1)


def start_keypad(kiosk) -> None:
    """The first key turns read-aloud on and says how the keypad works."""
    kiosk.wait_until(lambda: kiosk.app.root.ids.screens.current == "home", what="home")
    assert not kiosk.app.speech_on
    sentence = press(kiosk, TAB)
    assert kiosk.app.speech_on
    assert "flèche vers le bas" in sentence and "Entrée" in sentence and "F5" in sentence
    assert kiosk.app.focus.current() is None          # that key only explained


def quiet_kiosk(tmp_path, hub, kiosk_id: str):
    """A kiosk on hub whose voice makes no sound and costs no CPU (`true` for both programs):
    these tests read what is said in app.speech.log; the voice is tested in test_speech*."""
    token = hub.add_kiosk(kiosk_id)
    return new_harness(load_config(write_config(tmp_path, hub.url, token, kiosk_id=kiosk_id,
                                                extra=QUIET_SPEECH)))


# --- fixtures --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def module_kiosk(tmp_path_factory, module_hub):
    """One kiosk for the module (a build costs seconds); its catalogue holds session "kp-email"."""
    module_hub.add_session("kp-email", capacity=8, topic="email", starts_in=on_the_hour(3, 10))
    harness = quiet_kiosk(tmp_path_factory.mktemp("keypad"), module_hub, "kiosk-keypad")
    harness.wait_until(harness.app.kiosk_config.catalog_path.exists, what="the catalogue cached")
    yield harness
    harness.close()


@pytest.fixture
def kiosk(module_kiosk):
    """The module's kiosk as a new visitor finds it: home, read-aloud off, nothing focused."""
    settings = module_kiosk.app.speech.settings
    module_kiosk.app.go_home()
    module_kiosk.frames(2)
    yield module_kiosk
    module_kiosk.app.speech.settings = settings


# --- tests -----------------------------------------------------------------------------------------

def test_call_an_agent_with_the_keypad_alone(kiosk, module_hub):
    kiosk.wait_until(lambda: kiosk.app.online is True, what="online")
    start_keypad(kiosk)
    press(kiosk, UP)                                  # from nothing, up: the page's last control
    assert_focus_spoken(kiosk, "up")
    assert focused(kiosk) is kiosk.widget("cancel_button").__self__
    move_to(kiosk, kiosk.widget("call_agent_button"))
    assert last_said(kiosk).startswith("Appeler un agent, bouton")
    kiosk.screenshot("keypad-call-agent-focused")
    kiosk.key(ENTER)
    kiosk.wait_until(lambda: kiosk.app.call_state in ("sent", "acknowledged"), what="the call sent")
    kiosk.wait_until(lambda: len(module_hub.actions("assistance_call")) >= 1, what="the call at the hub")
    assert any(action["kiosk_id"] == kiosk.app.kiosk_config.kiosk.id
               for action in module_hub.actions("assistance_call"))


def test_book_a_workshop_with_the_keypad_alone(module_hub, kiosk):
    screen = kiosk.app.root.ids.screens.get_screen("booking")
    start_keypad(kiosk)
    move_to(kiosk, kiosk.widget("booking_button"))
    kiosk.key(ENTER)
    kiosk.wait_until(lambda: kiosk.app.current_screen == "booking", what="the booking screen")

    move_to(kiosk, screen.ids.topic_email_button)
    kiosk.key(ENTER)
    kiosk.wait_until(lambda: "session_kp-email_button" in screen.ids, what="the session listed")
    card = screen.ids["session_kp-email_button"]
    move_to(kiosk, card)
    assert shown_name(card) in last_said(kiosk)       # the date and the place are said
    kiosk.screenshot("keypad-booking-session-focused")
    kiosk.key(ENTER)

    # The name step opens with its field ready: it is said, and typed in on the real keyboard.
    name_input = screen.ids.name_field.ids.input
    kiosk.wait_until(lambda: focused(kiosk) is name_input.__self__, what="the name field focused")
    kiosk.wait_until(lambda: "Case à remplir" in last_said(kiosk), what="the field said")
    assert_focus_spoken(kiosk, "name step")
    type_on_real_keyboard(kiosk, "Awa Diallo")
    assert screen.ids.name_field.text == "Awa Diallo"
    kiosk.screenshot("keypad-booking-name-typed")
    press(kiosk, ENTER)                               # Enter in a field: to the next control
    assert focused(kiosk) is screen.ids.name_next_button.__self__
    assert_focus_spoken(kiosk, "enter in the field")
    kiosk.key(ENTER)

    mobile_input = screen.ids.mobile_field.ids.input
    kiosk.wait_until(lambda: focused(kiosk) is mobile_input.__self__, what="the mobile field")
    type_on_real_keyboard(kiosk, "0612345678")
    press(kiosk, ENTER)
    assert_focus_spoken(kiosk, "enter in the mobile field")
    kiosk.key(ENTER)
    kiosk.wait_until(lambda: screen.step == "review", what="the review")

    move_to(kiosk, screen.ids.confirm_button)
    kiosk.key(ENTER)
    kiosk.wait_until(lambda: screen.step == "receipt", what="the receipt")
    kiosk.wait_until(lambda: any(a["payload"].get("session_id") == "kp-email"
                                 for a in module_hub.actions("booking")), what="the booking at the hub")
    [action] = [a for a in module_hub.actions("booking") if a["payload"]["session_id"] == "kp-email"]
    assert action["payload"]["name"] == "Awa Diallo"
    assert action["payload"]["mobile"] == "+33612345678"
    # The hub's answer reaches the screen a moment later; it is said after what was being said.
    kiosk.wait_until(lambda: "Inscription confirmée." in said(kiosk), what="the confirmation said")
    move_to(kiosk, screen.ids.receipt_done_button)
    kiosk.screenshot("keypad-booking-receipt")


def test_focus_ring_is_drawn_around_the_control_in_the_focus_colour(kiosk):
    from PIL import Image

    start_keypad(kiosk)
    move_to(kiosk, kiosk.widget("account_existing_button"))
    path = kiosk.screenshot("keypad-focus-ring")
    image = Image.open(path).convert("RGB")
    x, y, w, h = kiosk.app.focus.ring_rect()
    height = image.height
    focus = tuple(round(c * 255) for c in kiosk.app.theme.focus[:3])

    def colour_at(px, py):                             # Kivy's y goes up, the image's down
        return image.getpixel((int(px), int(height - 1 - py)))

    # On all four sides, a band at least 3 dp wide, just outside the control, in the focus colour.
    gap, band = round(dp(RING_GAP)), round(dp(RING_WIDTH))
    assert band >= round(dp(3))
    for offset in range(gap + 1, gap + band):
        assert colour_at(x - offset, y + h / 2) == pytest.approx(focus, abs=3)
        assert colour_at(x + w + offset, y + h / 2) == pytest.approx(focus, abs=3)
        assert colour_at(x + w / 2, y - offset) == pytest.approx(focus, abs=3)
        assert colour_at(x + w / 2, y + h + offset) == pytest.approx(focus, abs=3)

    # A touch: the tenant sees; the ring goes.
    kiosk.tap_at(640, 10)
    assert kiosk.app.focus.ring_rect() is None


def test_f5_says_it_again_and_f1_says_where_and_how(kiosk):
    start_keypad(kiosk)
    name = press(kiosk, DOWN)
    assert press(kiosk, F5) == name
    assert said(kiosk)[-2:] == [name, name]
    help_text = press(kiosk, F1)
    assert "Bonjour" in help_text                     # the page
    assert name in help_text                          # where the focus is
    assert "Pour choisir" in help_text                # the keys
    assert press(kiosk, 27) == help_text              # Escape does nothing and says nothing


def test_shift_tab_and_up_go_back_and_wrap_around(kiosk):
    start_keypad(kiosk)
    first = press(kiosk, DOWN)
    press(kiosk, UP)
    assert_focus_spoken(kiosk, "up from the page's first control")
    assert last_said(kiosk) != first
    assert press(kiosk, TAB) == first
    seen = {first}
    for _ in range(30):
        seen.add(press(kiosk, TAB, ["shift"]))
        if last_said(kiosk) == first:
            break
    else:
        raise AssertionError("Shift+Tab never came back round")
    assert any(sentence.startswith("Appeler un agent") for sentence in seen)
    assert any(sentence.startswith("Contraste") for sentence in seen)


def test_what_is_typed_is_not_said_aloud_without_a_private_headset(kiosk):
    screen = kiosk.app.root.ids.screens.get_screen("booking")
    start_keypad(kiosk)
    kiosk.app.show("booking")
    screen.choose_topic("email")
    kiosk.frames(1)
    screen._show("name")
    name_input = screen.ids.name_field.ids.input
    kiosk.wait_until(lambda: focused(kiosk) is name_input.__self__, what="the name field")
    type_on_real_keyboard(kiosk, "Awa Diallo")
    press(kiosk, ENTER)                               # away from the field
    press(kiosk, UP)                                  # and back to it
    assert focused(kiosk) is name_input.__self__
    assert "Votre prénom et votre nom" in last_said(kiosk)
    assert not any("Awa" in sentence for sentence in said(kiosk))


def test_a_private_headset_hears_what_was_typed(kiosk):
    # The setting as the config gives it ([speech] private_headset = true), on this kiosk.
    kiosk.app.speech.settings = replace(kiosk.app.speech.settings, private_headset=True)
    screen = kiosk.app.root.ids.screens.get_screen("booking")
    start_keypad(kiosk)
    kiosk.app.show("booking")
    screen._show("name")
    name_input = screen.ids.name_field.ids.input
    kiosk.wait_until(lambda: focused(kiosk) is name_input.__self__, what="the name field")
    type_on_real_keyboard(kiosk, "Awa")
    press(kiosk, ENTER)
    press(kiosk, UP)
    assert said(kiosk)[-1] == "Awa"


def test_an_open_overlay_keeps_the_focus_inside_it(kiosk):
    start_keypad(kiosk)
    move_to(kiosk, kiosk.widget("language_button"), key=UP)
    kiosk.key(ENTER)
    chooser = kiosk.app.root.overlay
    assert chooser is not None
    names = [press(kiosk, DOWN) for _ in range(len(kiosk.app.languages) + 1)]
    assert focused(kiosk) in list(chooser.walk())
    assert names[0] == names[-1]                      # round the languages, and nothing else
    assert names[0].startswith("Français")
    press(kiosk, DOWN)
    assert_focus_spoken(kiosk, "in the language chooser")
    kiosk.key(ENTER)                                  # English
    assert kiosk.app.language == "en" and kiosk.app.root.overlay is None
    assert press(kiosk, DOWN).endswith(", button")    # said in the visitor's language
