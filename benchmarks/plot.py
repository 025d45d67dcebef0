"""The benchmark's figures as one PNG: quality, scaling, start-up and burst side by side."""

from __future__ import annotations

from pathlib import Path

from benchmarks import burst, startup
from benchmarks.goals import EXTERNAL_P1_GOAL, FIRST_ANSWER_GOAL_S, P99_GOAL_MS
from benchmarks.result import BenchResult


def render_plot(result: BenchResult, path: Path) -> None:
    """Draw quality, scaling, start-up and burst into one PNG (Agg, no pyplot state)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(13, 9), layout="constrained")
    FigureCanvasAgg(fig)
    (ax_q, ax_s), (ax_u, ax_b) = fig.subplots(2, 2)

    tasks = [t.name for t in result.tasks]
    methods = list(dict.fromkeys(r.method for r in result.quality))
    width = 0.8 / max(len(methods), 1)
    for i, method in enumerate(methods):
        values = [
            next((r.p1 for r in result.quality if r.task == t and r.method == method), 0.0)
            for t in tasks
        ]
        xs = [n + (i - (len(methods) - 1) / 2) * width for n in range(len(tasks))]
        bars = ax_q.bar(xs, values, width, label=_short_method(method))
        ax_q.bar_label(bars, fmt="%.2f", fontsize=7)
    ax_q.axhline(EXTERNAL_P1_GOAL, color="grey", linestyle=":", linewidth=1)
    ax_q.set_xticks(range(len(tasks)), tasks)
    ax_q.set_ylabel("P@1")
    ax_q.set_ylim(0, 1.05)
    ax_q.set_title("1. Ranking P@1 (dotted: 0.35 goal for the external set)")
    ax_q.legend(fontsize=7, loc="upper right")

    docs = [r.documents for r in result.scaling]
    ax_s.plot(docs, [r.p50_ms for r in result.scaling], "o-", label="p50 latency")
    ax_s.plot(docs, [r.p99_ms for r in result.scaling], "s-", label="p99 latency")
    for limit in P99_GOAL_MS.values():
        ax_s.axhline(limit, color="grey", linestyle=":", linewidth=1)
    ax_s.set_xscale("log")
    ax_s.set_yscale("log")
    ax_s.set_xlabel("documents in the index")
    ax_s.set_ylabel("ms per query")
    build = ax_s.twinx()
    build.plot(docs, [r.build_s for r in result.scaling], "^--", color="tab:green", label="build")
    build.set_yscale("log")
    build.set_ylabel("index build s")
    lines, labels = ax_s.get_legend_handles_labels()
    more, more_labels = build.get_legend_handles_labels()
    ax_s.legend(lines + more, labels + more_labels, fontsize=7, loc="upper left")
    ax_s.set_title("2. Scaling (dotted: 2 ms and 10 ms p99 goals)")

    names = [_short_startup(r.name) for r in result.startup]
    bars = ax_u.barh(names, [r.median_s for r in result.startup], color="tab:blue")
    ax_u.bar_label(
        bars, [f"{r.median_s:.2f} s, {r.rss_mb:.0f} MB" for r in result.startup], fontsize=7
    )
    ax_u.axvline(FIRST_ANSWER_GOAL_S, color="grey", linestyle=":", linewidth=1)
    ax_u.invert_yaxis()
    ax_u.set_xlabel("seconds from spawn (median); label: peak RSS")
    ax_u.set_title("3. Start-up to first answer (dotted: 1.5 s goal)")
    ax_u.set_xlim(0, max([r.median_s for r in result.startup] + [FIRST_ANSWER_GOAL_S]) * 1.45)

    names = [_short_burst(r.name) for r in result.burst]
    bars = ax_b.barh(names, [r.seconds for r in result.burst], color="tab:orange")
    ax_b.bar_label(
        bars, [f"{r.seconds:.2f} s, {r.per_second:.0f}/s" for r in result.burst], fontsize=7
    )
    ax_b.invert_yaxis()
    ax_b.set_xlabel("seconds until every reply was sent")
    first = result.burst[0] if result.burst else None
    ax_b.set_title(f"4. Burst of {first.messages if first else 0} messages over HTTP")
    ax_b.set_xlim(0, max([r.seconds for r in result.burst] + [0.1]) * 1.35)

    fig.suptitle(
        f"Benchmarks, {result.machine.date}, {result.machine.cpu}, {result.machine.cores} cores"
    )
    fig.savefig(path, dpi=110)


def _short_method(name: str) -> str:
    """Return a method's name without its parenthesis, for the legend."""
    return name.split(" (")[0]


def _short_startup(name: str) -> str:
    """Return a start-up row's name short enough for an axis label."""
    return {
        startup.FLOOR: "python -c pass",
        startup.BASE_IMPORTS: "import numpy, scipy.sparse",
        startup.IMPORTS: "import bot.core.assistant",
        startup.BOT_IMPORTS: "import bot.tg.runner",
        startup.ASK: "bot ask hallo",
        startup.BOT: "run_bot.py first answer",
    }.get(name, name)


def _short_burst(name: str) -> str:
    """Return a burst row's name short enough for an axis label."""
    return {
        burst.ECHO: "echo bot",
        burst.REAL: "real bot",
        burst.ECHO_LIMITED: "echo + rate limiter",
        burst.REAL_UNLIMITED: "real bot, no limiter",
    }.get(name, name)
