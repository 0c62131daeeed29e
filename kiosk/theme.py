"""Colour themes of the kiosk: the default one and high contrast. KV reads `app.theme.<name>`.

Colours are RGBA tuples of floats, as Kivy wants them. Every text/background pair here is
meant to reach WCAG 4.5:1 in the default theme and 7:1 in high contrast.
"""

from __future__ import annotations

from dataclasses import dataclass


def rgba(hex_colour: str, alpha: float = 1.0) -> tuple[float, float, float, float]:
    value = hex_colour.lstrip("#")
    red, green, blue = (int(value[i:i + 2], 16) / 255 for i in (0, 2, 4))
    return (red, green, blue, alpha)


@dataclass(frozen=True)
class Theme:
    name: str
    background: tuple      # screen background
    surface: tuple         # bars, cards
    text: tuple            # body text on background or surface
    muted_text: tuple      # secondary text, still readable
    primary: tuple         # main buttons and the top bar (the landlord's colour by default)
    on_primary: tuple      # text on primary
    primary_down: tuple    # a primary button while pressed
    danger: tuple          # "call an agent"
    on_danger: tuple
    border: tuple          # edges of fields and cards
    focus: tuple           # the focus ring
    error: tuple           # error messages


def default_theme(primary_hex: str = "#005A9C") -> Theme:
    return Theme(
        name="default",
        background=rgba("#FFFFFF"), surface=rgba("#EEEEEE"), text=rgba("#1C1C1C"),
        muted_text=rgba("#4A4A4A"), primary=rgba(primary_hex), on_primary=rgba("#FFFFFF"),
        primary_down=rgba("#003366"), danger=rgba("#B3261E"), on_danger=rgba("#FFFFFF"),
        border=rgba("#6E6E6E"), focus=rgba("#E37400"), error=rgba("#B3261E"))


HIGH_CONTRAST = Theme(
    name="high_contrast",
    background=rgba("#000000"), surface=rgba("#000000"), text=rgba("#FFFFFF"),
    muted_text=rgba("#FFFF00"), primary=rgba("#FFFF00"), on_primary=rgba("#000000"),
    primary_down=rgba("#FFFFFF"), danger=rgba("#FFFF00"), on_danger=rgba("#000000"),
    border=rgba("#FFFFFF"), focus=rgba("#00FFFF"), error=rgba("#FFFF00"))

TEXT_SCALES = (1.0, 1.5, 2.0)
