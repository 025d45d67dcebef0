"""A linear classifier over the matcher's features, and its cache on disk."""

from __future__ import annotations

import hashlib
import os
import tempfile
import warnings
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import sklearn
from scipy import sparse

# Bump when the cached arrays change meaning, so an old cache is never read as a new one.
CACHE_FORMAT = "1"
CACHE_FILE = "matcher-model.npz"


@dataclass(frozen=True)
class LinearScorer:
    """One-vs-rest weights: features x targets, and one bias per target."""

    weights: npt.NDArray[np.float32]
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
            np.zeros((n_features, n_targets), np.float32), np.zeros(n_targets, np.float32)
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
    return LinearScorer(np.ascontiguousarray(coef.T), bias)


def cache_key(parts: Iterable[str]) -> str:
    """Return a hash of everything a fitted scorer depends on."""
    digest = hashlib.sha256(f"{CACHE_FORMAT}\0{sklearn.__version__}".encode())
    for part in parts:
        digest.update(b"\0" + part.encode())
    return digest.hexdigest()


def load_cached(path: Path, key: str, n_features: int, n_targets: int) -> LinearScorer | None:
    """Return the cached scorer when it was fitted on exactly these inputs, else None.

    A missing, stale, truncated or otherwise broken file is never trusted.
    """
    try:
        # Our own handle: np.load leaves a file it opened itself open when the zip is broken.
        with path.open("rb") as handle, np.load(handle, allow_pickle=False) as data:
            if str(data["key"]) != key:
                return None
            weights = np.asarray(data["weights"], dtype=np.float32)
            bias = np.asarray(data["bias"], dtype=np.float32)
    except (OSError, ValueError, KeyError, EOFError, TypeError, zipfile.BadZipFile):
        return None
    if weights.shape != (n_features, n_targets) or bias.shape != (n_targets,):
        return None
    if not (np.isfinite(weights).all() and np.isfinite(bias).all()):
        return None
    return LinearScorer(np.ascontiguousarray(weights), bias)


def save_cached(path: Path, key: str, scorer: LinearScorer) -> bool:
    """Write the scorer atomically; return False when the folder is not writable."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".matcher-", suffix=".npz")
        try:
            with os.fdopen(fd, "wb") as handle:
                np.savez(handle, key=np.array(key), weights=scorer.weights, bias=scorer.bias)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except OSError:
        # The cache only saves start-up time; an unwritable data folder must not stop the bot.
        return False
    return True
