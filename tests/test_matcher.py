"""The matcher's fast query vectors, its learned scorer and its fitted state cached on disk."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bot.core import matcher as matcher_module
from bot.core.assistant import Assistant
from bot.core.features import char_wb_ngrams, fit_vectorizers
from bot.core.fitcache import CACHE_FILE
from bot.core.matcher import Matcher, MatcherSettings
from bot.core.text import GERMAN_ENGLISH, SynonymMap, fold

MESSAGES = [
    "Was macht der Hessische Jugendring?",
    "was ist das rote kreuz ding in dem vertrag",
    "bildungsstäte ane frank!!",
    "Hallo",
    "??",
    "Wer berät uns, wenn wir unsere Kinder zweisprachig erziehen wollen?",
    "xyzzy qwrtp",
]


@pytest.fixture(scope="module")
def small(assistant: Assistant) -> tuple[list, SynonymMap]:  # type: ignore[type-arg]
    """A fifth of the real documents: enough to fit, quick to refit in every test."""
    return assistant.matcher.documents[::5], SynonymMap(assistant.kb.synonyms)


@pytest.mark.parametrize("message", MESSAGES)
def test_query_vector_equals_scikit_learns(assistant: Assistant, message: str) -> None:
    matcher = assistant.matcher
    settings = matcher.settings
    texts = [SynonymMap(assistant.kb.synonyms).apply(fold(d.text)) for d in matcher.documents]
    char, word = fit_vectorizers(texts, settings.char_ngrams, matcher.stemmers)
    text = [matcher.normalise(message)]
    weight = settings.char_weight
    expected = np.hstack(
        [
            char.transform(text).toarray() * np.sqrt(weight),
            word.transform(text).toarray() * np.sqrt(1 - weight),
        ]
    ).ravel()
    norm = np.linalg.norm(expected)
    indices, values = matcher.features(message)
    row = np.zeros(expected.shape[0], np.float32)
    row[indices] = values
    assert np.allclose(row, expected / norm if norm else expected, atol=1e-6)


@pytest.mark.parametrize(
    "text",
    ["was macht der jugendring", "a bc def", "ما هو عقد الاندماج", "x", "", "  zwei   leer  "],
)
def test_char_ngrams_equal_scikit_learns(text: str) -> None:
    char, _ = fit_vectorizers(["was macht der jugendring"], (2, 5), GERMAN_ENGLISH)
    assert char_wb_ngrams(text, 2, 5) == char.build_analyzer()(text)


def test_a_start_with_a_cached_model_does_not_import_scikit_learn(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from bot.core.assistant import Assistant, Deployment\n"
        f"cache = Path({str(tmp_path)!r})\n"
        "Assistant.from_dirs(Path('knowledge'), Path('intents'), deployment=Deployment(model_cache=cache))\n"
        "print('sklearn' in sys.modules)\n"
    )
    root = Path(__file__).resolve().parents[1]
    runs = [
        subprocess.run(
            [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
        ).stdout.split()[-1]
        for _ in range(2)
    ]
    assert runs == ["True", "False"]  # the first start fits, the second reads the cache


def test_the_learned_scorer_changes_the_ranking_and_similarity_only_is_the_old_matcher(
    assistant: Assistant,
) -> None:
    documents = assistant.matcher.documents
    synonyms = SynonymMap(assistant.kb.synonyms)
    old = Matcher(documents, synonyms, replace(assistant.matcher.settings, learned_share=0.0))
    assert old.scorer is None and assistant.matcher.scorer is not None
    message = "Meine Familie kommt aus Eritrea, wo kann ich mit anderen jungen Leuten reden?"
    new_scores = [c.score for c in assistant.matcher.rank(message, 5)]
    old_scores = [c.score for c in old.rank(message, 5)]
    assert new_scores != old_scores


def test_a_fitted_scorer_is_cached_and_read_back(small: tuple, tmp_path: Path) -> None:  # type: ignore[type-arg]
    documents, synonyms = small
    first = Matcher(documents, synonyms, cache_dir=tmp_path)
    cache = tmp_path / CACHE_FILE
    assert cache.is_file()
    stamp = cache.stat().st_mtime_ns
    second = Matcher(documents, synonyms, cache_dir=tmp_path)
    assert cache.stat().st_mtime_ns == stamp  # read, not written again
    assert first.scorer is not None and second.scorer is not None
    assert np.array_equal(first.scorer.weights, second.scorer.weights)


def test_a_stale_cache_is_refitted(small: tuple, tmp_path: Path) -> None:  # type: ignore[type-arg]
    documents, synonyms = small
    Matcher(documents, synonyms, cache_dir=tmp_path)
    before = (tmp_path / CACHE_FILE).read_bytes()
    changed = Matcher(documents[:-3], synonyms, cache_dir=tmp_path)
    assert (tmp_path / CACHE_FILE).read_bytes() != before
    fresh = Matcher(documents[:-3], synonyms)
    assert changed.scorer is not None and fresh.scorer is not None
    assert np.array_equal(changed.scorer.weights, fresh.scorer.weights)


def test_other_settings_do_not_reuse_the_cache(small: tuple, tmp_path: Path) -> None:  # type: ignore[type-arg]
    documents, synonyms = small
    Matcher(documents, synonyms, cache_dir=tmp_path)
    strict = Matcher(documents, synonyms, MatcherSettings(svm_c=0.1), cache_dir=tmp_path)
    fresh = Matcher(documents, synonyms, MatcherSettings(svm_c=0.1))
    assert strict.scorer is not None and fresh.scorer is not None
    assert np.array_equal(strict.scorer.weights, fresh.scorer.weights)


@pytest.mark.parametrize("content", [b"", b"not a zip file", b"PK\x03\x04broken"])
def test_a_broken_cache_is_never_trusted(
    small: tuple,  # type: ignore[type-arg]
    tmp_path: Path,
    content: bytes,
) -> None:
    documents, synonyms = small
    (tmp_path / CACHE_FILE).write_bytes(content)
    matcher = Matcher(documents, synonyms, cache_dir=tmp_path)
    fresh = Matcher(documents, synonyms)
    assert matcher.scorer is not None and fresh.scorer is not None
    assert np.array_equal(matcher.scorer.weights, fresh.scorer.weights)
    assert (tmp_path / CACHE_FILE).stat().st_size > 1000  # rewritten whole


def test_a_cache_with_wrong_shapes_is_refitted(small: tuple, tmp_path: Path) -> None:  # type: ignore[type-arg]
    documents, synonyms = small
    first = Matcher(documents, synonyms, cache_dir=tmp_path)
    assert first.scorer is not None
    with np.load(tmp_path / CACHE_FILE) as data:
        arrays = dict(data)
    np.savez(tmp_path / CACHE_FILE, **{**arrays, "weights": first.scorer.weights[:-1]})
    again = Matcher(documents, synonyms, cache_dir=tmp_path)
    assert again.scorer is not None
    assert again.scorer.weights.shape == first.scorer.weights.shape


def test_an_unwritable_cache_folder_does_not_stop_the_matcher(
    small: tuple,  # type: ignore[type-arg]
    tmp_path: Path,
) -> None:
    documents, synonyms = small
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x", encoding="utf-8")
    matcher = Matcher(documents, synonyms, cache_dir=blocker / "cache")
    assert matcher.rank("Was macht der Hessische Jugendring?", 1)


def test_a_big_knowledge_base_keeps_sparse_centroids_and_ranks_the_same(
    small: tuple,  # type: ignore[type-arg]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    documents, synonyms = small
    dense = Matcher(documents, synonyms)
    monkeypatch.setattr(matcher_module, "DENSE_CELLS", 0)
    big = Matcher(documents, synonyms)
    assert not isinstance(big._centroids, np.ndarray)
    for message in MESSAGES:
        sparse_ranked, dense_ranked = big.rank(message, 5), dense.rank(message, 5)
        assert [c.target for c in sparse_ranked] == [c.target for c in dense_ranked]
        # The dense matrix is kept in half precision: the same scores to about 1e-4.
        assert [c.score for c in sparse_ranked] == pytest.approx(
            [c.score for c in dense_ranked], abs=1e-3
        )


def test_too_many_targets_for_the_classifier_means_similarity_only(
    small: tuple,  # type: ignore[type-arg]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    documents, synonyms = small
    monkeypatch.setattr(matcher_module, "MAX_LEARNED_TARGETS", 3)
    assert Matcher(documents, synonyms).scorer is None
