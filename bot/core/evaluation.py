"""Measures the assistant on a table of test questions with their expected answers."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.core.assistant import Assistant
from bot.core.matcher import MatcherSettings
from bot.core.model import Reply
from bot.core.overlaps import held_out_rankings

FALLBACK = "fallback"


@dataclass(frozen=True)
class EvalQuestion:
    """One test question, the id it should reach (or 'fallback'), and the reply language."""

    q: str
    expect: str
    lang: str | None = None
    # "dev" or "test" in the per-language tables (tests/eval/languages/); None elsewhere.
    part: str | None = None


@dataclass(frozen=True)
class QualityGates:
    """The least quality CI and `python -m bot eval` accept."""

    top1: float = 0.9
    rejection: float = 0.9
    every_language: bool = True

    def failures(self, result: EvalResult) -> list[str]:
        """Return one line per gate the result misses (empty when all hold)."""
        failed = []
        if result.top1 < self.top1:
            failed.append(f"top-1 {result.top1:.1%} < {self.top1:.0%}")
        if result.fallback_recall < self.rejection:
            failed.append(
                f"out-of-scope rejection {result.fallback_recall:.1%} < {self.rejection:.0%}"
            )
        if self.every_language and result.lang_hits < result.lang_checked:
            failed.append(f"reply language {result.lang_hits}/{result.lang_checked}")
        return failed


# The dev part (tests/eval/questions.yaml) may be used to choose thresholds and weights.
GATES = QualityGates()
# The held-out test part (tests/eval/test.yaml) is never used for choosing anything; this floor
# only stops it from sliding back (measured 76.7 % / 81.8 % when it was written, 80.8 % / 89.1 %
# with issue 12's learned scorer; issue 12 aims at 95 % / 93 %).
TEST_GATES = QualityGates(top1=0.78, rejection=0.85, every_language=False)
# Issues 13 and 14: each further language's held-out part (tests/test_languages.py checks them;
# `bot eval` prints which are missed).
LANGUAGE_TEST_GATES = QualityGates(top1=0.9, rejection=0.9, every_language=False)


@dataclass
class EvalResult:
    """Figures from one evaluation run."""

    in_scope: int = 0
    out_of_scope: int = 0
    top1_hits: int = 0
    ranked_hits: int = 0
    reciprocal_ranks: float = 0.0
    fallback_true: int = 0
    fallback_false: int = 0
    lang_checked: int = 0
    lang_hits: int = 0
    direct: int = 0
    confusions: Counter[tuple[str, str]] = field(default_factory=Counter)

    @property
    def top1(self) -> float:
        """Share of in-scope questions whose reply (or first suggestion) is the expected id."""
        return self.top1_hits / max(self.in_scope, 1)

    @property
    def direct_share(self) -> float:
        """Share of in-scope questions that got a direct answer (not a list, not a fallback)."""
        return self.direct / max(self.in_scope, 1)

    @property
    def ranking_top1(self) -> float:
        """Share of in-scope questions whose best-ranked candidate is the expected id."""
        return self.ranked_hits / max(self.in_scope, 1)

    @property
    def mrr(self) -> float:
        """Mean reciprocal rank of the expected id among the top 10 candidates."""
        return self.reciprocal_ranks / max(self.in_scope, 1)

    @property
    def fallback_recall(self) -> float:
        """Share of out-of-scope messages that got the honest fallback (rejection rate)."""
        return self.fallback_true / max(self.out_of_scope, 1)

    @property
    def fallback_precision(self) -> float:
        """Share of fallbacks that were for out-of-scope messages."""
        return self.fallback_true / max(self.fallback_true + self.fallback_false, 1)


def load_questions(path: Path) -> list[EvalQuestion]:
    """Read the evaluation table (`questions:` list of q/expect/lang)."""
    data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        EvalQuestion(str(item["q"]), str(item["expect"]), item.get("lang"), item.get("part"))
        for item in data["questions"]
    ]


def reply_id(reply: Reply) -> str:
    """Return what a reply chose: its id, its first suggestion, or 'fallback'."""
    if reply.kind == "fallback":
        return FALLBACK
    if reply.kind == "suggestions":
        return reply.suggestions[0].id
    return reply.id or FALLBACK


def evaluate(assistant: Assistant, questions: list[EvalQuestion]) -> EvalResult:
    """Run every question through the assistant and count what it chose."""
    result = EvalResult()
    for question in questions:
        reply = assistant.answer(question.q)
        got = reply_id(reply)
        if question.lang:
            result.lang_checked += 1
            result.lang_hits += reply.lang == question.lang
        if question.expect == FALLBACK:
            result.out_of_scope += 1
            result.fallback_true += got == FALLBACK
            if got != FALLBACK:
                result.confusions[(FALLBACK, got)] += 1
            continue
        result.in_scope += 1
        result.fallback_false += got == FALLBACK
        result.direct += reply.kind in ("faq", "intent")
        if got == question.expect:
            result.top1_hits += 1
        else:
            result.confusions[(question.expect, got)] += 1
        ranked = [c.target.id for c in assistant.rank(question.q, limit=10)]
        result.ranked_hits += bool(ranked) and ranked[0] == question.expect
        if question.expect in ranked:
            result.reciprocal_ranks += 1 / (ranked.index(question.expect) + 1)
    return result


def format_report(result: EvalResult, top: int = 12) -> str:
    """Return the figures as plain text for the terminal."""
    lines = [
        f"questions: {result.in_scope} in scope, {result.out_of_scope} out of scope",
        f"top-1 accuracy (reply or first suggestion): {result.top1:.1%}",
        f"top-1 of the ranking alone:                {result.ranking_top1:.1%}",
        f"MRR@10:                                    {result.mrr:.3f}",
        f"fallback recall (out-of-scope rejected):   {result.fallback_recall:.1%}",
        f"fallback precision:                        {result.fallback_precision:.1%}",
        f"direct answers (not a list):               {result.direct_share:.1%}",
        f"reply language right:                      {result.lang_hits}/{result.lang_checked}",
    ]
    if result.confusions:
        lines.append("confused (expected -> got):")
        lines += [f"  {n}x {a} -> {b}" for (a, b), n in result.confusions.most_common(top)]
    return "\n".join(lines)


def summary_line(name: str, result: EvalResult) -> str:
    """Return one line naming a part of the evaluation table and its main figures."""
    return (
        f"{name} top-1: {result.top1:.3f}, out-of-scope rejection: {result.fallback_recall:.3f}, "
        f"fallback precision: {result.fallback_precision:.3f}, direct answers: "
        f"{result.direct_share:.3f} ({result.in_scope} in scope, {result.out_of_scope} out)"
    )


@dataclass
class CrossValidation:
    """How often the knowledge's own examples, each held out, reach their own target."""

    total: int = 0
    hits: int = 0
    confusions: Counter[tuple[str, str]] = field(default_factory=Counter)

    @property
    def top1(self) -> float:
        """Share of held-out examples whose best-ranked target is their own."""
        return self.hits / max(self.total, 1)


def cross_validation(
    assistant: Assistant, folds: int = 5, settings: MatcherSettings | None = None
) -> CrossValidation:
    """Return k-fold top-1 over the entries' titles and example questions (stratified).

    Each fold fits a fresh matcher on the other folds' lines (intents and keyword lines too,
    as the bot has them); only the held-out titles and questions of entries are counted.
    `settings` replaces the matcher's own, e.g. `learned_share=0` measures the
    similarity-only matcher under the same protocol.
    """
    result = CrossValidation()
    for doc, ranked in held_out_rankings(assistant, folds=folds, settings=settings):
        if doc.target.kind != "faq" or doc.role == "keywords":
            continue
        got = ranked[0].target.id if ranked else FALLBACK
        result.total += 1
        if ranked and ranked[0].target == doc.target:
            result.hits += 1
        else:
            result.confusions[(doc.target.id, got)] += 1
    return result
