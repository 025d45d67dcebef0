"""Retrieval quality and per-question speed of the project's matcher and three baselines."""

from __future__ import annotations

import csv
import re
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import snowballstemmer
from rank_bm25 import BM25Okapi
from sklearn.feature_extraction.text import TfidfVectorizer

from benchmarks.common import BenchConfig, latency_ms, time_calls
from bot.core.assistant import Assistant
from bot.core.evaluation import FALLBACK, load_questions
from bot.core.matcher import Document, Matcher, MatcherSettings
from bot.core.model import Target
from bot.core.text import SynonymMap

PROJECT = "project matcher (as shipped)"
SIMILARITY_ONLY = "project matcher, similarity only (no learned scorer, typo correction kept)"
OWN = "project eval set"
EXTERNAL = "covid-qa-de (external)"
PAIRS_FILE = "eval_question_similarity_de.csv"
LIMIT = 10
Ranker = Callable[[str, int], list[Target]]
_WORD = re.compile(r"\w+")
_GERMAN = snowballstemmer.stemmer("german")


@dataclass(frozen=True)
class Task:
    """A retrieval task: documents (sorted by target), synonyms and queries with right targets."""

    name: str
    documents: tuple[Document, ...]
    synonyms: SynonymMap
    queries: tuple[tuple[str, frozenset[str]], ...]

    @property
    def targets(self) -> int:
        """Number of distinct targets (entries and intents)."""
        return len({d.target for d in self.documents})


@dataclass(frozen=True)
class Method:
    """A named way to build a ranker for a task."""

    name: str
    build: Callable[[Task], Ranker]
    project: bool = False


@dataclass(frozen=True)
class QualityRow:
    """Quality and speed of one method on one task."""

    task: str
    method: str
    project: bool
    queries: int
    p1: float
    mrr10: float
    recall5: float
    build_ms: float
    p50_ms: float
    p99_ms: float


def _task(
    name: str,
    documents: Sequence[Document],
    synonyms: SynonymMap,
    queries: Sequence[tuple[str, frozenset[str]]],
) -> Task:
    """Return a task with its documents sorted (stably) by target."""
    ordered = tuple(sorted(documents, key=lambda d: d.target))
    return Task(name, ordered, synonyms, tuple(queries))


def own_task(root: Path) -> Task:
    """The project's eval set: in-scope questions against every paraphrase line of the KB."""
    assistant, _warnings = Assistant.from_dirs(root / "knowledge", root / "intents")
    questions = load_questions(root / "tests" / "eval" / "questions.yaml")
    queries = [(q.q, frozenset({q.expect})) for q in questions if q.expect != FALLBACK]
    return _task(OWN, assistant.matcher.documents, SynonymMap(assistant.kb.synonyms), queries)


def dedup_key(text: str) -> str:
    """Lower-case, strip punctuation and squeeze spaces (the README's de-duplication)."""
    lowered = "".join(
        " " if unicodedata.category(ch).startswith("P") else ch for ch in text.lower()
    )
    return " ".join(lowered.split())


def covid_task(folder: Path) -> Task | None:
    """The external covid-qa-de task exactly as its README defines it (None when missing)."""
    path = folder / PAIRS_FILE
    if not path.is_file():
        return None
    with path.open(encoding="utf-8", newline="") as handle:
        positives = [row for row in csv.DictReader(handle) if row["similar"].strip() == "1"]
    faq: dict[str, str] = {}
    for row in positives:
        faq.setdefault(dedup_key(row["question_1"]), row["question_1"])
    ids = {key: f"covid-{n:03d}" for n, key in enumerate(faq)}
    right: dict[str, set[str]] = {}
    for row in positives:
        right.setdefault(row["question_2"], set()).add(ids[dedup_key(row["question_1"])])
    documents = [Document(Target("faq", ids[key]), "de", text) for key, text in faq.items()]
    queries = [(text, frozenset(targets)) for text, targets in right.items()]
    return _task(EXTERNAL, documents, SynonymMap([]), queries)


