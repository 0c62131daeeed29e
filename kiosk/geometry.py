"""Physical sizes on the configured screen ([screen] in the config): pixels to millimetres,
how tall a capital letter is, and how big text must be to be read from the viewing distance.

Plain Python (Pillow renders the letters, with FreeType as Kivy's SDL2 text provider does);
kiosk/app.py uses `font_scale` so that body text (sp(BODY_SP)) reads at the required size, and
the tests use `mm` to check text and touch targets in millimetres.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

FONTS_DIR = Path(__file__).resolve().parent.parent / "assets" / "fonts"
FONT_REGULAR = FONTS_DIR / "AtkinsonHyperlegible-Regular.ttf"
FONT_BOLD = FONTS_DIR / "AtkinsonHyperlegible-Bold.ttf"
FONT_NAME = "AtkinsonHyperlegible"   # registered as Kivy's default font by main.configure_kivy

BODY_SP = 28                  # KioskLabel's font size at 100 %, in sp (screens/widgets.kv)
CAP_HEIGHT_MM_AT_50_CM = 6.1  # a capital letter at least this tall, seen from 50 cm
TOUCH_TARGET_MM = 15.0        # every control, both ways
MAIN_TOUCH_TARGET_MM = 20.0   # the main actions
TOUCH_GAP_MM = 3.0            # between two controls


def px_per_mm(screen, window_size: tuple[float, float] | None = None) -> float:
    """Pixels per millimetre of the screen; width_px/height_px 0 take window_size. The denser
    axis counts, so that a size in millimetres is never overstated."""
    width_px = screen.width_px or (window_size[0] if window_size else 0)
    height_px = screen.height_px or (window_size[1] if window_size else 0)
    if not width_px or not height_px:
        raise ValueError("the screen's resolution is not configured: give the window's size")
    return max(width_px / screen.width_mm, height_px / screen.height_mm)


def mm(px: float, screen, window_size: tuple[float, float] | None = None) -> float:
    """A length in pixels as millimetres on the screen."""
    return px / px_per_mm(screen, window_size)


def min_cap_height_mm(viewing_distance_cm: float) -> float:
    """The smallest capital letter for that distance: 6.1 mm at 50 cm, the same angle farther."""
    return CAP_HEIGHT_MM_AT_50_CM * viewing_distance_cm / 50.0


def ink_height(alpha: bytes, width: int, height: int, threshold: int = 127) -> int:
    """Rows of a rendered text (one alpha byte per pixel, rows in order) at least half inked."""
    rows = [y for y in range(height) if max(alpha[y * width:(y + 1) * width], default=0) > threshold]
    return rows[-1] - rows[0] + 1 if rows else 0


@lru_cache(maxsize=64)
def cap_height_px(font_size: float, font_path: Path = FONT_REGULAR) -> int:
    """How many pixels tall "H" is drawn at font_size (pixels per em, as Kivy's font_size)."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(font_path), size=max(1, round(font_size)))
    left, top, right, bottom = font.getbbox("H")
    canvas = Image.new("L", (right + 4, bottom + 4), 0)
    ImageDraw.Draw(canvas).text((2, 2), "H", font=font, fill=255)
    return ink_height(canvas.tobytes(), canvas.width, canvas.height)


def body_font_px(screen, window_size: tuple[float, float] | None = None,
                 font_path: Path = FONT_REGULAR) -> int:
    """The smallest font size (px) whose capital letters are tall enough on this screen."""
    wanted_px = min_cap_height_mm(screen.viewing_distance_cm) * px_per_mm(screen, window_size)
    size = max(1, int(wanted_px / 0.75))        # every font's capitals are below 0.75 em
    while cap_height_px(size, font_path) < wanted_px:
        size += 1
    return size


def font_scale(screen, window_size: tuple[float, float] | None = None,
               density: float = 1.0) -> float:
    """Kivy's Metrics.fontscale that makes sp(BODY_SP) at least body_font_px on this screen;
    never below 1 (a coarse screen keeps the designed sizes)."""
    return max(1.0, body_font_px(screen, window_size) / (BODY_SP * density))
