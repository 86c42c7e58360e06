"""Per-route traffic statistics: requests, rate, status classes, error rate, latency
percentiles (log-bucketed histograms, within 5% of the true value) and bytes.

The same histograms are what the store's rollups keep, so per-route stats computed from a log
file and from stored samples agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from warden.store.histogram import bucket_of, quantile
from warden.traffic.record import Request
from warden.traffic.routes import RouteNamer

CLASSES = ("1xx", "2xx", "3xx", "4xx", "5xx")
_BUCKETS: dict[float, int] = {}
"""Bucket of each duration seen: logs write times in ms, so few distinct values recur."""


@dataclass
class RouteStats:
    method: str
    route: str
    requests: int = 0
    classes: list[int] = field(default_factory=lambda: [0, 0, 0, 0, 0])
    bytes_out: int = 0
    timed: int = 0
    buckets: dict[int, int] = field(default_factory=dict)

    def add(self, r: Request) -> None:
        self.requests += 1
        cls = r.status // 100 - 1
        if 0 <= cls < 5:
            self.classes[cls] += 1
        self.bytes_out += r.bytes_out
        if r.duration is not None:
            self.timed += 1
            b = _BUCKETS.get(r.duration)
            if b is None:
                if len(_BUCKETS) > 100_000:
                    _BUCKETS.clear()
                b = _BUCKETS[r.duration] = bucket_of(r.duration)
            self.buckets[b] = self.buckets.get(b, 0) + 1

    @property
    def errors(self) -> int:
        """Server errors (5xx): what the service got wrong, not what clients asked wrongly."""
        return self.classes[4]

    def percentile(self, q: float) -> float | None:
        return quantile(self.buckets, q)


class TrafficStats:
    """Adds requests to per-(method, route) stats; ``json`` gives the rows."""

    def __init__(self, namer: RouteNamer | None = None) -> None:
        self.namer = namer or RouteNamer()
        self.by_route: dict[tuple[str, str], RouteStats] = {}
        self.first: float | None = None
        self.last: float | None = None

    def add_all(self, requests: Iterable[Request]) -> None:
        for r in requests:
            self.add(r)

    def add(self, r: Request) -> None:
        key = (r.method, self.namer(r.path))
        stats = self.by_route.get(key)
        if stats is None:
            stats = self.by_route[key] = RouteStats(*key)
        stats.add(r)
        if self.first is None or r.ts < self.first:
            self.first = r.ts
        if self.last is None or r.ts > self.last:
            self.last = r.ts

    @property
    def span(self) -> float:
        """Seconds the requests cover (at least 1, so one second of log has a rate)."""
        if self.first is None or self.last is None:
            return 0.0
        return max(1.0, self.last - self.first)

    def rows(self, sort: str = "p95", limit: int | None = None) -> list[dict[str, Any]]:
        span = self.span
        rows = [_row(s, span) for s in self.by_route.values()]
        key = SORTS[sort]
        rows.sort(key=lambda r: (key(r), r["requests"]), reverse=True)
        return rows if limit is None else rows[:limit]


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 3)


def _row(s: RouteStats, span: float) -> dict[str, Any]:
    return {
        "service": None,
        "method": s.method,
        "route": s.route,
        "requests": s.requests,
        "rate": round(s.requests / span, 4) if span else None,
        "errors": s.errors,
        "error_rate": round(s.errors / s.requests, 6) if s.requests else None,
        "status": dict(zip(CLASSES, s.classes, strict=True)),
        "p50_ms": _ms(s.percentile(0.50)),
        "p95_ms": _ms(s.percentile(0.95)),
        "p99_ms": _ms(s.percentile(0.99)),
        "timed": s.timed,
        "bytes_out": s.bytes_out,
    }


SORTS: dict[str, Any] = {
    "p95": lambda r: r["p95_ms"] if r["p95_ms"] is not None else -1.0,
    "p99": lambda r: r["p99_ms"] if r["p99_ms"] is not None else -1.0,
    "errors": lambda r: r["error_rate"] or 0.0,
    "rate": lambda r: r["rate"] or 0.0,
    "requests": lambda r: r["requests"],
}
