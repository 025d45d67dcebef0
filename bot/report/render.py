"""render: the report in one of the supported formats."""

from __future__ import annotations

from collections.abc import Callable

from bot.report.model import Report
from bot.report.to_csv import render_csv
from bot.report.to_html import render_html
from bot.report.to_markdown import render_markdown

RENDERERS: dict[str, Callable[[Report], str]] = {
    "html": render_html,
    "md": render_markdown,
    "csv": render_csv,
}
FORMATS: tuple[str, ...] = tuple(RENDERERS)


def render(report: Report, fmt: str) -> str:
    """Return the report as html, md or csv; raise ValueError for any other format."""
    renderer = RENDERERS.get(fmt)
    if renderer is None:
        raise ValueError(f"unknown report format {fmt!r}: use one of {', '.join(FORMATS)}")
    return renderer(report)
