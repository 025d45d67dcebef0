"""Text normalisation for matching German and English questions typed in a hurry."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache, partial
from typing import Any

import snowballstemmer
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

# Umlauts and ß are folded to their base letter, and the "ae/oe/ue" spellings people use on
# keyboards without umlauts are folded the same way, so "Verträge", "vertraege" and
# "vertrage" all become "vertrage". The fold is lossy ("neue" -> "neu") but applied to both
# questions and entries, so it only merges spellings, it never separates them.
# The same holds for the other scripts: Turkish dotless ı meets i (people type both); Arabic
# and Persian letter variants meet one form (alef maqsura and Persian yeh -> yeh, keheh ->
# kaf, ta marbuta -> heh); Arabic-Indic and Persian digits become 0-9, so "١١٠" is "110".
_FOLD = str.maketrans(
    {
        "ä": "a",
        "ö": "o",
        "ü": "u",
        "ß": "ss",
        "æ": "ae",
        "œ": "oe",
        "ı": "i",
        "ى": "ي",
        "ی": "ي",
        "ک": "ك",
        "ة": "ه",
        "ـ": None,
        **{chr(0x0660 + d): str(d) for d in range(10)},
        **{chr(0x06F0 + d): str(d) for d in range(10)},
    }
)
_DIGRAPHS = re.compile(r"(ae|oe|ue)")
_DIGRAPH_BASE = {"ae": "a", "oe": "o", "ue": "u"}
# Letters and digits of every script are words; the rest (punctuation, emoji, "_") is space.
_NON_WORD = re.compile(r"[\W_]+")
_TOKEN = re.compile(r"[^\W_]+")
# Pasted markup: a tag's name ("b", "script") is not a word the person wrote.
_TAG = re.compile(r"</?[a-z][a-z0-9]{0,15}\b[^<>]{0,200}>", re.IGNORECASE)
# Joiners inside words (Persian writes some words with a zero-width non-joiner): dropped, so
# both spellings meet.
_JOINERS = str.maketrans({"\u200c": None, "\u200d": None})


class _CombiningMarks(dict[int, int | None]):
    """A str.translate table that drops combining marks; it learns each character once."""

    def __missing__(self, code: int) -> int | None:
        # One unicodedata look-up per distinct character instead of one per character read.
        kept = None if unicodedata.combining(chr(code)) else code
        self[code] = kept
        return kept


_MARKS = _CombiningMarks()
# Longest inputs worth reading: a question is never this long, and capping keeps the answer
# path fast whatever arrives.
MAX_QUESTION_CHARS = 1000

_GERMAN = snowballstemmer.stemmer("german")
_ENGLISH = snowballstemmer.stemmer("english")


def fold(text: str) -> str:
    """Return lower-case text (any script) with umlauts, accents, marks and markup folded away."""
    text = unicodedata.normalize("NFKC", text[:MAX_QUESTION_CHARS]).casefold()
    text = _TAG.sub(" ", text)
    text = text.translate(_FOLD).translate(_JOINERS)
    # Strip remaining accents and marks (é -> e, ş -> s, Arabic vowel signs, the hamza on an
    # alef) so spellings with and without them meet.
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).translate(_MARKS)
    text = _DIGRAPHS.sub(lambda m: _DIGRAPH_BASE[m.group(1)], text)
    return _NON_WORD.sub(" ", text).strip()


# Knowledge texts are folded by the loader, the matcher and the language vocabulary, and again
# after every reload; remembering them halves the start-up's text work. Only knowledge
# texts: people's messages are never kept.
fold_known_text = lru_cache(maxsize=65536)(fold)


def tokens(folded: str) -> list[str]:
    """Split already folded text into word tokens."""
    return _TOKEN.findall(folded)


# The Snowball stemmers of German and English: what German and English messages are matched
# with. Other languages name theirs in languages.yaml (`stemmer`).
GERMAN_ENGLISH: tuple[str, ...] = ("german", "english")
_STEMMERS: dict[str, Any] = {"german": _GERMAN, "english": _ENGLISH}


def stemmer_names() -> frozenset[str]:
    """Return the Snowball algorithms a language may name as its stemmer."""
    return frozenset(snowballstemmer.algorithms())


@lru_cache(maxsize=65536)
def stems(token: str, algorithms: tuple[str, ...] = GERMAN_ENGLISH) -> tuple[str, ...]:
    """Return the distinct Snowball stems of one token (German and English by default)."""
    for name in algorithms:
        if name not in _STEMMERS:
            _STEMMERS[name] = snowballstemmer.stemmer(name)
    return tuple(dict.fromkeys(str(_STEMMERS[name].stemWord(token)) for name in algorithms))


class SynonymMap:
    """Rewrites every variant phrase of a synonym group to the group's first word.

    Variants are compared by their German word stems, so inflected forms meet without being
    listed: "rote kreuz", "roten Kreuzes" and "Rotes Kreuz" all become "drk".
    """

    def __init__(self, groups: Sequence[Sequence[str]]) -> None:
        self._replacements: dict[tuple[str, ...], str] = {}
        self._words: list[str] = []
        for group in groups:
            folded = [fold(word) for word in group]
            self._words += [w for variant in folded for w in variant.split()]
            canonical = folded[0].replace(" ", "")
            for variant in folded:
                key = _stem_key(variant.split())
                if key:
                    self._replacements[key] = canonical
        self._longest = max((len(key) for key in self._replacements), default=0)

    def words(self) -> list[str]:
        """Return every folded word of every variant (they count as known words)."""
        return list(self._words)

    def apply(self, folded: str) -> str:
        """Replace synonym variants in folded text with their canonical word."""
        words = folded.split()
        if not self._longest or not words:
            return folded
        key = _stem_key(words)
        out: list[str] = []
        i = 0
        while i < len(words):
            # Longest phrase first, so "deutsches rotes kreuz" wins over "rotes kreuz".
            for size in range(min(self._longest, len(words) - i), 0, -1):
                canonical = self._replacements.get(key[i : i + size])
                if canonical is not None:
                    out.append(canonical)
                    i += size
                    break
            else:
                out.append(words[i])
                i += 1
        return " ".join(out)


class TypoCorrector:
    """Corrects unknown words toward the knowledge's own vocabulary, within a few edits.

    A word the vocabulary knows is never changed, nor another form of a known word (same
    German stem: "behorde" beside "behorden"), nor a short word or a number: "an" could be
    many words, and a wrong guess is worse than none.
    """

    def __init__(
        self,
        words: Sequence[str],
        known_stems: Iterable[str],
        max_distance: int,
        min_length: int,
        algorithms: tuple[str, ...] = GERMAN_ENGLISH,
    ) -> None:
        counts: dict[str, int] = {}
        for word in words:
            counts[word] = counts.get(word, 0) + 1
        # Most frequent first: of two words equally close, the common one wins.
        self._vocabulary = sorted(counts, key=lambda w: (-counts[w], w))
        self._known = frozenset(counts)
        self._known_stems = frozenset(known_stems)
        self._max_distance = max_distance
        self._min_length = min_length
        self._algorithms = algorithms
        self._cache: dict[str, str] = {}

    def correct(self, folded: str) -> str:
        """Return folded text with each unknown word replaced by its nearest known word."""
        if self._max_distance <= 0:
            return folded
        return " ".join(self._word(word) for word in folded.split())

    def _word(self, word: str) -> str:
        """Return the nearest known word (or the word itself), remembering the answer."""
        if word in self._known or len(word) < self._min_length or word.isdigit():
            return word
        if any(stem in self._known_stems for stem in stems(word, self._algorithms)):
            return word
        cached = self._cache.get(word)
        if cached is None:
            # One edit for short words, more only for long ones, where a slip is likelier.
            limit = 1 if len(word) < 8 else self._max_distance
            hit = process.extractOne(
                word, self._vocabulary, scorer=Levenshtein.distance, score_cutoff=limit
            )
            cached = str(hit[0]) if hit is not None else word
            if len(self._cache) < 65536:
                self._cache[word] = cached
        return cached


def _stem_key(words: Sequence[str]) -> tuple[str, ...]:
    """Return the German stems of folded words, the form synonym variants are compared in."""
    return tuple(_german_stem(word) for word in words)


@lru_cache(maxsize=65536)
def _german_stem(word: str) -> str:
    """Return a folded word's German Snowball stem (cached: the same words recur)."""
    return str(_GERMAN.stemWord(word))


def word_features(folded: str, algorithms: tuple[str, ...] = GERMAN_ENGLISH) -> list[str]:
    """Return stemmed word features of folded, synonym-mapped text."""
    return [stem for token in tokens(folded) for stem in stems(token, algorithms)]


def word_analyzer(algorithms: tuple[str, ...]) -> Callable[[str], list[str]]:
    """Return word_features with fixed stemmers, as an analyzer of one argument."""
    return partial(word_features, algorithms=algorithms)


_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n+")
_CLAUSE_BREAK = re.compile(r",\s+|\s+-\s+|\s+(?:aber|but|und|and|weil|because)\s+", re.IGNORECASE)


def message_parts(text: str, min_words: int) -> list[str]:
    """Return the sentences and clauses of a longer message (none for a one-part message)."""
    sentences = [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]
    parts = list(sentences)
    for sentence in sentences:
        clauses = [c.strip() for c in _CLAUSE_BREAK.split(sentence) if c.strip()]
        if len(clauses) > 1:
            parts.extend(clauses)
    unique = list(dict.fromkeys(p for p in parts if len(p.split()) >= min_words))
    return [] if unique == [text.strip()] else unique
