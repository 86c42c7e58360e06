"""Stored latency histograms: bucket increases per interval, summed over any window.

A histogram is stored as one series per bucket, ``<name>_bucket_increase{le="0.25", ...}``,
whose samples are how many observations fell into that bucket (above the next lower bound, at
most ``le``) during one collect interval. The sum of a
bucket's samples over a window is exact from raw samples and from rollups alike, so a
quantile over any window is computed from bucket counts the way Prometheus'
``histogram_quantile`` does: find the bucket that holds the rank, interpolate linearly inside
it. The zero bucket right below each non-zero one is written too, so the reader knows where
that bucket starts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

from warden.store.protocol import Store

SUFFIX = "_bucket_increase"
"""What a histogram's name gets for its stored bucket series."""

LOG_BOUNDS: tuple[float, ...] = tuple(round(10 ** (k / 8), 6) for k in range(-24, 17))
"""Bucket bounds of the access log histograms: 8 per decade (each 33 % above the last, so an
interpolated quantile is within about 15 % of the truth) from 1 ms to 100 s, then +Inf."""


def le_text(bound: float) -> str:
    """The ``le`` label of a bound, written as Prometheus writes it (``+Inf``, ``0.25``)."""
    return "+Inf" if math.isinf(bound) else repr(float(bound))


def le_value(text: str) -> float:
    return math.inf if text in ("+Inf", "Inf", "inf") else float(text)


def bucket_index(value: float, bounds: Sequence[float] = LOG_BOUNDS) -> int:
    """Index of the bucket ``value`` falls into (``len(bounds)`` for +Inf)."""
    lo, hi = 0, len(bounds)
    while lo < hi:
        mid = (lo + hi) // 2
        if value <= bounds[mid]:
            hi = mid
        else:
            lo = mid + 1
    return lo


def per_bucket(cumulative: Mapping[float, float]) -> dict[float, float]:
    """Cumulative counts by bound (Prometheus ``_bucket``) -> counts of each bucket alone."""
    out: dict[float, float] = {}
    below = 0.0
    for bound in sorted(cumulative):  # a bucket exposed lower than the one below reads as 0
        out[bound] = max(0.0, cumulative[bound] - below)
        below = max(below, cumulative[bound])
    return out


def sparse(
    counts: Mapping[float, float], layout: Sequence[float] | None = None
) -> dict[float, float]:
    """The buckets worth storing: every non-zero one, and the (zero) bucket right below each,
    so that a quantile read back knows where the lowest non-zero bucket starts. ``layout`` is
    every bound of the histogram (default: the keys of ``counts``)."""
    every = sorted(layout if layout is not None else counts)
    out: dict[float, float] = {}
    for i, bound in enumerate(every):
        n = counts.get(bound, 0.0)
        if n > 0:
            out[bound] = n
            if i > 0:
                out.setdefault(every[i - 1], counts.get(every[i - 1], 0.0))
    return out


def quantile(q: float, counts: Mapping[float, float]) -> float | None:
    """``histogram_quantile(q)`` of per-bucket ``counts`` keyed by upper bound (+Inf too).

    Linear interpolation inside the bucket holding the rank; the lowest bucket starts at 0
    (or at its bound if that is negative); a rank in the +Inf bucket gives the highest finite
    bound. None when there are no observations.
    """
    total = sum(counts.values())
    if total <= 0:
        return None
    rank = q * total
    every = sorted(counts)
    seen = 0.0
    for i, bound in enumerate(every):
        count = counts[bound]
        if seen + count >= rank and count > 0:
            if math.isinf(bound):
                finite = [b for b in every if not math.isinf(b)]
                return finite[-1] if finite else None
            lower = every[i - 1] if i > 0 else (0.0 if bound > 0 else bound)
            return lower + (bound - lower) * (rank - seen) / count
        seen += count
    finite = [b for b in every if not math.isinf(b)]
    return finite[-1] if finite else None


def window_counts(
    store: Store,
    name: str,
    since: float,
    until: float,
    labels: Mapping[str, str] | None = None,
    by: Iterable[str] = (),
) -> dict[tuple[str, ...], dict[float, float]]:
    """Per-bucket counts of histogram ``name`` summed over ``[since, until)``, grouped by the
    values of the ``by`` labels (one group, key ``()``, when ``by`` is empty)."""
    keys = tuple(by)
    out: dict[tuple[str, ...], dict[float, float]] = {}
    for s in store.sample_sums(name + SUFFIX, since, until, labels):
        le = s.labels.get("le")
        if le is None:
            continue
        group = tuple(s.labels.get(k, "") for k in keys)
        counts = out.setdefault(group, {})
        bound = le_value(le)
        counts[bound] = counts.get(bound, 0.0) + s.total
    return out
