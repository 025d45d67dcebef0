"""Value types passed in and out of the store."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

from bot.storage.timestamps import require_aware

# How a question was handled: the one definition of the outcome kinds (migration 1's CHECK
# constraint repeats it on purpose, as a migration must not change; a test compares the two).
QuestionKind = Literal["faq", "intent", "suggestions", "fallback", "none_of_these"]
QUESTION_KINDS: frozenset[str] = frozenset(get_args(QuestionKind))
ANSWERED_KINDS: frozenset[QuestionKind] = frozenset({"faq", "intent"})
# Question text is kept only where no answer was found, because only there it helps to
# improve the knowledge base. Everything else is logged without text.
UNANSWERED_KINDS: frozenset[QuestionKind] = frozenset({"fallback", "none_of_these"})


@dataclass(frozen=True, slots=True)
class QuestionRecord:
    """One question as logged: how it was handled, and its text only where the store keeps it."""

    asked_at: datetime
    user_key: str | None
    lang: str
    kind: QuestionKind
    matched_id: str | None = None
    score: float | None = None
    text: str | None = None

    def __post_init__(self) -> None:
        # Fail where the record is built, not later inside the writer task.
        require_aware(self.asked_at, "asked_at")
        if self.kind not in QUESTION_KINDS:
            raise ValueError(f"kind must be one of {sorted(QUESTION_KINDS)}, got {self.kind!r}")


@dataclass(frozen=True, slots=True)
class Stats:
    """Counts of questions by outcome and of feedback votes since a point in time."""

    questions: int
    answered: int
    suggestions: int
    fallbacks: int
    none_of_these: int
    votes_up: int
    votes_down: int

    @classmethod
    def count(cls, kinds: Mapping[str, int], votes_up: int, votes_down: int) -> Stats:
        """Sum questions per outcome kind (kind -> number) into the figures staff see."""
        return cls(
            questions=sum(kinds.values()),
            answered=sum(kinds.get(kind, 0) for kind in ANSWERED_KINDS),
            suggestions=kinds.get("suggestions", 0),
            fallbacks=kinds.get("fallback", 0),
            none_of_these=kinds.get("none_of_these", 0),
            votes_up=votes_up,
            votes_down=votes_down,
        )

    @property
    def answer_rate(self) -> float | None:
        """Return answered / questions, or None when nothing was asked."""
        return self.answered / self.questions if self.questions else None


@dataclass(frozen=True, slots=True)
class VoteCount:
    """Votes on one entry since a point in time."""

    entry_id: str
    up: int
    down: int


@dataclass(frozen=True, slots=True)
class DownvotedQuestion:
    """A (masked) question whose answer was marked 👎."""

    asked_at: datetime
    entry_id: str
    lang: str
    text: str
