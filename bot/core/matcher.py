"""TF-IDF matching of a message against every paraphrase of every entry and intent."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from bot.core.model import Lang, Target
from bot.core.text import SynonymMap, fold, word_features


@dataclass(frozen=True)
class MatcherSettings:
    """How the matcher weighs its features; measured on the evaluation set (`bot eval`)."""

    char_weight: float = 0.55
    char_ngrams: tuple[int, int] = (2, 5)
    # Share of an entry's score from its single best paraphrase; the rest comes from the
    # centroid of all its paraphrases, so an entry with many good examples is not outvoted
    # by one accidental look-alike.
    best_share: float = 0.6


@dataclass(frozen=True)
class Document:
    """One paraphrase (example question, title or keyword line) of a target."""

    target: Target
    lang: Lang
    text: str


@dataclass(frozen=True)
class Candidate:
    """A target with its score for one message."""

    target: Target
    score: float


class Matcher:
    """Scores messages against targets; built once per knowledge load, then read-only."""

    def __init__(
        self,
        documents: Sequence[Document],
        synonyms: SynonymMap,
        settings: MatcherSettings | None = None,
    ) -> None:
        if not documents:
            raise ValueError("the matcher needs at least one document")
        self.settings = settings or MatcherSettings()
        self._synonyms = synonyms
        ordered = sorted(documents, key=lambda d: d.target)
        self.targets: list[Target] = sorted({d.target for d in ordered})
        index = {t: i for i, t in enumerate(self.targets)}
        self._doc_target = np.array([index[d.target] for d in ordered])
        self._starts = np.searchsorted(self._doc_target, np.arange(len(self.targets)))
        texts = [self.normalise(d.text) for d in ordered]
        self._char = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=self.settings.char_ngrams,
            sublinear_tf=True,
            lowercase=False,
            dtype=np.float32,
        )
        self._word = TfidfVectorizer(
            analyzer=word_features, sublinear_tf=True, lowercase=False, dtype=np.float32
        )
        self._docs = self._features(texts, fit=True)
        membership = sparse.csr_matrix(
            (np.ones(len(ordered), dtype=np.float32), (self._doc_target, np.arange(len(ordered)))),
            shape=(len(self.targets), len(ordered)),
        )
        sums = (membership @ self._docs).tocsr()
        self._sum_norms = np.sqrt(np.asarray(sums.multiply(sums).sum(axis=1)).ravel())
        self._sums_t = sums.T.tocsr()
        self._centroids = normalize(sums).T.tocsr()
        self._docs_t = self._docs.T.tocsr()
        self.documents: list[Document] = ordered

    def normalise(self, text: str) -> str:
        """Fold and synonym-map text the way documents were."""
        return self._synonyms.apply(fold(text))

    def _features(self, texts: list[str], *, fit: bool = False) -> sparse.csr_matrix:
        """Return weighted, concatenated char and word TF-IDF rows (each row unit length)."""
        if fit:
            char, word = self._char.fit_transform(texts), self._word.fit_transform(texts)
        else:
            char, word = self._char.transform(texts), self._word.transform(texts)
        weight = self.settings.char_weight
        combined = sparse.hstack([char * np.sqrt(weight), word * np.sqrt(1 - weight)]).tocsr()
        return normalize(combined)

    def rank(self, text: str, limit: int = 5) -> list[Candidate]:
        """Return the best targets for a message, best first (empty when nothing overlaps)."""
        normalised = self.normalise(text)
        if not normalised:
            return []
        query = self._features([normalised])
        if query.nnz == 0:
            return []
        doc_sims = np.asarray((query @ self._docs_t).todense()).ravel()
        best = np.maximum.reduceat(doc_sims, self._starts)
        centroid = np.asarray((query @ self._centroids).todense()).ravel()
        share = self.settings.best_share
        scores: npt.NDArray[np.float64] = share * best + (1 - share) * centroid
        top = np.argsort(-scores)[:limit]
        return [Candidate(self.targets[t], float(scores[t])) for t in top if scores[t] > 0]

    def rank_held_out(self, doc_index: int, limit: int = 10) -> list[Candidate]:
        """Rank one of the matcher's own paraphrases as if it had not been written.

        Its own similarity is dropped and its target's centroid is recomputed without it;
        only the IDF weights still include it (a small, documented leak).
        """
        query = self._docs[doc_index]
        own = int(self._doc_target[doc_index])
        doc_sims = np.asarray((query @ self._docs_t).todense()).ravel()
        doc_sims[doc_index] = 0.0
        lonely = self._starts[own] == doc_index and (
            own + 1 == len(self._starts) or self._starts[own + 1] == doc_index + 1
        )
        best = np.maximum.reduceat(doc_sims, self._starts)
        dots = np.asarray((query @ self._sums_t).todense()).ravel()
        centroid = dots / np.maximum(self._sum_norms, 1e-9)
        # Removing a unit vector d from a sum S: q.(S-d) = q.S - 1, |S-d|^2 = |S|^2 - 2 q.S + 1.
        rest = np.sqrt(max(self._sum_norms[own] ** 2 - 2 * dots[own] + 1.0, 1e-9))
        centroid[own] = 0.0 if lonely else (dots[own] - 1.0) / rest
        share = self.settings.best_share
        scores = share * best + (1 - share) * centroid
        if lonely:
            scores[own] = 0.0
        top = np.argsort(-scores)[:limit]
        return [Candidate(self.targets[t], float(scores[t])) for t in top if scores[t] > 0]
