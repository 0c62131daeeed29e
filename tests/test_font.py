"""The shipped font (assets/fonts) draws every character the kiosk shows, in every language."""

import ast
import json
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from fontTools.ttLib import TTFont

from kiosk.geometry import FONT_BOLD, FONT_REGULAR
from kiosk.messages import LANGUAGE_NAMES

ROOT = Path(__file__).resolve().parent.parent
# A string literal right after N_( or tr( in Python and KV (KV strings are Python literals).
MSGID = re.compile(r"""\b(?:N_|tr)\(\s*((?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'))""")
TYPED_TEXT = "0123456789 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ @.-_'+"


def source_msgids() -> set[str]:
    """Every French text marked for translation in kiosk/ and screens/."""
    found = set()
    for path in [*ROOT.glob("kiosk/**/*.py"), *ROOT.glob("screens/*.py"), *ROOT.glob("screens/*.kv")]:
        for literal in MSGID.findall(path.read_text(encoding="utf-8")):
            found.add(ast.literal_eval(literal))
    return found


def catalog_texts() -> set[str]:
    """Every msgid and msgstr of the shipped catalogs (assets/locale/*/LC_MESSAGES/kiosk.po)."""
    found = set()
    for po in ROOT.glob("assets/locale/**/*.po"):
        with po.open("rb") as handle:
            for message in read_po(handle):
                for text in (message.id, message.string):
                    found.update(text if isinstance(text, tuple) else (text,))
    return found


def keyboard_texts() -> set[str]:
    found = set()
    for layout in ROOT.glob("assets/keyboards/*.json"):
        data = json.loads(layout.read_text(encoding="utf-8"))
        for name, rows in data.items():
            if re.fullmatch(r"\w+_\d+", name):
                found.update(key[0] for key in rows if key[2] is None)   # letters typed and shown
    return found


def shown_characters() -> set[str]:
    texts = source_msgids() | catalog_texts() | keyboard_texts() | set(LANGUAGE_NAMES.values())
    texts.add(TYPED_TEXT)
    return {char for text in texts for char in text if char.isprintable() or char == "\u00a0"}


def test_the_scan_finds_the_kiosk_texts():
    msgids = source_msgids()
    assert "Appeler un agent" in msgids and "Bonjour\u00a0!" in msgids
    assert len(msgids) > 100


@pytest.mark.parametrize("font_path", [FONT_REGULAR, FONT_BOLD], ids=lambda path: path.stem)
def test_every_character_shown_has_a_glyph(font_path):
    drawn = set(TTFont(font_path).getBestCmap())
    missing = sorted(char for char in shown_characters() if ord(char) not in drawn)
    assert not missing, (f"{font_path.name} cannot draw {[f'{c!r} U+{ord(c):04X}' for c in missing]}"
                         " (U+202F narrow no-break space: write U+00A0 instead)")


def test_the_font_ships_with_its_licence_and_origin():
    fonts = ROOT / "assets" / "fonts"
    assert "SIL Open Font License" in (fonts / "OFL.txt").read_text(encoding="utf-8")
    assert "@fontsource/atkinson-hyperlegible" in (fonts / "README.md").read_text(encoding="utf-8")

