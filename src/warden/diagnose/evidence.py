"""What ``diagnose`` reads from the store for one monitor over a window.

- the monitor's checks as per-bucket series: median latency and each timing phase of the
  checks that answered, the failing share, and the error classes and messages of the failing
  checks. HTTP, TCP and TLS probes store dns/connect/tls/ttfb/transfer; database, cache and
  queue probes store their connect time, and the rest of the check is their ``query`` phase;
- the series that explain a slowdown when they move at the same time: host CPU, memory, disk
  I/O, database and Redis connections, cache hit ratios, queue depth, Redis evictions, long
  transactions, each weighed by how close it is to the monitor's target (``scope``);
- the load: request rates of the stored traffic (the monitor's ``service`` label when it has
  one, else every service) and Redis operations;
- deploy and rollback markers and config reloads (``warden.deploys.markers``);
- the newest stored audit report of every configured audit of the target's server.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from warden.diagnose.changes import Change, buckets, level_shift
from warden.diagnose.scope import Scope, endpoint, scope_of
from warden.results import PHASES, CheckResult, Status

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from warden.config.schema import MonitorBase, WardenConfig
    from warden.store.protocol import Store

# probes whose last step (the query or command) is not a stored phase: latency minus the rest
REST_PHASE = dict.fromkeys(("postgres", "mysql", "redis", "pgbouncer", "memcached", "rabbitmq"),
                           "query")  # fmt: skip


@dataclass(frozen=True)
class Related:
    series: str
    labels: Mapping[str, str]
    what: str
    bad: str  # "up" or "down": the direction that hurts
    kind: str  # cpu, memory, disk, connections, cache, queue, evictions, locks, load
    counter: bool = False


def _r(series: str, what: str, kind: str, bad: str = "up", counter: bool = False) -> Related:
    return Related(series, {"cpu": "total"} if series == "host_cpu_percent" else {}, what, bad,
                   kind, counter)  # fmt: skip


RELATED = (
    _r("host_cpu_percent", "host CPU", "cpu"),
    _r("host_cpu_iowait_percent", "CPU time waiting on disk", "disk"),
    _r("host_disk_busy_percent", "disk busy time", "disk"),
    _r("host_memory_used_percent", "memory used", "memory"),
    _r("host_swap_used_percent", "swap used", "memory"),
    _r("postgres_connections_percent", "PostgreSQL connections (of max)", "connections"),
    _r("postgres_database_connections", "PostgreSQL connections to the database", "connections"),
    _r("mysql_connections_percent", "MySQL connections (of max)", "connections"),
    _r("mysql_threads_running", "MySQL threads running", "locks"),
    _r("redis_clients_percent", "Redis clients (of max)", "connections"),
    _r("redis_rejected_connections_total", "Redis refusals", "connections", counter=True),
    _r("postgres_cache_hit_ratio", "PostgreSQL cache hit ratio", "cache", "down"),
    _r("mysql_innodb_buffer_pool_hit_ratio", "InnoDB buffer pool hit ratio", "cache", "down"),
    _r("redis_keyspace_hit_ratio", "Redis keyspace hit ratio", "cache", "down"),
    _r("rabbitmq_queue_messages", "queue depth", "queue"),
    _r("redis_evicted_keys_total", "Redis evictions", "evictions", counter=True),
    _r("postgres_longest_transaction_seconds", "longest PostgreSQL transaction", "locks"),
    _r("mysql_slow_queries_total", "MySQL slow queries", "query", counter=True),
)
LOAD = (
    _r("http_requests_per_second", "requests per second", "load"),
    _r("redis_ops_per_second", "Redis operations per second", "load"),
)


@dataclass(frozen=True)
class Moved:
    """A related series that changed in the direction that hurts."""

    related: Related
    labels: Mapping[str, str]
    change: Change
    weight: float  # 1 on the target or a possible backend, 0.5 elsewhere (``scope``)
    where: str


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
    related: list[Moved] = field(default_factory=list)
    markers: list[dict[str, Any]] = field(default_factory=list)
    audits: list[dict[str, Any]] = field(default_factory=list)
    load: list[dict[str, Any]] = field(default_factory=list)
    scope: Scope | None = None


def _step(since: float, until: float) -> float:
    return max(60.0, (until - since) / 360.0)


def _rates(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out = []
    for (t0, v0), (t1, v1) in itertools.pairwise(points):
        if t1 > t0 and v1 >= v0:  # a reset is skipped
            out.append((t1, (v1 - v0) / (t1 - t0)))
    return out


def _phases(r: CheckResult, rest: str | None) -> dict[str, float]:
    got = {p: v for p, v in r.phases.items() if p in PHASES}
    if rest and got:  # only raw results carry phases; a rollup has none to subtract
        got[rest] = max(0.0, r.latency - sum(got.values()))
    return got


def _check_series(ev: Evidence, results: list[CheckResult]) -> None:
    results.sort(key=lambda r: r.time)
    ev.checks = len(results)
    answered = [r for r in results if r.status is not Status.DOWN]
    up = [(r.time, r.latency) for r in answered]
    ev.latency = _refined(level_shift(buckets(up, ev.step)), up, ev.step)
    if any(r.status is Status.DOWN for r in results):
        # a failing share is 0 most of the time: its noise is 0, so compare means, not medians
        ev.failing = level_shift(_means(results, ev.step), min_rel=0.0)
    series: dict[str, list[tuple[float, float]]] = {}
    rest = REST_PHASE.get(ev.type)
    for r in answered:
        for phase, v in _phases(r, rest).items():
            series.setdefault(phase, []).append((r.time, v))
    for phase, pts in series.items():
        if len(pts) >= 8:
            bucketed = buckets(pts, ev.step)
            ev.phase_levels[phase] = (bucketed[0][1], bucketed[-1][1])
            change = _refined(level_shift(bucketed), pts, ev.step)
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


def _related(ev: Evidence, store: Store, scope: Scope, wanted: tuple[Related, ...],
             labels: Mapping[str, str] | None = None) -> None:  # fmt: skip
    for rel in wanted:
        for s in store.sample_points(
            rel.series, ev.since, ev.until, {**rel.labels, **(labels or {})}
        ):
            points = _rates(s.points) if rel.counter else list(s.points)
            series = buckets(points, ev.step)
            change = level_shift(series, min_rel=0.1 if not rel.counter else 0.5)
            if rel.kind == "load" and series and len(ev.load) < 10:
                ev.load.append({"series": rel.series, "labels": dict(s.labels),
                                "first": series[0][1], "last": series[-1][1],
                                "change": change.json() if change else None})  # fmt: skip
            if change is None or change.rising != (rel.bad == "up"):
                continue
            weight, where = scope.weigh(rel.series, s.labels)
            ev.related.append(Moved(rel, dict(s.labels), change, weight, where))


def _audits(engine: Engine, config: WardenConfig, scope: Scope) -> list[dict[str, Any]]:
    """The newest stored report of each configured audit of the target's server (or host;
    of its database when both name one)."""
    from warden.audit import history

    if not scope.endpoint:
        return []
    same = []
    for a in config.audits:
        server, database = endpoint(a.target.display())
        if scope.database and database and database != scope.database:
            continue  # another database of the same server
        if server == scope.endpoint or server.rsplit(":", 1)[0] == scope.host:
            same.append(a.name)
    return list(history.latest(engine, same).values()) if same else []


def gather(store: Store, config: WardenConfig, monitor: MonitorBase, since: float,
           until: float) -> Evidence:  # fmt: skip
    from warden.deploys.markers import markers
    from warden.store.sql import SqlStore

    cfg = monitor.probe_config()
    target = cfg.target() if cfg is not None else ""
    ev = Evidence(monitor.name, monitor.probe_type(), target, since, until, _step(since, until))
    ev.scope = scope = scope_of(config, monitor)
    _check_series(ev, store.results(monitor.name, since, until))
    _related(ev, store, scope, RELATED)
    service = monitor.labels.get("service")
    _related(ev, store, scope, LOAD[:1], {"service": service} if service else None)
    _related(ev, store, scope, LOAD[1:])
    if isinstance(store, SqlStore):  # markers and audit reports are feature tables of SQL
        ev.markers = [m.json() for m in markers(store.engine, since, until, limit=200)]
        ev.audits = _audits(store.engine, config, scope)
    return ev
