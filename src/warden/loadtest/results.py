"""The result of a load test: what the summary, ``--json``, the HTML report and the store show.

``RunResult.to_payload()`` is the body of the ``warden.load/v1`` JSON document (see
docs/loadtest.md for the shape). Latencies are milliseconds, rates fractions, times seconds
since the start of the run unless named ``*_at`` (seconds since the epoch).
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field
from typing import Any

from warden.loadtest.histograms import LatencySummary
from warden.loadtest.monitor import ResourceSeries


class ExitCode(enum.IntEnum):
    """Exit codes of ``warden load`` (the same scheme as every ``warden`` command)."""

    OK = 0
    THRESHOLD_FAILED = 1  # a threshold failed at the end, or an abort threshold stopped the run
    USAGE = 2  # bad options, scenario file, or a remote target without --allow-remote
    STORE = 3  # --save could not write to the store
    ERROR = 4  # Warden itself failed (workers could not start, or one was lost: partial)
    INTERRUPTED = 130  # Ctrl-C


@dataclass(frozen=True, slots=True)
class NameResult:
    name: str
    requests: int
    ok: int
    errors: dict[str, int]
    bytes_in: int
    rps: float
    error_rate: float
    latency: LatencySummary


@dataclass(frozen=True, slots=True)
class StageResult:
    index: int
    label: str
    start_s: float
    end_s: float
    target_from: float
    target_to: float
    requests: int
    errors: int
    rps: float
    error_rate: float
    latency: LatencySummary
    thresholds_passed: bool | None


@dataclass(frozen=True, slots=True)
class SeriesPoint:
    """One step of the time series (``span`` seconds long, usually 1)."""

    t: float
    span: float
    target: float
    requests: int
    errors: dict[str, int]
    bytes_in: int
    rps: float
    p50_ms: float | None
    p90_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    max_ms: float | None
    late: int
    dropped: int
    connections: int
    in_flight: int
    vus: int
    window_ok: bool | None

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


@dataclass(frozen=True, slots=True)
class ThresholdResult:
    expr: str
    abort: bool
    passed: bool
    actual: float | None
    actual_text: str
    first_failed_at_s: float | None


@dataclass(frozen=True, slots=True)
class BreakingPoint:
    """Where the thresholds first failed over the sliding window during the run."""

    last_ok_at_s: float | None
    last_ok_target: float | None
    last_ok_rps: float | None
    broke_at_s: float | None
    broke_at_target: float | None
    failed: list[str]


@dataclass(frozen=True, slots=True)
class Drift:
    """Latency and errors at the start and the end of the longest stage (soak)."""

    stage: str
    p95_first_ms: float | None
    p95_last_ms: float | None
    p95_change_pct: float | None
    error_rate_first: float
    error_rate_last: float


@dataclass(frozen=True, slots=True)
class HostStats:
    """One fleet of the generator: ``local`` (this machine's processes) or a remote worker."""

    name: str
    processes: int
    requests: int
    cpu_seconds: float
    clock_offset_s: float | None = None  # the worker's clock minus the controller's
    rtt_ms: float | None = None
    lost: str | None = None  # why it stopped reporting before the end
    lost_at_s: float | None = None


@dataclass(frozen=True, slots=True)
class GeneratorStats:
    workers: int
    cpu_seconds: float
    requests_per_cpu_second: float | None
    hosts: list[HostStats] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class RunResult:
    name: str
    target: str
    model: str
    preset: str | None
    unit: str
    started_at: float
    planned_duration_s: float
    elapsed_s: float
    stop_reason: str
    requests: int
    ok: int
    errors: dict[str, int]
    error_rate: float
    bytes_in: int
    rps: float
    bytes_per_s: float
    intended: int
    sent: int
    late: int
    dropped: int
    latency: LatencySummary
    by_name: list[NameResult]
    stages: list[StageResult]
    series: list[SeriesPoint]
    series_resolution_s: float
    thresholds: list[ThresholdResult]
    breaking_point: BreakingPoint | None
    drift: Drift | None
    resources: list[ResourceSeries]
    generator: GeneratorStats
    notes: list[str] = field(default_factory=list)
    partial: bool = False  # a worker was lost: the figures miss its share after that

    @property
    def passed(self) -> bool:
        return all(t.passed for t in self.thresholds)

    @property
    def aborted(self) -> bool:
        return self.stop_reason.startswith("aborted")

    @property
    def exit_code(self) -> ExitCode:
        if self.stop_reason == "interrupted":
            return ExitCode.INTERRUPTED
        if self.stop_reason.startswith("error") or self.partial:
            return ExitCode.ERROR
        if self.aborted or not self.passed:
            return ExitCode.THRESHOLD_FAILED
        return ExitCode.OK

    def to_payload(self) -> dict[str, Any]:
        """The ``warden.load/v1`` document body (plain data, stable key order)."""
        data = asdict(self)
        data["passed"] = self.passed
        data["exit_code"] = int(self.exit_code)
        data["resources"] = [
            {"name": r.name, "source": r.source, **r.stats(), "points": [list(p) for p in r.points]}
            for r in self.resources
        ]
        return data
