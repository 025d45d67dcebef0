"""TF-IDF features of normalised texts: fitted once with scikit-learn, applied without it."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse

from bot.core.text import word_analyzer

Analyzer = Callable[[str], list[str]]
FeatureRow = tuple[npt.NDArray[np.intp], npt.NDArray[np.float32]]

_WHITE_SPACES = re.compile(r"\s\s+")


def char_wb_ngrams(text: str, low: int, high: int) -> list[str]:
    """Return the character n-grams inside word boundaries, as scikit-learn's char_wb makes them."""
    # The same loop as scikit-learn's `_char_wb_ngrams`, so a start with a cached model never
    # imports scikit-learn (~70 MB and ~1 s); a test compares the two on varied texts.
    grams: list[str] = []
    for word in _WHITE_SPACES.sub(" ", text).split():
        padded = f" {word} "
        size = len(padded)
        for n in range(low, high + 1):
            offset = 0
            grams.append(padded[offset : offset + n])
            while offset + n < size:
                offset += 1
                grams.append(padded[offset : offset + n])
            if offset == 0:  # a word shorter than n counts once
                break
    return grams


@dataclass(frozen=True)
class TermWeights:
    """One fitted vocabulary: its terms in column order and their inverse document frequency."""

    terms: list[str]
    idf: npt.NDArray[np.float32]


@dataclass(frozen=True)
class FittedFeatures:
    """The fitted char and word vocabularies and the documents' unit-length feature rows."""

    char: TermWeights
    word: TermWeights
    docs: sparse.csr_matrix


def normalize_rows(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    """Return the matrix with every non-empty row scaled to unit length."""
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1), dtype=np.float64).ravel())
    norms[norms == 0] = 1.0
    scaled: sparse.csr_matrix = sparse.csr_matrix(
        sparse.diags((1.0 / norms).astype(matrix.dtype)) @ matrix
    )
    return scaled


def fit_vectorizers(
    texts: Sequence[str], char_ngrams: tuple[int, int], stemmers: tuple[str, ...]
) -> tuple[Any, Any]:
    """Fit scikit-learn's char and word TF-IDF vectorizers on normalised texts."""
    # Imported here: only a start without a cached model fits.
    from sklearn.feature_extraction.text import TfidfVectorizer

    char = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=char_ngrams,
        sublinear_tf=True,
        lowercase=False,
        dtype=np.float32,
    )
    word = TfidfVectorizer(
        analyzer=word_analyzer(stemmers), sublinear_tf=True, lowercase=False, dtype=np.float32
    )
    char.fit(texts)
    word.fit(texts)
    return char, word


def fit_features(
    texts: Sequence[str],
    char_ngrams: tuple[int, int],
    char_weight: float,
    stemmers: tuple[str, ...],
) -> FittedFeatures:
    """Fit both vocabularies on normalised texts and return them with the documents' rows."""
    char, word = fit_vectorizers(texts, char_ngrams, stemmers)
    docs = normalize_rows(
        sparse.hstack(
            [
                char.transform(texts) * np.sqrt(char_weight),
                word.transform(texts) * np.sqrt(1 - char_weight),
            ]
        ).tocsr()
    )
    return FittedFeatures(_weights(char), _weights(word), docs.astype(np.float32))


def _weights(vectorizer: Any) -> TermWeights:
    """Return a fitted vectorizer's terms in column order and their idf."""
    vocabulary: dict[str, int] = vectorizer.vocabulary_
    terms = sorted(vocabulary, key=vocabulary.__getitem__)
    return TermWeights(terms, np.asarray(vectorizer.idf_, dtype=np.float32))


class QueryVectorizer:
    """Builds one message's feature row directly, the same row scikit-learn's vectorizers give.

    scikit-learn's `transform` costs ~0.3 ms per call for a single message; this costs a
    fraction, and `tests/test_matcher.py` checks it gives the same numbers.
    """

    def __init__(
        self,
        fitted: FittedFeatures,
        char_ngrams: tuple[int, int],
        char_weight: float,
        stemmers: tuple[str, ...],
    ) -> None:
        low, high = char_ngrams

        def char(text: str) -> list[str]:
            return char_wb_ngrams(text, low, high)

        self._parts: list[tuple[Analyzer, dict[str, int], npt.NDArray[np.float32], int, float]]
        self._parts = []
        offset = 0
        for analyze, weights, share in (
            (char, fitted.char, char_weight),
            (word_analyzer(stemmers), fitted.word, 1 - char_weight),
        ):
            vocabulary = dict(zip(weights.terms, range(len(weights.terms)), strict=True))
            self._parts.append((analyze, vocabulary, weights.idf, offset, float(np.sqrt(share))))
            offset += len(vocabulary)

    def __call__(self, text: str) -> FeatureRow:
        """Return the (feature indices, values) of a normalised text; unit length, or empty."""
        indices: list[npt.NDArray[np.intp]] = []
        values: list[npt.NDArray[np.float32]] = []
        for analyze, vocabulary, idf, offset, scale in self._parts:
            counts = Counter(i for i in map(vocabulary.get, analyze(text)) if i is not None)
            if not counts:
                continue
            index = np.fromiter(counts.keys(), np.intp, len(counts))
            tf = np.fromiter(counts.values(), np.float32, len(counts))
            value = (1 + np.log(tf)) * idf[index]
            indices.append(index + offset)
            values.append(value * (scale / np.linalg.norm(value)))
        if not indices:
            return np.empty(0, np.intp), np.empty(0, np.float32)
        row = np.concatenate(values)
        return np.concatenate(indices), row / np.linalg.norm(row)
