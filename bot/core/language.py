"""Which language to answer in: the message's own where it is clear, else the user's choice."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from bot.core.model import BUILTIN_LANGUAGES, DEFAULT_LANG, Lang
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


# Letters only Arabic-script languages use; which of them depends on the configured ones.
_ARABIC_SCRIPT = re.compile(r"[\u0600-\u06FF]")


class Vocabulary:
    """Words that occur in only one language's example questions, as a second clue."""

    def __init__(self, texts: Iterable[tuple[Lang, str]]) -> None:
        seen: dict[Lang, set[str]] = {}
        for lang, text in texts:
            seen.setdefault(lang, set()).update(tokens(fold(text)))
        counts = Counter(word for words in seen.values() for word in words)
        self.only: dict[str, Lang] = {
            word: lang for lang, words in seen.items() for word in words if counts[word] == 1
        }

    def votes(self, words: list[str]) -> Counter[Lang]:
        """Count the words that belong to only one language."""
        return Counter(self.only[w] for w in words if w in self.only)


def _clear_winner(counts: Counter[Lang]) -> Lang | None:
    """Return the language with the most votes when no other has as many."""
    ranked = counts.most_common(2)
    if not ranked or (len(ranked) == 2 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]


def detect_language(
    text: str, vocabulary: Vocabulary | None = None, codes: tuple[Lang, ...] = BUILTIN_LANGUAGES
) -> Lang | None:
    """Return the message's language when its words make it clear, else None."""
    if "ar" in codes and _ARABIC_SCRIPT.search(text):
        return "ar"
    words = tokens(fold(text))
    markers = Counter(lang for w in words for lang, known in _MARKERS.items() if w in known)
    # Umlauts are a German clue, but names like "Bildungsstätte" appear in English questions.
    if any(ch in text.casefold() for ch in "äöüß"):
        markers["de"] += 1
    # Letters only Turkish has among the configured languages.
    if "tr" in codes and any(ch in text for ch in "ğĞışŞİ"):
        markers["tr"] += 2
    # Marker words and words only one language's examples use both vote: "ne" is a German
    # marker, but "kizilhac sozlesmesi ne hakkinda" has three Turkish-only words.
    return _clear_winner(markers + (vocabulary.votes(words) if vocabulary else Counter()))


def supported(code: str | None, codes: tuple[Lang, ...] = BUILTIN_LANGUAGES) -> Lang | None:
    """Map a language code such as 'en-GB' or 'tr' to one of the configured languages."""
    if not code:
        return None
    base = code.split("-")[0].split("_")[0].lower()
    return base if base in codes else None


# Shorter messages ("hallo", "ok", "DRK", "110") say too little about their language: they
# keep the chat's saved language (a script of its own, such as Arabic, still counts).
SHORT_MESSAGE_WORDS = 3


def choose_language(
    text: str,
    saved: str | None = None,
    client: str | None = None,
    vocabulary: Vocabulary | None = None,
    codes: tuple[Lang, ...] = BUILTIN_LANGUAGES,
) -> Lang:
    """Pick the reply language: the message's, else the saved choice, else the client's, else German."""
    kept = supported(saved, codes)
    if kept is not None and len(text.split()) < SHORT_MESSAGE_WORDS:
        script = "ar" if "ar" in codes and _ARABIC_SCRIPT.search(text) else None
        return script or kept
    return (
        detect_language(text, vocabulary, codes) or kept or supported(client, codes) or DEFAULT_LANG
    )
