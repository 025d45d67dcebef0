"""Which language to answer in: the message's own where it is clear, else the user's choice."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from bot.core.model import DEFAULT_LANG, LANGUAGES, Lang
from bot.core.text import fold, tokens

# Short function words and chat words that give a language away. Words both languages use
# ("hi", "hallo"/"hello" differ, "ok", names) are left out on purpose.
_MARKERS: dict[Lang, frozenset[str]] = {
    "de": frozenset(
        [
            "der",
            "die",
            "das",
            "den",
            "dem",
            "des",
            "ein",
            "eine",
            "einen",
            "einem",
            "ist",
            "sind",
            "bin",
            "bist",
            "was",
            "wer",
            "wo",
            "wie",
            "wann",
            "warum",
            "wieso",
            "weshalb",
            "welche",
            "welcher",
            "welches",
            "ich",
            "du",
            "er",
            "sie",
            "wir",
            "ihr",
            "mich",
            "mir",
            "dich",
            "dir",
            "und",
            "oder",
            "nicht",
            "kein",
            "keine",
            "mit",
            "fur",
            "von",
            "zu",
            "zum",
            "zur",
            "auf",
            "aus",
            "bei",
            "gibt",
            "es",
            "kann",
            "kannst",
            "konnen",
            "mochte",
            "hallo",
            "danke",
            "tschuss",
            "moin",
            "servus",
            "bitte",
            "ja",
            "nein",
            "auch",
            "noch",
            "schon",
            "mal",
            "eigentlich",
            "hab",
            "habe",
            "hast",
            "hat",
            "haben",
            "mein",
            "meine",
            "dein",
            "deine",
            "gut",
            "uber",
            "was",
            "ne",
            "nen",
            "jemand",
            "helfen",
            "hilfe",
            "erklar",
            "erklaren",
            "heisst",
            "bedeutet",
            "machen",
            "macht",
            "sprichst",
        ]
    ),
    "en": frozenset(
        [
            "the",
            "a",
            "is",
            "are",
            "what",
            "who",
            "where",
            "when",
            "why",
            "how",
            "which",
            "i",
            "you",
            "he",
            "she",
            "we",
            "they",
            "me",
            "my",
            "your",
            "and",
            "or",
            "not",
            "no",
            "with",
            "for",
            "from",
            "to",
            "of",
            "on",
            "at",
            "by",
            "there",
            "can",
            "could",
            "would",
            "should",
            "do",
            "does",
            "did",
            "have",
            "has",
            "hello",
            "thanks",
            "thank",
            "bye",
            "goodbye",
            "please",
            "yes",
            "yeah",
            "help",
            "explain",
            "mean",
            "means",
            "about",
            "does",
            "speak",
            "anyone",
            "someone",
            "want",
            "need",
            "tell",
        ]
    ),
}


class Vocabulary:
    """Words that occur in only one language's example questions, as a second clue."""

    def __init__(self, texts: Iterable[tuple[Lang, str]]) -> None:
        seen: dict[Lang, set[str]] = {lang: set() for lang in LANGUAGES}
        for lang, text in texts:
            seen[lang].update(tokens(fold(text)))
        self.only: dict[str, Lang] = {}
        pairs: tuple[tuple[Lang, Lang], ...] = (("de", "en"), ("en", "de"))
        for lang, other in pairs:
            for word in seen[lang] - seen[other]:
                self.only[word] = lang

    def votes(self, words: list[str]) -> Counter[Lang]:
        """Count the words that belong to only one language."""
        return Counter(self.only[w] for w in words if w in self.only)


def detect_language(text: str, vocabulary: Vocabulary | None = None) -> Lang | None:
    """Return the message's language when its words make it clear, else None."""
    words = tokens(fold(text))
    markers = Counter(lang for w in words for lang, known in _MARKERS.items() if w in known)
    # Umlauts are a German clue, but names like "Bildungsstätte" appear in English questions.
    if any(ch in text.casefold() for ch in "äöüß"):
        markers["de"] += 1
    for counts in (markers, vocabulary.votes(words) if vocabulary else Counter()):
        if counts["de"] != counts["en"]:
            return "de" if counts["de"] > counts["en"] else "en"
    return None


def supported(code: str | None) -> Lang | None:
    """Map a language code such as 'en-GB' or 'de' to a supported language."""
    if not code:
        return None
    base = code.split("-")[0].split("_")[0].lower()
    for lang in LANGUAGES:
        if base == lang:
            return lang
    return None


def choose_language(
    text: str,
    saved: str | None = None,
    client: str | None = None,
    vocabulary: Vocabulary | None = None,
) -> Lang:
    """Pick the reply language: the message's, else the saved choice, else the client's, else German."""
    return (
        detect_language(text, vocabulary) or supported(saved) or supported(client) or DEFAULT_LANG
    )
