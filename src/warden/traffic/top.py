"""``traffic top``: the slowest and most erroring routes, from an access log read directly or
from the stored per-route history of the access log and Prometheus collectors, as one JSON
shape that the CLI prints, the API serves and scripts read (schema ``warden.traffic.top/v1``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from warden.store.protocol import Store
from warden.traffic import buckets
from warden.traffic.formats import log_format
from warden.traffic.interval import ERRORS, REQUESTS, ROUTE_HISTOGRAM
from warden.traffic.logfile import ReadReport, read_requests
from warden.traffic.routes import RouteNamer
from warden.traffic.stats import SORTS, TrafficStats

SCHEMA = "warden.traffic.top/v1"


def _iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat(timespec="seconds")


def top_from_log(
    path: Path,
    fmt: str,
    *,
    patterns: Sequence[str] = (),
    sort: str = "p95",
    limit: int = 20,
    since: float | None = None,
    fields: Mapping[str, str] | None = None,
    duration_unit: str = "s",
    max_routes: int = 1000,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Read ``path`` in format ``fmt`` and rank its routes by ``sort``; ``since`` (epoch
    seconds) skips older requests. ValueError for a bad format, pattern or sort."""
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
    options: dict[str, Any] = {}
    if fmt == "json":
        options = {"fields": fields, "duration_unit": duration_unit}
    parser = log_format(fmt, **options)
    stats = TrafficStats(RouteNamer(patterns, max_routes))
    report = ReadReport()
    for r in read_requests(path, parser, report, progress):
        if since is None or r.ts >= since:
            stats.add(r)
    routes = stats.rows(sort, limit)
    total = sum(s.requests for s in stats.by_route.values())
    errors = sum(s.errors for s in stats.by_route.values())
    return {
        "schema": SCHEMA,
        "source": str(path),
        "format": fmt,
        "sort": sort,
        "window": {
            "from": _iso(stats.first),
            "to": _iso(stats.last),
            "seconds": stats.span,
        },
        "lines": report.lines,
        "requests": total,
        "errors": errors,
        "error_rate": round(errors / total, 6) if total else None,
        "bad_lines": report.bad,
        "bad_samples": [{"line": n, "text": t} for n, t in report.samples],
        "route_count": len(stats.by_route),
        "routes": routes,
    }


def top_from_store(
    store: Store,
    since: float,
    until: float,
    *,
    service: str | None = None,
    sort: str = "p95",
    limit: int = 20,
) -> dict[str, Any]:
    """Rank the routes of the stored per-route history in ``[since, until)`` by ``sort``:
    counts summed exactly from raw samples and rollups, percentiles interpolated in the
    stored histogram's buckets (as Prometheus' ``histogram_quantile``)."""
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
    if until <= since:
        raise ValueError("the window is empty: --since must lie before --until")
    wanted = {"service": service} if service else None
    keys = ("service", "method", "route")

    def key(labels: Mapping[str, str]) -> tuple[str, ...]:
        return tuple(labels.get(k, "") for k in keys)

    requests = {key(s.labels): s.total for s in store.sample_sums(REQUESTS, since, until, wanted)}
    errors = {key(s.labels): s.total for s in store.sample_sums(ERRORS, since, until, wanted)}
    hists = buckets.window_counts(store, ROUTE_HISTOGRAM, since, until, wanted, by=keys)
    bad = sum(s.total for s in store.sample_sums("access_log_bad_lines", since, until, wanted))
    span = until - since
    rows: list[dict[str, Any]] = []
    for route_key in sorted(set(requests) | set(hists)):
        svc, method, route = route_key
        n = round(requests.get(route_key, 0.0))
        err = round(errors.get(route_key, 0.0))
        counts = hists.get(route_key, {})
        rows.append(
            {
                "service": svc,
                "method": method,
                "route": route,
                "requests": n,
                "rate": round(n / span, 4),
                "errors": err,
                "error_rate": round(err / n, 6) if n else None,
                "status": None,  # the stored history keeps server errors, not every class
                "p50_ms": _ms(buckets.quantile(0.50, counts)),
                "p95_ms": _ms(buckets.quantile(0.95, counts)),
                "p99_ms": _ms(buckets.quantile(0.99, counts)),
                "timed": round(sum(counts.values())),
                "bytes_out": None,
            }
        )
    order = SORTS[sort]
    rows.sort(key=lambda r: (order(r), r["requests"]), reverse=True)
    total = sum(r["requests"] for r in rows)
    total_errors = sum(r["errors"] for r in rows)
    return {
        "schema": SCHEMA,
        "source": "store",
        "format": None,
        "sort": sort,
        "window": {"from": _iso(since), "to": _iso(until), "seconds": span},
        "lines": None,
        "requests": total,
        "errors": total_errors,
        "error_rate": round(total_errors / total, 6) if total else None,
        "bad_lines": round(bad),
        "bad_samples": [],
        "route_count": len(rows),
        "routes": rows[:limit],
    }


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 3)
