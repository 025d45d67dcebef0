"""The goals of issue 6: each with its measured value, whether it holds, and why not."""

from __future__ import annotations

from dataclasses import dataclass

from benchmarks import burst, startup
from benchmarks.quality import EXTERNAL, OWN
from benchmarks.result import BenchResult
from benchmarks.startup import StartupRow

EXTERNAL_P1_GOAL = 0.35
README_BEST_LEXICAL = "0.33"
P99_GOAL_MS = {1: 2.0, 100: 10.0}
FIRST_ANSWER_GOAL_S = 1.5
RSS_GOAL_MB = 150.0
BURST_RATIO_GOAL = 1.2
# Issues 13/14: every language beyond German and English together slows start-up by ≤ 20 %.
LANGUAGES_RATIO_GOAL = 1.2
MET, MISSED, NOT_MEASURED = "✅ met", "❌ missed", "— not measured"
CLOSE_SHARE = 0.1
CLOSE = " (within 10 % of the limit)"


@dataclass(frozen=True)
class Goal:
    """One goal of issue 6, what was measured, whether it holds, and why not."""

    goal: str
    measured: str
    status: str
    why: str = ""


def _status(ok: bool) -> str:
    """Return the status text for a measured goal."""
    return MET if ok else MISSED


def _below(value: float, limit: float) -> str:
    """Return the status of an upper-limit goal, flagging a value within 10 % of the limit."""
    if value >= limit:
        return MISSED
    return MET + CLOSE if value >= (1 - CLOSE_SHARE) * limit else MET


def _quality_goals(result: BenchResult) -> list[Goal]:
    """The matcher ahead of every baseline in P@1; >= 0.35 on the external set."""
    goals = []
    for task in (OWN, EXTERNAL):
        rows = [r for r in result.quality if r.task == task]
        title = f"project matcher ahead of every baseline in P@1 on the {task}"
        if not rows:
            goals.append(Goal(title, "set not available", NOT_MEASURED))
            continue
        own = next(r for r in rows if r.project)
        best = max((r for r in rows if not r.project), key=lambda r: r.p1)
        ok = own.p1 > best.p1
        gap = round((best.p1 - own.p1) * own.queries)
        why = (
            ""
            if ok
            else f"{best.method} reaches {best.p1:.3f} against the matcher's {own.p1:.3f} "
            f"({gap} of {own.queries} queries)."
        )
        measured = f"{own.p1:.3f} vs best baseline {best.p1:.3f} ({best.method})"
        goals.append(Goal(title, measured, _status(ok), why))
    rows = [r for r in result.quality if r.task == EXTERNAL]
    title = (
        f"P@1 ≥ {EXTERNAL_P1_GOAL} on the {EXTERNAL} (README's best lexical: {README_BEST_LEXICAL})"
    )
    if not rows:
        goals.append(Goal(title, "set not available", NOT_MEASURED))
        return goals
    own = next(r for r in rows if r.project)
    best_any = max(r.p1 for r in rows)
    why = (
        ""
        if own.p1 >= EXTERNAL_P1_GOAL
        else (
            f"{own.p1:.3f} < {EXTERNAL_P1_GOAL}. The paraphrases are colloquial rewrites that share "
            f"few words with the official questions (“Welche Symptome gibt es?” for “Welche "
            f"Krankheitszeichen werden … ausgelöst?”); no lexical method measured here gets past "
            f"{best_any:.3f}, while the README's multilingual embedding model reaches 0.431. The "
            "matcher was not tuned on these queries."
        )
    )
    goals.append(Goal(title, f"{own.p1:.3f}", _status(own.p1 >= EXTERNAL_P1_GOAL), why))
    return goals


def _scaling_goals(result: BenchResult) -> list[Goal]:
    """p99 under 2 ms at real size and under 10 ms at 100x."""
    goals = []
    for factor, limit in P99_GOAL_MS.items():
        title = f"p99 latency < {limit:g} ms at {factor}× the real knowledge base"
        row = next((r for r in result.scaling if r.factor == factor), None)
        if row is None:
            goals.append(Goal(title, "size not run (quick mode)", NOT_MEASURED))
            continue
        ok = row.p99_ms < limit
        first = result.scaling[0]
        why = (
            ""
            if ok
            else f"p50 grows from {first.p50_ms:.2f} ms at {first.factor}× to {row.p50_ms:.2f} ms: "
            "every query is multiplied with the n-grams of every paraphrase "
            f"({row.documents} here), and at real size most of a query's time is fixed "
            "overhead (profile below)."
        )
        goals.append(Goal(title, f"{row.p99_ms:.2f} ms", _below(row.p99_ms, limit), why))
    return goals


def _startup_why(result: BenchResult, row: StartupRow, what: str) -> str:
    """Explain a missed start-up goal ("time" or "rss") with the reference rows."""
    rows = {r.name: r for r in result.startup}
    base, core = rows.get(startup.BASE_IMPORTS), rows.get(startup.IMPORTS)
    imports = rows.get(startup.BOT_IMPORTS if row.name == startup.BOT else startup.IMPORTS)
    if imports is None or base is None or core is None:
        return ""
    if what == "time":
        return (
            f"importing its modules alone takes {imports.median_s:.2f} s, before any knowledge "
            f"is read; scikit-learn's import adds {core.median_s - base.median_s:.2f} s to numpy "
            "and scipy.sparse (reference rows in section 3)."
        )
    return (
        f"importing its modules alone peaks at {imports.rss_mb:.0f} MB; scikit-learn's import "
        f"adds {core.rss_mb - base.rss_mb:.0f} MB to numpy and scipy.sparse (reference rows in "
        "section 3)."
    )


