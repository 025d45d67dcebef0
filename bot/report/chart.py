"""An inline SVG chart: questions per week as bars, the answer rate as a line."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from bot.report.model import WeekRow
from bot.report.wording import percent

WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 48, 52, 36, 44
MAX_LABELS = 13
BAR_COLOUR = "#8fb3de"
LINE_COLOUR = "#c0392b"
GRID_COLOUR = "#d9d9d9"


def nice_ceiling(value: int) -> int:
    """Return a round axis maximum (1, 2, 5, 10, 20, 50, …) at least value."""
    if value <= 1:
        return 1
    magnitude: int = 10 ** int(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


def axis_top(value: int) -> int:
    """Return the count axis maximum: four round steps that reach at least value."""
    return 4 * nice_ceiling(math.ceil(value / 4))


def _num(value: float) -> str:
    """Format a coordinate compactly."""
    return f"{value:.1f}".removesuffix(".0")


def weekly_chart(weeks: Sequence[WeekRow]) -> str:
    """Return an SVG element with one bar per week and the answer rate as a line."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    base = TOP + plot_h
    top_count = axis_top(max((w.questions for w in weeks), default=0))
    slot = plot_w / max(len(weeks), 1)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="Fragen und Antwortquote pro Woche">',
        "<title>Fragen (Balken) und Antwortquote (Linie) pro Woche</title>",
    ]
    for i in range(5):
        y = base - plot_h * i / 4
        parts.append(
            f'<line x1="{LEFT}" y1="{_num(y)}" x2="{LEFT + plot_w}" y2="{_num(y)}" '
            f'stroke="{GRID_COLOUR}" stroke-width="1"/>'
        )
        parts.append(_text(LEFT - 6, y + 4, str(top_count * i // 4), "end"))
        parts.append(_text(LEFT + plot_w + 6, y + 4, f"{25 * i} %", "start"))
    step = math.ceil(len(weeks) / MAX_LABELS) if weeks else 1
    points: list[list[tuple[float, float]]] = [[]]
    for i, week in enumerate(weeks):
        x = LEFT + slot * i
        centre = x + slot / 2
        bar_h = plot_h * week.questions / top_count
        tip = f"KW {week.week:02d}/{week.year}: {week.questions} Fragen, {percent(week.answer_rate)} beantwortet"
        parts.append(
            f'<rect x="{_num(x + slot * 0.15)}" y="{_num(base - bar_h)}" '
            f'width="{_num(slot * 0.7)}" height="{_num(bar_h)}" fill="{BAR_COLOUR}">'
            f"<title>{escape(tip)}</title></rect>"
        )
        if i % step == 0:
            parts.append(_text(centre, base + 16, f"KW {week.week}", "middle"))
        if week.answer_rate is None:
            points.append([])
        else:
            points[-1].append((centre, base - plot_h * week.answer_rate))
    for segment in points:
        if len(segment) > 1:
            coords = " ".join(f"{_num(x)},{_num(y)}" for x, y in segment)
            parts.append(
                f'<polyline points="{coords}" fill="none" stroke="{LINE_COLOUR}" stroke-width="2.5"/>'
            )
        parts += [
            f'<circle cx="{_num(x)}" cy="{_num(y)}" r="3.5" fill="{LINE_COLOUR}"/>'
            for x, y in segment
        ]
    parts += _legend()
    parts.append("</svg>")
    return "\n".join(parts)


def _text(x: float, y: float, label: str, anchor: str) -> str:
    """Return an escaped SVG text element."""
    return (
        f'<text x="{_num(x)}" y="{_num(y)}" text-anchor="{anchor}" font-size="12" '
        f'fill="#444">{escape(label)}</text>'
    )


def _legend() -> list[str]:
    """Return the legend above the plot."""
    return [
        f'<rect x="{LEFT}" y="10" width="14" height="12" fill="{BAR_COLOUR}"/>',
        _text(LEFT + 20, 20, "Fragen (Achse links)", "start"),
        f'<line x1="{LEFT + 190}" y1="16" x2="{LEFT + 214}" y2="16" stroke="{LINE_COLOUR}" stroke-width="2.5"/>',
        _text(LEFT + 220, 20, "direkt beantwortet (Achse rechts)", "start"),
    ]
