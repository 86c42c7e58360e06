"""Access log collector: follows a web server's access log and turns each interval's requests
into per-service and per-route samples (rate, server errors, latency percentiles, bytes).

Service level (``service`` label, the collector's name by default): ``http_requests_per_second``,
``http_server_errors_per_second``, ``http_error_ratio`` (5xx share; only for intervals with at
least ``min_requests``), ``http_request_duration_seconds_p50|p95|p99``,
``http_response_bytes_per_second`` and ``access_log_bad_lines`` (lines that did not parse).
Route level (``method`` and ``route`` labels too): ``http_route_requests_total`` (a counter
since the collector started), ``http_route_requests_per_second``,
``http_route_error_ratio`` and ``http_route_duration_seconds_p95``; and the per-route history
of traffic/interval.py (requests, 5xx and a latency histogram per interval, which ``warden
traffic top`` sums over any window). The built-in rules
TrafficErrorRateHigh (> 1%) and TrafficSlow (p95 > 1 s) read the service-level series.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import math
import os
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from warden.collectors._base import Collector, CollectorConfig, register
from warden.engine.clock import Clock
from warden.errors import CollectorError
from warden.results import Sample
from warden.store.histogram import quantile, upper_bound
from warden.traffic.buckets import LOG_BOUNDS, bucket_index
from warden.traffic.follow import LogFollower
from warden.traffic.formats import FORMATS, LogFormat, log_format
from warden.traffic.interval import RouteCounts, history_points
from warden.traffic.routes import RouteNamer, compile_pattern
from warden.traffic.stats import TrafficStats

log = logging.getLogger("warden.collectors")


def _state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "warden"


class AccessLogConfig(CollectorConfig):
    path: Path = Field(description="The access log to follow.")
    format: str = Field("nginx", description="nginx, apache, json, alb or cloudfront.")
    service: str | None = Field(None, description="The service label (default: collector name).")
    routes: list[str] = Field(
        default_factory=list, description="Route patterns such as /users/:id (tried first)."
    )
    max_routes: int = Field(200, ge=1, description="Distinct routes kept; the rest are (other).")
    fields: dict[str, str] = Field(default_factory=dict, description="json: NAME: KEY mapping.")
    duration_unit: Literal["s", "ms", "us"] = "s"
    start_at: Literal["end", "beginning"] = Field(
        "end", description="Where to start reading a log seen for the first time."
    )
    min_requests: int = Field(
        10, ge=1, description="Requests an interval needs before its error ratio is reported."
    )
    state_dir: Path | None = Field(
        None, description="Where the read position is kept (default: $XDG_STATE_HOME/warden)."
    )

    @field_validator("format")
    @classmethod
    def _format(cls, v: str) -> str:
        if v not in FORMATS:
            raise ValueError(f"unknown log format {v!r}; one of {', '.join(FORMATS)}")
        return v

    @field_validator("routes")
    @classmethod
    def _routes(cls, v: list[str]) -> list[str]:
        for p in v:
            compile_pattern(p)
        return v


@register
class AccessLogCollector(Collector[AccessLogConfig]):
    type = "access_log"
    config_model = AccessLogConfig

    def __init__(self, name: str, config: AccessLogConfig, clock: Clock) -> None:
        super().__init__(name, config, clock)
        state = (config.state_dir or _state_dir()) / f"access_log-{name}.json"
        self.follower = LogFollower(config.path, state, config.start_at)
        options = (
            {"fields": config.fields, "duration_unit": config.duration_unit}
            if config.format == "json"
            else {}
        )
        self.parser: LogFormat = log_format(config.format, **options)
        self.namer = RouteNamer(config.routes, config.max_routes)
        self.service = config.service or name
        self.last: float | None = None
        self.totals: dict[tuple[str, str], int] = {}

    async def collect(self) -> list[Sample]:
        try:
            lines = await asyncio.to_thread(self.follower.read_lines)
        except OSError as exc:
            raise CollectorError(f"{self.config.path}: {exc.strerror or exc}") from exc
        now = self.clock.time()
        span = max(1.0, now - self.last) if self.last is not None else None
        self.last = now
        stats, bad = self._tally(lines)
        for key, st in stats.by_route.items():
            self.totals[key] = self.totals.get(key, 0) + st.requests
        svc = self.service
        out = [self.sample("access_log_bad_lines", bad, now, service=svc)]
        for (method, route), count in self.totals.items():
            out.append(self.sample("http_route_requests_total", count, now, service=svc,
                                   method=method, route=route))  # fmt: skip
        if span is not None:  # the first read has no interval to divide by
            out += self._rates(stats, span, now)
        for name, labels, value in history_points(svc, _route_counts(stats)):
            out.append(self.sample(name, value, now, **labels))
        return out

    def _tally(self, lines: list[bytes]) -> tuple[TrafficStats, int]:
        stats = TrafficStats(self.namer)
        bad = 0
        parse = self.parser.parse
        for raw in lines:
            line = raw.decode("utf-8", "replace")
            if not line.strip() or (line.startswith("#") and self.parser.header(line)):
                continue
            r = parse(line)
            if r is None:
                bad += 1
                if bad == 1:
                    log.warning("%s: a line did not parse as %s: %.200s", self.name,
                                self.config.format, line)  # fmt: skip
                continue
            stats.add(r)
        return stats, bad

    def _rates(self, stats: TrafficStats, span: float, now: float) -> list[Sample]:
        svc = self.service
        routes = list(stats.by_route.values())
        total = sum(s.requests for s in routes)
        errors = sum(s.errors for s in routes)
        merged: dict[int, int] = {}
        for s in routes:
            for b, c in s.buckets.items():
                merged[b] = merged.get(b, 0) + c
        out = [
            self.sample("http_requests_per_second", total / span, now, service=svc),
            self.sample("http_server_errors_per_second", errors / span, now, service=svc),
            self.sample(
                "http_response_bytes_per_second",
                sum(s.bytes_out for s in routes) / span,
                now,
                service=svc,
            ),
        ]
        if total >= self.config.min_requests:
            out.append(self.sample("http_error_ratio", errors / total, now, service=svc))
        for q, label in ((0.5, "p50"), (0.95, "p95"), (0.99, "p99")):
            value = quantile(merged, q)
            if value is not None:
                out.append(
                    self.sample(f"http_request_duration_seconds_{label}", value, now, service=svc)
                )
        for s in routes:
            labels = {"service": svc, "method": s.method, "route": s.route}
            out.append(self.sample("http_route_requests_per_second", s.requests / span, now,
                                   **labels))  # fmt: skip
            if s.requests >= self.config.min_requests:
                out.append(
                    self.sample("http_route_error_ratio", s.errors / s.requests, now, **labels)
                )
            p95 = s.percentile(0.95)
            if p95 is not None:
                out.append(self.sample("http_route_duration_seconds_p95", p95, now, **labels))
        return out

    async def close(self) -> None:
        self.follower.close()


def _route_counts(stats: TrafficStats) -> list[RouteCounts]:
    """Each route's interval with its latencies in the stored histogram's buckets (a log bucket
    goes whole to the stored bucket holding its upper bound: 10 % at most)."""
    out = []
    for s in stats.by_route.values():
        r = RouteCounts(s.method, s.route, float(s.requests), float(s.errors), layout=_LAYOUT)
        for index, n in s.buckets.items():
            bound = _stored_bound(index)
            r.buckets[bound] = r.buckets.get(bound, 0.0) + n
        out.append(r)
    return out


_LAYOUT = (*LOG_BOUNDS, math.inf)


@functools.cache
def _stored_bound(log_index: int) -> float:
    i = bucket_index(upper_bound(log_index))
    return LOG_BOUNDS[i] if i < len(LOG_BOUNDS) else math.inf
