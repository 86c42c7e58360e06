"""Monitor summaries shared by the API and the pages: state, uptime windows, sparklines.

The live state comes from the App's tracker; uptime and latency history from the store,
read only for the monitors of the page asked for, so the cost does not grow with the number
of monitors configured.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass
from typing import Any

from warden.config._types import redact_url
from warden.config.schema import MonitorBase
from warden.results import Status
from warden.store import queries
from warden.store.protocol import MonitorState
from warden.web.context import Web, bad
from warden.web.recent_checks import last_checks

DAY = 86400.0
HOUR = 3600.0
WINDOWS = {"24h": DAY, "7d": 7 * DAY, "30d": 30 * DAY}
STATES = ("down", "degraded", "unknown", "up")
_ORDER = {name: i for i, name in enumerate(STATES)}


_LABELS = {status: status.label for status in Status}


def state_name(state: MonitorState | None) -> str:
    return _LABELS[state.status] if state is not None else "unknown"


@dataclass(frozen=True, slots=True)
class Filters:
    group: str | None = None
    labels: tuple[tuple[str, str], ...] = ()
    state: str | None = None
    q: str | None = None

    @classmethod
    def parse(cls, query: Any) -> Filters:
        state = query.get("state") or None
        if state is not None and state not in _ORDER:
            raise bad(f"state must be one of {', '.join(STATES)}")
        labels = []
        for item in query.getlist("label"):
            if not item:
                continue
            key, sep, value = item.partition("=")
            if not sep or not key:
                raise bad("label filters look like label=key=value")
            labels.append((key, value))
        return cls(query.get("group") or None, tuple(labels), state, query.get("q") or None)

    @property
    def active(self) -> bool:
        return bool(self.group or self.labels or self.state or self.q)

    def keep(self, m: MonitorBase, state: str) -> bool:
        if self.group is not None and m.group != self.group:
            return False
        if any(m.labels.get(k) != v for k, v in self.labels):
            return False
        if self.state is not None and state != self.state:
            return False
        return self.q is None or self.q.lower() in m.name.lower()


def monitor_base(m: MonitorBase, state: MonitorState | None) -> dict[str, Any]:
    cfg = m.probe_config()
    target = cfg.target() if cfg is not None else ""
    return {
        "name": m.name,
        "type": m.probe_type(),
        "group": m.group,
        "labels": dict(m.labels),
        "description": m.description,
        "target": redact_url(target) if target else "",
        "interval": m.interval,
        "enabled": m.enabled,
        "source": m.source,
        "state": state_name(state),
        "since": state.since if state else None,
        "last_check": state.last_ts if state else None,
        "latency": state.latency if state else None,
        "error": str(state.error) if state and state.status is not Status.UP else "",
        "message": state.message if state and state.status is not Status.UP else "",
    }


@dataclass
class Recent:
    """Counts for a set of monitors: finished hours and days come from the caches, the
    unfinished part (``tail_from`` to now, minute rollups and raw results) from the store."""

    today: float
    complete_day: float
    tail_from: float
    first_hour: float
    tail: dict[int, list[queries.Counts]]
    tail_hours: dict[int, dict[float, queries.Counts]]


def load_recent(web: Web, mids: list[int], sparkline: bool) -> Recent:
    """Blocking: fill the caches for ``mids`` and read the unfinished tail."""
    now = web.now()
    until = now + 1.0
    today = math.floor(now / DAY) * DAY
    with web.engine.connect() as conn:
        hours_until = queries.tiers(conn).hours_until
    first_hour = math.ceil((until - DAY) / HOUR) * HOUR
    if hours_until is None:  # nothing rolled up yet: each window straight from the store
        lows = [first_hour, today - 6 * DAY, today - 29 * DAY]
        return Recent(
            today,
            -math.inf,
            -math.inf,
            first_hour,
            queries.window_counts(web.engine, mids, until, [until - lo for lo in lows]),
            queries.bucket_counts(web.engine, mids, first_hour, until, int(HOUR))
            if sparkline
            else {},
        )
    complete_day = min(today, math.floor(hours_until / DAY) * DAY)
    first_day = today - 29 * DAY
    web.days.fill(
        web.engine,
        mids,
        [first_day + i * DAY for i in range(30) if first_day + i * DAY < complete_day],
    )
    start = min(first_hour, complete_day)
    web.hours.fill(
        web.engine, mids, [start + i * HOUR for i in range(int((hours_until - start) // HOUR))]
    )
    tail = queries.window_counts(web.engine, mids, until, [until - hours_until])
    spark = (
        queries.bucket_counts(web.engine, mids, hours_until, until, int(HOUR)) if sparkline else {}
    )
    return Recent(today, complete_day, hours_until, first_hour, tail, spark)


def ratios_of(web: Web, recent: Recent, mid: int) -> dict[str, float | None]:
    """Uptime over the last 24 h (whole hours) and the last 7 and 30 UTC days (with today)."""
    tails = recent.tail.get(mid) or [queries.Counts()]
    lows = {"24h": recent.first_hour, "7d": recent.today - 6 * DAY, "30d": recent.today - 29 * DAY}
    out: dict[str, float | None] = {}
    for i, (key, lo) in enumerate(lows.items()):
        # one tail per window before any rollup ran, else one shared tail after the rollups
        parts = [tails[i] if len(tails) > 1 else tails[0]]
        if recent.tail_from > -math.inf and key == "24h":
            parts.append(web.hours.total(mid, lo, recent.tail_from))
        elif recent.tail_from > -math.inf:  # lo is a day start: whole days, then hours
            parts.append(web.days.total(mid, lo, recent.complete_day))
            parts.append(web.hours.total(mid, recent.complete_day, recent.tail_from))
        total = queries.Counts()
        for c in parts:
            total.add(c.n, c.up, c.degraded, c.down, c.lat_sum)
        out[key] = total.ratio
    return out


def sparkline_of(web: Web, recent: Recent, mid: int) -> list[list[float | None]]:
    """Mean latency per hour over the last 24 hours."""
    hours = {
        b: c
        for b, c in web.hours.by_monitor.get(mid, {}).items()
        if recent.first_hour <= b < recent.tail_from
    }
    hours.update(recent.tail_hours.get(mid, {}))
    return [[b, hours[b].mean_latency] for b in sorted(hours) if hours[b].n]


async def window_ratios(web: Web, mids: list[int]) -> dict[int, dict[str, float | None]]:
    recent = await asyncio.to_thread(load_recent, web, mids, False)
    return {mid: ratios_of(web, recent, mid) for mid in mids}


def summary(web: Web) -> dict[str, Any]:
    """Counts of monitors by state, and Warden's own engine figures."""
    counts = dict.fromkeys(STATES, 0)
    get = web.app.tracker.get
    for m in web.app.config.monitors:
        counts[state_name(get(m.name))] += 1
    st = web.app.stats
    return {
        "time": web.now(),
        "monitors": {"total": len(web.app.config.monitors), **counts},
        "engine": {
            "running": st.running,
            "started": st.started,
            "checks": st.checks,
            "stored_results": st.stored_results,
            "store_errors": st.store_errors,
            "dropped": st.dropped,
            "scheduler_lag": st.last_lag,
            "scheduler_max_lag": st.max_lag,
        },
    }


