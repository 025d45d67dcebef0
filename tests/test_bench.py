"""The benchmark suite in quick mode: behaviour and quality gates only, never wall-clock limits."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

import benchmarks
from benchmarks import burst, common, goals, quality, startup
from benchmarks.result import BenchResult
from benchmarks.scaling import synthetic
from bot.core.matcher import Document
from bot.core.model import Target
from tests.conftest import ROOT, SHARED

EXTERNAL_DIR = SHARED / "benchmarks" / "covid-qa-de"
HAS_EXTERNAL = (EXTERNAL_DIR / quality.PAIRS_FILE).is_file()
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def result() -> BenchResult:
    """One quick run of every benchmark, shared by the tests of this module."""
    return benchmarks.measure(quick=True)


def test_quick_mode_measures_every_row(result: BenchResult) -> None:
    assert result.config.quick
    names = [t.name for t in result.tasks]
    assert names == ([quality.OWN, quality.EXTERNAL] if HAS_EXTERNAL else [quality.OWN])
    methods = [m.name for m in quality.methods()]
    for task in names:
        assert [r.method for r in result.quality if r.task == task] == methods
    for row in result.quality:
        assert 0 <= row.p1 <= row.mrr10 <= row.recall5 <= 1
        assert row.queries > 0
        assert 0 < row.p50_ms <= row.p99_ms
    assert [r.factor for r in result.scaling] == [1, 2]
    assert result.scaling[1].documents == 2 * result.scaling[0].documents
    assert [r.name for r in result.startup] == [
        startup.FLOOR,
        startup.BASE_IMPORTS,
        startup.IMPORTS,
        startup.BOT_IMPORTS,
        startup.ASK,
        startup.ASK_DE_EN,
        startup.ASK_OTHER,
        startup.ASK_COLD,
        startup.BOT,
        startup.BOT_DE_EN,
    ]
    assert all(r.median_s > 0 and r.rss_mb > 0 for r in result.startup)
    assert [r.name for r in result.burst] == [
        burst.ECHO,
        burst.REAL,
        burst.ECHO_LIMITED,
        burst.REAL_UNLIMITED,
    ]
    for sent in result.burst:
        assert (sent.messages, sent.chats) == (50, 10)
        assert sent.extra_replies == 0
        assert sent.seconds > 0
    for profile in (result.matcher_profile, result.burst_profile):
        assert profile.root_ms > 0
        assert profile.breakdown
        assert profile.hottest


def test_project_matcher_is_not_behind_any_baseline_on_its_own_set(result: BenchResult) -> None:
    rows = [r for r in result.quality if r.task == quality.OWN]
    project = next(r for r in rows if r.project)
    best = max(r.p1 for r in rows if not r.project)
    assert project.p1 >= best, rows


@pytest.mark.skipif(not HAS_EXTERNAL, reason="../shared/benchmarks/covid-qa-de is not here")
def test_external_task_is_the_one_its_readme_defines(result: BenchResult) -> None:
    task = quality.covid_task(EXTERNAL_DIR)
    assert task is not None
    assert (len(task.documents), task.targets, len(task.queries)) == (106, 106, 304)
    word = next(r for r in result.quality if r.task == quality.EXTERNAL and "word" in r.method)
    # The README's published figures for scikit-learn's defaults, reproduced exactly.
    assert (round(word.p1, 3), round(word.mrr10, 3), round(word.recall5, 3)) == (
        0.253,
        0.326,
        0.428,
    )


def test_missing_external_set_is_skipped(tmp_path: Path) -> None:
    assert quality.covid_task(tmp_path) is None
    assert benchmarks.readme_figures(tmp_path) == ""


def test_report_has_every_table_row_and_goal(result: BenchResult, tmp_path: Path) -> None:
    markdown = benchmarks.write(result, tmp_path / "docs")
    assert (tmp_path / "docs" / benchmarks.MARKDOWN).read_text(encoding="utf-8") == markdown
    assert (tmp_path / "docs" / benchmarks.PLOT).read_bytes().startswith(PNG_MAGIC)
    for heading in ("## Goals", "## 1.", "## 2.", "## 3.", "## 4.", "## Profiles"):
        assert heading in markdown
    for row in result.quality:
        assert row.method in markdown
    for name in [r.name for r in result.startup] + [r.name for r in result.burst]:
        assert f"| {name} |" in markdown or f"| **{name}** |" in markdown
    for factor in (1, 2):
        assert f"| {factor}× |" in markdown
    listed = goals.goals(result)
    assert len(listed) == 12  # issue 6's ten, and start-up with all languages (CLI, bot)
    for goal in listed:
        assert f"| {goal.goal} | {goal.measured} | {goal.status} |" in markdown
        assert goal.status != goals.MISSED or goal.why, goal
    assert "quick mode" in markdown
    assert result.machine.cpu in markdown


def test_report_says_when_the_external_set_is_missing(result: BenchResult, tmp_path: Path) -> None:
    own_only = dataclasses.replace(
        result,
        tasks=result.tasks[:1],
        quality=tuple(r for r in result.quality if r.task == quality.OWN),
        readme_figures="",
        notes=("covid-qa-de was skipped: not here.",),
    )
    markdown = benchmarks.write(own_only, tmp_path)
    assert "covid-qa-de was skipped" in markdown
    assert goals.NOT_MEASURED in markdown
    assert (tmp_path / benchmarks.PLOT).is_file()


def test_run_bench_measures_once_and_writes_the_page(
    result: BenchResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[bool] = []

    def fake_measure(quick: bool, **_kwargs: object) -> BenchResult:
        calls.append(quick)
        return result

    monkeypatch.setattr(benchmarks, "measure", fake_measure)
    markdown = benchmarks.run_bench(True, tmp_path)
    assert calls == [True]
    assert markdown.startswith("# Benchmarks")
    assert (tmp_path / benchmarks.MARKDOWN).is_file()
    assert (tmp_path / benchmarks.PLOT).is_file()


def test_synthetic_knowledge_base_is_deterministic_and_perturbed() -> None:
    docs = [
        Document(Target("faq", "a"), "de", "Wer hat die Integrationsverträge unterschrieben?"),
        Document(Target("faq", "b"), "de", "Was bedeutet ehrenamtlich eigentlich genau?"),
    ]
    first, again = synthetic(docs, 3), synthetic(docs, 3)
    assert first == again
    assert len(first) == 6
    assert first[:2] == docs
    assert {str(d.target) for d in first} == {
        "faq:a",
        "faq:b",
        "faq:a~1",
        "faq:b~1",
        "faq:a~2",
        "faq:b~2",
    }
    assert any(d.text not in {o.text for o in docs} for d in first[2:])


def test_dedup_key_ignores_case_and_punctuation() -> None:
    assert quality.dedup_key("Wie wird das Virus übertragen?") == quality.dedup_key(
        "wie wird das virus übertragen"
    )
    assert quality.dedup_key("A/B-Test, ok.") == "a b test ok"


def test_project_root_is_this_checkout() -> None:
    assert common.ROOT == ROOT


def test_upper_limit_goals_flag_thin_margins() -> None:
    assert goals._below(5.0, 10.0) == goals.MET
    assert goals._below(9.5, 10.0) == goals.MET + goals.CLOSE
    assert goals._below(10.0, 10.0) == goals.MISSED


def test_module_entry_writes_the_page_and_prints_it(
    result: BenchResult,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from benchmarks.__main__ import main

    monkeypatch.setattr(benchmarks, "measure", lambda quick, **_kwargs: result)
    assert main(["--quick", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr()
    assert printed.out == (tmp_path / benchmarks.MARKDOWN).read_text(encoding="utf-8")
    assert f"wrote {tmp_path / benchmarks.MARKDOWN}" in printed.err
