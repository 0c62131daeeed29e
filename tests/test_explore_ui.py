"""Explore mode ("Toucher pour écouter") in the real window: the first touch on a control says
it and rings it without doing anything, a second touch on it does what it says; on-screen
keyboard keys type at once and are said. The kiosk has no hub (nothing here needs one)."""

from __future__ import annotations

from dataclasses import replace

import pytest

import main as kiosk_main

kiosk_main.configure_kivy(windowed=True)     # before any Kivy import, as the app does

from kiosk.config import load_config  # noqa: E402
from tests.hubproc import free_port  # noqa: E402
from tests.kiosk_harness import write_config  # noqa: E402
from tests.test_booking_ui import new_harness, touch_at  # noqa: E402
from tests.test_keypad_ui import QUIET_SPEECH, said  # noqa: E402

pytestmark = pytest.mark.ui


@pytest.fixture(scope="module")
def module_kiosk(tmp_path_factory):
    nobody_there = f"http://127.0.0.1:{free_port()}"
    harness = new_harness(load_config(write_config(tmp_path_factory.mktemp("explore"), nobody_there,
                                                   "t", extra=QUIET_SPEECH)))
    yield harness
    harness.close()


@pytest.fixture
def kiosk(module_kiosk):
    """A new visitor who turned read-aloud on, then "Toucher pour écouter", by touch."""
    settings = module_kiosk.app.speech.settings
    module_kiosk.app.go_home()
    module_kiosk.frames(2)
    assert module_kiosk.widget("explore_button").opacity == 0      # only with read-aloud on
    module_kiosk.tap("speech_button")
    assert module_kiosk.app.speech_on
    module_kiosk.tap("explore_button")
    assert module_kiosk.app.explore
    yield module_kiosk
    module_kiosk.app.speech.settings = settings


def test_first_touch_says_the_control_second_touch_does_it(kiosk):
    button = kiosk.widget("booking_button")
    kiosk.tap("booking_button")
    assert said(kiosk)[-1] == "M'inscrire à un atelier, bouton"
    assert kiosk.app.current_screen == "home"                       # nothing done yet
    x, y = button.to_window(button.x, button.y)
    assert kiosk.app.focus.ring_rect() == pytest.approx((x, y, button.width, button.height), abs=1)
    kiosk.screenshot("explore-first-touch")
    kiosk.tap("booking_button")
    kiosk.wait_until(lambda: kiosk.app.current_screen == "booking", what="the booking screen")


def test_touching_another_control_in_between_starts_again(kiosk):
    kiosk.tap("booking_button")
    kiosk.tap("cancel_button")
    assert said(kiosk)[-1] == "Annuler une inscription, bouton"
    kiosk.tap("booking_button")
    assert said(kiosk)[-1] == "M'inscrire à un atelier, bouton"
    assert kiosk.app.current_screen == "home"


def test_touching_a_text_says_it(kiosk):
    kiosk.widget("home_scroll").scroll_y = 1
    kiosk.frames(2)
    kiosk.tap("heading_label")
    assert said(kiosk)[-1] == "Bonjour !"


def test_keyboard_keys_type_at_once_and_are_said(kiosk):
    screen = kiosk.app.root.ids.screens.get_screen("booking")
    kiosk.app.show("booking")
    screen._show("name")
    keyboard = kiosk.widget("name_keyboard")
    kiosk.wait_until(lambda: keyboard.field is not None, what="the keyboard shown")
    kiosk.frames(2)
    touch_at(kiosk, *keyboard.key_center("a"))
    touch_at(kiosk, *keyboard.key_center("b"))
    assert screen.ids.name_field.text == "ab"
    assert not any(text in ("a", "b") for text in said(kiosk))      # a name is personal
    touch_at(kiosk, *keyboard.key_center("backspace"))
    assert screen.ids.name_field.text == "a"
    assert said(kiosk)[-1] == "Effacer"
    kiosk.app.speech.settings = replace(kiosk.app.speech.settings, private_headset=True)
    touch_at(kiosk, *keyboard.key_center("c"))
    assert said(kiosk)[-1] == "c"                                   # in a private headset


def test_explore_ends_with_read_aloud_and_with_the_visitor(kiosk):
    kiosk.app.toggle_speech()
    assert not kiosk.app.explore
    kiosk.app.speech_on = True
    kiosk.app.explore = True
    kiosk.app.go_home()
    assert not kiosk.app.explore and not kiosk.app.speech_on


def test_first_touch_on_a_field_says_it_without_opening_the_keyboard(kiosk):
    screen = kiosk.app.root.ids.screens.get_screen("booking")
    kiosk.app.show("booking")
    screen._show("name")
    field = screen.ids.name_field
    kiosk.wait_until(lambda: field.focused, what="the name field ready")
    field.unfocus()
    kiosk.frames(2)
    kiosk.tap_at(*field.ids.input.to_window(*field.ids.input.center))
    assert said(kiosk)[-1] == "Case à remplir : Votre prénom et votre nom. Vide."
    assert not field.focused
    kiosk.tap_at(*field.ids.input.to_window(*field.ids.input.center))
    kiosk.wait_until(lambda: field.focused, what="the field focused by the second touch")
