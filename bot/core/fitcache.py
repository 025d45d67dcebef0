"""The matcher's fitted state (vocabularies, document rows, classifier) cached on disk."""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse

from bot.core.atomic import write_atomically
from bot.core.features import FittedFeatures, TermWeights
from bot.core.learned import LinearScorer

# Bump when the cached arrays change meaning, so an old cache is never read as a new one.
CACHE_FORMAT = "2"
CACHE_FILE = "matcher-model.npz"


@dataclass(frozen=True)
class FittedModel:
    """Everything fitting produces; reading it back spares the fit and scikit-learn's import."""

    features: FittedFeatures
    scorer: LinearScorer | None


def cache_key(parts: Iterable[str]) -> str:
    """Return a hash of everything a fitted model depends on, scikit-learn's version included."""
    # The version from the package metadata: importing scikit-learn costs ~1 s and ~70 MB.
    version = metadata.version("scikit-learn")
    digest = hashlib.sha256(f"{CACHE_FORMAT}\0{version}".encode())
    for part in parts:
        digest.update(b"\0" + part.encode())
    return digest.hexdigest()


def load_model(path: Path, key: str, n_docs: int, n_targets: int) -> FittedModel | None:
    """Return the cached model when it was fitted on exactly these inputs, else None.

    A missing, stale, truncated or otherwise broken file is never trusted.
    """
    try:
        # Our own handle: np.load leaves a file it opened itself open when the zip is broken.
        with path.open("rb") as handle, np.load(handle, allow_pickle=False) as data:
            if str(data["key"]) != key:
                return None
            char = TermWeights(data["char_terms"].tolist(), _floats(data["char_idf"]))
            word = TermWeights(data["word_terms"].tolist(), _floats(data["word_idf"]))
            size = len(char.terms) + len(word.terms)
            docs = sparse.csr_matrix(
                (_floats(data["docs_data"]), data["docs_indices"], data["docs_indptr"]),
                shape=(n_docs, size),
            )
            docs.check_format(full_check=True)
            scorer = None
            if bool(data["has_scorer"]):
                weights = _floats(data["weights"]).astype(np.float16)
                scorer = LinearScorer(np.ascontiguousarray(weights), _floats(data["bias"]))
    except (OSError, ValueError, KeyError, EOFError, TypeError, IndexError, zipfile.BadZipFile):
        return None
    shapes_fit = len(char.idf) == len(char.terms) and len(word.idf) == len(word.terms)
    if scorer is not None:
        shapes_fit &= scorer.weights.shape == (size, n_targets)
        shapes_fit &= scorer.bias.shape == (n_targets,)
    arrays = [char.idf, word.idf, docs.data, *([scorer.weights, scorer.bias] if scorer else [])]
    if not shapes_fit or not all(np.isfinite(a).all() for a in arrays):
        return None
    return FittedModel(FittedFeatures(char, word, docs), scorer)


def _floats(array: npt.NDArray[Any]) -> npt.NDArray[np.float32]:
    """Return a numeric array as float32; anything else (text, objects) is a broken cache."""
    if array.dtype.kind not in "fiu":
        raise TypeError(f"expected numbers, found {array.dtype}")
    return np.asarray(array, dtype=np.float32)


def save_model(path: Path, key: str, model: FittedModel) -> bool:
    """Write the model atomically; return False when the folder is not writable."""
    features, scorer = model.features, model.scorer
    empty = np.zeros(0, np.float16)
    return write_atomically(
        path,
        lambda handle: np.savez(
            handle,
            key=np.array(key),
            char_terms=np.array(features.char.terms, dtype=str),
            char_idf=features.char.idf,
            word_terms=np.array(features.word.terms, dtype=str),
            word_idf=features.word.idf,
            docs_data=features.docs.data,
            docs_indices=features.docs.indices,
            docs_indptr=features.docs.indptr,
            has_scorer=np.array(scorer is not None),
            weights=scorer.weights if scorer else empty,
            bias=scorer.bias if scorer else empty,
        ),
        text=False,
    )
