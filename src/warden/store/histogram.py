"""A compact log-bucketed latency histogram for rollups, mergeable exactly across buckets.

Bucket ``i`` holds latencies in ``(BASE * GROWTH**(i-1), BASE * GROWTH**i]`` seconds, so a
percentile read from merged rollups is within one bucket (±5 %) of the true value. Raw results
give exact percentiles; rollups give these bounded estimates over long ranges.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

BASE = 0.0001  # 0.1 ms
GROWTH = 1.1
_LOG_GROWTH = math.log(GROWTH)


def bucket_of(latency: float) -> int:
    if latency <= BASE:
        return 0
    return math.ceil(math.log(latency / BASE) / _LOG_GROWTH - 1e-9)


def upper_bound(index: int) -> float:
    return BASE * GROWTH**index


def encode(counts: Mapping[int, int]) -> str:
    """``{3: 10, 7: 2}`` -> ``"3:10,7:2"`` (sparse, ordered)."""
    return ",".join(f"{i}:{c}" for i, c in sorted(counts.items()) if c)


def decode(text: str) -> dict[int, int]:
    out: dict[int, int] = {}
    if not text:
        return out
    for part in text.split(","):
        i, c = part.split(":")
        out[int(i)] = out.get(int(i), 0) + int(c)
    return out


def merge(histograms: Iterable[Mapping[int, int]]) -> dict[int, int]:
    out: dict[int, int] = {}
    for h in histograms:
        for i, c in h.items():
            out[i] = out.get(i, 0) + c
    return out


def quantile(counts: Mapping[int, int], q: float) -> float | None:
    """The upper bound of the bucket holding quantile ``q`` (0..1); None when empty."""
    total = sum(counts.values())
    if total == 0:
        return None
    rank = max(1, math.ceil(q * total))
    seen = 0
    for i in sorted(counts):
        seen += counts[i]
        if seen >= rank:
            return upper_bound(i)
    return upper_bound(max(counts))


def exact_quantile(sorted_values: list[float], q: float) -> float | None:
    """Nearest-rank quantile of already sorted values (what raw results give)."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(q * len(sorted_values)))
    return sorted_values[rank - 1]
