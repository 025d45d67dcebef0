"""A linear classifier over the matcher's features."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse


@dataclass(frozen=True)
class LinearScorer:
    """One-vs-rest weights: features x targets, and one bias per target."""

    # Half precision: a weight matrix per language costs half the memory, and the rankings
    # of the evaluation tables stay the same (bot eval).
    weights: npt.NDArray[np.float16]
    bias: npt.NDArray[np.float32]

    def decisions(
        self, indices: npt.NDArray[np.intp], values: npt.NDArray[np.float32]
    ) -> npt.NDArray[np.float32]:
        """Return each target's decision value for one sparse feature row."""
        result: npt.NDArray[np.float32] = values @ self.weights[indices] + self.bias
        return result


def fit_scorer(
    features: sparse.csr_matrix, labels: npt.NDArray[np.intp], n_targets: int, c: float
) -> LinearScorer:
    """Fit a linear SVM (one-vs-rest) on document rows labelled by target index."""
    n_features = features.shape[1]
    if n_targets < 2:
        # Nothing to tell apart: every decision is the same.
        return LinearScorer(
            np.zeros((n_features, n_targets), np.float16), np.zeros(n_targets, np.float32)
        )
    # tol 1e-2 fits in ~0.3 s instead of ~0.4 s with the same cross-validated accuracy.
    # Imported here: a start with a cached model never needs it (~8 MB and ~0.2 s).
    from sklearn.svm import LinearSVC

    with warnings.catch_warnings():
        # With about one example per target (an FAQ of single questions) scikit-learn guesses
        # the labels might be a regression target; they are class indices.
        warnings.filterwarnings("ignore", "The number of unique classes", UserWarning)
        svc = LinearSVC(C=c, tol=1e-2, random_state=0).fit(features, labels)
    coef = np.asarray(svc.coef_, dtype=np.float32)
    bias = np.asarray(svc.intercept_, dtype=np.float32)
    if n_targets == 2:
        # scikit-learn keeps one weight row for two classes: positive means the second.
        coef, bias = np.vstack([-coef, coef]), np.concatenate([-bias, bias])
    return LinearScorer(np.ascontiguousarray(coef.T, dtype=np.float16), bias)
