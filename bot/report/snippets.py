"""YAML snippets staff can paste into the knowledge files."""

from __future__ import annotations

import json
from collections.abc import Sequence

import yaml

# Where the lines go in a knowledge file: "questions:" items sit 8 spaces deep, entries 2.
QUESTION_INDENT = " " * 8
ENTRY_INDENT = " " * 2


def yaml_string(text: str) -> str:
    """Return text as a double-quoted YAML scalar that reads back unchanged."""
    # JSON keeps umlauts and emoji readable and is valid YAML for nearly every string; the
    # round trip catches the rest (e.g. line separators), which PyYAML escapes itself.
    quoted = json.dumps(text, ensure_ascii=False)
    try:
        if yaml.safe_load(quoted) == text:
            return quoted
    except yaml.YAMLError:
        pass  # a character YAML does not allow unescaped (e.g. DEL)
    dumped = yaml.safe_dump(text, allow_unicode=True, default_style='"', width=1_000_000)
    return dumped.rstrip("\n").removesuffix("\n...").rstrip("\n")


def question_lines(questions: Sequence[str], indent: str) -> list[str]:
    """Return `- "…"` list items, one per question."""
    return [f"{indent}- {yaml_string(q)}" for q in questions]


def add_to_entry(entry_id: str, file: str, by_lang: dict[str, list[str]]) -> str:
    """Return the questions as items for an entry's `questions:` list, per language."""
    lines: list[str] = []
    for lang, questions in by_lang.items():
        lines.append(
            f"# Datei {file}, Eintrag {entry_id}: unter „{lang}:“ bei „questions:“ anfügen"
        )
        lines += question_lines(questions, QUESTION_INDENT)
    return "\n".join(lines)


def new_entry(number: int, by_lang: dict[str, list[str]]) -> str:
    """Return a skeleton entry with TODOs for a new topic."""
    inner = ENTRY_INDENT + "  "
    lines = [
        "# Neues Thema: in eine Datei unter knowledge/ bei „entries:“ einfügen,",
        "# dann Titel, Antwort und Quellen ausfüllen (Format: docs/knowledge-format.md).",
        f"{ENTRY_INDENT}- id: neues-thema-{number}",
        f"{inner}sources: [TODO]",
    ]
    languages = {"de": by_lang.get("de") or ["TODO"], **by_lang}
    for lang, questions in languages.items():
        lines += [
            f"{inner}{lang}:",
            f"{inner}  title: TODO",
            f"{inner}  questions:",
            *question_lines(questions, inner + "    "),
            f"{inner}  answer: TODO",
        ]
    return "\n".join(lines)
