"""SLO status and error-budget history for the API, the pages and /metrics, from cached counts.

Each SLO keeps the good and total checks of all its monitors together per minute, read with
one batched query per storage tier (``queries.good_buckets``). Minutes already rolled up never
change, so a refresh reads only the minutes that are new or not rolled up yet; reports are
kept ``ttl`` seconds so a dashboard that polls cannot hammer the store.

Precision: windows start at a whole minute within the last ``FINE`` seconds (the longest
burn-rate window and a margin) and at a whole hour before that, where hourly rollups are
read. A latency SLO needs each check's latency, so it reads raw results only and covers
nothing before the raw retention (``coverage`` says from when).

The history's "error budget remaining" at each point is that of the SLO window ending there
(a rolling window, as Grafana SLO and Sloth chart it): ``1 - bad / (total * (1 - objective))``
over ``[t - window, t)``, so the last point is the status. Its burn rate is the one of the step
ending at that point.
"""

from __future__ import annotations

import bisect
import itertools
import logging
import math
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from warden.alerting.config import SloConfig
from warden.alerting.slo import (
    BURN_WINDOWS,
    SloStatus,
    budget_remaining,
    burn_rate,
    histogram_buckets,
    slo_monitors,
    status_from_counts,
)
from warden.config.schema import MonitorBase
from warden.store import queries
from warden.traffic.buckets import SUFFIX

log = logging.getLogger("warden.web")

MINUTE, HOUR, DAY = 60, 3600, 86400
FINE = BURN_WINDOWS["3d"] + 2 * HOUR  # minute precision this far back
SETTLE = HOUR  # raw results older than this count as final even if rollups lag
MAX_POINTS = 720
SUB_HOUR_STEPS = (300, 600, 900, 1800)


def chart_step(window: float) -> int:
    """Seconds between history points: at most ``MAX_POINTS`` of them, whole hours for
    windows over 36 hours (their rolling windows reach back beyond minute precision)."""
    if 2 * window <= FINE - 2 * HOUR:
        for step in SUB_HOUR_STEPS:
            if window / step <= MAX_POINTS:
                return step
    return HOUR * max(1, math.ceil(window / MAX_POINTS / HOUR))


@dataclass(frozen=True, slots=True)
class Sums:
    """Prefix sums over buckets in time order: (good, total) of any range in O(log n)."""

    keys: list[float]
    good: list[int]
    total: list[int]

    @classmethod
    def of(cls, buckets: Mapping[float, tuple[int, int]]) -> Sums:
        keys = sorted(buckets)
        good = [0, *itertools.accumulate(buckets[k][0] for k in keys)]
        total = [0, *itertools.accumulate(buckets[k][1] for k in keys)]
        return cls(keys, good, total)

    def between(self, lo: float, hi: float) -> tuple[int, int]:
        """(good, total) of the buckets starting in ``[lo, hi)``."""
        i, j = bisect.bisect_left(self.keys, lo), bisect.bisect_left(self.keys, hi)
        return self.good[j] - self.good[i], self.total[j] - self.total[i]

    def first(self) -> float | None:
        """Start of the first bucket with checks."""
        for k, a, b in zip(self.keys, self.total, self.total[1:], strict=False):
            if b > a:
                return k
        return None


