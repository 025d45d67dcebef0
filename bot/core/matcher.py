"""Scores a message against every entry and intent: TF-IDF similarity plus a learned classifier."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import astuple, dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from bot.core.learned import (
    CACHE_FILE,
    LinearScorer,
    cache_key,
    fit_scorer,
    load_cached,
    save_cached,
)
from bot.core.model import Lang, Target
from bot.core.text import SynonymMap, TypoCorrector, fold, word_features


@dataclass(frozen=True)
class MatcherSettings:
    """How the matcher weighs its features; chosen on the dev part of the evaluation table."""

    char_weight: float = 0.55
    char_ngrams: tuple[int, int] = (2, 5)
    # Share of the similarity from a target's single best paraphrase; the rest comes from the
    # centroid of all its paraphrases, so a target with many good examples is not outvoted
    # by one accidental look-alike.
    best_share: float = 0.6
    # Share of the score from the learned classifier (0 = similarity only, the old matcher).
    learned_share: float = 0.3
    # Slope of the sigmoid that turns a decision value into a confidence: the SVM's boundary
    # (0) maps to 0.5. Per target, not a softmax over targets, so a message that fits no
    # target gets low confidence for all of them instead of a forced winner.
    learned_slope: float = 2.0
    # The linear SVM's regularisation (larger fits the examples more closely).
    svm_c: float = 1.0
    # Unknown words of at least `typo_min_length` letters are corrected to a known word within
    # one edit, or within `typo_distance` edits from eight letters on (0 turns this off).
    typo_distance: int = 1
    typo_min_length: int = 4


@dataclass(frozen=True)
class Document:
    """One paraphrase (example question, title or keyword line) of a target."""

    target: Target
    lang: Lang
    text: str
    # What the line is: "title", "question" or "keywords" of an entry, "example" of an intent.
    role: str = "question"


@dataclass(frozen=True)
class Candidate:
    """A target with its score for one message."""

    target: Target
    score: float


# A features x targets matrix up to this many cells (~32 MB as float32) is kept dense.
DENSE_CELLS = 8_000_000
# One-vs-rest fitting grows with targets x documents, and the weights with targets x features:
# beyond this many targets (five times today's knowledge) the matcher uses similarity only.
MAX_LEARNED_TARGETS = 400

Analyzer = Callable[[str], list[str]]
FeatureRow = tuple[npt.NDArray[np.intp], npt.NDArray[np.float32]]


class QueryVectorizer:
    """Builds one message's feature row directly, the same row the fitted vectorizers give.

    scikit-learn's `transform` costs ~0.3 ms per call for a single message; this costs a
    fraction, and `tests/test_matcher.py` checks it gives the same numbers.
    """

    def __init__(self, parts: Sequence[tuple[TfidfVectorizer, float]]) -> None:
        self._parts: list[tuple[Analyzer, dict[str, int], npt.NDArray[np.float32], int, float]]
        self._parts = []
        offset = 0
        for vectorizer, weight in parts:
            vocabulary: dict[str, int] = vectorizer.vocabulary_
            idf = np.asarray(vectorizer.idf_, dtype=np.float32)
            self._parts.append(
                (vectorizer.build_analyzer(), vocabulary, idf, offset, float(np.sqrt(weight)))
            )
            offset += len(vocabulary)
        self.size = offset

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


class Matcher:
    """Scores messages against targets; built once per knowledge load, then read-only.

    A target's score mixes the TF-IDF similarity (best paraphrase and centroid) with the
    confidence of a linear SVM fitted on the same features (a sigmoid of its decision value);
    `learned_share` sets how much each counts.
    """

    def __init__(
        self,
        documents: Sequence[Document],
        synonyms: SynonymMap,
        settings: MatcherSettings | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        if not documents:
            raise ValueError("the matcher needs at least one document")
        self.settings = settings or MatcherSettings()
        self._synonyms = synonyms
        ordered = sorted(documents, key=lambda d: d.target)
        self.targets: list[Target] = sorted({d.target for d in ordered})
        index = {t: i for i, t in enumerate(self.targets)}
        self._doc_target = np.array([index[d.target] for d in ordered], dtype=np.intp)
        self._starts = np.searchsorted(self._doc_target, np.arange(len(self.targets)))
        # Documents are never typo-corrected: their words are the vocabulary.
        folded = [fold(d.text) for d in ordered]
        texts = [synonyms.apply(text) for text in folded]
        char = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=self.settings.char_ngrams,
            sublinear_tf=True,
            lowercase=False,
            dtype=np.float32,
        )
        word = TfidfVectorizer(
            analyzer=word_features, sublinear_tf=True, lowercase=False, dtype=np.float32
        )
        self._char, self._word = char, word
        weight = self.settings.char_weight
        docs = normalize(
            sparse.hstack(
                [
                    char.fit_transform(texts) * np.sqrt(weight),
                    word.fit_transform(texts) * np.sqrt(1 - weight),
                ]
            ).tocsr()
        )
        known_words = [w for text in folded for w in text.split()] + synonyms.words()
        # The word features are stems: a word whose stem is among them is a known word's form.
        self._typos = TypoCorrector(
            known_words,
            set(word.vocabulary_),
            self.settings.typo_distance,
            self.settings.typo_min_length,
        )
        self._query = QueryVectorizer([(char, weight), (word, 1 - weight)])
        self._docs_t = docs.T.tocsr()
        membership = sparse.csr_matrix(
            (np.ones(len(ordered), dtype=np.float32), (self._doc_target, np.arange(len(ordered)))),
            shape=(len(self.targets), len(ordered)),
        )
        centroids = normalize(membership @ docs).T.tocsr()
        self._centroids: npt.NDArray[np.float32] | sparse.csr_matrix = centroids
        if centroids.shape[0] * centroids.shape[1] <= DENSE_CELLS:
            # Dense features x targets: a message's few features pick rows, no sparse product.
            self._centroids = np.ascontiguousarray(centroids.toarray(), dtype=np.float32)
        self.scorer = self._scorer(docs, texts, cache_dir)
        self.documents: list[Document] = ordered

    def _scorer(
        self, docs: sparse.csr_matrix, texts: list[str], cache_dir: Path | None
    ) -> LinearScorer | None:
        """Fit the classifier, or read it from the cache when it was fitted on the same input."""
        n_features, n_targets = docs.shape[1], len(self.targets)
        if self.settings.learned_share <= 0 or n_targets > MAX_LEARNED_TARGETS:
            return None
        key = cache_key([repr(astuple(self.settings)), *texts, *(str(t) for t in self._doc_target)])
        path = cache_dir / CACHE_FILE if cache_dir is not None else None
        if path is not None:
            cached = load_cached(path, key, n_features, n_targets)
            if cached is not None:
                return cached
        scorer = fit_scorer(docs, self._doc_target, n_targets, self.settings.svm_c)
        if path is not None:
            save_cached(path, key, scorer)
        return scorer

    def document_features(self, texts: list[str]) -> sparse.csr_matrix:
        """Return the feature rows of normalised texts with scikit-learn (unit length)."""
        weight = self.settings.char_weight
        char = self._char.transform(texts) * np.sqrt(weight)
        word = self._word.transform(texts) * np.sqrt(1 - weight)
        return normalize(sparse.hstack([char, word]).tocsr())

    def normalise(self, text: str) -> str:
        """Fold, correct typos and synonym-map text the way documents were."""
        return self._synonyms.apply(self._typos.correct(fold(text)))

    def features(self, text: str) -> FeatureRow:
        """Return a message's feature row (indices, values), as the documents were built."""
        return self._query(self.normalise(text))

    def rank(self, text: str, limit: int = 5) -> list[Candidate]:
        """Return the best targets for a message, best first (empty when nothing overlaps)."""
        indices, values = self.features(text)
        if not indices.size:
            return []
        scores = self.scores(indices, values)
        top = np.argsort(-scores, kind="stable")[:limit]
        return [Candidate(self.targets[t], float(scores[t])) for t in top if scores[t] > 0]

    def scores(
        self, indices: npt.NDArray[np.intp], values: npt.NDArray[np.float32]
    ) -> npt.NDArray[np.float64]:
        """Return every target's score for one feature row."""
        rows = self._docs_t[indices]
        doc_sims = np.asarray(rows.T @ values).ravel()
        best = np.maximum.reduceat(doc_sims, self._starts)
        centroid = _pick(self._centroids, indices, values)
        share = self.settings.best_share
        similarity: npt.NDArray[np.float64] = share * best + (1 - share) * centroid
        if self.scorer is None:
            return similarity
        decisions = self.scorer.decisions(indices, values).astype(np.float64)
        confidence = 1 / (1 + np.exp(-self.settings.learned_slope * decisions))
        learned = self.settings.learned_share
        mixed: npt.NDArray[np.float64] = (1 - learned) * similarity + learned * confidence
        return mixed


def _pick(
    matrix: npt.NDArray[np.float32] | sparse.csr_matrix,
    indices: npt.NDArray[np.intp],
    values: npt.NDArray[np.float32],
) -> npt.NDArray[np.float64]:
    """Return values @ matrix[indices] for a dense or a sparse features x targets matrix."""
    if isinstance(matrix, np.ndarray):
        dense: npt.NDArray[np.float64] = (values @ matrix[indices]).astype(np.float64)
        return dense
    return np.asarray(matrix[indices].T @ values, dtype=np.float64).ravel()
