"""The knowledge snapshot: read back only when made from exactly the same files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.core.loader import load_knowledge
from bot.core.model import KnowledgeBase
from bot.core.problems import Problem
from bot.core.snapshot import SNAPSHOT_FILE
from tests.conftest import INTENTS, KNOWLEDGE


@pytest.fixture
def copied(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A copy of the data folders and an empty snapshot folder."""
    knowledge, intents = tmp_path / "knowledge", tmp_path / "intents"
    shutil.copytree(KNOWLEDGE, knowledge)
    shutil.copytree(INTENTS, intents)
    return knowledge, intents, tmp_path / "data"


@pytest.fixture
def full(copied: tuple[Path, Path, Path]) -> tuple[KnowledgeBase, list[Problem]]:
    """The copy loaded from its YAML files, without a snapshot."""
    knowledge, intents, _data = copied
    return load_knowledge(knowledge, intents)


def test_a_snapshot_reads_back_the_same_knowledge_base(
    full: tuple[KnowledgeBase, list[Problem]], copied: tuple[Path, Path, Path]
) -> None:
    knowledge, intents, data = copied
    first = load_knowledge(knowledge, intents, data)
    stamp = (data / SNAPSHOT_FILE).stat().st_mtime_ns
    second = load_knowledge(knowledge, intents, data)
    assert (data / SNAPSHOT_FILE).stat().st_mtime_ns == stamp  # read, not written again
    assert first == full and second == full
    assert second[0].single_language_words == full[0].single_language_words
    assert len(second[0].languages) == len(full[0].languages) == 8


def test_a_changed_translation_file_is_read_again(copied: tuple[Path, Path, Path]) -> None:
    knowledge, intents, data = copied
    load_knowledge(knowledge, intents, data)
    path = knowledge / "translations" / "uk" / "bot.yaml"
    text = path.read_text(encoding="utf-8")
    title = load_knowledge(knowledge, intents, data)[0].entries["bot-betreiber"].texts["uk"].title
    path.write_text(text.replace(title, "Хто стоїть за цим ботом (змінено)", 1), encoding="utf-8")
    kb, _ = load_knowledge(knowledge, intents, data)
    assert kb.entries["bot-betreiber"].texts["uk"].title == "Хто стоїть за цим ботом (змінено)"


@pytest.mark.parametrize("content", ["", "{", '{"key": "x"}', "[1, 2]", "\udcff"])
def test_a_broken_or_foreign_snapshot_is_never_trusted(
    full: tuple[KnowledgeBase, list[Problem]], copied: tuple[Path, Path, Path], content: str
) -> None:
    knowledge, intents, data = copied
    data.mkdir()
    (data / SNAPSHOT_FILE).write_bytes(content.encode("utf-8", "surrogateescape"))
    assert load_knowledge(knowledge, intents, data) == full


def test_a_snapshot_with_the_right_key_but_a_wrong_shape_is_not_used(
    full: tuple[KnowledgeBase, list[Problem]], copied: tuple[Path, Path, Path]
) -> None:
    knowledge, intents, data = copied
    load_knowledge(knowledge, intents, data)
    path = data / SNAPSHOT_FILE
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('"review": "draft"', '"review": "maybe"', 1), encoding="utf-8")
    assert load_knowledge(knowledge, intents, data) == full


def test_an_unwritable_snapshot_folder_does_not_stop_loading(
    full: tuple[KnowledgeBase, list[Problem]], copied: tuple[Path, Path, Path]
) -> None:
    knowledge, intents, data = copied
    data.write_text("a file where the folder should be", encoding="utf-8")
    assert load_knowledge(knowledge, intents, data / "cache") == full
