"""Rollups and retention in the SQL store.

Finished minutes of raw results and samples are folded into per-minute rollups (counts by
status, latency sum/min/max and a log-bucketed histogram; for samples count, sum, min, max,
last), finished hours of minutes into per-hour rollups. Raw rows are deleted only once their
minutes are rolled up. Horizons (how far each tier is rolled or kept) live in ``warden_meta``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, delete, func, select

from warden.store import histogram
from warden.store import schema as s
from warden.store._core import HOUR, MINUTE, StoreCore

ROLLUP_LAG = 120.0  # seconds a bucket stays open for late writes before it is rolled up


class RollupsMixin(StoreCore):
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
            # horizons on bucket boundaries: a range read from raw rows after the raw horizon
            # and from rollups before it then counts no minute (or hour) twice
            raw_cut = math.floor(min(now - raw, rolled) / MINUTE) * MINUTE
            minute_cut = (
                math.floor(
                    min(now - minute, self._horizon(conn, "rolled_hours_until", default=0.0) or 0.0)
                    / HOUR
                )
                * HOUR
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
