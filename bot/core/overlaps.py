"""Finds example questions that another entry answers better than their own (leave-one-out)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.core.assistant import Assistant
from bot.core.matcher import Candidate, Document


@dataclass(frozen=True)
class Overlap:
    """One example question that, written by a user, would reach another entry."""

    owner: str
    question: str
    winner: str
    score: float
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:1: {self.owner}'s question '{self.question}' is answered by {self.winner} ({self.score:.2f})"


def held_out_rankings(
    assistant: Assistant, limit: int = 1
) -> Iterator[tuple[Document, list[Candidate]]]:
    """Yield each example with the ranked targets when the example itself is held out."""
    for index, doc in enumerate(assistant.matcher.documents):
        yield doc, assistant.matcher.rank_held_out(index, limit=limit)


def find_overlaps(assistant: Assistant) -> list[Overlap]:
    """Return the examples that, held out, get another entry's answer or first suggestion.

    The full decision runs (priorities, margins, suggestions), so an overlap is exactly what
    a user typing that example would meet; a held-out example that falls back is not listed.
    """
    kb = assistant.kb
    overlaps = []
    lines: dict[str, list[str]] = {}
    for doc, ranked in held_out_rankings(assistant, limit=assistant.settings.candidates):
        owner = doc.target.id
        reply = assistant.decide(ranked, doc.lang)
        got = reply.id if reply.kind != "suggestions" else reply.suggestions[0].id
        if reply.kind == "fallback" or got is None or got == owner:
            continue
        item = kb.entries.get(owner) or kb.intents[owner]
        line = _line_of(item.file, doc.text, item.line, lines)
        overlaps.append(Overlap(owner, doc.text, got, reply.score, item.file, line))
    return sorted(overlaps, key=lambda o: (o.file, o.line, o.question))


def _line_of(file: str, question: str, start: int, cache: dict[str, list[str]]) -> int:
    """Return the line where an example is written (searching from its item), else the item's."""
    if file not in cache:
        try:
            cache[file] = Path(file).read_text(encoding="utf-8").splitlines()
        except OSError:
            cache[file] = []
    for number, text in enumerate(cache[file][start - 1 :], start):
        if question in text:
            return number
    return start
