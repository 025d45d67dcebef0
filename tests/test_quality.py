"""Quality gates: the evaluation table and the shared sample of real-world messages."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.core.assistant import Assistant
from bot.core.evaluation import evaluate, format_report, load_questions
from tests.conftest import ROOT, SHARED

EVAL_FILE = ROOT / "tests" / "eval" / "questions.yaml"
SAMPLES = SHARED / "sample-questions.yaml"


def test_evaluation_table_is_big_and_varied() -> None:
    questions = load_questions(EVAL_FILE)
    assert len(questions) >= 150
    assert sum(q.expect == "fallback" for q in questions) >= 30
    assert sum(q.lang == "en" for q in questions) >= 30


def test_evaluation_table_names_only_known_ids(assistant: Assistant) -> None:
    known = set(assistant.kb.entries) | set(assistant.kb.intents) | {"fallback"}
    unknown = {q.expect for q in load_questions(EVAL_FILE)} - known
    assert not unknown


def test_quality_gates(assistant: Assistant) -> None:
    result = evaluate(assistant, load_questions(EVAL_FILE))
    print(format_report(result))
    assert result.top1 >= 0.90, format_report(result)
    assert result.fallback_recall >= 0.90, format_report(result)
    assert result.lang_hits == result.lang_checked, format_report(result)


def _samples() -> list[dict[str, Any]]:
    if not SAMPLES.exists():
        return []
    data: list[dict[str, Any]] = yaml.safe_load(SAMPLES.read_text(encoding="utf-8"))
    return data


@pytest.mark.skipif(not SAMPLES.exists(), reason="../shared is not next to this checkout")
@pytest.mark.parametrize("sample", _samples(), ids=lambda s: str(s["q"])[:40])
def test_shared_sample_question(assistant: Assistant, sample: dict[str, Any]) -> None:
    reply = assistant.answer(sample["q"])
    haystack = " ".join([reply.text, *(f"{link.title} {link.url}" for link in reply.links)])
    if sample.get("kind") == "fallback":
        assert reply.kind == "fallback"
    else:
        assert reply.kind in ("faq", "intent"), (reply.kind, [s.id for s in reply.suggestions])
    for pattern in sample.get("any", []):
        if re.search(pattern, haystack, re.IGNORECASE):
            break
    else:
        assert "any" not in sample, haystack
    for pattern in sample.get("all", []):
        assert re.search(pattern, haystack, re.IGNORECASE), pattern
    for pattern in sample.get("none", []):
        assert not re.search(pattern, haystack, re.IGNORECASE), pattern
    if "lang" in sample:
        assert reply.lang == sample["lang"]


def test_eval_file_path_is_the_cli_default() -> None:
    from bot.cli import DEFAULT_EVAL_FILE

    assert (ROOT / DEFAULT_EVAL_FILE) == EVAL_FILE
    assert isinstance(DEFAULT_EVAL_FILE, Path)
