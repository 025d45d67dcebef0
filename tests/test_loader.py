"""Broken data files are named with file, line and a fix; the loader never raises anything else."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.core.loader import load_knowledge
from bot.core.problems import KnowledgeError, Problem
from tests.conftest import INTENTS, KNOWLEDGE, TRANSLATED

GOOD_ENTRY = """version: 1
entries:
  - id: test-eintrag
    sources: [test]
    de:
      title: Test
      questions: ["Was ist ein Test?", test frage]
      answer: Ein Test.
"""


@pytest.fixture
def dirs(tmp_path: Path) -> tuple[Path, Path]:
    knowledge, intents = tmp_path / "knowledge", tmp_path / "intents"
    shutil.copytree(KNOWLEDGE, knowledge)
    shutil.copytree(INTENTS, intents)
    return knowledge, intents


def problems_for(dirs: tuple[Path, Path], name: str, content: str | bytes) -> list[Problem]:
    target = dirs[0] / name
    if isinstance(content, bytes):
        target.write_bytes(content)
    else:
        target.write_text(content, encoding="utf-8")
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(*dirs)
    errors = [p for p in caught.value.problems if p.severity == "error"]
    assert errors
    assert any(p.file.endswith(name) for p in errors), errors
    return errors


def test_real_files_load_without_errors() -> None:
    kb, problems = load_knowledge(KNOWLEDGE, INTENTS)
    assert kb.entries and kb.intents and len(kb.partners) == 4
    assert not [p for p in problems if p.severity == "error"]


@pytest.mark.parametrize(
    ("content", "expected_line", "words"),
    [
        ("", 1, "empty"),
        ("version: 1\nentries:\n\t- id: x\n", 3, "tab"),
        ("version: 1\nentries: [\n", 3, "YAML syntax"),
        ("- just\n- a list\n", 1, "mapping"),
        ("version: 1\nversion: 1\nentries: []\n", 2, "twice"),
        (
            GOOD_ENTRY.replace("    sources", "    colour: red\n    sources"),
            4,
            "unknown field 'colour'",
        ),
        (GOOD_ENTRY.replace("      answer: Ein Test.\n", ""), 6, "no 'answer'"),
        (GOOD_ENTRY.replace("test-eintrag", "Test Eintrag!"), 3, "not a slug"),
        (GOOD_ENTRY.replace("test-eintrag", "x" * 41), 3, "longer than 40 bytes"),
        (GOOD_ENTRY + "      links: [{title: X, url: http://example.com}]\n", 9, "not an https"),
        (GOOD_ENTRY.replace("version: 1", "version: 2"), 1, "version"),
        (GOOD_ENTRY.replace("    sources: [test]\n", ""), 3, "sources"),
        (
            GOOD_ENTRY.replace("    sources", "    related: [gibt-es-nicht]\n    sources"),
            3,
            "related id",
        ),
        (GOOD_ENTRY.replace("    sources", "    partner: niemand\n    sources"), 3, "partner"),
        (GOOD_ENTRY.replace("test-eintrag", "vertrag-drk"), 3, "used twice"),
        (
            GOOD_ENTRY.replace("    sources", "    services: [seelsorge]\n    sources"),
            3,
            "help service 'seelsorge', which does not exist",
        ),
        (
            "version: 1\nintents:\n  - id: alarm\n    priority: high\n"
            "    de: {examples: [feuer, es brennt], replies: [Ruf 112 an.]}\n",
            3,
            "no message 'fallback_alarm'",
        ),
    ],
)
def test_each_broken_file_is_named_with_line_and_fix(
    dirs: tuple[Path, Path], content: str, expected_line: int, words: str
) -> None:
    errors = problems_for(dirs, "kaputt.yaml", content)
    assert any(words in p.message and p.line == expected_line for p in errors), [
        str(p) for p in errors
    ]
    assert all(p.fix for p in errors)


def test_binary_file(dirs: tuple[Path, Path]) -> None:
    errors = problems_for(dirs, "bild.yaml", b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe")
    assert "UTF-8" in errors[0].message or "binary" in errors[0].message


def test_huge_file(dirs: tuple[Path, Path]) -> None:
    errors = problems_for(dirs, "riesig.yaml", "version: 1\n# " + "x" * 10_000_000 + "\n")
    assert "too big" in errors[0].message


def test_all_problems_in_one_run(dirs: tuple[Path, Path]) -> None:
    (dirs[0] / "a.yaml").write_text("", encoding="utf-8")
    (dirs[0] / "b.yaml").write_text("version: 1\nentries: [\n", encoding="utf-8")
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(*dirs)
    files = {Path(p.file).name for p in caught.value.problems}
    assert {"a.yaml", "b.yaml"} <= files


def test_problem_text_reads_file_line_column_what_and_fix() -> None:
    text = str(Problem("knowledge/x.yaml", 3, 5, "the key 'id' appears twice", "delete one"))
    assert text == "knowledge/x.yaml:3:5: the key 'id' appears twice — delete one"


def test_same_example_under_two_entries_is_an_error(dirs: tuple[Path, Path]) -> None:
    copy = GOOD_ENTRY.replace("test frage", '"Was macht der Hessische Jugendring?"')
    (dirs[0] / "zzz.yaml").write_text(
        copy.replace("test-eintrag", "zweiter-eintrag"), encoding="utf-8"
    )
    (dirs[0] / "aaa.yaml").write_text(copy, encoding="utf-8")
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(*dirs)
    messages = [p.message for p in caught.value.problems if p.severity == "error"]
    assert any("is also an example of 'test-eintrag'" in m for m in messages), messages


def test_entry_missing_a_language_is_a_warning(dirs: tuple[Path, Path]) -> None:
    (dirs[0] / "nur-deutsch.yaml").write_text(GOOD_ENTRY, encoding="utf-8")
    _kb, problems = load_knowledge(*dirs)
    [warning] = [p for p in problems if p.file.endswith("nur-deutsch.yaml") and "'en'" in p.message]
    assert warning.severity == "warning"
    assert "no 'en' texts" in warning.message


def test_a_changed_german_answer_marks_its_translations_outdated(dirs: tuple[Path, Path]) -> None:
    knowledge = dirs[0]
    _kb, before = load_knowledge(*dirs)
    assert not [p for p in before if "veraltet" in p.message]
    german = knowledge / "vertraege.yaml"
    text = german.read_text(encoding="utf-8")
    old = "Der Vertrag wurde am 3. Juni 2019 unterschrieben."
    assert old in text
    german.write_text(text.replace(old, "Der Vertrag ist vom 3. Juni 2019.", 1), encoding="utf-8")
    _kb, after = load_knowledge(*dirs)
    outdated = [p for p in after if "veraltet" in p.message]
    assert {p.file.split("/")[-2] for p in outdated} == set(TRANSLATED)
    for problem in outdated:
        assert problem.severity == "warning"
        line = Path(problem.file).read_text(encoding="utf-8").splitlines()[problem.line - 1]
        assert line.strip().startswith("- id: "), line


def test_a_changed_german_message_marks_its_translations_outdated(
    dirs: tuple[Path, Path],
) -> None:
    messages = dirs[1] / "messages.yaml"
    text = messages.read_text(encoding="utf-8")
    old = 'de: "Sprache wählen"'
    assert text.count(old) == 1
    messages.write_text(text.replace(old, 'de: "Wähle deine Sprache"'), encoding="utf-8")
    _kb, problems = load_knowledge(*dirs)
    outdated = [p for p in problems if "veraltet" in p.message]
    assert {Path(p.file).name for p in outdated} == {f"{code}.yaml" for code in TRANSLATED}
    for problem in outdated:
        assert "'menu_language'" in problem.message and problem.severity == "warning"
        line = Path(problem.file).read_text(encoding="utf-8").splitlines()[problem.line - 1]
        assert line.strip().startswith("menu_language:"), line


def test_a_message_missing_in_a_language_is_a_warning(dirs: tuple[Path, Path]) -> None:
    romanian = dirs[1] / "translations" / "ro.yaml"
    lines = romanian.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith('  menu_delete: "')]
    assert len(kept) == len(lines) - 1
    romanian.write_text("".join(kept), encoding="utf-8")
    _kb, problems = load_knowledge(*dirs)
    [missing] = [p for p in problems if "has no 'ro' text" in p.message]
    assert "'menu_delete'" in missing.message and missing.file.endswith("ro.yaml")
