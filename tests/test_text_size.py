"""Body text is big enough to read from the viewing distance: a capital letter of KioskLabel
at 100 % is at least 6.1 mm tall seen from 50 cm, on the screen described in the config."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import ScreenSettings, load_config
from kiosk.geometry import (BODY_SP, FONT_BOLD, FONT_REGULAR, body_font_px, cap_height_px,
                            font_scale, ink_height, min_cap_height_mm, mm, px_per_mm)
from tests.kiosk_harness import KioskHarness, write_config

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_WINDOW = (1920, 1080)     # config/kiosk.toml's width_px = 0: the window, full screen


def test_the_reference_kiosk_shows_body_text_with_capitals_of_6_1_mm_or_more():
    screen = load_config(ROOT / "config" / "kiosk.toml").screen
    assert screen.viewing_distance_cm == 50
    font_px = BODY_SP * font_scale(screen, REFERENCE_WINDOW)
    assert mm(cap_height_px(font_px), screen, REFERENCE_WINDOW) >= 6.1


def test_pixels_per_millimetre_come_from_the_configured_size_and_resolution():
    screen = ScreenSettings(width_mm=331.0, height_mm=207.0, width_px=1280, height_px=800)
    assert px_per_mm(screen) == pytest.approx(3.87, abs=0.01)
    assert mm(387, screen) == pytest.approx(100, abs=0.2)
    window_sized = ScreenSettings(width_mm=476.0, height_mm=268.0)
    assert px_per_mm(window_sized, (1920, 1080)) == pytest.approx(4.03, abs=0.01)


def test_farther_eyes_need_taller_letters():
    assert min_cap_height_mm(50) == pytest.approx(6.1)
    near = ScreenSettings(width_mm=331.0, height_mm=207.0, width_px=1280, height_px=800)
    far = ScreenSettings(width_mm=331.0, height_mm=207.0, width_px=1280, height_px=800,
                         viewing_distance_cm=100)
    assert body_font_px(far) > 1.8 * body_font_px(near)
    assert mm(cap_height_px(body_font_px(far)), far) >= 12.2


def test_a_coarse_screen_keeps_the_designed_sizes():
    coarse = ScreenSettings(width_mm=1000.0, height_mm=562.0, width_px=1280, height_px=720)
    assert font_scale(coarse) == 1.0


def test_the_cap_height_of_the_shipped_font_is_measured_in_ink():
    assert cap_height_px(100) in range(64, 70)          # Atkinson Hyperlegible: 668 / 1000 em
    assert cap_height_px(100, FONT_BOLD) in range(64, 70)
    assert ink_height(bytes([0, 0, 0, 255, 0, 0, 200, 0, 0]), 3, 3) == 2


@pytest.fixture(scope="module")
def kiosk(tmp_path_factory):
    from kivy.lang.parser import global_idmap

    # KV's `app` proxy may still hold the previous test module's app (see test_booking_ui).
    object.__setattr__(global_idmap["app"], "_obj", None)
    # No hub: the kiosk only shows its home screen here.
    tmp_path = tmp_path_factory.mktemp("text-size")
    harness = KioskHarness(load_config(write_config(tmp_path, "http://127.0.0.1:9", "token")))
    yield harness
    harness.close()


def kivy_cap_height_px(label) -> int:
    """"H" drawn by Kivy as the label draws its text, measured in the texture's pixels."""
    from kivy.core.text import Label as CoreLabel

    letter = CoreLabel(text="H", font_size=label.font_size, font_name=label.font_name,
                       bold=label.bold)
    letter.refresh()
    texture = letter.texture
    return ink_height(texture.pixels[3::4], texture.width, texture.height)


@pytest.mark.ui
def test_body_text_on_the_test_screen_has_capitals_of_6_1_mm_or_more(kiosk):
    app = kiosk.app
    label = kiosk.widget("intro_label")           # a KioskLabel at 100 %, home's instructions
    assert app.text_scale == 1.0 and not label.bold
    cap_mm = mm(kivy_cap_height_px(label), app.kiosk_config.screen)
    assert cap_mm >= 6.1, f"a capital of body text is {cap_mm:.2f} mm tall"
    assert cap_mm < 7.5, "much taller than needed: the screens lose room for nothing"


@pytest.mark.ui
def test_labels_use_the_shipped_font(kiosk):
    body, heading = kiosk.widget("intro_label"), kiosk.widget("heading_label")
    assert heading.bold
    assert body._label.options["font_name_r"] == str(FONT_REGULAR)
    assert heading._label.options["font_name_r"] == str(FONT_BOLD)
