"""What ``diagnose`` reads from the store for one monitor over a window.

- the monitor's checks as per-bucket series: median latency, failing share, each timing phase,
  and the error classes and messages of the failing checks;
- the series that explain a slowdown when they move at the same time: host CPU, memory, disk
  I/O, database and Redis connections, cache hit ratios, queue depth, Redis evictions, long
  transactions (host-wide: collectors do not say which monitor they serve);
- the load: request rates of the stored traffic (the monitor's ``service`` label when it has
  one, else every service) and Redis operations;
- deploy and rollback markers and config reloads (``warden.deploys.markers``);
- the newest stored audit report of every configured audit of the same host.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from warden.diagnose.changes import Change, buckets, level_shift
from warden.results import PHASES, CheckResult, Status
from warden.store.sql import SqlStore


@dataclass(frozen=True)
class Related:
    series: str
    labels: Mapping[str, str]
    what: str
    bad: str  # "up" or "down": the direction that hurts
    kind: str  # cpu, memory, disk, connections, cache, queue, evictions, locks, load
    counter: bool = False


RELATED = (
    Related("host_cpu_percent", {"cpu": "total"}, "host CPU", "up", "cpu"),
    Related("host_cpu_iowait_percent", {}, "CPU time waiting on disk", "up", "disk"),
    Related("host_disk_busy_percent", {}, "disk busy time", "up", "disk"),
    Related("host_memory_used_percent", {}, "memory used", "up", "memory"),
    Related("host_swap_used_percent", {}, "swap used", "up", "memory"),
    Related(
        "postgres_connections_percent", {}, "PostgreSQL connections (of max)", "up", "connections"
    ),
    Related("mysql_connections_percent", {}, "MySQL connections (of max)", "up", "connections"),
    Related("redis_clients_percent", {}, "Redis clients (of max)", "up", "connections"),
    Related("postgres_cache_hit_ratio", {}, "PostgreSQL cache hit ratio", "down", "cache"),
    Related(
        "mysql_innodb_buffer_pool_hit_ratio", {}, "InnoDB buffer pool hit ratio", "down", "cache"
    ),
    Related("redis_keyspace_hit_ratio", {}, "Redis keyspace hit ratio", "down", "cache"),
    Related("rabbitmq_queue_messages", {}, "queue depth", "up", "queue"),
    Related("redis_evicted_keys_total", {}, "Redis evictions", "up", "evictions", counter=True),
    Related(
        "postgres_longest_transaction_seconds", {}, "longest PostgreSQL transaction", "up", "locks"
    ),
)
LOAD = (
    Related("http_requests_per_second", {}, "requests per second", "up", "load"),
    Related("redis_ops_per_second", {}, "Redis operations per second", "up", "load"),
)


@dataclass
class Evidence:
    monitor: str
    type: str
    target: str
    since: float
    until: float
    step: float
    checks: int = 0
    latency: Change | None = None
    failing: Change | None = None
    phases: dict[str, Change] = field(default_factory=dict)
    phase_levels: dict[str, tuple[float, float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)
    related: list[tuple[Related, Mapping[str, str], Change]] = field(default_factory=list)
    markers: list[dict[str, Any]] = field(default_factory=list)
    audits: list[dict[str, Any]] = field(default_factory=list)


def _step(since: float, until: float) -> float:
    return max(60.0, (until - since) / 360.0)


def _rates(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out = []
    for (t0, v0), (t1, v1) in itertools.pairwise(points):
        if t1 > t0 and v1 >= v0:  # a reset is skipped
            out.append((t1, (v1 - v0) / (t1 - t0)))
    return out


def _check_series(ev: Evidence, results: list[CheckResult]) -> None:
    results.sort(key=lambda r: r.time)
    ev.checks = len(results)
    up = [(r.time, r.latency) for r in results if r.status is not Status.DOWN]
    ev.latency = _refined(level_shift(buckets(up, ev.step)), up, ev.step)
    failing = buckets([(r.time, 1.0 if r.status is Status.DOWN else 0.0) for r in results],
                      ev.step)  # fmt: skip
    # a failing share is 0 most of the time: its noise is 0, so compare means, not medians
    ev.failing = (
        level_shift(_means(results, ev.step), min_rel=0.0) if any(v for _, v in failing) else None
    )
    for phase in PHASES:
        pts = [(r.time, r.phases[phase]) for r in results if phase in r.phases]
        if len(pts) >= 8:
            series = buckets(pts, ev.step)
            ev.phase_levels[phase] = (series[0][1], series[-1][1])
            change = level_shift(series)
            if change is not None:
                ev.phases[phase] = change
    onset = min((c.at for c in (ev.latency, ev.failing) if c is not None), default=ev.since)
    for r in results:
        if r.status is Status.DOWN and r.time >= onset:
            key = str(r.error) or "error"
            ev.errors[key] = ev.errors.get(key, 0) + 1
            if r.message and r.message not in ev.messages and len(ev.messages) < 5:
                ev.messages.append(r.message[:300])


def _refined(
    change: Change | None, points: list[tuple[float, float]], step: float
) -> Change | None:
    """A change found on coarse buckets, placed to the minute: the same test on the raw
    points of the three buckets around it (the levels stay the coarse ones)."""
    if change is None or step <= 60.0:
        return change
    near = [(t, v) for t, v in points if abs(t - change.at) <= 3 * step]
    fine = level_shift(buckets(near, 60.0))
    return change if fine is None else Change(fine.at, change.before, change.after, change.z)


def _means(results: list[CheckResult], step: float) -> list[tuple[float, float]]:
    grouped: dict[int, list[float]] = {}
    for r in results:
        grouped.setdefault(int(r.time // step), []).append(1.0 if r.status is Status.DOWN else 0.0)
    return [(k * step, sum(v) / len(v)) for k, v in sorted(grouped.items())]


def _related(ev: Evidence, store: SqlStore, wanted: tuple[Related, ...],
             labels: Mapping[str, str] | None = None) -> None:  # fmt: skip
    for rel in wanted:
        for s in store.sample_points(
            rel.series, ev.since, ev.until, {**rel.labels, **(labels or {})}
        ):
            points = _rates(s.points) if rel.counter else list(s.points)
            change = level_shift(buckets(points, ev.step), min_rel=0.1 if not rel.counter else 0.5)
            if change is None or change.rising != (rel.bad == "up"):
                continue
            ev.related.append((rel, dict(s.labels), change))


def _host(text: str) -> str:
    """host:port of a target (a URL or HOST[:PORT]); secrets never leave this function."""
    parts = urlsplit(text if "://" in text else f"tcp://{text}")
    host = (parts.hostname or "").lower()
    if host in ("localhost", "::1"):
        host = "127.0.0.1"
    return f"{host}:{parts.port}" if parts.port else host


def gather(store: SqlStore, config: Any, monitor: Any, since: float, until: float) -> Evidence:
    from warden.audit import history
    from warden.deploys.markers import markers

    cfg = monitor.probe_config()
    target = cfg.target() if cfg is not None else ""
    ev = Evidence(monitor.name, monitor.probe_type(), target, since, until, _step(since, until))
    _check_series(ev, store.results(monitor.name, since, until))
    _related(ev, store, RELATED)
    service = monitor.labels.get("service")
    _related(ev, store, LOAD[:1], {"service": service} if service else None)
    _related(ev, store, LOAD[1:])
    ev.markers = [m.json() for m in markers(store.engine, since, until, limit=200)]
    mine = _host(target) if target else ""
    if mine:
        same = [a.name for a in config.audits if _host(a.target.display()) == mine
                or _host(a.target.display()).split(":")[0] == mine.split(":")[0]]  # fmt: skip
        ev.audits = list(history.latest(store.engine, same).values()) if same else []
    return ev