def ordered(web: Web, filters: Filters) -> list[MonitorBase]:
    """The monitors ``filters`` keep, worst state first, then by name.

    Kept while no monitor's status changed and the config is the same (a poll of 10,000
    monitors then skips the pass and the sort); a handful of filter sets are remembered.
    """
    tracker, config = web.app.tracker, web.app.config
    held = web.orders_of  # the objects, not their ids: a new config cannot alias an old one
    if (
        held is None
        or held[0] is not config
        or held[1] is not tracker
        or (held[2] != tracker.status_version)
    ):
        web.orders_of = (config, tracker, tracker.status_version)
        web.orders.clear()
    found = web.orders.get(filters)
    if found is not None:
        return found
    get = tracker.get
    active = filters.active
    rows = []
    for m in config.monitors:
        st = get(m.name)
        name = _LABELS[st.status] if st is not None else "unknown"
        if not active or filters.keep(m, name):
            rows.append((_ORDER[name], m.name, m))
    rows.sort(key=lambda row: (row[0], row[1]))
    found = [m for _, _, m in rows]
    if len(web.orders) >= 8:
        web.orders.clear()
    web.orders[filters] = found
    return found


def muted_now(web: Web) -> dict[str, str]:
    """Monitor -> why its firing alerts are muted (silence, maintenance, inhibit, dependency)."""
    from warden.alerting.storage import AlertRepository
    from warden.alerting.views import firing_muted, muted_monitors

    cfg = web.app.config
    firing, reasons = firing_muted(
        AlertRepository(web.engine), cfg.maintenance, cfg.inhibit_rules, web.now()
    )
    return muted_monitors(firing, reasons)


