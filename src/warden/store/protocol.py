"""What the rest of Warden may ask of a store, and the small records it answers with.

One implementation (``SqlStore``) serves SQLite and PostgreSQL; the contract tests in
tests/store run against both. Methods are synchronous: the engine calls them from a writer
thread so the event loop never waits on disk.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from warden.results import CheckResult, ErrorClass, Sample, Status


@dataclass(frozen=True, slots=True)
class MonitorInfo:
    """A monitor as the store knows it (kept in sync with the config at start and reload)."""

    name: str
    type: str = ""
    group: str = "default"
    target: str = ""


@dataclass(frozen=True, slots=True)
class MonitorState:
    """The current state of a monitor: what it is, since when, and its last check."""

    monitor: str
    status: Status
    since: float
    last_ts: float
    failures: int = 0
    latency: float = 0.0
    error: ErrorClass = ErrorClass.NONE
    message: str = ""


@dataclass(frozen=True, slots=True)
class Uptime:
    """Counts of checks by status over a range; ``ratio`` is up (and degraded) over total."""

    total: int = 0
    up: int = 0
    degraded: int = 0
    down: int = 0

    @property
    def ratio(self) -> float | None:
        return (self.up + self.degraded) / self.total if self.total else None

    def __add__(self, other: Uptime) -> Uptime:
        return Uptime(
            self.total + other.total,
            self.up + other.up,
            self.degraded + other.degraded,
            self.down + other.down,
        )


@dataclass(frozen=True, slots=True)
class SeriesSum:
    """The sum and count of one series' samples over a range (raw samples and rollups)."""

    name: str
    labels: Mapping[str, str]
    total: float
    count: int


@dataclass(frozen=True, slots=True)
class SeriesPoints:
    """One metric series over a range."""

    name: str
    labels: Mapping[str, str]
    points: list[tuple[float, float]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Membership:
    """What one instance's renewal saw: the store's time, the live instances (sorted ids) and
    the work keys this instance holds."""

    now: float
    live: tuple[str, ...]
    held: frozenset[str]


class Store(Protocol):
    def sync_monitors(self, monitors: Sequence[MonitorInfo]) -> None:
        """Register monitors (new ones get ids; known ones get updated type/group/target)."""

    def write(
        self,
        results: Sequence[CheckResult] = (),
        samples: Sequence[Sample] = (),
        states: Sequence[MonitorState] = (),
    ) -> None:
        """Store results, samples and state changes in one transaction (durable on return)."""

    def states(self) -> list[MonitorState]: ...

    def results(
        self, monitor: str, since: float, until: float, limit: int | None = None
    ) -> list[CheckResult]:
        """Raw results of ``monitor`` in ``[since, until)``, newest first."""

    def results_in(self, since: float, until: float) -> dict[str, list[CheckResult]]:
        """Raw results of every monitor in ``[since, until)``, oldest first (one query)."""

    def latest_results(
        self, since: float, until: float, metric: str | None = None, depth: int = 20
    ) -> dict[str, CheckResult]:
        """Per monitor, its newest result in the range (with ``metric``: the newest of its
        ``depth`` newest results that carries it)."""

    def status_changes(self, since: float, until: float) -> dict[str, int]:
        """Per monitor, how often its results switched between down and not down."""

    def uptimes(
        self, since: float, until: float, names: Sequence[str] | None = None
    ) -> dict[str, Uptime]:
        """``uptime`` of every monitor (at least of ``names``) with checks in the range."""

    def uptime(self, monitor: str, since: float, until: float) -> Uptime:
        """Check counts in ``[since, until)`` from raw results, then rollups where raw is gone."""

    def latency_quantiles(
        self, monitor: str, since: float, until: float, qs: Sequence[float]
    ) -> dict[float, float | None]: ...

    def sample_points(
        self, name: str, since: float, until: float, labels: Mapping[str, str] | None = None
    ) -> list[SeriesPoints]: ...

    def sample_sums(
        self, name: str, since: float, until: float, labels: Mapping[str, str] | None = None
    ) -> list[SeriesSum]:
        """Per series of ``name`` (with ``labels``): the sum of its samples in ``[since,
        until)``, from raw samples where they are kept and from rollups before that. Exact
        over any range for series whose samples are increases (histogram buckets)."""

    def record_heartbeat(self, monitor: str, at: float) -> None: ...

    def heartbeats(self) -> dict[str, float]: ...

    def last_ping(self, monitor: str) -> float | None:
        """When ``monitor`` was last pinged, through any instance using this store."""

    # Several instances on one store (see engine/sharing.py); times are the store's clock.

    @property
    def shared(self) -> bool:
        """Whether other instances may use this store at the same time."""

    def renew_instance(self, instance: str, host: str, pid: int, lease: float) -> Membership:
        """Mark ``instance`` alive for ``lease`` seconds and extend the leases it holds."""

    def claim_work(self, instance: str, keys: Collection[str], lease: float) -> frozenset[str]:
        """Take those ``keys`` that are free or expired; returns every key ``instance`` holds."""

    def release_work(self, instance: str, keys: Collection[str] | None = None) -> None:
        """Give up ``keys`` (every one of ``instance``'s when None)."""

    def leave(self, instance: str) -> None:
        """Remove ``instance`` and its leases (a clean stop)."""

    def rollup(self, now: float) -> int:
        """Fold finished minutes and hours into rollups; returns rows written."""

    def prune(self, now: float, raw: float, minute: float, hour: float) -> int:
        """Delete what is older than each retention (seconds); returns rows deleted."""

    def size_bytes(self) -> int: ...

    def close(self) -> None: ...
