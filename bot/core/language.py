"""Which language to answer in: the message's own where it is clear, else the user's choice."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from bot.core.model import BUILTIN, BUILTIN_LANGUAGES, DEFAULT_LANG, Lang, Language
from bot.core.text import fold, fold_known_text, tokens

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


# A message's script narrows the languages it can be in (languages.yaml: `script`).
_SCRIPTS: dict[str, re.Pattern[str]] = {
    "arabic": re.compile(r"[\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF]"),
    "cyrillic": re.compile(r"[\u0400-\u04FF]"),
    "latin": re.compile(r"[a-zA-Z\u00C0-\u024F]"),
}


_DIGITS = re.compile(r"\d")


def script_of(text: str) -> str | None:
    """Return the script a text is written in (None: it has no letters).

    Arabic or Cyrillic letters win over Latin ones: people name partners and places in German
    inside a sentence of their own language ("شو هو Verband binationaler Familien").
    """
    # Digits are no letters: "۱۱۰" in a Romanian message does not make it Persian.
    letters = _DIGITS.sub("", text)
    counts = {name: len(pattern.findall(letters)) for name, pattern in _SCRIPTS.items()}
    own = max(("arabic", "cyrillic"), key=counts.__getitem__)
    if counts[own] >= 2:
        return own
    return "latin" if counts["latin"] else None


def single_language_words(texts: Iterable[tuple[Lang, str]]) -> dict[str, Lang]:
    """Return the words that occur in only one language's texts, with that language."""
    seen: dict[Lang, set[str]] = {}
    for lang, text in texts:
        seen.setdefault(lang, set()).update(tokens(fold_known_text(text)))
    counts = Counter(word for words in seen.values() for word in words)
    return {word: lang for lang, words in seen.items() for word in words if counts[word] == 1}


class Vocabulary:
    """Words that occur in only one language's example questions, as a second clue."""

    def __init__(self, only: Mapping[str, Lang]) -> None:
        self.only = only

    def votes(self, words: list[str]) -> Counter[Lang]:
        """Count the words that belong to only one language."""
        return Counter(self.only[w] for w in words if w in self.only)


def _clear_winner(counts: Counter[Lang]) -> Lang | None:
    """Return the language with the most votes when no other has as many."""
    ranked = counts.most_common(2)
    if not ranked or ranked[0][1] <= 0 or (len(ranked) == 2 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]


def _candidates(text: str, languages: Sequence[Language]) -> list[Language]:
    """Return the languages written in the text's script (all of them when it has no letters)."""
    script = script_of(text)
    same = [language for language in languages if language.script == script]
    return same if script is not None and same else list(languages)


def detect_language(
    text: str, vocabulary: Vocabulary | None = None, languages: Sequence[Language] = BUILTIN
) -> Lang | None:
    """Return the message's language when its script, letters or words make it clear, else None."""
    candidates = _candidates(text, languages)
    if len(candidates) == 1:
        return candidates[0].code
    words = tokens(fold(text))
    lowered = text.lower()
    votes: Counter[Lang] = Counter()
    for language in candidates:
        marker_words = _MARKERS.get(language.code, frozenset()) | language.words
        votes[language.code] += sum(w in marker_words for w in words)
        # Letters only this language uses among the configured ones (ğ ı, ї є, پ گ): one vote
        # each, at most two, so a German name such as "Bildungsstätte" in an English question
        # does not outvote its English words.
        votes[language.code] += min(2, sum(ch in lowered for ch in language.letters))
    # Marker words and words only one language's examples use both vote: "kizilhac sozlesmesi
    # ne hakkinda" has no marker word but three Turkish-only words.
    if vocabulary is not None:
        codes = {language.code for language in candidates}
        votes.update({lang: n for lang, n in vocabulary.votes(words).items() if lang in codes})
    return _clear_winner(votes)


def supported(code: str | None, codes: tuple[Lang, ...] = BUILTIN_LANGUAGES) -> Lang | None:
    """Map a language code such as 'en-GB' or 'tr' to one of the configured languages."""
    if not code:
        return None
    base = code.split("-")[0].split("_")[0].lower()
    return base if base in codes else None


# Shorter messages ("hallo", "ok", "DRK", "110") say too little about their language: they
# keep the chat's saved language, unless they are in another script (Arabic, Cyrillic).
SHORT_MESSAGE_WORDS = 3


def choose_language(
    text: str,
    saved: str | None = None,
    client: str | None = None,
    vocabulary: Vocabulary | None = None,
    languages: Sequence[Language] = BUILTIN,
) -> Lang:
    """Pick the reply language: the message's, else the saved choice, else the client's, else German.

    A message in a script of its own is answered in a language of that script: when its words
    do not tell Ukrainian from Russian (or Persian from Arabic), the saved or the client's
    language decides if it is one of them, else the first of them in languages.yaml.
    """
    codes = tuple(language.code for language in languages)
    candidates = tuple(language.code for language in _candidates(text, languages))
    kept = supported(saved, codes)
    # Latin letters are everyone's ("ok", "DRK"); Arabic or Cyrillic ones are not.
    own_script = script_of(text) not in (None, "latin")
    short = len(text.split()) < SHORT_MESSAGE_WORDS
    if kept is not None and short and (not own_script or kept in candidates):
        return kept
    detected = detect_language(text, vocabulary, languages)
    if detected is not None:
        return detected
    if own_script:
        return supported(saved, candidates) or supported(client, candidates) or candidates[0]
    return kept or supported(client, codes) or DEFAULT_LANG
