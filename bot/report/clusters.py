"""Grouping of similar questions: char n-gram TF-IDF and agglomerative clustering."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_distances

# Average cosine distance below which two groups merge. Short questions share few n-grams,
# so the value is high; measured on typical unanswered questions (tests/test_report.py).
DISTANCE_THRESHOLD = 0.8
NGRAMS = (2, 5)
# Filler words carry no topic; without them "Wo ist das Bürgeramt?" and "Wann ist Ramadan?"
# would look alike. Written folded (ä→a, ß→ss), as Matcher.normalise returns text.
_STOP_WORDS_TEXT = """
ich du er sie es wir ihr man mein meine meinen dein deine der die das den dem des ein eine
einen einem einer und oder aber wie was wer wo wann warum wieso welche welcher welches ist
sind bin bist war kann konnen muss mussen soll will gibt in im an am auf aus bei beim mit
von vom zu zum zur fur uber nach nicht kein keine auch noch mal bitte hallo da dass so denn
ja nein hat habe haben werde werden wird mir mich i you the a an and or is are am be can do
does how what who where when why which to of on for with my me it this that please hi hello
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())
_WORD = re.compile(r"\w+")


def topic_words(text: str, normalise: Callable[[str], str]) -> str:
    """Return the normalised text without filler words (the whole text if nothing is left)."""
    folded = normalise(text)
    words = [w for w in _WORD.findall(folded) if w not in STOP_WORDS]
    return " ".join(words) or folded or text.strip().casefold()


def cluster_texts(
    texts: Sequence[str], normalise: Callable[[str], str] = str.casefold
) -> list[list[int]]:
    """Group texts by similarity; return lists of indexes, largest group first."""
    if not texts:
        return []
    keys = [topic_words(t, normalise) for t in texts]
    unique = sorted(set(keys))
    labels = _labels(unique)
    by_key = dict(zip(unique, labels, strict=True))
    groups: dict[int, list[int]] = {}
    for index, key in enumerate(keys):
        groups.setdefault(by_key[key], []).append(index)
    # Largest first; equal sizes in a stable order (by their first text).
    return sorted(groups.values(), key=lambda g: (-len(g), sorted(texts[i] for i in g)))


def _labels(unique: list[str]) -> list[int]:
    """Return a cluster label for each distinct text."""
    if len(unique) == 1:
        return [0]
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=NGRAMS, sublinear_tf=True)
    try:
        matrix = vectorizer.fit_transform(unique)
    except ValueError:
        # Nothing to compare (e.g. texts of white space only): every text on its own.
        return list(range(len(unique)))
    # Precomputed, because the "cosine" metric refuses rows without any n-gram; here such a
    # row is simply far (distance 1) from every other.
    distances = np.clip(cosine_distances(matrix), 0.0, None)
    np.fill_diagonal(distances, 0.0)
    model = AgglomerativeClustering(
        n_clusters=None,
        metric="precomputed",
        linkage="average",
        distance_threshold=DISTANCE_THRESHOLD,
    )
    return [int(label) for label in model.fit_predict(distances)]
