"""Latency histograms (HdrHistogram): recording in batches, exact merging, percentile summaries.

Every histogram has the same shape (1 us to 10 min, 3 significant digits), so merging is an
exact bucket-by-bucket sum whether it happens in a worker, after the wire encoding, or in the
parent. Latencies are recorded in whole microseconds. ``record_batch`` counts equal values first
(``collections.Counter`` runs in C), so the pure-Python ``record_value`` is called once per
distinct value instead of once per request.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from hdrh.histogram import HdrHistogram

LOWEST_US = 1
HIGHEST_US = 600_000_000
SIGNIFICANT_DIGITS = 3
PERCENTILES: tuple[float, ...] = (50.0, 90.0, 95.0, 99.0, 99.9)


def new_histogram() -> Any:
    """An empty latency histogram in microseconds (``hdrh.histogram.HdrHistogram``)."""
    return HdrHistogram(LOWEST_US, HIGHEST_US, SIGNIFICANT_DIGITS)


def record_batch(histogram: Any, values_us: Iterable[int]) -> int:
    """Record every value (clamped to the trackable range); returns how many were recorded."""
    total = 0
    for value, count in Counter(values_us).items():
        v = min(max(value, LOWEST_US), HIGHEST_US)
        histogram.record_value(v, count)
        total += count
    return total


def encode(histogram: Any) -> bytes:
    """The compressed HdrHistogram V2 encoding, for sending between processes."""
    data = histogram.encode()
    return bytes(data)


def decode(data: bytes) -> Any:
    return HdrHistogram.decode(data)


def merge_into(target: Any, other: Any) -> None:
    """Add ``other``'s counts to ``target`` (exact: both have the same bucket layout)."""
    if other.get_total_count():
        target.add(other)


def merged(histograms: Iterable[Any]) -> Any:
    out = new_histogram()
    for h in histograms:
        merge_into(out, h)
    return out


@dataclass(frozen=True, slots=True)
class LatencySummary:
    """Percentiles of one histogram in milliseconds; all None when nothing was recorded."""

    count: int
    min_ms: float | None
    mean_ms: float | None
    p50_ms: float | None
    p90_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    p999_ms: float | None
    max_ms: float | None

    @classmethod
    def empty(cls) -> LatencySummary:
        return cls(0, None, None, None, None, None, None, None, None)

    def value(self, metric: str) -> float | None:
        """``p95`` -> p95 in milliseconds (``min``, ``mean``/``avg``, ``max`` too)."""
        key = {"avg": "mean", "p99.9": "p999", "med": "p50"}.get(metric, metric)
        value: float | None = getattr(self, f"{key}_ms", None)
        return value


def summarize(histogram: Any) -> LatencySummary:
    count = int(histogram.get_total_count())
    if count == 0:
        return LatencySummary.empty()
    p = histogram.get_percentile_to_value_dict(list(PERCENTILES))
    ms = 1000.0
    return LatencySummary(
        count=count,
        min_ms=histogram.get_min_value() / ms,
        mean_ms=round(histogram.get_mean_value() / ms, 3),
        p50_ms=p[50.0] / ms,
        p90_ms=p[90.0] / ms,
        p95_ms=p[95.0] / ms,
        p99_ms=p[99.0] / ms,
        p999_ms=p[99.9] / ms,
        max_ms=histogram.get_max_value() / ms,
    )


def percentile_ms(histogram: Any, percentile: float) -> float | None:
    if not histogram.get_total_count():
        return None
    return float(histogram.get_value_at_percentile(percentile)) / 1000.0
