"""The grouped unanswered questions as CSV, one row per question."""

from __future__ import annotations

import csv
import io

from bot.report import wording as w
from bot.report.model import Report

HEADER = ("Gruppe", "Gruppengröße", "Frage", "Vorgeschlagener Eintrag", "Vorschlag")
# A cell starting like a formula would run in a spreadsheet; a leading apostrophe keeps it text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(text: str) -> str:
    """Return text safe to open in a spreadsheet (no formula injection)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def render_csv(report: Report) -> str:
    """Return one row per clustered question; a notice row when there is none."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    if report.empty:
        writer.writerow(["", "", "", "", w.empty_sentence(report)])
    elif not report.clusters:
        writer.writerow(["", "", "", "", w.NO_CLUSTERS])
    for cluster in report.clusters:
        suggestion = cluster.suggestion
        for question in cluster.questions:
            writer.writerow(
                [
                    cluster.number,
                    cluster.size,
                    cell(question),
                    suggestion.entry_id or "",
                    cell(suggestion.text),
                ]
            )
    return buffer.getvalue()
