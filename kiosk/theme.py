"""Colour themes of the kiosk: the default one and high contrast. KV reads `app.theme.<name>`.

Colours are RGBA tuples of floats, as Kivy wants them. TEXT_PAIRS and EDGE_PAIRS list every
(foreground, background) the screens put side by side; tests/test_contrast.py computes their
WCAG contrast ratios: text at least 4.5:1 (7:1 in high contrast), edges and states of controls
at least 3:1 against what surrounds them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

# WCAG 2.x minimum contrast ratios.
TEXT_MINIMUM = 4.5             # SC 1.4.3, text of any size
HIGH_CONTRAST_TEXT_MINIMUM = 7.0   # SC 1.4.6
EDGE_MINIMUM = 3.0             # SC 1.4.11, edges and states of controls, focus rings
WHITE = "#FFFFFF"


def rgba(hex_colour: str, alpha: float = 1.0) -> tuple[float, float, float, float]:
    value = hex_colour.lstrip("#")
    red, green, blue = (int(value[i:i + 2], 16) / 255 for i in (0, 2, 4))
    return (red, green, blue, alpha)


def relative_luminance(colour) -> float:
    """WCAG 2.x relative luminance of an sRGB colour (a "#RRGGBB" text or an RGB(A) tuple)."""
    red, green, blue = (rgba(colour) if isinstance(colour, str) else colour)[:3]

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def contrast_ratio(first, second) -> float:
    """WCAG contrast ratio of two opaque colours, from 1 (same) to 21 (black on white)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def readable_shade(hex_colour: str, on: str = WHITE, minimum: float = TEXT_MINIMUM) -> str:
    """The lightest darker shade of hex_colour (same hue) that text in colour `on` can be
    read on: what to suggest to a landlord whose colour is too light."""
    red, green, blue = rgba(hex_colour)[:3]
    for step in range(100, -1, -1):
        factor = step / 100
        shade = "#{:02X}{:02X}{:02X}".format(*(round(c * factor * 255) for c in (red, green, blue)))
        if contrast_ratio(shade, on) >= minimum:
            return shade
    return "#000000"


@dataclass(frozen=True)
class Theme:
    name: str
    background: tuple      # screen background
    surface: tuple         # bars, cards
    text: tuple            # body text on background or surface
    muted_text: tuple      # secondary text, still readable
    primary: tuple         # main buttons and the top bar (the landlord's colour by default)
    on_primary: tuple      # text on primary
    primary_down: tuple    # a button while pressed, a choice that is on
    danger: tuple          # "call an agent"
    on_danger: tuple
    border: tuple          # edges of fields and cards
    focus: tuple           # the focus ring, the edge of a field being typed in or a key that is on
    error: tuple           # error messages

    @property
    def text_minimum(self) -> float:
        return HIGH_CONTRAST_TEXT_MINIMUM if self.name == "high_contrast" else TEXT_MINIMUM


COLOUR_NAMES = tuple(f.name for f in fields(Theme) if f.name != "name")

# (text colour, the colour it is drawn on), wherever the screens draw one on the other.
TEXT_PAIRS = (
    ("text", "background"), ("text", "surface"),
    ("muted_text", "background"), ("muted_text", "surface"),         # hints, helps, details
    ("error", "background"), ("error", "surface"),
    ("primary", "background"),                 # headings in the landlord's colour (booking)
    ("on_primary", "primary"),                 # big buttons, the top bar, "Choisir", keys
    ("primary", "on_primary"),                 # a top-bar button that is on (colours swap)
    ("on_primary", "primary_down"),            # any button pressed, a choice or key that is on
    ("on_danger", "danger"),                   # "Appeler un agent"
    ("on_danger", "primary_down"),             # "Appeler un agent" pressed
)

# (edge or state colour, the colour around it): a control must stand out from its page.
EDGE_PAIRS = (
    ("border", "background"), ("border", "surface"),       # fields, cards, keys, secondary buttons
    ("primary", "background"), ("primary", "surface"),     # filled buttons on a page, on the bars
    ("primary_down", "background"), ("primary_down", "surface"),   # pressed / on
    ("danger", "background"), ("danger", "surface"),       # the call button
    ("focus", "background"), ("focus", "surface"),         # focus ring, field typed in, key on
    ("error", "background"),                               # the edge of a refused field
    ("on_primary", "primary"),                             # top-bar buttons' outline, inverted fill
)


def default_theme(primary_hex: str = "#005A9C") -> Theme:
    """The everyday theme in the landlord's colour; config loading refuses a primary colour
    that white text cannot be read on (kiosk/config.py), so every pair above holds."""
    return Theme(
        name="default",
        background=rgba("#FFFFFF"), surface=rgba("#EEEEEE"), text=rgba("#1C1C1C"),
        muted_text=rgba("#4A4A4A"), primary=rgba(primary_hex), on_primary=rgba(WHITE),
        primary_down=rgba("#003366"), danger=rgba("#B3261E"), on_danger=rgba("#FFFFFF"),
        border=rgba("#6E6E6E"), focus=rgba("#B35400"), error=rgba("#B3261E"))


HIGH_CONTRAST = Theme(
    name="high_contrast",
    background=rgba("#000000"), surface=rgba("#000000"), text=rgba("#FFFFFF"),
    muted_text=rgba("#FFFF00"), primary=rgba("#FFFF00"), on_primary=rgba("#000000"),
    primary_down=rgba("#FFFFFF"), danger=rgba("#FFFF00"), on_danger=rgba("#000000"),
    border=rgba("#FFFFFF"), focus=rgba("#00FFFF"), error=rgba("#FFFF00"))

TEXT_SCALES = (1.0, 1.5, 2.0)
