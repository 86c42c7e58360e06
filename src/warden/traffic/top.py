"""``traffic top``: the slowest and most erroring routes of an access log, as one JSON shape
that the CLI prints, the API will serve and scripts read (schema ``warden.traffic.top/v1``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from warden.traffic.formats import log_format
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
