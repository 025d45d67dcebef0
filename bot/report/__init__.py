"""Staff report: unanswered questions grouped by topic, 👎 answers, top entries, weekly figures."""

from bot.report.build import build_report
from bot.report.collect import collect
from bot.report.model import (
    Cluster,
    Report,
    ReportInput,
    Suggestion,
    TopEntry,
    VotedEntry,
    WeekRow,
)
from bot.report.period import parse_since
from bot.report.render import FORMATS, render

__all__ = [
    "FORMATS",
    "Cluster",
    "Report",
    "ReportInput",
    "Suggestion",
    "TopEntry",
    "VotedEntry",
    "WeekRow",
    "build_report",
    "collect",
    "parse_since",
    "render",
]
