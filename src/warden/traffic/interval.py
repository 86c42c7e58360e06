"""The standard request series of one collect interval, whatever read the requests.

Both the access log collector and the Prometheus scrape collector reduce an interval to
``RouteCounts`` (requests, server errors and a latency histogram per method and route) and
write the same series, so the built-in traffic rules, SLOs and ``warden traffic top`` work on
either source:

- live, per service: ``http_requests_per_second``, ``http_server_errors_per_second``,
  ``http_error_ratio`` (only with ``min_requests`` in the interval) and
  ``http_request_duration_seconds_p50|p95|p99``; per route ``http_route_requests_per_second``,
  ``http_route_error_ratio`` and ``http_route_duration_seconds_p95``;
- history, per route, summed over any window later: ``http_route_requests_increase``,
  ``http_route_server_errors_increase`` and the histogram
  ``http_route_duration_seconds_bucket_increase{le=...}``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from warden.traffic.buckets import SUFFIX, le_text, quantile, sparse

ROUTE_HISTOGRAM = "http_route_duration_seconds"
REQUESTS = "http_route_requests_increase"
ERRORS = "http_route_server_errors_increase"
Point = tuple[str, dict[str, str], float]
"""(name, labels, value) of one sample before the collector stamps it."""


@dataclass
class RouteCounts:
    method: str
    route: str
    requests: float = 0.0
    errors: float = 0.0  # 5xx
    buckets: dict[float, float] = field(default_factory=dict)  # per bucket, by upper bound
    layout: Sequence[float] | None = None  # every bound of the histogram (default: the keys)

    def add_buckets(self, counts: Mapping[float, float]) -> None:
        for bound, n in counts.items():
            self.buckets[bound] = self.buckets.get(bound, 0.0) + n


def history_points(service: str, routes: Iterable[RouteCounts]) -> list[Point]:
    """What is stored per route so that any window can be summed later."""
    out: list[Point] = []
    for r in routes:
        if not r.requests and not any(r.buckets.values()):
            continue
        labels = {"service": service, "method": r.method, "route": r.route}
        out.append((REQUESTS, labels, r.requests))
        if r.errors:
            out.append((ERRORS, labels, r.errors))
        for bound, n in sorted(sparse(r.buckets, r.layout).items()):
            out.append((ROUTE_HISTOGRAM + SUFFIX, {**labels, "le": le_text(bound)}, n))
    return out


def live_points(
    service: str, routes: list[RouteCounts], span: float, min_requests: int
) -> list[Point]:
    """Rates, error ratios and quantiles of the interval (``span`` seconds long)."""
    svc = {"service": service}
    total = sum(r.requests for r in routes)
    errors = sum(r.errors for r in routes)
    out: list[Point] = [
        ("http_requests_per_second", svc, total / span),
        ("http_server_errors_per_second", svc, errors / span),
    ]
    if total >= min_requests:
        out.append(("http_error_ratio", svc, errors / total))
    merged: dict[float, float] = {}
    for r in routes:
        for bound, n in r.buckets.items():
            merged[bound] = merged.get(bound, 0.0) + n
    for q, name in ((0.5, "p50"), (0.95, "p95"), (0.99, "p99")):
        value = quantile(q, merged)
        if value is not None:
            out.append((f"http_request_duration_seconds_{name}", svc, value))
    for r in routes:
        labels = {"service": service, "method": r.method, "route": r.route}
        out.append(("http_route_requests_per_second", labels, r.requests / span))
        if r.requests >= min_requests:
            out.append(("http_route_error_ratio", labels, r.errors / r.requests))
        p95 = quantile(0.95, r.buckets)
        if p95 is not None:
            out.append(("http_route_duration_seconds_p95", labels, p95))
    return out
