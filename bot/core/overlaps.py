"""Finds example questions that another entry would answer, asked of a matcher that never saw them."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.core.assistant import Assistant
from bot.core.matcher import Candidate, Document, Matcher, MatcherSettings
from bot.core.text import SynonymMap


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


def fold_numbers(labels: Sequence[object], folds: int, seed: int = 0) -> list[int]:
    """Assign each item a fold so every label is spread over the folds as evenly as it can be."""
    rng = np.random.default_rng(seed)
    members: dict[object, list[int]] = {}
    for i, label in enumerate(labels):
        members.setdefault(label, []).append(i)
    fold_of = [0] * len(labels)
    for group in members.values():
        # A random start, so labels with fewer items than folds do not all land in fold 0.
        start = int(rng.integers(folds))
        for rank, i in enumerate(rng.permutation(group)):
            fold_of[int(i)] = (start + rank) % folds
    return fold_of


def held_out_rankings(
    assistant: Assistant,
    limit: int = 1,
    folds: int = 5,
    settings: MatcherSettings | None = None,
) -> Iterator[tuple[Document, list[Candidate]]]:
    """Yield each example with its ranking by a matcher fitted on the other folds only.

    Nothing of a held-out example reaches the vocabulary, the weights or the classifier, so
    this is what a user typing it would meet if nobody had written it down.
    """
    docs = assistant.matcher.documents
    fold_of = fold_numbers([d.target for d in docs], folds)
    synonyms = SynonymMap(assistant.kb.synonyms)
    for fold in range(folds):
        train = [d for d, f in zip(docs, fold_of, strict=True) if f != fold]
        if not train:
            continue
        matcher = Matcher(train, synonyms, settings or assistant.matcher.settings)
        for doc, f in zip(docs, fold_of, strict=True):
            if f == fold:
                yield doc, matcher.rank(doc.text, limit=limit)


def find_overlaps(assistant: Assistant) -> list[Overlap]:
    """Return the examples that, held out (5-fold), get another entry's answer or suggestion.

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
