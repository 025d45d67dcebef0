"""Everything one benchmark run measured, in one immutable record."""

from __future__ import annotations

from dataclasses import dataclass

from bot.bench.burst import BurstRow
from bot.bench.common import BenchConfig, Machine
from bot.bench.profiling import Profile
from bot.bench.quality import QualityRow
from bot.bench.scaling import ScalingRow
from bot.bench.startup import StartupRow


@dataclass(frozen=True)
class TaskInfo:
    """Size of one retrieval task."""

    name: str
    queries: int
    documents: int
    targets: int


@dataclass(frozen=True)
class BenchResult:
    """Everything one benchmark run measured."""

    machine: Machine
    config: BenchConfig
    tasks: tuple[TaskInfo, ...]
    quality: tuple[QualityRow, ...]
    scaling: tuple[ScalingRow, ...]
    startup: tuple[StartupRow, ...]
    burst: tuple[BurstRow, ...]
    matcher_profile: Profile
    burst_profile: Profile
    load: tuple[float, float]
    scaling_queries: int
    readme_figures: str
    notes: tuple[str, ...]
    seconds: float
