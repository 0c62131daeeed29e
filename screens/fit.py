"""Text that keeps its words whole in a fixed place: the font size at which a text fits.

A button or a caption of fixed width, at 200 % and in a language with long words, would break a
word in two ("Contras|te") or spill out of its height. In KV:

    #:import fitted screens.fit.fitted
    font_size: fitted(self.text, sp(30) * app.text_scale, self.width - dp(24))
    font_size: fitted(self.text, wanted, self.text_size[0], self.height - dp(16), bold=self.bold)

gives the wanted size, or the largest smaller one at which every word fits the width (and all
lines fit the height, when one is given), never below `smallest` (default: half the wanted size).
"""

from __future__ import annotations

import re
from functools import lru_cache

from kivy.core.text import DEFAULT_FONT
from kivy.core.text import Label as CoreLabel

_BREAKS = re.compile(r"[ \t\n]+")     # where Kivy may wrap; a no-break space joins
STEP = 0.92                           # each try is this much smaller than the one before


@lru_cache(maxsize=4096)
def _widest_word(text: str, font_size: float, bold: bool, font_name: str) -> float:
    measure = CoreLabel(font_size=font_size, bold=bold, font_name=font_name)
    return max((measure.get_extents(word)[0] for word in set(_BREAKS.split(text)) if word),
               default=0)


@lru_cache(maxsize=4096)
def _height(text: str, font_size: float, width: int, bold: bool, font_name: str) -> float:
    label = CoreLabel(text=text, font_size=font_size, bold=bold, font_name=font_name,
                      text_size=(width, None))
    label.refresh()
    return label.texture.height if label.texture is not None else 0


def text_height(text: str, font_size: float, width: float, *, bold: bool = False,
                font_name: str = DEFAULT_FONT) -> float:
    """The height text takes, wrapped at width, at that font size."""
    if not text:
        return 0
    return _height(text, round(font_size * 2) / 2, max(1, int(width)), bool(bold), font_name)


def fitted(text: str, font_size: float, width: float, height: float | None = None, *,
           smallest: float | None = None, bold: bool = False,
           font_name: str = DEFAULT_FONT) -> float:
    """font_size, or less so that no word of text is wider than width and, when height is
    given, all its lines fit in height; never below smallest (half of font_size by default)."""
    if not text or width < 1:
        return font_size
    floor = font_size / 2 if smallest is None else min(smallest, font_size)
    size = round(font_size * 2) / 2
    widest = _widest_word(text, size, bool(bold), font_name)
    if widest > width:
        size = size * width / widest * 0.98      # text widths grow in proportion to the size
    size = max(size, floor)
    if height is not None and height >= 1:
        while size > floor and text_height(text, size, width, bold=bold,
                                           font_name=font_name) > height:
            size = max(size * STEP, floor)
    return size


@lru_cache(maxsize=1024)
def _line_width(text: str, font_size: float, bold: bool, font_name: str) -> float:
    return CoreLabel(font_size=font_size, bold=bold, font_name=font_name).get_extents(text)[0]


def fitted_line(text: str, font_size: float, width: float, *, smallest: float | None = None,
                bold: bool = False, font_name: str = DEFAULT_FONT) -> float:
    """font_size, or less so that text fits on one line of width; never below smallest (half
    of font_size by default). For a text box's hint: a box shows one line, cut at its edge."""
    if not text or width < 1:
        return font_size
    floor = font_size / 2 if smallest is None else min(smallest, font_size)
    size = round(font_size * 2) / 2
    wide = _line_width(text, size, bool(bold), font_name)
    if wide > width:
        size = size * width / wide * 0.97
    return max(size, floor)
