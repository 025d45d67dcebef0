"""build_report: turn the logged questions and votes of a period into a Report (no I/O)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from bot.core.assistant import Assistant
from bot.report.clusters import cluster_texts
from bot.report.model import (
    Cluster,
    Report,
    ReportInput,
    TopEntry,
    VotedEntry,
    WeekRow,
)
from bot.report.period import monday_of, mondays
from bot.report.suggest import suggest
from bot.storage import ANSWERED_KINDS, UNANSWERED_KINDS, QuestionRecord, Stats

MAX_EXAMPLES = 5
MAX_DOWNVOTED_QUESTIONS = 5
TOP_ENTRIES = 10


def build_report(
    data: ReportInput, assistant: Assistant, since: datetime, until: datetime
) -> Report:
    """Compute every section of the report; weeks follow the time zone of `since`."""
    if since > until:
        raise ValueError(f"the period starts ({since}) after it ends ({until})")
    questions = [q for q in data.questions if since <= q.asked_at <= until]
    return Report(
        since=since,
        until=until,
        totals=Stats.count(
            Counter(q.kind for q in questions),
            votes_up=sum(v.up for v in data.votes),
            votes_down=sum(v.down for v in data.votes),
        ),
        languages=_languages(questions),
        weeks=_weeks(questions, since, until),
        clusters=_clusters(questions, assistant),
        downvoted=_downvoted(data, assistant, since, until),
        top_entries=_top_entries(questions, assistant),
    )


def _languages(questions: Iterable[QuestionRecord]) -> tuple[tuple[str, int], ...]:
    """Count questions per language, most first."""
    counts = Counter(q.lang for q in questions)
    return tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _weeks(
    questions: Sequence[QuestionRecord], since: datetime, until: datetime
) -> tuple[WeekRow, ...]:
    """Return one row per ISO week of the period, weeks without questions included."""
    zone = since.tzinfo
    by_week: dict[date, list[QuestionRecord]] = {}
    for q in questions:
        by_week.setdefault(monday_of(q.asked_at.astimezone(zone).date()), []).append(q)
    rows = []
    for monday in mondays(since.date(), until.astimezone(zone).date()):
        week = by_week.get(monday, [])
        iso = monday.isocalendar()
        rows.append(
            WeekRow(
                year=iso.year,
                week=iso.week,
                monday=monday,
                questions=len(week),
                answered=sum(q.kind in ANSWERED_KINDS for q in week),
                fallbacks=sum(q.kind == "fallback" for q in week),
                languages=_languages(week),
            )
        )
    return tuple(rows)


def _clusters(questions: Sequence[QuestionRecord], assistant: Assistant) -> tuple[Cluster, ...]:
    """Group the unanswered questions and suggest an entry (or a new topic) for each group."""
    unanswered = [
        q for q in questions if q.kind in UNANSWERED_KINDS and q.text is not None and q.text.strip()
    ]
    texts = [q.text or "" for q in unanswered]
    clusters = []
    for number, group in enumerate(cluster_texts(texts, assistant.matcher.normalise), 1):
        members = [unanswered[i] for i in group]
        group_texts = tuple(q.text or "" for q in members)
        examples = _examples(members)
        clusters.append(
            Cluster(
                number=number,
                questions=group_texts,
                examples=tuple(text for text, _lang in examples),
                none_of_these=sum(q.kind == "none_of_these" for q in members),
                suggestion=suggest(assistant, number, group_texts, examples),
            )
        )
    return tuple(clusters)


def _examples(members: Sequence[QuestionRecord]) -> list[tuple[str, str]]:
    """Return up to MAX_EXAMPLES distinct (text, lang) pairs, the most repeated first."""
    counts: Counter[str] = Counter()
    first: dict[str, tuple[str, str]] = {}
    for q in members:
        text = " ".join((q.text or "").split())
        key = text.casefold()
        counts[key] += 1
        first.setdefault(key, (text, q.lang))
    ordered = sorted(counts, key=lambda k: (-counts[k], k, first[k][0]))
    return [first[k] for k in ordered[:MAX_EXAMPLES]]


def _title(assistant: Assistant, entry_id: str) -> str | None:
    """Return an entry's German title, or None when it is not (or no longer) a knowledge entry."""
    return assistant.title(entry_id, "de") if entry_id in assistant.kb.entries else None


def _downvoted(
    data: ReportInput, assistant: Assistant, since: datetime, until: datetime
) -> tuple[VotedEntry, ...]:
    """Return the entries with 👎, most first, each with the questions that led to them."""
    voted = sorted((v for v in data.votes if v.down > 0), key=lambda v: (-v.down, v.entry_id))
    result = []
    for vote in voted:
        texts = [
            " ".join(d.text.split())
            for d in data.downvoted
            if d.entry_id == vote.entry_id and since <= d.asked_at <= until and d.text.strip()
        ]
        distinct = list(dict.fromkeys(texts))[:MAX_DOWNVOTED_QUESTIONS]
        result.append(
            VotedEntry(
                entry_id=vote.entry_id,
                title=_title(assistant, vote.entry_id),
                up=vote.up,
                down=vote.down,
                questions=tuple(distinct),
            )
        )
    return tuple(result)


def _top_entries(questions: Sequence[QuestionRecord], assistant: Assistant) -> tuple[TopEntry, ...]:
    """Return the entries and intents that answered most often."""
    counts = Counter(
        (q.kind, q.matched_id) for q in questions if q.kind in ANSWERED_KINDS and q.matched_id
    )
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0][1] or "", item[0][0]))
    return tuple(
        TopEntry(
            target_id=target,
            kind=kind,
            title=_title(assistant, target) if kind == "faq" else None,
            count=count,
        )
        for (kind, target), count in ranked[:TOP_ENTRIES]
        if target is not None
    )
