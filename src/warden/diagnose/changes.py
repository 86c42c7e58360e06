"""One level shift in a series: when it happened, from what to what, and how sure it is.

A series (time, value) is first reduced to per-bucket medians (robust to single outliers), then
ruptures' binary segmentation (least squares, one break) finds where the mean changes most. The
change counts when it is large against the noise and real: the robust z (the shift over the
MAD-based sigma of the part before it) is at least ``MIN_Z``, the relative shift at least
``MIN_REL``, and a Mann-Whitney U test between both parts gives p <= ``MAX_P``. ruptures and
numpy are imported when a series is analysed, not at start-up.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

MIN_POINTS = 8
MIN_Z = 3.0
MIN_REL = 0.2
MAX_P = 0.001


@dataclass(frozen=True, slots=True)
class Change:
    at: float
    before: float
    after: float
    z: float

    @property
    def rising(self) -> bool:
        return self.after > self.before

    @property
    def relative(self) -> float:
        base = abs(self.before) or abs(self.after) or 1.0
        return (self.after - self.before) / base

    def json(self) -> dict[str, float]:
        return {"at": self.at, "before": self.before, "after": self.after,
                "relative": self.relative, "z": min(self.z, 1000.0)}  # fmt: skip


def buckets(points: Sequence[tuple[float, float]], step: float) -> list[tuple[float, float]]:
    """Per-``step`` medians of ``points`` (time-sorted output, empty buckets skipped)."""
    grouped: dict[int, list[float]] = {}
    for t, v in points:
        if math.isfinite(v):
            grouped.setdefault(int(t // step), []).append(v)
    return [(k * step, statistics.median(vs)) for k, vs in sorted(grouped.items())]


def _sigma(values: Sequence[float]) -> float:
    if len(values) < 2:
        return 0.0
    med = statistics.median(values)
    return 1.4826 * statistics.median(abs(v - med) for v in values)


def level_shift(series: Sequence[tuple[float, float]], *, min_z: float = MIN_Z,
                min_rel: float = MIN_REL) -> Change | None:  # fmt: skip
    """The largest level shift of ``series`` (already bucketed), or None when none counts."""
    if len(series) < MIN_POINTS:
        return None
    import numpy as np
    import ruptures as rpt

    y = np.array([v for _, v in series], dtype=float)
    edge = 3  # a change in the last few buckets counts too: "it just got slow"
    try:
        (cut, _) = rpt.Binseg(model="l2", min_size=edge, jump=1).fit(y).predict(n_bkps=1)
    except Exception:  # a flat or too short series has nothing to split
        return None
    before, after = [float(v) for v in y[:cut]], [float(v) for v in y[cut:]]
    b, a = statistics.median(before), statistics.median(after)
    # the shift against the noise of the baseline (what was normal), floored for flat lines
    spread = max(_sigma(before), 1e-3 * max(abs(b), abs(a), 1e-9))
    change = Change(float(series[cut][0]), b, a, abs(a - b) / spread)
    if change.z < min_z or abs(change.relative) < min_rel:
        return None
    if len(set(before + after)) > 2:  # two levels apart, not a few outliers (rank test)
        from scipy.stats import mannwhitneyu

        if float(mannwhitneyu(before, after).pvalue) > MAX_P:
            return None
    return change
