"""Answers sized for a model's context: pages of rows, thinned series and summaries.

Every list a tool returns is one page (``offset``/``limit``, with ``total`` and
``next_offset``); every series is summarised (count, min, mean, max, p95, last) and thinned to
at most ``max_points`` bucket averages, so no call dumps an unbounded table.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Annotated, Any, TypeVar

from pydantic import Field

T = TypeVar("T")

Limit = Annotated[int, Field(ge=1, le=200, description="Rows per page (at most 200).")]
Offset = Annotated[int, Field(ge=0, le=1_000_000, description="Rows to skip (next_offset).")]
Since = Annotated[
    str, Field(description="Start: a duration back from now (30m, 6h, 7d) or an ISO time.")
]
Until = Annotated[
    str | None, Field(description="End: a duration back from now or an ISO time (default now).")
]
MaxPoints = Annotated[int, Field(ge=2, le=500, description="Most points per series returned.")]


def page(items: Sequence[T], offset: int, limit: int, key: str) -> dict[str, Any]:
    """``{key: items[offset:offset+limit], total, offset, next_offset}``."""
    chunk = list(items[offset : offset + limit])
    end = offset + len(chunk)
    return {key: chunk, "total": len(items), "offset": offset,
            "next_offset": end if end < len(items) else None}  # fmt: skip


def summary(values: Sequence[float]) -> dict[str, Any]:
    """Count, min, mean, max, p95 and the last value (None when there is nothing)."""
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return {"count": 0, "min": None, "mean": None, "max": None, "p95": None, "last": None}
    ordered = sorted(finite)
    rank = max(0, math.ceil(0.95 * len(ordered)) - 1)
    return {
        "count": len(finite),
        "min": ordered[0],
        "mean": sum(finite) / len(finite),
        "max": ordered[-1],
        "p95": ordered[rank],
        "last": finite[-1],
    }


def thin(points: Sequence[tuple[float, float]], max_points: int) -> list[list[float]]:
    """At most ``max_points`` ``[t, v]`` pairs: equal-width time buckets averaged (the
    points as they are when they already fit)."""
    if len(points) <= max_points:
        return [[t, v] for t, v in points]
    lo, hi = points[0][0], points[-1][0]
    width = (hi - lo) / max_points or 1.0
    sums: dict[int, list[float]] = {}
    for t, v in points:
        slot = sums.setdefault(min(int((t - lo) / width), max_points - 1), [0.0, 0.0, 0.0])
        slot[0] += t
        slot[1] += v
        slot[2] += 1
    return [[s[0] / s[2], s[1] / s[2]] for _, s in sorted(sums.items())]


def period(
    since: str, until: str | None, now: float, longest: float = 400 * 86400.0
) -> tuple[float, float]:
    """The ``[since, until)`` range of a tool call; ValueError names the bad bound."""
    from warden.alerting.period import parse_period

    lo, hi = parse_period(since, until, now)
    if until is None:
        hi = now + 1.0  # a result stamped now is inside
    if hi - lo > longest:
        raise ValueError(f"the range may span at most {longest / 86400:g} days")
    return lo, hi
