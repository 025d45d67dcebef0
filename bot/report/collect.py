"""collect: read what the report needs from the database."""

from __future__ import annotations

from datetime import datetime

from bot.report.model import ReportInput
from bot.storage import Store


async def collect(store: Store, since: datetime) -> ReportInput:
    """Read the questions, vote counts and 👎 questions logged since the given time."""
    return ReportInput(
        questions=await store.questions_since(since),
        votes=await store.vote_counts(since),
        downvoted=await store.downvoted_questions(since),
    )
