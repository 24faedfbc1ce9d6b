"""Charts drawn on the server as inline SVG: no scripts, no external resources.

Each bar can link to the case list that it counts, so a picture is as checkable as a number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None: nothing to show for this bar (e.g. no replies that month)
    href: str = ""
    title: str = ""  # the tooltip and accessible text, e.g. "2026-10: 93% (14 of 15)"


WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 16, 44


def bar_chart(
    bars: list[Bar],
    *,
    title: str,
    maximum: float | None = None,
    unit: str = "",
    target: float | None = None,
    target_label: str = "",
) -> SafeString:
    """A bar chart with a labelled y axis (0 … maximum) and an optional target line.

    Without a maximum the values are counts: the axis ends at a round number and its four
    steps are whole numbers (1, 2, 5, 10, 20, 50 …).
    """
    top = maximum if maximum is not None else _count_axis_top(max(b.value or 0 for b in bars))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(bars), 1)
    parts: list[str] = [
        format_html(
            '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}" '
            'xmlns="http://www.w3.org/2000/svg"><title>{}</title>',
            WIDTH,
            HEIGHT,
            title,
            title,
        )
    ]
    for fraction in (0, 0.25, 0.5, 0.75, 1):
        y = TOP + plot_h * (1 - fraction)
        parts.append(
            format_html(
                '<line class="grid" x1="{}" x2="{}" y1="{}" y2="{}"/>'
                '<text class="axis" x="{}" y="{}" text-anchor="end">{}{}</text>',
                LEFT,
                WIDTH - RIGHT,
                _n(y),
                _n(y),
                LEFT - 6,
                _n(y + 4),
                _fmt(top * fraction),
                unit,
            )
        )
    for index, bar in enumerate(bars):
        x = LEFT + slot * index + slot * 0.15
        width = slot * 0.7
        label_y = HEIGHT - BOTTOM + 16
        parts.append(
            format_html(
                '<text class="axis" x="{}" y="{}" text-anchor="middle">{}</text>',
                _n(x + width / 2),
                label_y,
                bar.label,
            )
        )
        if bar.value is None:
            continue
        # A zero is drawn as a hairline, so that it reads as "none" and not "no data".
        height = max(plot_h * min(bar.value, top) / top, 1.5)
        rect = format_html(
            '<rect class="bar" x="{}" y="{}" width="{}" height="{}"><title>{}</title></rect>',
            _n(x),
            _n(TOP + plot_h - height),
            _n(width),
            _n(height),
            bar.title or f"{bar.label}: {_fmt(bar.value)}{unit}",
        )
        if bar.href:
            rect = format_html('<a href="{}">{}</a>', bar.href, rect)
        parts.append(rect)
    if target is not None and 0 <= target <= top:
        y = TOP + plot_h * (1 - target / top)
        parts.append(
            format_html(
                '<line class="target" x1="{}" x2="{}" y1="{}" y2="{}"/>'
                '<text class="target-label" x="{}" y="{}" text-anchor="end">{}</text>',
                LEFT,
                WIDTH - RIGHT,
                _n(y),
                _n(y),
                WIDTH - RIGHT,
                _n(y - 4),
                target_label,
            )
        )
    parts.append("</svg>")
    return mark_safe("".join(str(part) for part in parts))  # noqa: S308 - every part escaped


def _count_axis_top(largest: float) -> int:
    """The smallest 4 × step (step 1, 2 or 5 × 10ⁿ) that holds `largest`."""
    needed = max(math.ceil(largest / 4), 1)
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            if factor * magnitude >= needed:
                return 4 * factor * magnitude
        magnitude *= 10


def _n(value: float) -> str:
    return f"{value:.1f}"


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
