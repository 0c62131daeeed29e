"""Small charts as inline SVG, drawn on the server: no JavaScript, nothing loaded from elsewhere.

Each chart is an image with a title and a description for screen readers (`role="img"`,
`aria-labelledby`), and a `<title>` on every bar, which browsers show as a tooltip; pages put a
table with the same numbers next to it. Colours come as fill attributes (the console's
Content-Security-Policy forbids inline styles, not presentation attributes).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from markupsafe import Markup, escape

# Blue and orange: told apart by people with the common colour-vision deficiencies.
COLOURS = ("#1f5fa8", "#e08a00", "#2e8540", "#8a2be2")


@dataclass
class Series:
    name: str
    values: list[int]


def nice_ceiling(value: float) -> int:
    """The axis top: 1, 2, 5 or 10 times a power of ten, at least `value` (and at least 1)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return int(step * power)
    return int(10 * power)


def ticks(axis_top: int) -> list[int]:
    """Whole numbers on the axis: five steps when the top divides by five, else one per unit."""
    step = axis_top // 5 if axis_top % 5 == 0 else 1
    return list(range(0, axis_top + 1, step))


def stacked_bars(chart_id: str, title: str, labels: list[str], series: list[Series], *,
                 width: int = 480, height: int = 220, unit: str = "") -> Markup:
    """Bars stacked per label (one per series), with a legend, axis and text alternatives."""
    left, right, top, bottom, legend_height = 40, 10, 22, 28, 26
    plot_w, plot_h = width - left - right, height - top - bottom - legend_height
    totals = [sum(s.values[i] for s in series) for i in range(len(labels))]
    axis_top = nice_ceiling(max(totals, default=0))
    slot = plot_w / max(len(labels), 1)
    label_every = math.ceil(len(labels) / 12) or 1  # a year of weeks: every fifth label, so they never overlap
    bar_w = slot * 0.6

    def y(value: float) -> float:
        return top + plot_h - value * plot_h / axis_top

    parts = [
        f'<svg id="{escape(chart_id)}" class="chart" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(describe(labels, series, unit))}</desc>',
    ]
    for tick in ticks(axis_top):
        label = str(tick)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#c8c8c8" stroke-width="1"/>')
        parts.append(f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" font-size="12" fill="#333">{label}</text>')
    for i, label in enumerate(labels):
        x = left + i * slot + (slot - bar_w) / 2
        base = 0
        for colour, s in zip(COLOURS, series):
            value = s.values[i]
            if value:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y(base + value):.1f}" width="{bar_w:.1f}" '
                    f'height="{y(base) - y(base + value):.1f}" fill="{colour}">'
                    f'<title>{escape(label)} : {value} {escape(s.name.lower())}{escape(unit)}</title></rect>'
                )
            base += value
        if totals[i]:
            parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{y(totals[i]) - 4:.1f}" text-anchor="middle" '
                         f'font-size="12" fill="#333">{totals[i]}</text>')
        if (len(labels) - 1 - i) % label_every == 0:  # the latest week always keeps its label
            parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h + 18}" text-anchor="middle" '
                         f'font-size="12" fill="#333">{escape(label)}</text>')
    legend_y = height - legend_height + 8
    x = left
    for colour, s in zip(COLOURS, series):
        parts.append(f'<rect x="{x}" y="{legend_y}" width="14" height="14" fill="{colour}"/>')
        parts.append(f'<text x="{x + 20}" y="{legend_y + 12}" font-size="13" fill="#222">{escape(s.name)}</text>')
        x += 30 + 8 * len(s.name)  # about 8 px per letter at this size
    parts.append("</svg>")
    return Markup("".join(parts))


def describe(labels: list[str], series: list[Series], unit: str = "") -> str:
    """The chart in one sentence per bar, for people who cannot see it."""
    sentences = []
    for i, label in enumerate(labels):
        values = ", ".join(f"{s.values[i]} {s.name.lower()}{unit}" for s in series)
        sentences.append(f"{label} : {values}.")
    return " ".join(sentences)
