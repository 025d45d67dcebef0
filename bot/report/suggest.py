"""The nearest existing entry for a group of questions, and what staff should do."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from bot.core.assistant import Assistant
from bot.report.model import Suggestion
from bot.report.snippets import add_to_entry, new_entry

# A group belongs to an entry when that entry scores at least this share of the suggest
# threshold on average: a little below, because the group's questions were not answered.
SHARE_OF_SUGGEST_THRESHOLD = 0.75
NEW_TOPIC = "Sieht nach einem neuen Thema aus."


def suggest(
    assistant: Assistant,
    number: int,
    questions: Sequence[str],
    examples: Sequence[tuple[str, str]],
) -> Suggestion:
    """Rank the group's questions, pick the entry that wins most often, and say what to do."""
    entry_id, score = nearest_entry(assistant, questions)
    by_lang = _by_language(examples, assistant.kb.codes)
    title = file = ""
    if entry_id is not None:
        entry = assistant.kb.entries[entry_id]
        title, file = assistant.title(entry_id, "de"), entry.file
    limit = assistant.settings.suggest_threshold * SHARE_OF_SUGGEST_THRESHOLD
    if entry_id is not None and score >= limit:
        return Suggestion(
            entry_id=entry_id,
            nearest_id=entry_id,
            nearest_title=title,
            nearest_file=file,
            score=score,
            text=f"Füge diese Fragen als Beispiele zu Eintrag {entry_id} (Datei {file}) hinzu.",
            yaml=add_to_entry(entry_id, file, by_lang),
        )
    return Suggestion(
        entry_id=None,
        nearest_id=entry_id,
        nearest_title=title,
        nearest_file=file,
        score=score,
        text=NEW_TOPIC,
        yaml=new_entry(number, by_lang),
    )


def nearest_entry(assistant: Assistant, questions: Sequence[str]) -> tuple[str | None, float]:
    """Return the knowledge entry ranked first most often, and its mean score over all questions."""
    if not questions:
        return None, 0.0
    limit = len(assistant.matcher.targets)
    wins: Counter[str] = Counter()
    totals: defaultdict[str, float] = defaultdict(float)
    for text, count in sorted(Counter(questions).items()):
        ranked = [c for c in assistant.matcher.rank(text, limit=limit) if c.target.kind == "faq"]
        if not ranked:
            continue
        wins[ranked[0].target.id] += count
        for candidate in ranked:
            totals[candidate.target.id] += candidate.score * count
    if not wins:
        return None, 0.0
    # Most wins; then the higher total score; then the id, so the result never flickers.
    best = min(wins, key=lambda e: (-wins[e], -totals[e], e))
    return best, totals[best] / len(questions)


def _by_language(
    examples: Sequence[tuple[str, str]], codes: tuple[str, ...]
) -> dict[str, list[str]]:
    """Group (text, lang) pairs by knowledge language; unknown languages count as German."""
    grouped: dict[str, list[str]] = {}
    for text, lang in examples:
        grouped.setdefault(lang if lang in codes else "de", []).append(text)
    return {lang: grouped[lang] for lang in codes if lang in grouped}
