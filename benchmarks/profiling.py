"""Where the time goes: cProfile of the matcher's queries and of the bot's burst."""

from __future__ import annotations

import cProfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import CodeType

from bot.core.matcher import Matcher

TOP = 6
MIN_MS = 0.005
RANK = ("bot/core/matcher.py", "rank")
FEATURES = ("bot/core/matcher.py", "_features")
ON_TEXT = ("bot/tg/answers.py", "on_text")


@dataclass(frozen=True)
class ProfileLine:
    """One function's time per unit (query or message): its own time, or inside a caller."""

    caller: str
    function: str
    calls_per_unit: float
    ms_per_unit: float


@dataclass(frozen=True)
class Profile:
    """Direct callees of some functions, and the functions with the most own time."""

    units: int
    root_ms: float
    breakdown: tuple[ProfileLine, ...]
    hottest: tuple[ProfileLine, ...]


def _name(code: CodeType | str) -> str:
    """Return package/module.py:line(function) for code, or the built-in's name."""
    if isinstance(code, str):
        return code
    path = Path(code.co_filename)
    parts = path.parts
    for marker in ("site-packages", "bot", "tests"):
        if marker in parts:
            index = len(parts) - 1 - parts[::-1].index(marker)
            start = index + 1 if marker == "site-packages" else index
            return f"{'/'.join(parts[start:])}:{code.co_firstlineno}({code.co_name})"
    return f"{path.name}:{code.co_firstlineno}({code.co_name})"


def _is(code: CodeType | str, where: tuple[str, str]) -> bool:
    """Tell whether code is the named function of a file ending in the given suffix."""
    suffix, name = where
    return isinstance(code, CodeType) and code.co_name == name and code.co_filename.endswith(suffix)


def summarise(
    profiler: cProfile.Profile, units: int, callers: Sequence[tuple[str, str]]
) -> Profile:
    """Break down the callers' direct callees (the first caller is the root) per unit."""
    entries = profiler.getstats()
    n = max(units, 1)
    breakdown: list[ProfileLine] = []
    root_ms = 0.0
    for position, where in enumerate(callers):
        for entry in entries:
            if not _is(entry.code, where):
                continue
            if position == 0:
                root_ms = entry.totaltime * 1000 / n
            breakdown.extend(
                ProfileLine(where[1], _name(sub.code), sub.callcount / n, sub.totaltime * 1000 / n)
                for sub in sorted(entry.calls or [], key=lambda sub: -sub.totaltime)
                if sub.totaltime * 1000 / n >= MIN_MS
            )
    hottest = tuple(
        ProfileLine("(own time)", _name(e.code), e.callcount / n, e.inlinetime * 1000 / n)
        for e in sorted(entries, key=lambda e: -e.inlinetime)[:TOP]
    )
    return Profile(units, root_ms, tuple(breakdown), hottest)


def profile_matcher(matcher: Matcher, queries: Sequence[str]) -> Profile:
    """Profile rank() over the queries once, after an unprofiled warm-up pass."""
    for text in queries:
        matcher.rank(text, 10)
    profiler = cProfile.Profile()
    profiler.enable()
    for text in queries:
        matcher.rank(text, 10)
    profiler.disable()
    return summarise(profiler, len(queries), [RANK, FEATURES])
