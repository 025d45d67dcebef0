"""Everything one benchmark run measured, in one immutable record."""

from __future__ import annotations

from dataclasses import dataclass

from benchmarks.burst import BurstRow
from benchmarks.common import BenchConfig, Machine
from benchmarks.profiling import Profile
from benchmarks.quality import QualityRow
from benchmarks.scaling import ScalingRow
from benchmarks.startup import StartupRow


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
