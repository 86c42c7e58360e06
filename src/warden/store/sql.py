"""The SQL store: SQLAlchemy Core over SQLite (WAL, the default) or PostgreSQL (by URL).

Writes are batched by the engine and committed in one transaction per batch; once ``write``
returns, the rows survive a kill -9 (SQLite WAL with synchronous=NORMAL is durable against a
process crash; set ``?synchronous=full`` in the URL for power-loss durability).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import time
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Table,
    case,
    create_engine,
    delete,
    event,
    func,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from warden.errors import StoreError
from warden.results import PHASES, CheckResult, ErrorClass, Sample, Status
from warden.store import histogram
from warden.store import schema as s
from warden.store.protocol import MonitorInfo, MonitorState, SeriesPoints, Uptime

MINUTE, HOUR = 60, 3600
ROLLUP_LAG = 120.0  # seconds a bucket stays open for late writes before it is rolled up


def _labels_key(labels: Mapping[str, str]) -> str:
    return json.dumps(dict(sorted(labels.items())), separators=(",", ":"))


class SqlStore:
    """The one Store implementation. Build with ``SqlStore.open(url)``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self._monitor_ids: dict[str, int] = {}
        self._monitor_names: dict[int, str] = {}
        self._series_ids: dict[tuple[str, str], int] = {}

    # -- opening -------------------------------------------------------------------------

    @classmethod
    def open(cls, url: str) -> SqlStore:
        """Open (and create or upgrade) the store at ``url``."""
        try:
            parsed = make_url(url)
        except Exception as exc:
            raise StoreError(f"store url is not valid: {exc}") from exc
        synchronous = "NORMAL"
        if parsed.get_backend_name() == "sqlite":
            synchronous = str(parsed.query.get("synchronous", "NORMAL")).upper()
            parsed = parsed.difference_update_query(["synchronous"])
            if parsed.database and parsed.database != ":memory:":
                folder = os.path.dirname(os.path.abspath(parsed.database))
                os.makedirs(folder, exist_ok=True)
        elif parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        try:
            engine = create_engine(parsed, pool_pre_ping=parsed.get_backend_name() != "sqlite")
        except Exception as exc:
            raise StoreError(f"cannot open store: {exc}") from exc
        if engine.dialect.name == "sqlite":
            _sqlite_pragmas(engine, synchronous)
        store = cls(engine)
        try:
            s.metadata.create_all(engine)
            store._load_ids()
        except SQLAlchemyError as exc:
            engine.dispose()
            raise StoreError(f"cannot open store at {parsed.render_as_string()}: {exc}") from exc
        return store

    def close(self) -> None:
        self.engine.dispose()

    def _load_ids(self) -> None:
        with self._connect() as conn:
            for row in conn.execute(select(s.monitors.c.id, s.monitors.c.name)):
                self._monitor_ids[row.name] = row.id
                self._monitor_names[row.id] = row.name
            for srow in conn.execute(select(s.series.c.id, s.series.c.name, s.series.c.labels)):
                self._series_ids[(srow.name, srow.labels)] = srow.id

    # -- writing -------------------------------------------------------------------------

    def sync_monitors(self, monitors: Sequence[MonitorInfo]) -> None:
        now = _now()
        with self._begin() as conn:
            for m in monitors:
                values = {"type": m.type, "group_name": m.group, "target": m.target[:500]}
                if m.name in self._monitor_ids:
                    conn.execute(
                        s.monitors.update().where(s.monitors.c.name == m.name).values(**values)
                    )
                    continue
                res = conn.execute(
                    s.monitors.insert().values(name=m.name, created_at=now, **values)
                )
                mid = _inserted_id(res)
                self._monitor_ids[m.name] = mid
                self._monitor_names[mid] = m.name

    def _monitor_id(self, conn: Connection, name: str) -> int:
        mid = self._monitor_ids.get(name)
        if mid is None:
            res = conn.execute(s.monitors.insert().values(name=name, type="", created_at=_now()))
            mid = _inserted_id(res)
            self._monitor_ids[name] = mid
            self._monitor_names[mid] = name
        return mid

    def _series_id(self, conn: Connection, name: str, labels: Mapping[str, str]) -> int:
        key = (name, _labels_key(labels))
        sid = self._series_ids.get(key)
        if sid is None:
            self._upsert(conn, s.series, [{"name": key[0], "labels": key[1]}], None, [])
            sid = conn.execute(
                select(s.series.c.id).where(s.series.c.name == key[0], s.series.c.labels == key[1])
            ).scalar_one()
            self._series_ids[key] = sid
        return sid

    def write(
        self,
        results: Sequence[CheckResult] = (),
        samples: Sequence[Sample] = (),
        states: Sequence[MonitorState] = (),
    ) -> None:
        if not (results or samples or states):
            return
        with self._begin() as conn:
            if results:
                conn.execute(s.check_results.insert(), [self._result_row(conn, r) for r in results])
            if samples:
                rows = [
                    {
                        "series_id": self._series_id(conn, x.name, x.labels),
                        "ts": x.time,
                        "value": x.value,
                    }
                    for x in samples
                    if math.isfinite(x.value)
                ]
                if rows:
                    conn.execute(s.samples.insert(), rows)
            if states:
                state_rows: list[dict[str, Any]] = [
                    {
                        "monitor_id": self._monitor_id(conn, st.monitor),
                        "status": int(st.status),
                        "since": st.since,
                        "last_ts": st.last_ts,
                        "failures": st.failures,
                        "latency": st.latency,
                        "error": str(st.error),
                        "message": st.message[:2000],
                    }
                    for st in states
                ]
                cols = ["status", "since", "last_ts", "failures", "latency", "error", "message"]
                self._upsert(conn, s.monitor_state, state_rows, ["monitor_id"], cols)

    def _result_row(self, conn: Connection, r: CheckResult) -> dict[str, Any]:
        row: dict[str, Any] = {
            "monitor_id": self._monitor_id(conn, r.monitor),
            "ts": r.time,
            "status": int(r.status),
            "latency": r.latency,
            "error": str(r.error),
            "message": r.message[:2000] or None,
            "metrics": json.dumps(dict(r.metrics), separators=(",", ":")) if r.metrics else None,
            "attempt": r.attempt,
        }
        for phase in PHASES:
            row[phase] = r.phases.get(phase)
        return row

    def record_heartbeat(self, monitor: str, at: float) -> None:
        with self._begin() as conn:
            mid = self._monitor_id(conn, monitor)
            self._upsert(
                conn,
                s.heartbeats,
                [{"monitor_id": mid, "last_ping": at}],
                ["monitor_id"],
                ["last_ping"],
            )

    # -- reading -------------------------------------------------------------------------

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
        return [_to_result(monitor, r) for r in rows]

    def results_in(self, since: float, until: float) -> dict[str, list[CheckResult]]:
        """Raw results of every monitor in ``[since, until)``, oldest first, in one range scan."""
        t = s.check_results
        query = select(t).where(t.c.ts >= since, t.c.ts < until).order_by(t.c.ts)
        out: dict[str, list[CheckResult]] = {}
        with self._connect() as conn:
            for r in conn.execute(query):
                name = self._monitor_names.get(r.monitor_id)
                if name is not None:
                    out.setdefault(name, []).append(_to_result(name, r))
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
                got = _to_result(name, r)
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

    def size_bytes(self) -> int:
        with self._connect() as conn:
            if self.dialect == "sqlite":
                pages = conn.exec_driver_sql("PRAGMA page_count").scalar_one()
                size = conn.exec_driver_sql("PRAGMA page_size").scalar_one()
                return int(pages) * int(size)
            return int(
                conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
            )

    # -- rollups and retention -----------------------------------------------------------

    def rollup(self, now: float) -> int:
        """Roll finished minutes of raw results and samples, then finished hours of minutes."""
        written = 0
        with self._begin() as conn:
            end = math.floor((now - ROLLUP_LAG) / MINUTE) * MINUTE
            start = self._horizon(conn, "rolled_minutes_until", default=None)
            if start is None:
                first = conn.execute(select(func.min(s.check_results.c.ts))).scalar()
                first_s = conn.execute(select(func.min(s.samples.c.ts))).scalar()
                firsts = [f for f in (first, first_s) if f is not None]
                start = math.floor(min(firsts) / MINUTE) * MINUTE if firsts else end
            if end > start:
                written += self._rollup_results(conn, start, end)
                written += self._rollup_samples(conn, start, end)
                self._set_meta(conn, "rolled_minutes_until", end)
            hour_end = math.floor(end / HOUR) * HOUR
            hour_start = self._horizon(conn, "rolled_hours_until", default=None)
            if hour_start is None:
                hour_start = math.floor(start / HOUR) * HOUR
            if hour_end > hour_start:
                written += self._rollup_hours(conn, hour_start, hour_end)
                self._set_meta(conn, "rolled_hours_until", hour_end)
        return written

    def _rollup_results(self, conn: Connection, start: float, end: float) -> int:
        t = s.check_results
        acc: dict[tuple[int, float], list[Any]] = {}
        rows = conn.execute(
            select(t.c.monitor_id, t.c.ts, t.c.status, t.c.latency).where(
                t.c.ts >= start, t.c.ts < end
            )
        )
        for mid, ts, status, latency in rows:
            key = (mid, math.floor(ts / MINUTE) * MINUTE)
            a = acc.get(key)
            if a is None:
                a = acc[key] = [0, 0, 0, 0, 0.0, math.inf, 0.0, defaultdict(int)]
            a[0] += 1
            a[1 + status] += 1
            a[4] += latency
            a[5] = min(a[5], latency)
            a[6] = max(a[6], latency)
            a[7][histogram.bucket_of(latency)] += 1
        out = [
            {
                "monitor_id": mid,
                "resolution": MINUTE,
                "bucket": bucket,
                "n": a[0],
                "n_up": a[1],
                "n_degraded": a[2],
                "n_down": a[3],
                "lat_sum": a[4],
                "lat_min": a[5],
                "lat_max": a[6],
                "lat_hist": histogram.encode(a[7]),
            }
            for (mid, bucket), a in acc.items()
        ]
        cols = ["n", "n_up", "n_degraded", "n_down", "lat_sum", "lat_min", "lat_max", "lat_hist"]
        self._upsert(conn, s.result_rollups, out, ["monitor_id", "resolution", "bucket"], cols)
        return len(out)

    def _rollup_samples(self, conn: Connection, start: float, end: float) -> int:
        t = s.samples
        acc: dict[tuple[int, float], list[float]] = {}
        rows = conn.execute(
            select(t.c.series_id, t.c.ts, t.c.value)
            .where(t.c.ts >= start, t.c.ts < end)
            .order_by(t.c.ts)
        )
        for sid, ts, value in rows:
            key = (sid, math.floor(ts / MINUTE) * MINUTE)
            a = acc.get(key)
            if a is None:
                acc[key] = [1, value, value, value, value]
            else:
                a[0] += 1
                a[1] += value
                a[2] = min(a[2], value)
                a[3] = max(a[3], value)
                a[4] = value
        out = [
            {
                "series_id": sid,
                "resolution": MINUTE,
                "bucket": bucket,
                "n": int(a[0]),
                "sum": a[1],
                "min": a[2],
                "max": a[3],
                "last": a[4],
            }
            for (sid, bucket), a in acc.items()
        ]
        self._upsert(
            conn,
            s.sample_rollups,
            out,
            ["series_id", "resolution", "bucket"],
            ["n", "sum", "min", "max", "last"],
        )
        return len(out)

    def _rollup_hours(self, conn: Connection, start: float, end: float) -> int:
        r = s.result_rollups
        acc: dict[tuple[int, float], list[Any]] = {}
        for row in conn.execute(
            select(r).where(r.c.resolution == MINUTE, r.c.bucket >= start, r.c.bucket < end)
        ):
            key = (row.monitor_id, math.floor(row.bucket / HOUR) * HOUR)
            a = acc.setdefault(key, [0, 0, 0, 0, 0.0, math.inf, 0.0, []])
            a[0] += row.n
            a[1] += row.n_up
            a[2] += row.n_degraded
            a[3] += row.n_down
            a[4] += row.lat_sum
            a[5] = min(a[5], row.lat_min)
            a[6] = max(a[6], row.lat_max)
            a[7].append(histogram.decode(row.lat_hist))
        out = [
            {
                "monitor_id": mid,
                "resolution": HOUR,
                "bucket": bucket,
                "n": a[0],
                "n_up": a[1],
                "n_degraded": a[2],
                "n_down": a[3],
                "lat_sum": a[4],
                "lat_min": a[5],
                "lat_max": a[6],
                "lat_hist": histogram.encode(histogram.merge(a[7])),
            }
            for (mid, bucket), a in acc.items()
        ]
        cols = ["n", "n_up", "n_degraded", "n_down", "lat_sum", "lat_min", "lat_max", "lat_hist"]
        self._upsert(conn, s.result_rollups, out, ["monitor_id", "resolution", "bucket"], cols)
        sr = s.sample_rollups
        sacc: dict[tuple[int, float], list[float]] = {}
        for row in conn.execute(
            select(sr)
            .where(sr.c.resolution == MINUTE, sr.c.bucket >= start, sr.c.bucket < end)
            .order_by(sr.c.bucket)
        ):
            key = (row.series_id, math.floor(row.bucket / HOUR) * HOUR)
            a2 = sacc.get(key)
            if a2 is None:
                sacc[key] = [row.n, row.sum, row.min, row.max, row.last]
            else:
                a2[0] += row.n
                a2[1] += row.sum
                a2[2] = min(a2[2], row.min)
                a2[3] = max(a2[3], row.max)
                a2[4] = row.last
        sout = [
            {
                "series_id": sid,
                "resolution": HOUR,
                "bucket": b,
                "n": int(a2[0]),
                "sum": a2[1],
                "min": a2[2],
                "max": a2[3],
                "last": a2[4],
            }
            for (sid, b), a2 in sacc.items()
        ]
        self._upsert(
            conn,
            sr,
            sout,
            ["series_id", "resolution", "bucket"],
            ["n", "sum", "min", "max", "last"],
        )
        return len(out) + len(sout)

    def prune(self, now: float, raw: float, minute: float, hour: float) -> int:
        """Delete old rows; raw rows are only deleted once their minutes are rolled up."""
        deleted = 0
        with self._begin() as conn:
            rolled = self._horizon(conn, "rolled_minutes_until", default=0.0) or 0.0
            raw_cut = min(now - raw, rolled)
            minute_cut = min(
                now - minute, self._horizon(conn, "rolled_hours_until", default=0.0) or 0.0
            )
            if raw_cut > self._horizon(conn, "raw_horizon"):
                deleted += conn.execute(
                    delete(s.check_results).where(s.check_results.c.ts < raw_cut)
                ).rowcount
                deleted += conn.execute(delete(s.samples).where(s.samples.c.ts < raw_cut)).rowcount
                self._set_meta(conn, "raw_horizon", raw_cut)
            if minute_cut > self._horizon(conn, "minute_horizon"):
                for table in (s.result_rollups, s.sample_rollups):
                    deleted += conn.execute(
                        delete(table).where(
                            table.c.resolution == MINUTE, table.c.bucket < minute_cut
                        )
                    ).rowcount
                self._set_meta(conn, "minute_horizon", minute_cut)
            for table in (s.result_rollups, s.sample_rollups):
                deleted += conn.execute(
                    delete(table).where(table.c.resolution == HOUR, table.c.bucket < now - hour)
                ).rowcount
        return deleted

    # -- helpers -------------------------------------------------------------------------

    @contextlib.contextmanager
    def _begin(self) -> Iterator[Connection]:
        """A transaction; driver errors leave as StoreError (the boundary of the store)."""
        try:
            with self.engine.begin() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise StoreError(f"store write failed: {exc.__class__.__name__}: {exc}") from exc

    @contextlib.contextmanager
    def _connect(self) -> Iterator[Connection]:
        """A read-only connection; driver errors leave as StoreError."""
        try:
            with self.engine.connect() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise StoreError(f"store read failed: {exc.__class__.__name__}: {exc}") from exc

    def _horizon(self, conn: Connection, key: str, default: float | None = -math.inf) -> Any:
        value = conn.execute(select(s.meta.c.value).where(s.meta.c.key == key)).scalar()
        return float(value) if value is not None else default

    def _set_meta(self, conn: Connection, key: str, value: float) -> None:
        self._upsert(conn, s.meta, [{"key": key, "value": repr(value)}], ["key"], ["value"])

    def _upsert(
        self,
        conn: Connection,
        table: Table,
        rows: list[dict[str, Any]],
        keys: list[str] | None,
        update: list[str],
    ) -> None:
        """Insert ``rows``; on a key conflict update ``update`` columns (or do nothing)."""
        if not rows:
            return
        dialect: Any = sqlite if self.dialect == "sqlite" else postgresql
        stmt = dialect.insert(table)
        if update and keys:
            stmt = stmt.on_conflict_do_update(
                index_elements=keys, set_={c: stmt.excluded[c] for c in update}
            )
        else:
            stmt = stmt.on_conflict_do_nothing()
        conn.execute(stmt, rows)


def _sqlite_pragmas(engine: Engine, synchronous: str) -> None:
    if synchronous not in {"OFF", "NORMAL", "FULL", "EXTRA"}:
        raise StoreError(f"synchronous={synchronous} is not one of off, normal, full, extra")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.close()


_STATUS = tuple(Status)  # row value -> Status without Enum.__call__ (hot in batched reads)
_ERRORS = {e.value: e for e in ErrorClass}


def _to_result(monitor: str, row: Any) -> CheckResult:
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


def _inserted_id(result: Any) -> int:
    """The primary key an INSERT just produced."""
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


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


def _now() -> float:
    return time.time()
