"""Report periods: parsing --since, ISO weeks and German date formatting."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

_RELATIVE = re.compile(r"(\d{1,6})([dwm])")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DAYS_PER_UNIT = {"d": 1, "w": 7, "m": 30}
_HOW = "use a number of days, weeks or months (30d, 12w, 6m; a month is 30 days) or a date (2026-01-31)"


def parse_since(text: str, now: datetime) -> datetime:
    """Turn "30d", "12w", "6m" (30-day months) or "2026-01-31" into the start of the period."""
    value = text.strip().lower()
    relative = _RELATIVE.fullmatch(value)
    if relative is not None:
        amount = int(relative.group(1))
        if amount == 0:
            raise ValueError(f"invalid period {text!r}: it must be at least 1; {_HOW}")
        try:
            return now - timedelta(days=amount * _DAYS_PER_UNIT[relative.group(2)])
        except OverflowError:
            raise ValueError(f"invalid period {text!r}: that reaches back too far") from None
    if _DATE.fullmatch(value):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"invalid date {text!r}: no such day; {_HOW}") from None
        start = datetime(day.year, day.month, day.day, tzinfo=now.tzinfo)
        if start > now:
            raise ValueError(f"invalid date {text!r}: it lies in the future")
        return start
    raise ValueError(f"invalid period {text!r}: {_HOW}")


def monday_of(day: date) -> date:
    """Return the Monday that starts the ISO week of a day."""
    return day - timedelta(days=day.weekday())


def mondays(first: date, last: date) -> list[date]:
    """Return the Mondays of every ISO week from the one of first to the one of last."""
    start, end = monday_of(first), monday_of(last)
    weeks = (end - start).days // 7
    return [start + timedelta(weeks=n) for n in range(weeks + 1)]


def german_date(day: date) -> str:
    """Format a date the German way, e.g. 31.01.2026."""
    return day.strftime("%d.%m.%Y")
