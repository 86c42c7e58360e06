"""Resource use of the target while the test runs, sampled with Warden's own collectors.

When the target is local, the ``host`` collector samples this machine (CPU, memory, load,
disk); when the scenario names databases (collectors of warden.yaml such as ``postgres`` or
``redis``), those are sampled too. Collectors come from ``warden.collectors.REGISTRY``; a type
that is not available, a config that cannot be read or a collector that fails becomes a note in
the result, never a failed run. Sampling runs in its own thread and event loop, so it cannot
slow the parent's merging of worker reports. Only gauges are kept (no ``*_total`` counters),
at most ``MAX_SERIES`` series.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from warden.engine.clock import SystemClock
from warden.results import Sample

MAX_SERIES = 60
MAX_POINTS = 3600
HOST_GAUGES = (
    'host_cpu_percent{cpu="total"}',
    "host_cpu_iowait_percent",
    "host_memory_used_percent",
    "host_memory_used_bytes",
    "host_swap_used_percent",
    "host_load1",
    "host_processes",
)
"""The host gauges worth watching under load (the host collector reports many more)."""
_SKIP = (
    "host_boot_time_seconds",
    "host_cpu_count",
    "host_memory_total_bytes",
    "host_swap_total_bytes",
    "host_disk_total_bytes",
    "warden_collector_up",
)


@dataclass(frozen=True, slots=True)
class ResourceSeries:
    """One gauge over the run: ``points`` are (seconds since start, value)."""

    name: str
    source: str
    points: tuple[tuple[float, float], ...]

    @property
    def values(self) -> list[float]:
        return [v for _, v in self.points]

    def stats(self) -> dict[str, float | None]:
        v = self.values
        if not v:
            return {"min": None, "mean": None, "max": None, "first": None, "last": None}
        return {"min": min(v), "mean": sum(v) / len(v), "max": max(v), "first": v[0], "last": v[-1]}


_IMPLIED = frozenset({"collector", "host"})
"""Labels that name where a sample comes from, which the source column already says."""


def series_key(sample: Sample) -> str:
    labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()) if k not in _IMPLIED)
    return f"{sample.name}{{{labels}}}" if labels else sample.name


class TargetMonitor:
    """Samples a few collectors every ``interval`` seconds in a background thread."""

    def __init__(self, collectors: Sequence[tuple[str, Any]], interval: float = 1.0) -> None:
        self._collectors = list(collectors)
        self._interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._series: dict[tuple[str, str], list[tuple[float, float]]] = {}
        self._notes: list[str] = []
        self._failed: set[str] = set()
        self._start = 0.0

    @property
    def empty(self) -> bool:
        return not self._collectors

    def start(self, start_time: float) -> None:
        if not self._collectors:
            return
        self._start = start_time
        self._thread = threading.Thread(target=self._run, name="warden-load-monitor", daemon=True)
        self._thread.start()

    def stop(self) -> tuple[list[ResourceSeries], list[str]]:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        out = [
            ResourceSeries(name, source, tuple(points))
            for (source, name), points in sorted(self._series.items())
            if points
        ]
        return out, list(self._notes)

    def _run(self) -> None:
        asyncio.run(self._loop())

    async def _loop(self) -> None:
        try:
            while not self._stop.is_set():
                began = time.monotonic()
                for source, collector in self._collectors:
                    if source not in self._failed:
                        await self._collect(source, collector)
                rest = self._interval - (time.monotonic() - began)
                await asyncio.to_thread(self._stop.wait, max(rest, 0.05))
        finally:
            for _, collector in self._collectors:
                try:
                    await collector.close()
                except Exception as exc:  # a collector's cleanup must not fail the run
                    self._notes.append(f"closing a collector failed: {exc}")

    async def _collect(self, source: str, collector: Any) -> None:
        try:
            samples: list[Sample] = await collector.collect()
        except Exception as exc:  # any collector failure is data for the report
            self._notes.append(f"{source}: sampling failed and was stopped: {exc}")
            self._failed.add(source)
            return
        t = round(time.time() - self._start, 3)
        for s in samples:
            if s.name.endswith("_total") or s.name in _SKIP:
                continue
            name = series_key(s)
            if (
                name.startswith("host_")
                and name not in HOST_GAUGES
                and not name.startswith("host_disk_busy_percent")
            ):
                continue
            key = (source, name)
            points = self._series.get(key)
            if points is None:
                if len(self._series) >= MAX_SERIES:
                    continue
                points = self._series[key] = []
            if len(points) < MAX_POINTS:
                points.append((t, float(s.value)))


def build_monitor(
    local: bool, databases: Sequence[str], config_path: Path | None, interval: float = 1.0
) -> tuple[TargetMonitor, list[str]]:
    """The monitor for a run, and notes on what could not be set up."""
    notes: list[str] = []
    collectors: list[tuple[str, Any]] = []
    try:
        from warden import collectors as registry_pkg

        registry_pkg.load_all()
        registry = registry_pkg.REGISTRY
    except Exception as exc:  # the collectors package is optional for a load test
        return TargetMonitor([]), [f"target resources not sampled: collectors unavailable ({exc})"]
    clock = SystemClock()
    if local:
        if "host" in registry:
            cls = registry.get("host")
            collectors.append(("host", cls("load-target", cls.config_model(), clock)))
        else:
            notes.append("host metrics not sampled: no host collector is available")
    else:
        notes.append("host metrics not sampled: the target is not on this machine")
    if databases:
        collectors += _database_collectors(databases, config_path, registry, clock, notes)
    return TargetMonitor(collectors, interval), notes


def _database_collectors(
    names: Sequence[str], config_path: Path | None, registry: Any, clock: Any, notes: list[str]
) -> list[tuple[str, Any]]:
    try:
        from warden.config.loader import default_config_path, load_config

        config = load_config(config_path or default_config_path())
    except Exception as exc:  # no config: the databases cannot be found, the test still runs
        notes.append(f"databases not sampled: cannot read the Warden config ({exc})")
        return []
    out: list[tuple[str, Any]] = []
    by_name = {c.display_name(): c for c in config.collectors}
    for name in names:
        entry = by_name.get(name)
        if entry is None:
            known = ", ".join(sorted(by_name)) or "none"
            notes.append(
                f"database {name!r} not sampled: no such collector in the config ({known})"
            )
            continue
        kind = entry.collector_type()
        if kind not in registry:
            notes.append(f"database {name!r} not sampled: collector type {kind!r} is unavailable")
            continue
        cls = registry.get(kind)
        out.append((name, cls(name, entry.collector_config(), clock)))
    return out
