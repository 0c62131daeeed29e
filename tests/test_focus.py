"""The keypad's plain logic: which key does what, and the reading order of controls."""

import pytest

import main as kiosk_main

kiosk_main.configure_kivy(windowed=True)     # before any Kivy import, as the app does

from screens.focus import (ACTIVATE, DOWN, ENTER, F1, F5, HELP, KEYPAD_ENTER, LEFT, NEXT,
                           PREVIOUS, REPEAT, RIGHT, SPACE, TAB, UP, command_for, flatten,
                           reading_order)  # noqa: E402


@pytest.mark.parametrize("key, modifiers, command", [
    (TAB, [], NEXT), (TAB, ["shift"], PREVIOUS), (DOWN, [], NEXT), (RIGHT, [], NEXT),
    (UP, [], PREVIOUS), (LEFT, [], PREVIOUS), (ENTER, [], ACTIVATE), (KEYPAD_ENTER, [], ACTIVATE),
    (SPACE, [], ACTIVATE), (F5, [], REPEAT), (F1, [], HELP),
    (TAB, ["ctrl"], None), (ord("a"), [], None), (27, [], None),
])
def test_keypad_keys_outside_a_text_field(key, modifiers, command):
    assert command_for(key, modifiers, in_text_field=False) == command


@pytest.mark.parametrize("key, command", [
    (LEFT, None), (RIGHT, None),              # the cursor moves in the text
    (SPACE, None),                            # a space is typed
    (ENTER, NEXT), (KEYPAD_ENTER, NEXT),      # the field is done: on to the next control
    (UP, PREVIOUS), (DOWN, NEXT), (TAB, NEXT), (F1, HELP), (F5, REPEAT),
])
def test_keypad_keys_in_a_text_field(key, command):
    assert command_for(key, [], in_text_field=True) == command


def test_reading_order_is_rows_from_the_top_then_left_to_right():
    # y grows upwards, as in Kivy: "top" has the largest y.
    entries = [
        ((600, 100, 200, 80), "call"), ((20, 100, 150, 80), "home"),
        ((20, 700, 100, 60), "text size"), ((140, 690, 100, 80), "contrast"),   # one row, uneven
        ((20, 400, 500, 150), "choice 1"), ((600, 420, 500, 120), "choice 2"),
        ((20, 200, 500, 150), "choice 3"),
    ]
    assert reading_order(entries) == ["text size", "contrast", "choice 1", "choice 2",
                                      "choice 3", "home", "call"]


def test_a_scrolling_block_is_read_in_its_place():
    inside = reading_order([((20, -300, 100, 50), "below the fold"), ((20, 500, 100, 50), "first")])
    entries = [((0, 0, 800, 80), "bottom bar"), ((0, 100, 800, 600), inside),
               ((0, 720, 800, 80), "top bar")]
    assert flatten(reading_order(entries)) == ["top bar", "first", "below the fold", "bottom bar"]


def test_side_by_side_columns_share_a_row():
    entries = [((1000, 300, 200, 110), "continue"), ((200, 150, 700, 500), ["field"]),
               ((20, 300, 160, 110), "back")]
    assert flatten(reading_order(entries)) == ["back", "field", "continue"]
