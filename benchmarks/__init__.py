"""Benchmarks of issue 6: matcher quality and speed, scaling, start-up and memory, burst cost."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.common import ROOT, BenchConfig, machine
from benchmarks.plot import render_plot
from benchmarks.report import render_markdown
from benchmarks.result import BenchResult, TaskInfo

MARKDOWN = "benchmarks.md"
PLOT = "benchmarks.png"
EXTERNAL = Path("benchmarks") / "covid-qa-de"


def readme_figures(folder: Path) -> str:
    """Return the figures table of the external benchmark's README ('' when missing)."""
    readme = folder / "README.md"
    if not readme.is_file():
        return ""
    lines = readme.read_text(encoding="utf-8").splitlines()
    return "\n".join(line for line in lines if line.startswith("|"))


def measure(
    quick: bool,
    *,
    root: Path = ROOT,
    external_dir: Path | None = None,
    log: Callable[[str], None] | None = None,
) -> BenchResult:
    """Run every benchmark once and return the figures."""
    from benchmarks import burst, profiling, quality, scaling, startup
    from bot.core.evaluation import load_questions
    from bot.core.matcher import Matcher

    say = log or (lambda _text: None)
    config = BenchConfig.make(quick)
    started = time.perf_counter()
    load_start = os.getloadavg()[0]
    folder = external_dir or root.parent / "shared" / EXTERNAL
    notes: list[str] = []
    say("quality: the project's eval set and covid-qa-de")
    tasks = [quality.own_task(root)]
    external = quality.covid_task(folder)
    if external is None:
        notes.append(
            f"covid-qa-de was skipped: {folder / quality.PAIRS_FILE} does not exist "
            "(the shared benchmarks folder is not next to this checkout)."
        )
    else:
        tasks.append(external)
    quality_rows = quality.run_quality(config, tasks)
    own = tasks[0]
    queries = [q.q for q in load_questions(root / "tests" / "eval" / "questions.yaml")]
    say(f"scaling: {', '.join(f'{f}x' for f in config.scale_factors)}")
    scaling_rows = scaling.run_scaling(config, own.documents, own.synonyms, queries)
    say("profile: cProfile of Matcher.rank")
    matcher_profile = profiling.profile_matcher(Matcher(own.documents, own.synonyms), queries)
    say("start-up: CLI and bot processes")
    startup_rows = startup.run_startup(config, root)
    say(f"burst: {config.burst_messages} messages through four bots")
    burst_rows, burst_profile = burst.run_burst(config, root)
    return BenchResult(
        machine=machine(),
        config=config,
        tasks=tuple(TaskInfo(t.name, len(t.queries), len(t.documents), t.targets) for t in tasks),
        quality=tuple(quality_rows),
        scaling=tuple(scaling_rows),
        startup=tuple(startup_rows),
        burst=tuple(burst_rows),
        matcher_profile=matcher_profile,
        burst_profile=burst_profile,
        load=(load_start, os.getloadavg()[0]),
        scaling_queries=len(queries),
        readme_figures=readme_figures(folder),
        notes=tuple(notes),
        seconds=time.perf_counter() - started,
    )


def write(result: BenchResult, out_dir: Path) -> str:
    """Write benchmarks.md and benchmarks.png to out_dir; return the markdown."""
    markdown = render_markdown(result)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / MARKDOWN).write_text(markdown, encoding="utf-8")
    render_plot(result, out_dir / PLOT)
    return markdown


def run_bench(
    quick: bool,
    out_dir: Path,
    *,
    root: Path = ROOT,
    external_dir: Path | None = None,
    log: Callable[[str], None] | None = None,
) -> str:
    """Run every benchmark once, write benchmarks.md and .png to out_dir, return the markdown."""
    result = measure(quick, root=root, external_dir=external_dir, log=log)
    markdown = write(result, out_dir)
    if log is not None:
        log(f"wrote {out_dir / MARKDOWN} and {out_dir / PLOT}")
    return markdown