async def overview(
    web: Web, filters: Filters, offset: int, limit: int, sparkline: bool
) -> dict[str, Any]:
    """One page of monitors, worst state first, with uptime windows (and sparklines)."""
    get = web.app.tracker.get
    chosen = ordered(web, filters)
    page = [(m, get(m.name)) for m in chosen[offset : offset + limit]]
    rows = [monitor_base(m, st) for m, st in page]
    ids = await web.monitor_ids([m.name for m, _ in page])
    recent = await asyncio.to_thread(load_recent, web, list(ids.values()), sparkline)
    bars = await asyncio.to_thread(last_checks, web.engine, ids.values())
    muted = await asyncio.to_thread(muted_now, web)
    for row in rows:
        row["muted_reason"] = muted.get(row["name"])  # None: not muted (alerting/views.py)
        mid = ids.get(row["name"])
        row["uptime"] = ratios_of(web, recent, mid) if mid is not None else dict.fromkeys(WINDOWS)
        checks = bars.get(mid, []) if mid is not None else []
        row["checks"] = [{"time": ts, "state": st, "latency": lat} for ts, st, lat in checks]
        if sparkline:
            spark = sparkline_of(web, recent, mid) if mid is not None else []
            if len(spark) < 2:  # a young store has no whole hours yet: use the raw results
                since = web.now() - DAY
                spark = [[ts, lat] for ts, _, lat in checks if ts >= since]
            row["sparkline"] = spark
    groups = sorted({m.group for m in web.app.config.monitors})
    return {
        "total": len(chosen),
        "offset": offset,
        "limit": limit,
        "groups": groups,
        "monitors": rows,
    }


async def uptime_days(web: Web, names: list[str], days: int) -> dict[str, list[dict[str, Any]]]:
    """Per-day uptime (UTC days, oldest first) for each monitor; days without checks: None."""
    now = web.until()
    today = math.floor(web.now() / DAY) * DAY
    since = today - (days - 1) * DAY
    ids = await web.monitor_ids(names)
    counts = await asyncio.to_thread(
        queries.bucket_counts, web.engine, ids.values(), since, now, int(DAY)
    )
    out: dict[str, list[dict[str, Any]]] = {}
    for name in names:
        mid = ids.get(name)
        buckets = counts.get(mid, {}) if mid is not None else {}
        out[name] = []
        for i in range(days):
            day = since + i * DAY
            c = buckets.get(day, queries.Counts())
            out[name].append(
                {
                    "day": day,
                    "checks": c.n,
                    "up": c.up,
                    "degraded": c.degraded,
                    "down": c.down,
                    "ratio": c.ratio,
                }
            )
    return out
