"""Batch read queries for the dashboard, API and status pages (many monitors at once).

Ranges are read in tiers, each from the finest data still kept: hourly rollups up to
``rolled_hours_until``, minute rollups up to ``rolled_minutes_until``, raw results after.
Aggregation happens in SQL, so the cost grows with the monitors asked for, not with the
monitors stored. Blocking calls: run them in a thread from async code.
"""

from __future__ import annotations

import functools
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Float,
    Integer,
    Select,
    bindparam,
    case,
    cast,
    func,
    literal,
    select,
)
from sqlalchemy.sql.elements import ColumnElement

from warden.results import PHASES, Status
from warden.store import histogram
from warden.store import schema as s

MINUTE, HOUR = 60, 3600


@dataclass(slots=True)
class Counts:
    """Checks by status and the latency sum over some range (additive)."""

    n: int = 0
    up: int = 0
    degraded: int = 0
    down: int = 0
    lat_sum: float = 0.0

    @property
    def ratio(self) -> float | None:
        return (self.up + self.degraded) / self.n if self.n else None

    @property
    def mean_latency(self) -> float | None:
        return self.lat_sum / self.n if self.n else None

    def add(self, n: Any, up: Any, degraded: Any, down: Any, lat_sum: Any) -> None:
        self.n += int(n or 0)
        self.up += int(up or 0)
        self.degraded += int(degraded or 0)
        self.down += int(down or 0)
        self.lat_sum += float(lat_sum or 0.0)


@dataclass(frozen=True, slots=True)
class Tiers:
    """Where each kind of data starts or ends (None: that rollup never ran)."""

    hours_until: float | None
    minutes_until: float | None
    raw_from: float
    minute_from: float | None = None  # minute rollups before this were pruned (None: none yet)