def _startup_goals(result: BenchResult) -> list[Goal]:
    """First answer under 1.5 s and peak RSS under 150 MB, for the CLI and the bot."""
    goals = []
    for row in (r for r in result.startup if r.goal):
        fast = row.median_s < FIRST_ANSWER_GOAL_S
        goals.append(
            Goal(
                f"first answer < {FIRST_ANSWER_GOAL_S:g} s: {row.name}",
                f"{row.median_s:.2f} s (median of {row.runs}, worst {row.max_s:.2f} s)",
                _below(row.median_s, FIRST_ANSWER_GOAL_S),
                "" if fast else _startup_why(result, row, "time"),
            )
        )
        small = row.rss_mb < RSS_GOAL_MB
        goals.append(
            Goal(
                f"peak RSS < {RSS_GOAL_MB:g} MB: {row.name}",
                f"{row.rss_mb:.0f} MB",
                _below(row.rss_mb, RSS_GOAL_MB),
                "" if small else _startup_why(result, row, "rss"),
            )
        )
    return goals


def _languages_goals(result: BenchResult) -> list[Goal]:
    """Start-up with every language at most 1.2x the German-and-English-only start-up."""
    rows = {r.name: r for r in result.startup}
    goals = []
    for full, de_en in ((startup.ASK, startup.ASK_DE_EN), (startup.BOT, startup.BOT_DE_EN)):
        title = f"start-up with all languages ≤ {LANGUAGES_RATIO_GOAL:g}× German and English only: {full}"
        if full not in rows or de_en not in rows:
            goals.append(Goal(title, "not run", NOT_MEASURED))
            continue
        ratio = rows[full].median_s / rows[de_en].median_s
        other = rows.get(startup.ASK_OTHER)
        why = (
            ""
            if ratio <= LANGUAGES_RATIO_GOAL or other is None
            else f"a further language's matcher is built at its first message "
            f"({other.median_s:.2f} s for a first answer in Arabic)."
        )
        goals.append(
            Goal(
                title,
                f"{rows[full].median_s:.2f} s vs {rows[de_en].median_s:.2f} s = {ratio:.2f}×",
                _status(ratio <= LANGUAGES_RATIO_GOAL),
                why,
            )
        )
    return goals


def _burst_goal(result: BenchResult) -> Goal:
    """The real bot's burst at most 1.2x the echo bot's."""
    title = f"burst through the real bot ≤ {BURST_RATIO_GOAL:g}× the echo bot's time"
    rows = {r.name: r for r in result.burst}
    echo, real = rows.get(burst.ECHO), rows.get(burst.REAL)
    if echo is None or real is None:
        return Goal(title, "not run", NOT_MEASURED)
    ratio = real.seconds / echo.seconds
    ok = ratio <= BURST_RATIO_GOAL
    why = ""
    if not ok:
        sends = real.messages  # one sendMessage per message goes through the limiter
        why = (
            f"the real bot sends its replies through PTB's AIORateLimiter "
            f"({burst.LIMITER_RATE:g} messages/s for all chats together, Telegram's flood "
            f"limit; the bare echo bot has none), so {sends} replies cannot take less than "
            f"{burst.limiter_floor(sends):.1f} s; it made {real.requests} requests "
            f"({real.methods}; the typing indicator bypasses the limiter)."
        )
        limited = rows.get(burst.ECHO_LIMITED)
        unlimited = rows.get(burst.REAL_UNLIMITED)
        if limited is not None:
            why += (
                f" Against an echo bot with the same limiter and concurrency "
                f"({limited.seconds:.2f} s) the real bot takes "
                f"{real.seconds / limited.seconds:.2f}×: the rate limit, not the assistant, "
                f"sets the pace, which is what the goal is after."
            )
        if unlimited is not None:
            why += (
                f" With the limiter switched off the real bot takes {unlimited.seconds:.2f} s, "
                f"{unlimited.seconds / echo.seconds:.2f}× the bare echo bot"
            )
            top = result.burst_profile.breakdown[:3]
            if top:
                why += "; CPU per message in its handler under cProfile: " + ", ".join(
                    f"{_function(line.function)} {line.ms_per_unit:.2f} ms" for line in top
                )
            hottest = result.burst_profile.hottest[:2]
            if hottest:
                why += "; most own time in " + " and ".join(
                    f"`{line.function}` ({line.calls_per_unit:.0f} calls per message)"
                    for line in hottest
                )
            why += " (profile below)."
    return Goal(
        title, f"{real.seconds:.2f} s vs {echo.seconds:.2f} s = {ratio:.2f}×", _status(ok), why
    )


def goals(result: BenchResult) -> list[Goal]:
    """Every goal of issue 6 with its measured value."""
    return [
        *_quality_goals(result),
        *_scaling_goals(result),
        *_startup_goals(result),
        *_languages_goals(result),
        _burst_goal(result),
    ]


def _function(name: str) -> str:
    """Return the bare function name of a profile line's package/module.py:line(function)."""
    return name.rsplit("(", 1)[-1].rstrip(")")
