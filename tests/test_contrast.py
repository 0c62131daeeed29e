"""WCAG contrast of every colour pair the themes put side by side (kiosk/theme.py), and the
landlord's colour checked when the config is read."""

import re
from pathlib import Path

import pytest

from kiosk.config import ConfigError, load_config
from kiosk.theme import (COLOUR_NAMES, EDGE_MINIMUM, EDGE_PAIRS, HIGH_CONTRAST, TEXT_PAIRS,
                         contrast_ratio, default_theme, readable_shade)

ROOT = Path(__file__).resolve().parent.parent
THEMES = [default_theme(), HIGH_CONTRAST]


def test_contrast_ratio_matches_wcag_examples():
    assert contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast_ratio("#FFFFFF", "#FFFFFF") == pytest.approx(1.0)
    assert contrast_ratio("#767676", "#FFFFFF") == pytest.approx(4.54, abs=0.01)   # WebAIM's grey


@pytest.mark.parametrize("theme", THEMES, ids=lambda theme: theme.name)
def test_every_text_is_readable_on_what_it_is_drawn_on(theme):
    too_low = {f"{fg} on {bg}": round(contrast_ratio(getattr(theme, fg), getattr(theme, bg)), 2)
               for fg, bg in TEXT_PAIRS
               if contrast_ratio(getattr(theme, fg), getattr(theme, bg)) < theme.text_minimum}
    assert not too_low, f"text below {theme.text_minimum}:1 in {theme.name}: {too_low}"


@pytest.mark.parametrize("theme", THEMES, ids=lambda theme: theme.name)
def test_control_edges_and_states_stand_out_from_their_page(theme):
    too_low = {f"{fg} on {bg}": round(contrast_ratio(getattr(theme, fg), getattr(theme, bg)), 2)
               for fg, bg in EDGE_PAIRS
               if contrast_ratio(getattr(theme, fg), getattr(theme, bg)) < EDGE_MINIMUM}
    assert not too_low, f"edges below {EDGE_MINIMUM}:1 in {theme.name}: {too_low}"


def test_every_colour_of_the_themes_is_in_a_checked_pair():
    checked = {name for pair in TEXT_PAIRS + EDGE_PAIRS for name in pair}
    assert set(COLOUR_NAMES) == checked


def test_the_screens_use_only_theme_colours_that_are_checked():
    used = set()
    for kv in (ROOT / "screens").glob("*.kv"):
        used |= set(re.findall(r"app\.theme\.([a-z_]+)", kv.read_text(encoding="utf-8")))
    assert used - {"name"} <= set(COLOUR_NAMES)


def test_a_button_pressed_never_puts_text_on_an_edge_colour():
    # `border` is an edge colour (3:1), not a background for text: a pressed secondary button
    # once drew dark text on it (3.5:1), and white on white in high contrast.
    for kv in (ROOT / "screens").glob("*.kv"):
        text = kv.read_text(encoding="utf-8")
        assert not re.search(r"background_color:[^\n]*app\.theme\.border", text), kv.name


@pytest.mark.parametrize("colour", ["#005A9C", "#B3261E", "#1B5E20", "#4B0082"])
def test_dark_landlord_colours_are_accepted(tmp_path, colour):
    path = tmp_path / "kiosk.toml"
    path.write_text(f'[branding]\nprimary_color = "{colour}"\n', encoding="utf-8")
    theme = default_theme(load_config(path).branding.primary_color)
    for fg, bg in TEXT_PAIRS:
        assert contrast_ratio(getattr(theme, fg), getattr(theme, bg)) >= theme.text_minimum, (fg, bg)
    for fg, bg in EDGE_PAIRS:
        assert contrast_ratio(getattr(theme, fg), getattr(theme, bg)) >= EDGE_MINIMUM, (fg, bg)


def test_a_landlord_colour_too_light_for_white_text_is_refused_with_a_darker_suggestion(tmp_path):
    path = tmp_path / "kiosk.toml"
    path.write_text('[branding]\nprimary_color = "#4FA3E0"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_config(path)
    message = str(refused.value)
    assert "[branding] primary_color" in message and "4.5:1" in message
    suggested = re.search(r'such as "(#[0-9A-F]{6})"', message).group(1)
    assert suggested == readable_shade("#4FA3E0")
    assert contrast_ratio(suggested, "#FFFFFF") >= 4.5
    path.write_text(f'[branding]\nprimary_color = "{suggested}"\n', encoding="utf-8")
    assert load_config(path).branding.primary_color == suggested
