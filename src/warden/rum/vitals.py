"""The vitals Warden keeps, their stored histograms, Google's thresholds and the device classes.

Values arrive as web-vitals reports them (milliseconds; CLS a score) and are stored in seconds
as histograms ``rum_<vital>_bucket_increase{site, page, device, le}`` (see traffic/buckets.py).
The bucket bounds are the access log's (8 per decade, 1 ms to 100 s) plus every threshold
below, so the share of good, needs-improvement and poor views is exact and a histogram SLO
can take a threshold as its ``le``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from warden.traffic.buckets import LOG_BOUNDS

DEVICES = ("mobile", "tablet", "desktop")
"""Device classes, from the viewport width: under 768 px, under 1024 px, the rest."""


@dataclass(frozen=True, slots=True)
class Vital:
    key: str
    name: str
    """As web-vitals names it (``metric.name``)."""
    series: str
    """The histogram's name (its buckets are ``<series>_bucket_increase``)."""
    scale: float
    """Reported value times this is the stored one (ms to s)."""
    unit: str
    good: float
    """At most this is good (stored units)."""
    poor: float
    """Above this is poor; between the two, needs improvement."""
    limit: float
    """Larger values are refused as nonsense."""

    def rating(self, value: float) -> str:
        if value <= self.good:
            return "good"
        return "needs-improvement" if value <= self.poor else "poor"


VITALS = (
    Vital("lcp", "LCP", "rum_lcp_seconds", 0.001, "s", 2.5, 4.0, 600.0),
    Vital("inp", "INP", "rum_inp_seconds", 0.001, "s", 0.2, 0.5, 600.0),
    Vital("cls", "CLS", "rum_cls", 1.0, "", 0.1, 0.25, 100.0),
    Vital("ttfb", "TTFB", "rum_ttfb_seconds", 0.001, "s", 0.8, 1.8, 600.0),
)
BY_NAME = {v.name: v for v in VITALS}
BY_KEY = {v.key: v for v in VITALS}

BOUNDS: tuple[float, ...] = (
    *sorted({*LOG_BOUNDS, *(t for v in VITALS for t in (v.good, v.poor))}),
    math.inf,
)
"""Every bucket's upper bound, +Inf last."""