@dataclass
class SloReport:
    """One SLO at one moment: its status and the counts its history is drawn from."""

    slo: SloConfig
    now: float
    status: SloStatus
    sums: Sums
    covered_from: float
    _history: dict[str, Any] | None = None

    def coverage(self) -> dict[str, Any]:
        first = self.sums.first()
        return {
            "from": self.covered_from,
            "until": self.now,
            "first_check": first,
            "window_complete": self.covered_from <= self.now - self.slo.window,
            "source": (
                "stored histogram"
                if self.slo.histogram is not None
                else "raw results"
                if self.slo.latency is not None
                else "rollups and raw results"
            ),
        }

    def history(self) -> dict[str, Any]:
        """Error budget remaining (rolling window) and burn rate per step over one window."""
        if self._history is not None:
            return self._history
        slo, now = self.slo, self.now
        step = chart_step(slo.window)
        end = math.floor(now / step) * step
        count = max(1, min(MAX_POINTS, int(slo.window // step)))
        ends = [end - (count - 1 - i) * step for i in range(count)]
        points = [self._point(t, t - step, t) for t in ends]
        if now > end:  # the unfinished step: its budget is the status's
            points.append(self._point(now, end, now + 1.0))
        self._history = {
            "step": step,
            "window": slo.window,
            "budget": "rolling",
            "points": points,
        }
        return self._history

    def _point(self, t: float, step_from: float, upto: float) -> dict[str, Any]:
        """The point at ``t``: the window ending at ``upto`` and the step from ``step_from``."""
        objective = self.slo.objective
        good, total = self.sums.between(upto - self.slo.window, upto)
        s_good, s_total = self.sums.between(step_from, upto)
        return {
            "time": t,
            "sli": 100.0 * good / total if total else None,
            "budget_remaining": budget_remaining(good, total, objective),
            "burn_rate": burn_rate(s_good, s_total, objective),
            "checks": s_total,
            "bad": s_total - s_good,
        }


@dataclass
class _Finished:
    """Buckets of one SLO that will not change (all of them before ``hi``), in time order."""

    key: tuple[Any, ...]
    buckets: dict[float, tuple[int, int]] = field(default_factory=dict)
    hi: float = -math.inf


class SloBook:
    """Every SLO's counts and latest report for one web app (blocking: call from a thread)."""

    def __init__(
        self, engine: Engine, ids: Callable[[list[str]], dict[str, int]], ttl: float = 30.0
    ) -> None:
        self.engine = engine
        self.ids = ids
        self.ttl = ttl
        self._reports: dict[str, SloReport] = {}
        self._finished: dict[str, _Finished] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._selected: dict[str, tuple[Sequence[MonitorBase], SloConfig, list[str]]] = {}
        self._guard = threading.Lock()
        self._background: threading.Thread | None = None

    def _lock(self, name: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(name, threading.Lock())

    def _names(self, slo: SloConfig, monitors: Sequence[MonitorBase]) -> list[str]:
        """The SLO's monitors, matched again only for another config (10,000 globs cost)."""
        got = self._selected.get(slo.name)
        if got is not None and got[0] is monitors and got[1] == slo:
            return got[2]
        names = slo_monitors(slo, monitors)
        self._selected[slo.name] = (monitors, slo, names)
        return names

    def report(self, slo: SloConfig, monitors: Sequence[MonitorBase], now: float) -> SloReport:
        """The SLO's report at ``now``, reused for ``ttl`` seconds while its config holds."""
        names = self._names(slo, monitors)
        with self._lock(slo.name):
            got = self._reports.get(slo.name)
            if (
                got is not None
                and got.slo == slo
                and got.status.monitors == names
                and 0 <= now - got.now < self.ttl
            ):
                return got
            got = self._compute(slo, names, now)
            self._reports[slo.name] = got
            return got

    def reports(
        self, slos: Sequence[SloConfig], monitors: Sequence[MonitorBase], now: float
    ) -> list[SloReport]:
        wanted = {s.name for s in slos}
        for gone in [n for n in list(self._reports) if n not in wanted]:  # gone after a reload
            self._reports.pop(gone, None)
            self._finished.pop(gone, None)
            self._selected.pop(gone, None)
        return [self.report(s, monitors, now) for s in slos]

    def latest(
        self, slos: Sequence[SloConfig], monitors: Sequence[MonitorBase], now: float, wait: float
    ) -> list[SloStatus]:
        """Statuses for a scrape: refreshed in a background thread, waited for at most
        ``wait`` seconds; a slow refresh leaves the previous figures (or none) this time."""
        with self._guard:
            if self._background is None or not self._background.is_alive():
                self._background = threading.Thread(
                    target=self._refresh_quietly,
                    args=(slos, monitors, now),
                    name="warden-slo-refresh",
                    daemon=True,
                )
                self._background.start()
            running = self._background
        running.join(wait)
        return [r.status for s in slos if (r := self._reports.get(s.name)) is not None]

    def _refresh_quietly(
        self, slos: Sequence[SloConfig], monitors: Sequence[MonitorBase], now: float
    ) -> None:
        try:
            self.reports(slos, monitors, now)
        except Exception as exc:  # the store is unreachable: no SLO figures this scrape
            log.warning("SLO figures for /metrics not refreshed: %s", exc)

    def _compute(self, slo: SloConfig, names: list[str], now: float) -> SloReport:
        if slo.histogram is not None:
            return self._compute_histogram(slo, now)
        mids = sorted(self.ids(names).values())
        with self.engine.connect() as conn:
            tiers = queries.tiers(conn)
        need_from = math.floor((now - 2 * slo.window) / HOUR) * HOUR  # history: window x 2
        settled = -math.inf
        if tiers.minutes_until is not None:
            settled = math.floor(tiers.minutes_until / MINUTE) * MINUTE
        settled = min(max(settled, math.floor((now - SETTLE) / MINUTE) * MINUTE), now)
        data_from = max(need_from, tiers.raw_from) if slo.latency is not None else need_from
        fine_from = now - FINE

        finished = self._finished.get(slo.name)
        key = (slo, tuple(mids))
        if finished is None or finished.key != key or settled < finished.hi:
            finished = _Finished(key)
            self._finished[slo.name] = finished
        lo = max(need_from, finished.hi)
        if lo < settled:
            got = queries.good_buckets(
                self.engine, mids, lo, settled, latency=slo.latency, fine_from=fine_from
            )
            finished.buckets.update(sorted(got.items()))
            finished.hi = settled
        finished.buckets = _compact(finished.buckets, data_from, fine_from)
        tail = queries.good_buckets(
            self.engine, mids, settled, now + 1.0, latency=slo.latency, fine_from=fine_from
        )
        sums = Sums.of({**finished.buckets, **tail})
        counts = {"window": sums.between(now - slo.window, now + 1.0)}
        for label, seconds in BURN_WINDOWS.items():
            counts[label] = sums.between(now - seconds, now + 1.0)
        status = status_from_counts(slo, names, counts)
        return SloReport(slo, now, status, sums, data_from)

    def _compute_histogram(self, slo: SloConfig, now: float) -> SloReport:
        """A histogram SLO's counts: summed bucket increases per minute (hours further back)."""
        assert slo.histogram is not None
        need_from = math.floor((now - 2 * slo.window) / HOUR) * HOUR
        per_series = queries.sample_sum_buckets(
            self.engine, slo.histogram.series + SUFFIX, need_from, now + 1.0, fine_from=now - FINE
        )
        sums = Sums.of(histogram_buckets(slo.histogram, per_series))
        counts = {"window": sums.between(now - slo.window, now + 1.0)}
        for label, seconds in BURN_WINDOWS.items():
            counts[label] = sums.between(now - seconds, now + 1.0)
        return SloReport(slo, now, status_from_counts(slo, [], counts), sums, need_from)


def _compact(
    buckets: dict[float, tuple[int, int]], start: float, fine_from: float
) -> dict[float, tuple[int, int]]:
    """Drop buckets before ``start``; fold minutes before ``fine_from``'s hour into hours,
    so a long-running cache counts exactly what a fresh read of the hourly rollups would."""
    cut = math.floor(fine_from / HOUR) * HOUR
    out: dict[float, tuple[int, int]] = {}
    for b, (good, total) in buckets.items():
        if b < start:
            continue
        key = math.floor(b / HOUR) * HOUR if b < cut else b
        g0, t0 = out.get(key, (0, 0))
        out[key] = (g0 + good, t0 + total)
    return out
