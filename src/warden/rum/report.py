"""The RUM report of one site over a window: p75 of each vital per page and device, and over
time. ``GET /api/v1/rum`` answers it and the ``/rum`` page shows it (schema ``warden.rum/v1``).

Per page and device class, and per device class over all pages (``overall``, with ``all``
for every device), each vital has ``p75`` (seconds; CLS a score), its ``rating`` by Google's
thresholds, ``count`` (views that reported it) and the exact shares ``good``,
``needs_improvement`` and ``poor``. ``series`` gives the p75 per time step and device. Counts
are sums of the stored bucket increases over the window (raw samples, then rollups), so the
p75 of any window is the histogram's (within a bucket: about 15 %).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine

from warden.rum.config import RumConfig
from warden.rum.vitals import DEVICES, VITALS, Vital
from warden.store import queries
from warden.traffic.buckets import SUFFIX, le_value, quantile

SCHEMA = "warden.rum/v1"
STEPS = (60, 300, 900, 3600, 3 * 3600, 6 * 3600, 86400)
POINTS = 200
ROWS = 200
Counts = dict[float, float]


def step_for(seconds: float) -> int:
    """The chart's step: the smallest of ``STEPS`` giving at most ``POINTS`` points."""
    return next((s for s in STEPS if seconds / s <= POINTS), STEPS[-1])


def vital_stats(vital: Vital, counts: Mapping[float, float]) -> dict[str, Any] | None:
    """p75, rating, count and shares of one vital's bucket counts; None without views."""
    total = sum(counts.values())
    p75 = quantile(0.75, counts)
    if total <= 0 or p75 is None:
        return None
    good = sum(n for bound, n in counts.items() if bound <= vital.good) / total
    poor = sum(n for bound, n in counts.items() if bound > vital.poor) / total
    p75 = round(p75, 6)  # and a p75 interpolated to a threshold is rated as at it
    return {
        "p75": p75,
        "rating": vital.rating(p75),
        "count": round(total),
        "good": round(good, 4),
        "needs_improvement": round(max(0.0, 1 - good - poor), 4),
        "poor": round(poor, 4),
    }


def _add(into: dict[str, Counts], vital: str, bound: float, n: float) -> None:
    counts = into.setdefault(vital, {})
    counts[bound] = counts.get(bound, 0.0) + n


def _row(by_vital: Mapping[str, Counts], **keys: str) -> dict[str, Any]:
    row: dict[str, Any] = dict(keys)
    for vital in VITALS:
        row[vital.key] = vital_stats(vital, by_vital.get(vital.key, {}))
    row["views"] = max((row[v.key]["count"] for v in VITALS if row[v.key]), default=0)
    return row


def rum_report(
    engine: Engine, config: RumConfig, site: str | None, since: float, until: float
) -> dict[str, Any]:
    """The report of ``site`` (default: the first configured); KeyError for an unknown one."""
    names = [s.name for s in config.sites]
    if site is not None and site not in names:
        raise KeyError(site)
    chosen = site or (names[0] if names else None)
    step = step_for(until - since)
    start = math.floor(since / step) * step
    bins = max(1, math.ceil((until - start) / step))
    out: dict[str, Any] = {
        "schema": SCHEMA,
        "site": chosen,
        "sites": names,
        "window": {"since": since, "until": until, "seconds": until - since},
        "vitals": [
            {"key": v.key, "name": v.name, "unit": v.unit, "good": v.good, "poor": v.poor}
            for v in VITALS
        ],
        "overall": [],
        "pages": [],
        "more_pages": 0,
        "series": {"step": step, "times": [start + i * step for i in range(bins)], "devices": {}},
    }
    if chosen is None:
        return out
    pages: dict[tuple[str, str], dict[str, Counts]] = {}
    devices: dict[str, dict[str, Counts]] = {}
    timeline: dict[tuple[int, str], dict[str, Counts]] = {}
    fine_from = until if step >= 3600 else -math.inf
    for vital in VITALS:
        got = queries.sample_buckets(
            engine, vital.series + SUFFIX, since, until, fine_from=fine_from
        )
        for labels_json, buckets in got.items():
            labels = json.loads(labels_json)
            if labels.get("site") != chosen or "le" not in labels:
                continue
            bound, device = le_value(labels["le"]), labels.get("device", "")
            total = sum(s for s, _ in buckets.values())
            _add(pages.setdefault((labels.get("page", ""), device), {}), vital.key, bound, total)
            for who in (device, "all"):
                _add(devices.setdefault(who, {}), vital.key, bound, total)
            for at, (n, _) in buckets.items():
                index = min(bins - 1, max(0, int((at - start) // step)))
                for who in (device, "all"):
                    _add(timeline.setdefault((index, who), {}), vital.key, bound, n)
    rows = sorted(
        (_row(v, page=page, device=device) for (page, device), v in pages.items()),
        key=lambda r: (-r["views"], r["page"], r["device"]),
    )
    out["pages"], out["more_pages"] = rows[:ROWS], max(0, len(rows) - ROWS)
    order = ["all", *DEVICES]
    out["overall"] = [_row(devices[d], device=d) for d in order if d in devices]
    for who in (d for d in order if d in devices):
        per_vital: dict[str, list[float | None]] = {}
        for vital in VITALS:
            points: list[float | None] = []
            for index in range(bins):
                counts = timeline.get((index, who), {}).get(vital.key, {})
                p75 = quantile(0.75, counts) if counts else None
                points.append(None if p75 is None else round(p75, 6))
            per_vital[vital.key] = points
        out["series"]["devices"][who] = per_vital
    return out