def monitor_ids(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {r.name: r.id for r in conn.execute(select(s.monitors.c.id, s.monitors.c.name))}


def tiers(conn: Connection) -> Tiers:
    rows = dict(
        conn.execute(
            select(s.meta.c.key, s.meta.c.value).where(
                s.meta.c.key.in_(
                    ["rolled_hours_until", "rolled_minutes_until", "raw_horizon", "minute_horizon"]
                )
            )
        ).all()
    )

    def get(key: str) -> float | None:
        return float(rows[key]) if key in rows else None

    return Tiers(
        get("rolled_hours_until"),
        get("rolled_minutes_until"),
        get("raw_horizon") or 0.0,
        get("minute_horizon"),
    )


def _spans(t: Tiers, since: float, until: float) -> list[tuple[str, float, float]]:
    """(kind, lo, hi) pieces of ``[since, until)``: "hour", "minute" and "raw"."""
    hours = t.hours_until if t.hours_until is not None else -math.inf
    minutes = t.minutes_until if t.minutes_until is not None else hours
    minutes = max(minutes, hours)
    out = [
        ("hour", since, min(until, hours)),
        ("minute", max(since, hours), min(until, minutes)),
        ("raw", max(since, minutes), until),
    ]
    return [(kind, lo, hi) for kind, lo, hi in out if lo < hi]


def _ids(mids: Iterable[int]) -> list[int]:
    return sorted(set(mids))


def _tier_columns(kind: str) -> tuple[Any, Any, list[Any], list[Any]]:
    """(monitor id column, time column, filters, the five additive values) of a tier."""
    ids: Any = bindparam("ids", expanding=True)
    lo, hi = bindparam("lo", type_=Float), bindparam("hi", type_=Float)
    if kind == "raw":
        t = s.check_results
        values: list[Any] = [
            literal(1),
            case((t.c.status == int(Status.UP), 1), else_=0),
            case((t.c.status == int(Status.DEGRADED), 1), else_=0),
            case((t.c.status == int(Status.DOWN), 1), else_=0),
            t.c.latency,
        ]
        return t.c.monitor_id, t.c.ts, [t.c.monitor_id.in_(ids), t.c.ts >= lo, t.c.ts < hi], values
    r = s.result_rollups
    where = [
        r.c.monitor_id.in_(ids),
        r.c.resolution == (HOUR if kind == "hour" else MINUTE),
        r.c.bucket >= lo,
        r.c.bucket < hi,
    ]
    return (
        r.c.monitor_id,
        r.c.bucket,
        where,
        [r.c.n, r.c.n_up, r.c.n_degraded, r.c.n_down, r.c.lat_sum],
    )


@functools.cache
def _window_statement(kind: str, n_windows: int) -> Select[Any]:
    """Sums per monitor for windows starting at bind params ``w0``, ``w1``, ... (built once:
    building SQLAlchemy expressions costs more than running these queries)."""
    mid_col, ts, where, values = _tier_columns(kind)
    selects: list[Any] = [mid_col]
    for i in range(n_windows):
        inside = ts >= bindparam(f"w{i}", type_=Float)
        selects += [func.sum(case((inside, v), else_=0)) for v in values]
    return select(*selects).where(*where).group_by(mid_col)


def window_counts(
    engine: Engine, mids: Iterable[int], until: float, windows: Sequence[float]
) -> dict[int, list[Counts]]:
    """For each monitor, Counts over each ``[until - w, until)`` window, in one pass per tier."""
    ids = _ids(mids)
    out = {mid: [Counts() for _ in windows] for mid in ids}
    if not ids or not windows:
        return out
    since = until - max(windows)
    starts = {f"w{i}": until - w for i, w in enumerate(windows)}
    with engine.connect() as conn:
        for kind, lo, hi in _spans(tiers(conn), since, until):
            query = _window_statement(kind, len(windows))
            for row in conn.execute(query, {"ids": ids, "lo": lo, "hi": hi, **starts}):
                acc = out[row[0]]
                for i in range(len(windows)):
                    acc[i].add(*row[1 + 5 * i : 6 + 5 * i])
    return out


def _bucket(ts: ColumnElement[Any], dialect: str) -> ColumnElement[Any]:
    """``floor(ts / :step) * :step`` in SQL, the same on SQLite and PostgreSQL."""
    step = bindparam("step", type_=Integer)
    if dialect == "sqlite":
        return cast(cast(ts / step, Integer) * step, Float)  # ts >= 0: truncation is floor
    return func.floor(ts / step) * step


@functools.cache
def _bucket_statement(kind: str, dialect: str) -> Select[Any]:
    mid_col, ts, where, values = _tier_columns(kind)
    b = _bucket(ts, dialect)
    return select(mid_col, b, *(func.sum(v) for v in values)).where(*where).group_by(mid_col, b)


def bucket_counts(
    engine: Engine, mids: Iterable[int], since: float, until: float, step: int
) -> dict[int, dict[float, Counts]]:
    """Counts per monitor per ``step``-second bucket (step a multiple of 60 for rollups)."""
    ids = _ids(mids)
    out: dict[int, dict[float, Counts]] = {mid: defaultdict(Counts) for mid in ids}
    if not ids:
        return out
    with engine.connect() as conn:
        for kind, lo, hi in _spans(tiers(conn), since, until):
            query = _bucket_statement(kind, engine.dialect.name)
            params = {"ids": ids, "lo": lo, "hi": hi, "step": step}
            for row in conn.execute(query, params):
                out[row[0]][float(row[1])].add(*row[2:])
    return {mid: dict(sorted(buckets.items())) for mid, buckets in out.items()}


def fine_spans(
    t: Tiers, since: float, until: float, fine_from: float = -math.inf
) -> list[tuple[str, float, float]]:
    """Like ``_spans``, but minute rollups (where still kept) from ``fine_from`` on."""
    hours = t.hours_until if t.hours_until is not None else -math.inf
    minutes = max(t.minutes_until if t.minutes_until is not None else -math.inf, hours)
    switch = hours
    if math.isfinite(hours):
        wanted = -math.inf if not math.isfinite(fine_from) else math.floor(fine_from / HOUR) * HOUR
        if t.minute_from is not None:  # minute rollups before it are gone: hours up to there
            wanted = max(wanted, math.ceil(t.minute_from / HOUR) * HOUR)
        switch = min(hours, wanted)
    out = [
        ("hour", since, min(until, switch)),
        ("minute", max(since, switch), min(until, minutes)),
        ("raw", max(since, minutes), until),
    ]
    return [(kind, lo, hi) for kind, lo, hi in out if lo < hi]


@functools.cache
def _good_statement(kind: str, dialect: str, latency: bool) -> Select[Any]:
    """Good and total checks of the monitors ``ids`` together, per minute (rollups: per bucket)."""
    _, ts, where, _ = _tier_columns(kind)
    if kind == "raw":
        t = s.check_results
        good_if = t.c.status != int(Status.DOWN)
        if latency:
            good_if = good_if & (t.c.latency <= bindparam("latency", type_=Float))
        b = _bucket(ts, dialect)
        return (
            select(b, func.sum(case((good_if, 1), else_=0)), func.count()).where(*where).group_by(b)
        )
    r = s.result_rollups
    return (
        select(ts, func.sum(r.c.n_up + r.c.n_degraded), func.sum(r.c.n)).where(*where).group_by(ts)
    )


def good_buckets(
    engine: Engine,
    mids: Iterable[int],
    since: float,
    until: float,
    *,
    latency: float | None = None,
    fine_from: float = -math.inf,
) -> dict[float, tuple[int, int]]:
    """(good, total) checks of all ``mids`` together per bucket in ``[since, until)`` (SLOs).

    Availability (``latency`` None): good is up or degraded; minute rollups from ``fine_from``
    on where they are kept, hourly rollups before (one bucket per hour), raw results where
    nothing is rolled up yet. Latency: good is not down and at most ``latency`` seconds, from
    raw results only (nothing before the raw horizon). Raw results count per whole minute.
    """
    ids = _ids(mids)
    out: dict[float, tuple[int, int]] = {}
    if not ids or since >= until:
        return out
    dialect = engine.dialect.name
    with engine.connect() as conn:
        t = tiers(conn)
        if latency is None:
            spans = fine_spans(t, since, until, fine_from)
        else:
            spans = (
                [("raw", max(since, t.raw_from), until)] if max(since, t.raw_from) < until else []
            )
        for kind, lo, hi in spans:
            params: dict[str, Any] = {"ids": ids, "lo": lo, "hi": hi}
            if kind == "raw":
                params["step"] = MINUTE
                if latency is not None:
                    params["latency"] = latency
            query = _good_statement(kind, dialect, latency is not None)
            for b, good, total in conn.execute(query, params):
                g0, t0 = out.get(float(b), (0, 0))
                out[float(b)] = (g0 + int(good or 0), t0 + int(total or 0))
    return out


@dataclass(frozen=True, slots=True)
class LatencyPoint:
    """Latency of one monitor in one bucket: quantiles and mean phases (seconds)."""

    time: float
    n: int
    p50: float | None
    p95: float | None
    p99: float | None
    phases: dict[str, float]


def latency_series(
    engine: Engine, mid: int, since: float, until: float, step: int
) -> list[LatencyPoint]:
    """p50/p95/p99 per bucket: exact (with phases) where raw results are kept, else from
    rollup histograms (within one histogram bucket, ±5 %; no phases)."""
    step = max(MINUTE, step - step % MINUTE)
    points: dict[float, LatencyPoint] = {}
    with engine.connect() as conn:
        raw_from = max(since, tiers(conn).raw_from)
        if raw_from > since:
            r = s.result_rollups
            resolution = HOUR if step >= HOUR else MINUTE
            hists: dict[float, list[dict[int, int]]] = defaultdict(list)
            for bucket, hist in conn.execute(
                select(r.c.bucket, r.c.lat_hist).where(
                    r.c.monitor_id == mid,
                    r.c.resolution == resolution,
                    r.c.bucket >= since,
                    r.c.bucket < min(until, raw_from),
                )
            ):
                hists[math.floor(bucket / step) * step].append(histogram.decode(hist))
            for t0, parts in hists.items():
                merged = histogram.merge(parts)
                p50, p95, p99 = (histogram.quantile(merged, q) for q in (0.5, 0.95, 0.99))
                points[t0] = LatencyPoint(t0, sum(merged.values()), p50, p95, p99, {})
        t = s.check_results
        raw: dict[float, list[Any]] = defaultdict(list)
        for row in conn.execute(
            select(t.c.ts, t.c.latency, *(t.c[p] for p in PHASES)).where(
                t.c.monitor_id == mid, t.c.ts >= raw_from, t.c.ts < until
            )
        ):
            raw[math.floor(row[0] / step) * step].append(row)
    for t0, rows in raw.items():
        values = sorted(r[1] for r in rows)
        phases: dict[str, float] = {}
        for i, phase in enumerate(PHASES):
            got = [r[2 + i] for r in rows if r[2 + i] is not None]
            if got:
                phases[phase] = sum(got) / len(got)
        p50, p95, p99 = (histogram.exact_quantile(values, q) for q in (0.5, 0.95, 0.99))
        points[t0] = LatencyPoint(t0, len(values), p50, p95, p99, phases)
    return [points[k] for k in sorted(points)]


@dataclass(frozen=True, slots=True)
class StatusRun:
    """A stretch of consecutive checks with the same status (from raw results)."""

    status: Status
    start: float
    end: float
    checks: int


def status_runs(
    engine: Engine, mid: int, since: float, until: float, limit: int
) -> list[StatusRun]:
    """The latest ``limit`` runs of equal status in ``[since, until)``, newest first."""
    t = s.check_results
    runs: list[StatusRun] = []
    with engine.connect() as conn:
        rows = conn.execute(
            select(t.c.ts, t.c.status)
            .where(t.c.monitor_id == mid, t.c.ts >= since, t.c.ts < until)
            .order_by(t.c.ts.desc())
        )
        for ts, status in rows:
            if runs and runs[-1].status == status:
                last = runs[-1]
                runs[-1] = StatusRun(last.status, ts, last.end, last.checks + 1)
                continue
            if len(runs) == limit:
                break
            runs.append(StatusRun(Status(status), ts, ts, 1))
    return runs


def failures(engine: Engine, mid: int, since: float, limit: int) -> list[dict[str, Any]]:
    """The latest failed or degraded checks: time, status, error class, message."""
    t = s.check_results
    with engine.connect() as conn:
        rows = conn.execute(
            select(t.c.ts, t.c.status, t.c.error, t.c.message, t.c.latency)
            .where(t.c.monitor_id == mid, t.c.ts >= since, t.c.status != int(Status.UP))
            .order_by(t.c.ts.desc())
            .limit(limit)
        ).all()
    return [
        {
            "time": r.ts,
            "status": Status(r.status).label,
            "error": r.error or "error",
            "message": r.message or "",
            "latency": r.latency,
        }
        for r in rows
    ]


def latest_metrics(engine: Engine, mid: int, since: float) -> dict[str, float]:
    """The extra numbers of the latest result that has any (``cert_days_left``, ...)."""
    t = s.check_results
    with engine.connect() as conn:
        text = conn.execute(
            select(t.c.metrics)
            .where(t.c.monitor_id == mid, t.c.ts >= since, t.c.metrics.is_not(None))
            .order_by(t.c.ts.desc())
            .limit(1)
        ).scalar()
    return {str(k): float(v) for k, v in json.loads(text).items()} if text else {}


def series_names(engine: Engine) -> list[tuple[str, dict[str, str]]]:
    """Every metric series the store knows: (name, labels)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(s.series.c.name, s.series.c.labels).order_by(s.series.c.name)
        ).all()
    return [(r.name, json.loads(r.labels)) for r in rows]


def sample_sum_buckets(
    engine: Engine, name: str, since: float, until: float, *, fine_from: float = -math.inf
) -> dict[str, dict[float, float]]:
    """Per series of ``name`` (keyed by its labels JSON): the sum of its samples per bucket
    in ``[since, until)`` (per minute from raw samples and minute rollups, per hour before
    ``fine_from``'s hour), for series whose samples are increases (histogram buckets)."""
    got = sample_buckets(engine, name, since, until, fine_from=fine_from)
    return {k: {b: total for b, (total, _) in v.items()} for k, v in got.items()}


def sample_buckets(
    engine: Engine,
    name: str,
    since: float,
    until: float,
    *,
    fine_from: float = -math.inf,
    whole: bool = False,
) -> dict[str, dict[float, tuple[float, int]]]:
    """Per series of ``name`` (keyed by its labels JSON): (sum, count) of its samples per
    bucket in ``[since, until)``: per minute from raw samples and minute rollups, per hour
    before ``fine_from``'s hour (sum / count is the bucket's mean). With ``whole``, one
    bucket (key 0.0) for the whole range, summed in SQL."""
    out: dict[str, dict[float, tuple[float, int]]] = {}
    with engine.connect() as conn:
        rows = conn.execute(
            select(s.series.c.id, s.series.c.labels).where(s.series.c.name == name)
        ).all()
        labels_of = {r.id: r.labels for r in rows}
        if not labels_of or since >= until:
            return out
        ids = sorted(labels_of)
        dialect = engine.dialect.name
        for kind, lo, hi in fine_spans(tiers(conn), since, until, fine_from):
            params: dict[str, Any] = {}
            if kind == "raw":
                t = s.samples
                b: ColumnElement[Any] = literal(0.0) if whole else _bucket(t.c.ts, dialect)
                query = select(t.c.series_id, b, func.sum(t.c.value), func.count()).where(
                    t.c.series_id.in_(ids), t.c.ts >= lo, t.c.ts < hi
                )
                params = {} if whole else {"step": MINUTE}
            else:
                r = s.sample_rollups
                b = literal(0.0) if whole else r.c.bucket
                query = select(r.c.series_id, b, func.sum(r.c.sum), func.sum(r.c.n)).where(
                    r.c.series_id.in_(ids),
                    r.c.resolution == (MINUTE if kind == "minute" else HOUR),
                    r.c.bucket >= lo,
                    r.c.bucket < hi,
                )
            query = query.group_by(t.c.series_id if kind == "raw" else r.c.series_id)
            if not whole:
                query = query.group_by(b)
            for sid, bucket, total, n in conn.execute(query, params):
                per = out.setdefault(labels_of[sid], {})
                was = per.get(float(bucket), (0.0, 0))
                per[float(bucket)] = (was[0] + float(total or 0.0), was[1] + int(n or 0))
    return out
