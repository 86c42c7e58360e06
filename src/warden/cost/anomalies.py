"""Day-level spend anomalies per service: a robust, weekly-seasonal method.

For each service, its daily usage spend (ChargeCategory Usage, not a recurring fee:
purchases, taxes and monthly fees are expected spikes) is compared with the same weekday of
the ``weeks`` weeks before: the median of those days is the expected spend and their median
absolute deviation (x1.4826, at least 5 % of the expected) its scale. A day is anomalous when
its robust z-score is above ``z`` and its excess is above both ``min_excess`` (currency) and
``min_ratio`` of the expected. A baseline needs three of those days with spend since the
service's first: a new service, or one billed now and then, is not judged. The median
ignores a past spike, and comparing Mondays with Mondays keeps weekends from looking low.

The ``cost`` job stores ``cost_anomaly{service, currency}``: the excess of the service's
latest anomalous day among the last ``alert_days`` days with data (0 when none), which the
built-in ``CostAnomaly`` rule turns into a medium alert.
"""

# ruff: noqa: S608 - DuckDB SQL over Warden's own Parquet files; its literals are dates

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np

from warden.cost.config import AnomalyConfig
from warden.cost.lake import Lines
from warden.cost.spend import USAGE, r2
from warden.results import Sample

MIN_WEEKS = 3


@dataclass(frozen=True, slots=True)
class Anomaly:
    service: str
    day: dt.date
    cost: float
    expected: float
    score: float

    @property
    def excess(self) -> float:
        return self.cost - self.expected

    def json(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "day": self.day.isoformat(),
            "cost": r2(self.cost),
            "expected": r2(self.expected),
            "excess": r2(self.excess),
            "score": round(self.score, 1),
        }


def method(config: AnomalyConfig) -> str:
    return (
        f"daily usage spend per service against the median of the same weekday over the "
        f"previous {config.weeks} weeks; anomalous above a robust z-score of {config.z:g} "
        f"(median absolute deviation) with an excess of at least {config.min_excess:g} and "
        f"{config.min_ratio:.0%} of the expected"
    )


def daily(lines: Lines, lo: dt.date, hi: dt.date) -> tuple[list[dt.date], dict[str, Any]]:
    """Each service's daily usage spend over ``[lo, hi)`` (0 on days without lines, NaN
    before its first line)."""
    rows = lines.rows(
        f"SELECT service, day, sum(cost) FROM bill_daily WHERE {USAGE} "
        f"AND day >= DATE '{lo}' AND day < DATE '{hi}' GROUP BY 1, 2"
    )
    days = [lo + dt.timedelta(days=i) for i in range((hi - lo).days)]
    series: dict[str, Any] = {}
    for service, day, cost in rows:
        arr = series.setdefault(service, np.full(len(days), np.nan))
        arr[(day - lo).days] = cost or 0.0
    for arr in series.values():
        seen = np.flatnonzero(~np.isnan(arr))
        arr[seen[0] :] = np.nan_to_num(arr[seen[0] :])
    return days, series


def detect(values: Any, first: int, config: AnomalyConfig) -> list[tuple[int, float, float]]:
    """(index, expected, score) of the anomalous days of one daily series from ``first``."""
    out = []
    for i in range(first, len(values)):
        y = values[i]
        if np.isnan(y):
            continue
        past = [values[i - 7 * k] for k in range(1, config.weeks + 1) if i - 7 * k >= 0]
        base = np.array([v for v in past if not np.isnan(v)])
        if np.count_nonzero(base) < MIN_WEEKS:  # too new, or billed now and then (fees)
            continue
        expected = float(np.median(base))
        scale = max(1.4826 * float(np.median(np.abs(base - expected))), 0.05 * expected, 1e-9)
        excess = y - expected
        score = excess / scale
        if (
            score > config.z
            and excess >= config.min_excess
            and excess >= config.min_ratio * expected
        ):
            out.append((i, expected, float(score)))
    return out


def anomalies(lines: Lines, config: AnomalyConfig, lo: dt.date, hi: dt.date) -> list[Anomaly]:
    """The anomalous (service, day)s in ``[lo, hi)``, most recent first."""
    start = lo - dt.timedelta(days=7 * config.weeks)
    days, series = daily(lines, start, hi)
    first = (lo - start).days
    found = [
        Anomaly(service, days[i], float(values[i]), expected, score)
        for service, values in series.items()
        for i, expected, score in detect(values, first, config)
    ]
    return sorted(found, key=lambda a: (a.day, a.excess), reverse=True)


def samples(
    lines: Lines, config: AnomalyConfig, last_day: dt.date, currency: str, now: float
) -> tuple[list[Sample], list[Anomaly]]:
    """``cost_anomaly`` per service with spend in the baseline window, for the job."""
    lo = last_day - dt.timedelta(days=config.alert_days - 1)
    found = anomalies(lines, config, lo, last_day + dt.timedelta(days=1))
    start = lo - dt.timedelta(days=7 * config.weeks)
    services = [
        r[0]
        for r in lines.rows(f"SELECT DISTINCT service FROM bill_daily WHERE day >= DATE '{start}'")
    ]
    latest: dict[str, Anomaly] = {}
    for a in found:
        latest.setdefault(a.service, a)
    out = [
        Sample(
            "cost_anomaly",
            {"service": s, "currency": currency},
            round(latest[s].excess, 2) if s in latest else 0.0,
            now,
        )
        for s in sorted(services)
    ]
    return out, list(latest.values())
