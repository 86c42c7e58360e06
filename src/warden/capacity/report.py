"""``warden capacity``: every resource's forecast as one JSON shape (schema
``warden.capacity/v1``) that the CLI prints, the API serves and the dashboard draws, and the
samples ``warden up`` stores from it for the built-in "full soon" rules.

A resource's ``risk`` is ``critical`` when it is expected full within a day, ``warning`` when
full within a week or at 80 % within a day, ``ok`` otherwise and ``unknown`` without enough
data. The samples are ``capacity_hours_to_full{kind, resource, level="100"|"80", ...labels}``
with ``capacity_hours_to_full_earliest`` and ``_latest`` for the 80 % range (only while the
level is expected within the horizon) and ``capacity_used_ratio``.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import math
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from warden.capacity.config import CapacityConfig
from warden.capacity.resources import History, histories
from warden.results import Sample

if TYPE_CHECKING:  # the model needs numpy and scipy: imported when a forecast is made
    from warden.capacity.model import Eta, Forecast

SCHEMA = "warden.capacity/v1"
DAY = 86400.0


def _iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat(timespec="seconds")


def _eta_json(e: Eta | None, now: float) -> dict[str, Any] | None:
    if e is None:
        return None
    return {
        "at": _iso(e.at),
        "earliest": _iso(e.earliest),
        "latest": _iso(e.latest),
        "in_seconds": None if e.at is None else max(0.0, e.at - now),
        "earliest_in_seconds": None if e.earliest is None else max(0.0, e.earliest - now),
        "latest_in_seconds": None if e.latest is None else max(0.0, e.latest - now),
    }


def risk(f: Forecast, now: float) -> str:
    if f.status != "ok":
        return "unknown"
    full, high = f.eta(1.0), f.eta(0.8)
    if full is not None and full.at is not None and full.at - now <= DAY:
        return "critical"
    if (full is not None and full.at is not None and full.at - now <= 7 * DAY) or (
        high is not None and high.at is not None and high.at - now <= DAY
    ):
        return "warning"
    return "ok"


_ORDER = {"critical": 0, "warning": 1, "unknown": 2, "ok": 3}


def resource_json(h: History, f: Forecast, now: float, *, series: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "kind": h.kind,
        "name": h.name,
        "labels": dict(h.labels),
        "unit": h.unit,
        "current": f.current,
        "limit": h.limit,
        "used_ratio": None if f.current is None else round(f.current / h.limit, 6),
        "risk": risk(f, now),
        "status": f.status,
        "model": f.model or None,
        "reason": f.reason or None,
        "needed_seconds": f.needed_seconds or None,
        "slope_per_day": f.slope_per_day,
        "slope_range_per_day": list(f.slope_range) if f.slope_range else None,
        "fitted_from": _iso(f.fitted_from),
        "change_points": [_iso(t) for t in f.change_points],
        "full_80": _eta_json(f.eta(0.8), now),
        "full_100": _eta_json(f.eta(1.0), now),
    }
    if series:
        out["history"] = [[t, v] for t, v in zip(h.times, h.values, strict=True)]
        out["projection"] = [list(p) for p in f.projection]
    return out


def forecasts(engine: Engine, config: CapacityConfig, now: float) -> list[tuple[History, Forecast]]:
    """Every resource's history and forecast at ``now``."""
    from warden.capacity.model import forecast

    out = []
    for h in histories(engine, config.resources, now - config.lookback, now + 1.0):
        f = forecast(
            h.times, h.values, h.limit, now,
            min_history=config.min_history, horizon=config.horizon,
        )  # fmt: skip
        out.append((h, f))
    return out


def capacity_report(
    engine: Engine,
    config: CapacityConfig,
    now: float,
    *,
    kind: str | None = None,
    series: bool = False,
) -> dict[str, Any]:
    """The report of every resource (of kinds matching the glob ``kind``), most at risk
    first; ``series`` adds each one's history and projection (for charts)."""
    rows = [
        resource_json(h, f, now, series=series)
        for h, f in forecasts(engine, config, now)
        if kind is None or fnmatch.fnmatchcase(h.kind, kind)
    ]
    rows.sort(key=lambda r: (_ORDER[r["risk"]], _sort_eta(r), r["name"]))
    return {
        "schema": SCHEMA,
        "time": _iso(now),
        "lookback_seconds": config.lookback,
        "min_history_seconds": config.min_history,
        "horizon_seconds": config.horizon,
        "resources": rows,
    }


def _sort_eta(row: dict[str, Any]) -> float:
    full = row["full_100"] or {}
    got = full.get("in_seconds")
    return math.inf if got is None else float(got)


def forecast_samples(pairs: list[tuple[History, Forecast]], now: float) -> list[Sample]:
    """What ``warden up`` stores for rules and /metrics: hours to each level and its range."""
    out: list[Sample] = []
    for h, f in pairs:
        labels = {**h.labels, "kind": h.kind, "resource": h.name}
        if f.current is not None:
            out.append(Sample("capacity_used_ratio", labels, f.current / h.limit, now))
        if f.status != "ok":
            continue
        for e in f.etas:
            if e.at is None:
                continue
            at_level = {**labels, "level": f"{e.level * 100:g}"}
            out.append(Sample("capacity_hours_to_full", at_level, (e.at - now) / 3600, now))
            if e.earliest is not None:
                out.append(Sample("capacity_hours_to_full_earliest", at_level,
                                  (e.earliest - now) / 3600, now))  # fmt: skip
            if e.latest is not None:
                out.append(Sample("capacity_hours_to_full_latest", at_level,
                                  (e.latest - now) / 3600, now))  # fmt: skip
    return out
