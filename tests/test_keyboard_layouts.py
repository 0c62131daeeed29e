"""The on-screen keyboard layouts (assets/keyboards/*.json) load in Kivy's VKeyboard and hold what
tenants need. No window: Kivy's own loader and key geometry, without drawing."""

import json
import unicodedata
from pathlib import Path

import pytest

import main as kiosk_main

KEYBOARDS = Path(kiosk_main.ROOT) / "assets" / "keyboards"
KINDS = ("azerty", "email", "numpad")
FRENCH_ACCENTS = "éèêëàâçùûüîïôœ"
EMAIL_SHORTCUTS = ("@gmail.com", "@orange.fr", "@free.fr", "@laposte.net", "@hotmail.fr", ".fr",
                   ".com")
KEYCODES = {None, "backspace", "enter", "shift", "capslock", "spacebar"}


@pytest.fixture(scope="module")
def vkeyboard():
    kiosk_main.configure_kivy(windowed=True)     # before any Kivy import, as the app does
    from kivy.uix.vkeyboard import VKeyboard

    return VKeyboard(layout_path=str(KEYBOARDS), size=(1280, 420))


def modes(layout: dict) -> list[str]:
    return [mode for mode in ("normal", "shift", "special") if f"{mode}_1" in layout]


def keys(layout: dict, mode: str = "normal") -> list[list]:
    return [key for row in range(1, layout["rows"] + 1) for key in layout[f"{mode}_{row}"]]


@pytest.mark.parametrize("kind", KINDS)
def test_layout_loads_in_vkeyboard_and_every_key_is_found_where_it_is_drawn(vkeyboard, kind):
    assert kind in vkeyboard.available_layouts       # VKeyboard read the folder itself
    vkeyboard._load_layout_fn(str(KEYBOARDS / f"{kind}.json"), kind)
    layout = vkeyboard.available_layouts[kind]
    vkeyboard.layout = kind
    for mode in modes(layout):
        vkeyboard.layout_mode = mode
        vkeyboard.refresh_keys_hint()                # VKeyboard's own geometry for this layout
        w, h = vkeyboard.size
        for row in range(1, layout["rows"] + 1):
            geometry = vkeyboard.layout_geometry[f"LINE_HINT_{row}"]
            for index, ((x, y), (kw, kh)) in enumerate(geometry):
                found = vkeyboard.get_key_at_pos((x + kw / 2) * w, (y + kh / 2) * h)
                assert found is not None and found[1] == (row, index), (kind, mode, row, index)
                assert found[0] == layout[f"{mode}_{row}"][index]


@pytest.mark.parametrize("kind", KINDS)
def test_layout_rows_fill_the_columns_and_keys_have_four_fields(kind):
    layout = json.loads((KEYBOARDS / f"{kind}.json").read_text(encoding="utf-8"))
    assert layout["title"] and layout["description"]
    for mode in modes(layout):
        for row in range(1, layout["rows"] + 1):
            line = layout[f"{mode}_{row}"]
            assert sum(key[3] for key in line) == pytest.approx(layout["cols"]), (mode, row)
            for shown, typed, keycode, width in line:
                assert isinstance(shown, str) and shown
                assert typed is None or isinstance(typed, str)
                assert keycode in KEYCODES, keycode
                assert width >= 1
                assert typed or keycode, f"{shown!r} does nothing"
        assert f"{mode}_{layout['rows'] + 1}" not in layout


@pytest.mark.parametrize("kind", KINDS)
def test_every_layout_can_erase_and_go_on(kind):
    layout = json.loads((KEYBOARDS / f"{kind}.json").read_text(encoding="utf-8"))
    for mode in modes(layout):
        keycodes = [key[2] for key in keys(layout, mode)]
        assert keycodes.count("backspace") == 1 and keycodes.count("enter") == 1, mode
        assert [key[0] for key in keys(layout, mode) if key[2] == "enter"] == ["Suivant"]


def test_azerty_has_every_french_accent_in_small_and_capital_letters():
    layout = json.loads((KEYBOARDS / "azerty.json").read_text(encoding="utf-8"))
    small = {key[1] for key in keys(layout, "normal")}
    capitals = {key[1] for key in keys(layout, "shift")}
    for letter in FRENCH_ACCENTS:
        assert letter in small, letter
        assert letter.upper() in capitals, letter.upper()
    for letter in "azertyuiopqsdfghjklmwxcvbn":
        assert letter in small and letter.upper() in capitals
    assert {"'", "-", " "} <= small and {"'", "-", " "} <= capitals
    assert {"shift", "capslock"} <= {key[2] for key in keys(layout, "normal")}
    # Typed text is NFC: "é" is one character, as clean_name and the hub store it.
    assert all(unicodedata.is_normalized("NFC", text) for text in small | capitals if text)


def test_azerty_keeps_the_letters_where_a_french_keyboard_has_them():
    layout = json.loads((KEYBOARDS / "azerty.json").read_text(encoding="utf-8"))
    rows = ["".join(key[1] for key in layout[f"normal_{row}"] if key[1] and key[1].isalpha())
            for row in (2, 3, 4)]
    assert rows == ["azertyuiop", "qsdfghjklm", "wxcvbn"]


def test_email_has_every_shortcut_letters_digits_and_signs():
    layout = json.loads((KEYBOARDS / "email.json").read_text(encoding="utf-8"))
    typed = {key[1] for key in keys(layout)}
    for shortcut in EMAIL_SHORTCUTS:
        assert shortcut in typed, shortcut
    assert set("abcdefghijklmnopqrstuvwxyz0123456789@.-_") <= typed
    shortcut_keys = [key for key in keys(layout) if key[1] in EMAIL_SHORTCUTS]
    assert all(key[0] == key[1] for key in shortcut_keys), "a shortcut shows what it types"


def test_numpad_has_digits_space_and_nothing_else_to_type_but_plus_and_slash():
    layout = json.loads((KEYBOARDS / "numpad.json").read_text(encoding="utf-8"))
    typed = {key[1] for key in keys(layout) if key[1]}
    assert typed == set("0123456789") | {" ", "+", "/"}
