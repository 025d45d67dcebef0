"""How index build time and per-question latency grow with the size of the knowledge base."""

from __future__ import annotations

import functools
import random
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

from benchmarks.common import BenchConfig, latency_ms, time_calls
from bot.core.matcher import Document, Matcher
from bot.core.text import SynonymMap

SEED = 20_240_601
# Share of words (longer than three letters) changed in a synthetic copy of a paraphrase.
PERTURB_SHARE = 0.25
_LETTERS = "abcdefghijklmnopqrstuvwxyzäöüß"


@dataclass(frozen=True)
class ScalingRow:
    """Build time and latency of the project's matcher at one knowledge-base size."""

    factor: int
    documents: int
    targets: int
    build_s: float
    p50_ms: float
    p99_ms: float
    samples: int


def perturb(text: str, rng: random.Random) -> str:
    """Change about a quarter of the longer words by one letter (swap, drop or insert)."""
    words = []
    for word in text.split():
        if len(word) > 3 and rng.random() < PERTURB_SHARE:
            i = rng.randrange(1, len(word) - 1)
            op = rng.randrange(3)
            if op == 0:
                word = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
            elif op == 1:
                word = word[:i] + word[i + 1 :]
            else:
                word = word[:i] + rng.choice(_LETTERS) + word[i:]
        words.append(word)
    return " ".join(words)


def synthetic(documents: Sequence[Document], factor: int) -> list[Document]:
    """Return the real documents plus factor-1 perturbed clones of every target (ids suffixed)."""
    rng = random.Random(SEED + factor)
    result = list(documents)
    for copy in range(1, factor):
        result.extend(
            Document(replace(d.target, id=f"{d.target.id}~{copy}"), d.lang, perturb(d.text, rng))
            for d in documents
        )
    return result


def run_scaling(
    config: BenchConfig,
    documents: Sequence[Document],
    synonyms: SynonymMap,
    queries: Sequence[str],
) -> list[ScalingRow]:
    """Build the matcher at every configured size and time single queries against it."""
    rows = []
    for factor in config.scale_factors:
        docs = synthetic(documents, factor)
        builds = []
        matcher: Matcher | None = None
        # The largest index is built once: its build alone takes long enough to measure.
        reps = config.build_reps if factor < 100 else 1
        for _ in range(reps):
            matcher = None
            start = time.perf_counter_ns()
            matcher = Matcher(docs, synonyms)
            builds.append((time.perf_counter_ns() - start) / 1e9)
        assert matcher is not None
        reps = config.latency_reps if factor < 100 else max(1, config.latency_reps // 2)
        samples = time_calls(functools.partial(matcher.rank, limit=10), queries, reps)
        p50, p99 = latency_ms(samples)
        rows.append(
            ScalingRow(
                factor,
                len(docs),
                len(matcher.targets),
                statistics.median(builds),
                p50,
                p99,
                len(samples),
            )
        )
    return rows