class _Pool:
    """Turns per-document scores into per-target scores (best paraphrase wins)."""

    def __init__(self, documents: Sequence[Document]) -> None:
        self.targets = sorted({d.target for d in documents})
        index = {t: i for i, t in enumerate(self.targets)}
        owners = np.array([index[d.target] for d in documents])
        self._starts = np.searchsorted(owners, np.arange(len(self.targets)))

    def top(self, scores: npt.NDArray[np.float64], limit: int) -> list[Target]:
        """Return the best targets with a positive score, best first."""
        best = np.maximum.reduceat(scores, self._starts)
        order = np.argsort(-best, kind="stable")[:limit]
        return [self.targets[i] for i in order if best[i] > 0]


def _project(task: Task) -> Ranker:
    """The project's Matcher over the task's documents and synonyms, default settings."""
    matcher = Matcher(task.documents, task.synonyms)
    return lambda text, limit: [c.target for c in matcher.rank(text, limit)]


def _similarity_only(task: Task) -> Ranker:
    """The project's Matcher without its learned scorer: the matcher before issue 12."""
    matcher = Matcher(task.documents, task.synonyms, MatcherSettings(learned_share=0.0))
    return lambda text, limit: [c.target for c in matcher.rank(text, limit)]


def _tfidf(make: Callable[[], TfidfVectorizer]) -> Callable[[Task], Ranker]:
    """Cosine similarity over a fresh scikit-learn TF-IDF vectorizer, max-pooled per target."""

    def build(task: Task) -> Ranker:
        vectorizer = make()
        matrix = vectorizer.fit_transform([d.text for d in task.documents]).T.tocsr()
        pool = _Pool(task.documents)

        def rank(text: str, limit: int) -> list[Target]:
            scores = (vectorizer.transform([text]) @ matrix).toarray().ravel()
            return pool.top(scores.astype(np.float64), limit)

        return rank

    return build


def stemmed_tokens(text: str) -> list[str]:
    """Lower-case word tokens with Snowball German stemming (the BM25 baseline's analyser)."""
    return [str(stem) for stem in _GERMAN.stemWords(_WORD.findall(text.lower()))]


def _bm25(task: Task) -> Ranker:
    """rank_bm25's BM25Okapi (default k1, b) over stemmed tokens, max-pooled per target."""
    index = BM25Okapi([stemmed_tokens(d.text) for d in task.documents])
    pool = _Pool(task.documents)

    def rank(text: str, limit: int) -> list[Target]:
        scores = np.asarray(index.get_scores(stemmed_tokens(text)), dtype=np.float64)
        return pool.top(scores, limit)

    return rank


def methods() -> list[Method]:
    """The project's matcher first, then the baselines."""
    return [
        Method(PROJECT, _project, project=True),
        Method(SIMILARITY_ONLY, _similarity_only),
        Method("word TF-IDF (scikit-learn defaults)", _tfidf(TfidfVectorizer)),
        Method("BM25Okapi (rank_bm25, Snowball German stems)", _bm25),
        Method(
            "char_wb 2–4 TF-IDF (sublinear tf)",
            _tfidf(
                lambda: TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True)
            ),
        ),
    ]


def measure(task: Task, method: Method, reps: int) -> QualityRow:
    """Build the method's index, score every query, then time single queries."""
    start = time.perf_counter_ns()
    rank = method.build(task)
    build_ms = (time.perf_counter_ns() - start) / 1e6
    hits = reciprocal = found = 0.0
    for text, right in task.queries:
        ranked = [t.id for t in rank(text, LIMIT)]
        hits += bool(ranked) and ranked[0] in right
        found += any(t in right for t in ranked[:5])
        reciprocal += next((1 / (i + 1) for i, t in enumerate(ranked) if t in right), 0.0)
    samples = time_calls(lambda text: rank(text, LIMIT), [q for q, _ in task.queries], reps)
    p50, p99 = latency_ms(samples)
    n = max(len(task.queries), 1)
    return QualityRow(
        task.name,
        method.name,
        method.project,
        len(task.queries),
        hits / n,
        reciprocal / n,
        found / n,
        build_ms,
        p50,
        p99,
    )


def run_quality(config: BenchConfig, tasks: Sequence[Task]) -> list[QualityRow]:
    """Measure every method on every task."""
    return [measure(task, method, config.latency_reps) for task in tasks for method in methods()]
