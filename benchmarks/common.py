"""Shared pieces of the benchmark: run settings, timing statistics and the machine."""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import numpy as np

# The benchmarks run from a source checkout: they read tests/eval and start run_bot.py.
ROOT = Path(__file__).resolve().parents[1]
LIBRARIES = ("numpy", "scipy", "scikit-learn", "python-telegram-bot", "rank-bm25")


@dataclass(frozen=True)
class BenchConfig:
    """What one benchmark run measures and how often (quick mode for CI, full for the doc)."""

    quick: bool
    latency_reps: int
    scale_factors: tuple[int, ...]
    build_reps: int
    startup_runs: int
    burst_messages: int
    burst_chats: int

    @classmethod
    def make(cls, quick: bool) -> BenchConfig:
        """Return the settings of the quick or the full mode."""
        if quick:
            return cls(True, 1, (1, 2), 1, 1, 50, 10)
        return cls(False, 5, (1, 10, 100), 3, 5, 500, 100)


@dataclass(frozen=True)
class Machine:
    """Where and when the benchmark ran."""

    cpu: str
    cores: int
    python: str
    date: str
    libraries: str


def machine() -> Machine:
    """Describe this machine: CPU model, usable cores, Python and library versions, date."""
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = []
    for name in LIBRARIES:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} (not installed)")
    return Machine(
        cpu=cpu,
        cores=len(os.sched_getaffinity(0)),
        python=platform.python_version(),
        date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        libraries=", ".join(versions),
    )


def time_calls(func: Callable[[str], object], inputs: Sequence[str], reps: int) -> list[int]:
    """Time each single call in nanoseconds, after one untimed warm-up pass over all inputs."""
    for text in inputs:
        func(text)
    samples: list[int] = []
    for _ in range(reps):
        for text in inputs:
            start = time.perf_counter_ns()
            func(text)
            samples.append(time.perf_counter_ns() - start)
    return samples


def latency_ms(samples_ns: Sequence[int]) -> tuple[float, float]:
    """Return the p50 and p99 of nanosecond samples, in milliseconds."""
    if not samples_ns:
        return float("nan"), float("nan")
    values = np.asarray(samples_ns, dtype=np.float64) / 1e6
    return float(np.percentile(values, 50)), float(np.percentile(values, 99))


def child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Return this process's environment without bot settings, plus the given variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_"))}
    env.update(extra or {})
    return env
