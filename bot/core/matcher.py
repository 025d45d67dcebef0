"""Scores a message against every entry and intent: TF-IDF similarity plus a learned classifier."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import astuple, dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy import sparse

from bot.core.features import FeatureRow, QueryVectorizer, fit_features, normalize_rows
from bot.core.fitcache import CACHE_FILE, FittedModel, cache_key, load_model, save_model
from bot.core.learned import LinearScorer, fit_scorer
from bot.core.model import Lang, Target
from bot.core.text import GERMAN_ENGLISH, SynonymMap, TypoCorrector, fold, fold_known_text


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


# A features x targets matrix up to this many cells (~16 MB in half precision) is kept dense.
DENSE_CELLS = 8_000_000
# One-vs-rest fitting grows with targets x documents, and the weights with targets x features:
# beyond this many targets (five times today's knowledge) the matcher uses similarity only.
MAX_LEARNED_TARGETS = 400


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
        stemmers: tuple[str, ...] = GERMAN_ENGLISH,
    ) -> None:
        if not documents:
            raise ValueError("the matcher needs at least one document")
        self.settings = settings or MatcherSettings()
        self._synonyms = synonyms
        self.stemmers = stemmers
        ordered = sorted(documents, key=lambda d: d.target)
        self.targets: list[Target] = sorted({d.target for d in ordered})
        index = {t: i for i, t in enumerate(self.targets)}
        self._doc_target = np.array([index[d.target] for d in ordered], dtype=np.intp)
        self._starts = np.searchsorted(self._doc_target, np.arange(len(self.targets)))
        # Documents are never typo-corrected: their words are the vocabulary.
        folded = [fold_known_text(d.text) for d in ordered]
        texts = [synonyms.apply(text) for text in folded]
        model = self._model(texts, cache_dir)
        self.scorer = model.scorer
        docs = model.features.docs
        s = self.settings
        self._query = QueryVectorizer(model.features, s.char_ngrams, s.char_weight, stemmers)
        known_words = [w for text in folded for w in text.split()] + synonyms.words()
        # The word features are stems: a word whose stem is among them is a known word's form.
        self._typos = TypoCorrector(
            known_words, model.features.word.terms, s.typo_distance, s.typo_min_length, stemmers
        )
        self._docs_t = docs.T.tocsr()
        membership = sparse.csr_matrix(
            (np.ones(len(ordered), dtype=np.float32), (self._doc_target, np.arange(len(ordered)))),
            shape=(len(self.targets), len(ordered)),
        )
        centroids = normalize_rows(membership @ docs).T.tocsr()
        self._centroids: npt.NDArray[np.float16] | sparse.csr_matrix = centroids
        if centroids.shape[0] * centroids.shape[1] <= DENSE_CELLS:
            # Dense features x targets: a message's few features pick rows (~30 µs; the sparse
            # pick takes ~150 µs). Half precision halves the memory per language.
            self._centroids = np.ascontiguousarray(centroids.toarray(), dtype=np.float16)
        self.documents: list[Document] = ordered

    def _model(self, texts: list[str], cache_dir: Path | None) -> FittedModel:
        """Fit features and classifier, or read them from the cache when fitted on the same input."""
        s, n_targets = self.settings, len(self.targets)
        key = cache_key(
            [repr(astuple(s)), repr(self.stemmers), *texts, *(str(t) for t in self._doc_target)]
        )
        path = cache_dir / CACHE_FILE if cache_dir is not None else None
        if path is not None:
            cached = load_model(path, key, len(texts), n_targets)
            if cached is not None and (cached.scorer is not None) == self._learns():
                return cached
        features = fit_features(texts, s.char_ngrams, s.char_weight, self.stemmers)
        scorer: LinearScorer | None = None
        if self._learns():
            scorer = fit_scorer(features.docs, self._doc_target, n_targets, s.svm_c)
        model = FittedModel(features, scorer)
        if path is not None:
            save_model(path, key, model)
        return model

    def _learns(self) -> bool:
        """Whether this matcher has a learned scorer (not with too many targets or share 0)."""
        return self.settings.learned_share > 0 and len(self.targets) <= MAX_LEARNED_TARGETS

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
    matrix: npt.NDArray[np.float16] | sparse.csr_matrix,
    indices: npt.NDArray[np.intp],
    values: npt.NDArray[np.float32],
) -> npt.NDArray[np.float64]:
    """Return values @ matrix[indices] for a dense or a sparse features x targets matrix."""
    if isinstance(matrix, np.ndarray):
        dense: npt.NDArray[np.float64] = (values @ matrix[indices]).astype(np.float64)
        return dense
    return np.asarray(matrix[indices].T @ values, dtype=np.float64).ravel()
