"""Value types passed in and out of the store."""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

from bot.storage.timestamps import require_aware

QuestionKind = Literal["faq", "intent", "suggestions", "fallback", "none_of_these"]
QUESTION_KINDS: frozenset[str] = frozenset(get_args(QuestionKind))


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
