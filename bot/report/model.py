"""The report as plain, immutable data: what build_report computes and the renderers show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.storage import DownvotedQuestion, QuestionRecord, Stats, VoteCount


@dataclass(frozen=True)
class ReportInput:
    """Everything the report reads from the database for one period."""

    questions: list[QuestionRecord]
    votes: list[VoteCount]
    downvoted: list[DownvotedQuestion]


@dataclass(frozen=True)
class Suggestion:
    """What to do with a group of unanswered questions, with a YAML snippet to paste."""

    entry_id: str | None
    """The existing entry to extend, or None when the group looks like a new topic."""
    nearest_id: str | None
    nearest_title: str
    nearest_file: str
    score: float
    text: str
    yaml: str


@dataclass(frozen=True)
class Cluster:
    """A group of similar unanswered questions."""

    number: int
    questions: tuple[str, ...]
    examples: tuple[str, ...]
    none_of_these: int
    suggestion: Suggestion

    @property
    def size(self) -> int:
        """Return how many questions the group holds (repeats included)."""
        return len(self.questions)


@dataclass(frozen=True)
class VotedEntry:
    """An answer that got 👎, with the questions that led to it."""

    entry_id: str
    title: str | None
    up: int
    down: int
    questions: tuple[str, ...]


@dataclass(frozen=True)
class TopEntry:
    """An entry or intent that answered many questions."""

    target_id: str
    kind: str
    title: str | None
    count: int


@dataclass(frozen=True)
class WeekRow:
    """The figures of one ISO week (Monday to Sunday)."""

    year: int
    week: int
    monday: date
    questions: int
    answered: int
    fallbacks: int
    languages: tuple[tuple[str, int], ...]

    @property
    def answer_rate(self) -> float | None:
        """Return answered / questions, or None for a week without questions."""
        return self.answered / self.questions if self.questions else None

    @property
    def fallback_rate(self) -> float | None:
        """Return fallbacks / questions, or None for a week without questions."""
        return self.fallbacks / self.questions if self.questions else None


@dataclass(frozen=True)
class Report:
    """The staff report for one period."""

    since: datetime
    until: datetime
    totals: Stats
    languages: tuple[tuple[str, int], ...]
    weeks: tuple[WeekRow, ...]
    clusters: tuple[Cluster, ...]
    downvoted: tuple[VotedEntry, ...]
    top_entries: tuple[TopEntry, ...]

    @property
    def empty(self) -> bool:
        """Tell whether no question was logged in the period."""
        return self.totals.questions == 0
