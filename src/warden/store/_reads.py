"""Reading from the SQL store: states, heartbeats, raw results, uptime, latency and samples.

Uptime and latency over a range are exact from raw results where they are kept; older parts
of the range are read from the rollups (exact counts, latency percentiles within ±5 %).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, case, func, select, text

from warden.results import PHASES, CheckResult, ErrorClass, Status
from warden.store import histogram, queries
from warden.store import schema as s
from warden.store._core import HOUR, MINUTE, StoreCore
from warden.store.protocol import MonitorState, SeriesPoints, SeriesSum, Uptime


class ReadsMixin(StoreCore):
    def states(self) -> list[MonitorState]:
        with self._connect() as conn:
            rows = conn.execute(select(s.monitor_state)).all()
        out = []
        for r in rows:
            name = self._monitor_names.get(r.monitor_id)
            if name is None:
                continue
            out.append(
                MonitorState(
                    monitor=name,
                    status=Status(r.status),
                    since=r.since,
                    last_ts=r.last_ts,
                    failures=r.failures,
                    latency=r.latency,
                    error=_error(r.error),
                    message=r.message or "",
                )
            )
        return out

    def heartbeats(self) -> dict[str, float]:
        with self._connect() as conn:
            rows = conn.execute(select(s.heartbeats)).all()
        return {
            self._monitor_names[r.monitor_id]: r.last_ping
            for r in rows
            if r.monitor_id in self._monitor_names
        }

    def last_ping(self, monitor: str) -> float | None:
        """When ``monitor`` was last pinged, through any instance sharing this store."""
        mid = self._monitor_ids.get(monitor)
        if mid is None:
            return None
        h = s.heartbeats
        with self._connect() as conn:
            value = conn.execute(select(h.c.last_ping).where(h.c.monitor_id == mid)).scalar()
        return float(value) if value is not None else None

    def results(
        self, monitor: str, since: float, until: float, limit: int | None = None
    ) -> list[CheckResult]:
        mid = self._monitor_ids.get(monitor)
        if mid is None:
            return []
        t = s.check_results
        query = (
            select(t)
            .where(t.c.monitor_id == mid, t.c.ts >= since, t.c.ts < until)
            .order_by(t.c.ts.desc())
        )
        if limit is not None:
            query = query.limit(limit)
        with self._connect() as conn:
            rows = conn.execute(query).all()
        return [to_result(monitor, r) for r in rows]

    def results_in(self, since: float, until: float) -> dict[str, list[CheckResult]]:
        """Raw results of every monitor in ``[since, until)``, oldest first, in one range scan."""
        t = s.check_results
        query = select(t).where(t.c.ts >= since, t.c.ts < until).order_by(t.c.ts)
        out: dict[str, list[CheckResult]] = {}
        with self._connect() as conn:
            for r in conn.execute(query):
                name = self._monitor_names.get(r.monitor_id)
                if name is not None:
                    out.setdefault(name, []).append(to_result(name, r))
        return out

    def latest_results(
        self, since: float, until: float, metric: str | None = None, depth: int = 20
    ) -> dict[str, CheckResult]:
        """Per monitor, its newest result in ``[since, until)``; with ``metric``, the newest of
        its ``depth`` newest results that carries that metric (checks that fail often lack it).

        One statement: per monitor, two short walks of the ``(monitor_id, ts)`` index run in
        the database, so a day-long range costs what a minute does and only the chosen rows
        travel to Python.
        """
        t, m = s.check_results, s.monitors
        x, y = t.alias("x"), t.alias("y")
        floor = (  # the time of the monitor's ``depth``-th newest result in the range
            select(y.c.ts)
            .where(y.c.monitor_id == m.c.id, y.c.ts >= since, y.c.ts < until)
            .order_by(y.c.ts.desc())
            .limit(1)
            .offset(max(0, depth - 1))
            .scalar_subquery()
        )
        # the floor is computed once per monitor, so it bounds the index range below
        per_monitor = select(
            m.c.id.label("mid"), func.coalesce(floor, since).label("lo")
        ).subquery()
        pick = select(x.c.id).where(
            x.c.monitor_id == per_monitor.c.mid, x.c.ts >= per_monitor.c.lo, x.c.ts < until
        )
        if metric is not None:
            escaped = metric.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            pick = pick.where(x.c.metrics.like(f'%"{escaped}"%', escape="\\"))
        newest = pick.order_by(x.c.ts.desc()).limit(1).scalar_subquery()
        query = select(t).where(t.c.id.in_(select(newest).select_from(per_monitor)))
        out: dict[str, CheckResult] = {}
        with self._connect() as conn:
            for r in conn.execute(query):
                name = self._monitor_names.get(r.monitor_id)
                if name is None:
                    continue
                got = to_result(name, r)
                if metric is None or metric in got.metrics:
                    out[name] = got
        return out

    def status_changes(self, since: float, until: float) -> dict[str, int]:
        """How often each monitor's results switched between down and not down in the range.

        Counted by the database (``LAG`` over the monitor's results in time order), so no row
        travels to Python; monitors without results in the range are absent.
        """
        t = s.check_results
        down = case((t.c.status == int(Status.DOWN), 1), else_=0)
        ordered = (
            select(
                t.c.monitor_id,
                down.label("down"),
                func.lag(down)
                .over(partition_by=t.c.monitor_id, order_by=(t.c.ts, t.c.id))
                .label("prev"),
            )
            .where(t.c.ts >= since, t.c.ts < until)
            .subquery()
        )
        flips = case((ordered.c.prev.is_not(None) & (ordered.c.down != ordered.c.prev), 1), else_=0)
        query = select(ordered.c.monitor_id, func.sum(flips)).group_by(ordered.c.monitor_id)
        with self._connect() as conn:
            rows = conn.execute(query).all()
        return {
            self._monitor_names[mid]: int(n or 0) for mid, n in rows if mid in self._monitor_names
        }

    def uptimes(
        self, since: float, until: float, names: Sequence[str] | None = None
    ) -> dict[str, Uptime]:
        """``uptime`` of every monitor (or of ``names``) over one range: one GROUP BY where raw
        results cover it, else per monitor."""
        with self._connect() as conn:
            raw_from = self._horizon(conn, "raw_horizon")
            if since < raw_from:  # part of the range is only in rollups: per monitor
                names = list(self._monitor_ids) if names is None else list(names)
            else:
                t = s.check_results
                rows = conn.execute(
                    select(t.c.monitor_id, t.c.status, func.count())
                    .where(t.c.ts >= since, t.c.ts < until)
                    .group_by(t.c.monitor_id, t.c.status)
                ).all()
                counts: dict[str, dict[Status, int]] = {}
                for mid, status, n in rows:
                    name = self._monitor_names.get(mid)
                    if name is not None:
                        counts.setdefault(name, {})[Status(status)] = int(n)
                return {
                    name: Uptime(
                        sum(c.values()),
                        c.get(Status.UP, 0),
                        c.get(Status.DEGRADED, 0),
                        c.get(Status.DOWN, 0),
                    )
                    for name, c in counts.items()
                }
        return {name: self.uptime(name, since, until) for name in names}

    def uptime(self, monitor: str, since: float, until: float) -> Uptime:
        mid = self._monitor_ids.get(monitor)
        if mid is None or until <= since:
            return Uptime()
        with self._connect() as conn:
            raw_from = self._horizon(conn, "raw_horizon")
            minute_from = self._horizon(conn, "minute_horizon")
            total = Uptime()
            lo = max(since, raw_from)
            if lo < until:
                t = s.check_results
                rows = conn.execute(
                    select(t.c.status, func.count())
                    .where(t.c.monitor_id == mid, t.c.ts >= lo, t.c.ts < until)
                    .group_by(t.c.status)
                ).all()
                counts = {Status(r[0]): int(r[1]) for r in rows}
                total += Uptime(
                    sum(counts.values()),
                    counts.get(Status.UP, 0),
                    counts.get(Status.DEGRADED, 0),
                    counts.get(Status.DOWN, 0),
                )
            for resolution, lo_h, hi_h in (
                (MINUTE, max(since, minute_from), min(until, raw_from)),
                (HOUR, since, min(until, minute_from)),
            ):
                if lo_h < hi_h:
                    total += self._rollup_counts(conn, mid, resolution, lo_h, hi_h)
        return total

    def _rollup_counts(
        self, conn: Connection, mid: int, resolution: int, lo: float, hi: float
    ) -> Uptime:
        r = s.result_rollups
        row = conn.execute(
            select(
                func.sum(r.c.n), func.sum(r.c.n_up), func.sum(r.c.n_degraded), func.sum(r.c.n_down)
            ).where(
                r.c.monitor_id == mid,
                r.c.resolution == resolution,
                r.c.bucket >= lo,
                r.c.bucket < hi,
            )
        ).one()
        return Uptime(*(int(v or 0) for v in row))

    def latency_quantiles(
        self, monitor: str, since: float, until: float, qs: Sequence[float]
    ) -> dict[float, float | None]:
        """Exact from raw results where they are kept, else from rollup histograms (±5 %)."""
        mid = self._monitor_ids.get(monitor)
        if mid is None:
            return dict.fromkeys(qs)
        with self._connect() as conn:
            raw_from = self._horizon(conn, "raw_horizon")
            if since >= raw_from:
                t = s.check_results
                values = sorted(
                    conn.execute(
                        select(t.c.latency).where(
                            t.c.monitor_id == mid, t.c.ts >= since, t.c.ts < until
                        )
                    ).scalars()
                )
                return {q: histogram.exact_quantile(values, q) for q in qs}
            r = s.result_rollups
            hists = conn.execute(
                select(r.c.lat_hist).where(
                    r.c.monitor_id == mid,
                    r.c.resolution == MINUTE,
                    r.c.bucket >= since,
                    r.c.bucket < until,
                )
            ).scalars()
            merged = histogram.merge(histogram.decode(h) for h in hists)
        return {q: histogram.quantile(merged, q) for q in qs}

    def sample_points(
        self, name: str, since: float, until: float, labels: Mapping[str, str] | None = None
    ) -> list[SeriesPoints]:
        wanted = [
            (sid, key[1])
            for key, sid in self._series_ids.items()
            if key[0] == name and _labels_match(key[1], labels)
        ]
        out = []
        with self._connect() as conn:
            for sid, lkey in wanted:
                t = s.samples
                pts = conn.execute(
                    select(t.c.ts, t.c.value)
                    .where(t.c.series_id == sid, t.c.ts >= since, t.c.ts < until)
                    .order_by(t.c.ts)
                ).all()
                out.append(SeriesPoints(name, json.loads(lkey), [(p.ts, p.value) for p in pts]))
        return out

    def sample_sums(
        self, name: str, since: float, until: float, labels: Mapping[str, str] | None = None
    ) -> list[SeriesSum]:
        # the same tiers as every bucketed read (queries.sample_buckets), summed over the range
        got = queries.sample_buckets(self.engine, name, since, until, whole=True)
        out = []
        for labels_key, buckets in got.items():
            if not _labels_match(labels_key, labels):
                continue
            total = sum(s for s, _ in buckets.values())
            count = sum(n for _, n in buckets.values())
            if count:
                out.append(SeriesSum(name, json.loads(labels_key), total, count))
        return out

    def size_bytes(self) -> int:
        with self._connect() as conn:
            if self.dialect == "sqlite":
                pages = conn.exec_driver_sql("PRAGMA page_count").scalar_one()
                size = conn.exec_driver_sql("PRAGMA page_size").scalar_one()
                return int(pages) * int(size)
            return int(
                conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
            )


_STATUS = tuple(Status)  # row value -> Status without Enum.__call__ (hot in batched reads)
_ERRORS = {e.value: e for e in ErrorClass}


def to_result(monitor: str, row: Any) -> CheckResult:
    """A ``check_results`` row (all columns, table order) as a CheckResult."""
    (_, _, ts, status, latency, error, message, *phase_values, metrics, attempt) = row
    return CheckResult(
        monitor=monitor,
        status=_STATUS[status],
        latency=latency,
        time=ts,
        message=message or "",
        error=_ERRORS.get(error, ErrorClass.ERROR),
        phases={p: v for p, v in zip(PHASES, phase_values, strict=True) if v is not None},
        metrics=json.loads(metrics) if metrics else {},
        attempt=attempt,
    )


def _labels_match(labels_key: str, wanted: Mapping[str, str] | None) -> bool:
    if not wanted:
        return True
    labels = json.loads(labels_key)
    return all(labels.get(k) == v for k, v in wanted.items())


def _error(value: str) -> ErrorClass:
    try:
        return ErrorClass(value)
    except ValueError:
        return ErrorClass.ERROR
