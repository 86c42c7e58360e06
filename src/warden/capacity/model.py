"""When a resource reaches a level of its limit: a forecast that says so only when it can.

``forecast`` takes one resource's history (times, values) and its limit and answers with the
time it reaches 80 % and 100 % of it, each with an 80 % range, or with why it cannot tell:

1. The history is put on a regular grid (bin means), at most ``GRID_POINTS`` points.
2. Change points of a piecewise-linear fit (ruptures' binary segmentation with a linear cost
   and a BIC-like penalty from the noise) split it into regimes. A drop is a cleanup or a
   rotation: only the regime since the last change is fitted. Two or more regular drops are a
   sawtooth (log rotation): then the trend of the cycle peaks is what may reach the limit.
3. With two days in the current regime and a clear daily cycle (two weeks: weekly too),
   statsmodels' STL/MSTL splits off the cycle; the trend is fitted and the cycle added back, so
   the forecast reaches the limit at a daily peak, not at the average.
4. The trend is fitted with scipy's Theil-Sen estimator (robust to bursts), whose 80 %
   confidence interval of the slope gives the range of the time to each level.
5. Too little history (``min_history``, 6 h by default), or too little since the last change,
   gives ``not_enough_data`` with the time still needed, never a guess.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

GRID_POINTS = 600
DAY, WEEK = 86400.0, 7 * 86400.0
LEVELS = (0.8, 1.0)
Array = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Eta:
    """When a level is reached: ``at`` (central), ``earliest`` and ``latest`` of the 80 % range
    (None: not within the horizon). ``at == now`` when it is reached already."""

    level: float
    at: float | None
    earliest: float | None
    latest: float | None


@dataclass
class Forecast:
    status: str  # "ok", "not_enough_data", "no_data"
    model: str = ""  # "linear", "seasonal", "sawtooth"
    reason: str = ""
    needed_seconds: float = 0.0  # more history needed (not_enough_data)
    current: float | None = None
    limit: float | None = None
    slope_per_day: float | None = None  # of the trend (of the peaks, for a sawtooth)
    slope_range: tuple[float, float] | None = None
    fitted_from: float | None = None
    change_points: list[float] = field(default_factory=list)
    etas: list[Eta] = field(default_factory=list)
    projection: list[tuple[float, float, float, float]] = field(default_factory=list)
    """(time, expected, low, high) from the fitted start to the end of the horizon."""

    def eta(self, level: float) -> Eta | None:
        return next((e for e in self.etas if e.level == level), None)


def forecast(
    times: Any,
    values: Any,
    limit: float,
    now: float,
    *,
    min_history: float = 6 * 3600.0,
    horizon: float = 90 * DAY,
    levels: tuple[float, ...] = LEVELS,
) -> Forecast:
    """The forecast of a resource whose ``values`` (at ``times``, epoch seconds) count against
    ``limit`` (same unit), judged at ``now``."""
    t = np.asarray(times, dtype=np.float64)
    y = np.asarray(values, dtype=np.float64)
    keep = np.isfinite(t) & np.isfinite(y)
    t, y = t[keep], y[keep]
    if t.size == 0 or not math.isfinite(limit) or limit <= 0:
        return Forecast("no_data", reason="no samples" if t.size == 0 else "no limit")
    order = np.argsort(t)
    t, y = t[order], y[order]
    current = float(y[-1])
    base = Forecast("ok", current=current, limit=limit)
    span = float(t[-1] - t[0])
    if span < min_history:
        return _not_enough(base, min_history - span, f"{_hours(span)} of history")
    gt, gy = _grid(t, y)
    sigma = _noise(gy)
    drops = _drops(gy, limit, sigma)
    if len(drops) >= 2 and _regular(gt, drops):
        base.change_points = [float(gt[b]) for b in drops]
        return _sawtooth(base, gt, gy, drops, limit, now, horizon, levels)
    if drops:  # only what followed the last cleanup says how the resource grows now
        since = float(gt[-1] - gt[drops[-1]])
        base.change_points = [float(gt[b]) for b in drops]
        if since < min_history:
            why = f"{_hours(since)} since a drop (cleanup or rotation) at {_iso(gt[drops[-1]])}"
            return _not_enough(base, min_history - since, why)
        gt, gy = gt[drops[-1] :], gy[drops[-1] :]
    cycle, trend = _cycle(gt, gy, float(gt[-1] - gt[0]), limit)
    breaks = _change_points(gt, trend, sigma)
    base.change_points += [float(gt[b]) for b in breaks]
    start = breaks[-1] if breaks else 0
    regime = float(gt[-1] - gt[start])
    if regime < min_history:
        return _not_enough(
            base,
            min_history - regime,
            f"{_hours(regime)} since a change of trend at {_iso(gt[start])}",
        )
    base.fitted_from = float(gt[start])
    return _trend(base, gt[start:], trend[start:], cycle, limit, now, horizon, levels)


def _not_enough(base: Forecast, needed: float, have: str) -> Forecast:
    base.status = "not_enough_data"
    base.needed_seconds = needed
    base.reason = f"not enough data: {have}, {_hours(needed)} more needed"
    return base


def _hours(seconds: float) -> str:
    h = seconds / 3600
    return f"{h:.1f} h" if h < 48 else f"{h / 24:.1f} d"


def _iso(ts: float) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(float(ts), dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _grid(t: Array, y: Array) -> tuple[Array, Array]:
    """Bin means on a regular grid (a whole number of minutes per step); empty bins are
    interpolated so that seasonal decomposition sees evenly spaced points."""
    span = float(t[-1] - t[0])
    step = max(60.0, math.ceil(span / GRID_POINTS / 60.0) * 60.0)
    index = np.floor((t - t[0]) / step).astype(np.int64)
    n = int(index[-1]) + 1
    sums = np.bincount(index, weights=y, minlength=n)
    counts = np.bincount(index, minlength=n)
    centers = t[0] + (np.arange(n) + 0.5) * step
    have = counts > 0
    means = np.interp(centers, centers[have], sums[have] / counts[have])
    return centers, means


def _noise(y: Array) -> float:
    """The noise's standard deviation from second differences (a trend cancels out)."""
    if y.size < 4:
        return 0.0
    d2 = np.diff(y, 2)
    mad = float(np.median(np.abs(d2 - np.median(d2))))
    return 1.4826 * mad / math.sqrt(6.0)


def _change_points(t: Array, y: Array, sigma: float) -> list[int]:
    """Indices where a new linear regime starts (ruptures, piecewise-linear cost, a penalty
    of a few noise variances per change so that noise alone splits nothing)."""
    import ruptures as rpt

    n = y.size
    if n < 24:
        return []
    sigma = max(sigma, 1e-4 * (float(np.max(np.abs(y))) + 1.0))  # exact lines split nothing
    x = (t - t[0]) / max(float(t[-1] - t[0]), 1.0)
    signal = np.column_stack([y, np.ones(n), x])
    algo = rpt.Binseg(model="linear", min_size=max(6, n // 40), jump=2).fit(signal)
    ends = algo.predict(pen=8.0 * sigma * sigma * math.log(n))
    return [int(b) for b in ends[:-1]]


def _drops(y: Array, limit: float, sigma: float) -> list[int]:
    """Indices where the series fell at once (a cleanup, a rotation): far more than noise."""
    fall = -np.diff(y)
    steep = fall > max(0.005 * limit, 3.0 * sigma)
    out: list[int] = []
    i = 0
    while i < steep.size:  # a fall spread over neighbouring bins is one drop
        if not steep[i]:
            i += 1
            continue
        j = i
        while j + 1 < steep.size and steep[j + 1]:
            j += 1
        sudden = j - i < 2  # within two bins: a cleanup, not a slow decline
        if sudden and float(y[i] - y[j + 1]) > max(0.03 * limit, 8.0 * sigma):
            out.append(j + 1)
        i = j + 1
    return out


def _regular(t: Array, drops: list[int]) -> bool:
    gaps = np.diff(t[drops])
    if gaps.size == 0:
        return False
    if gaps.size == 1:
        return True
    return float(np.std(gaps) / np.mean(gaps)) < 0.35


def _theil_sen(x: Array, y: Array) -> tuple[float, float, float, float]:
    """Slope, intercept and the 80 % range of the slope (scipy's Theil-Sen)."""
    from scipy.stats import theilslopes

    if x.size > 400:  # O(n^2) pairs: thin evenly, keeping the ends
        pick = np.unique(np.linspace(0, x.size - 1, 400).round().astype(np.int64))
        x, y = x[pick], y[pick]
    got = theilslopes(y, x, alpha=0.80)
    return float(got[0]), float(got[1]), float(got[2]), float(got[3])


def _cycle(t: Array, y: Array, span: float, limit: float) -> tuple[Any, Array]:
    """A daily (and, over two weeks, weekly) cycle split off with STL/MSTL: (the cycle as a
    function of time, the series without it); (None, the series) when there is no clear one
    (Hyndman's seasonal strength under 0.6, a cycle within the noise or under 1 % of the
    limit)."""
    from statsmodels.tsa.seasonal import MSTL, STL

    periods = [p for p in (DAY, WEEK) if span >= 2 * p]
    step = float(t[1] - t[0]) if t.size > 1 else 60.0
    lags = [round(p / step) for p in periods]
    if not lags or any(lag < 4 for lag in lags):
        return None, y
    if len(lags) == 1:
        res = STL(y, period=lags[0], robust=True).fit()
        season = np.asarray(res.seasonal, dtype=np.float64)
    else:
        res = MSTL(y, periods=lags, stl_kwargs={"robust": True}).fit()
        season = np.asarray(res.seasonal, dtype=np.float64).sum(axis=1)
    resid = np.asarray(res.resid, dtype=np.float64)
    strength = 1.0 - float(np.var(resid)) / max(float(np.var(season + resid)), 1e-12)
    amplitude = float(np.percentile(season, 95) - np.percentile(season, 5))
    if strength < 0.6 or amplitude < max(4.0 * float(np.std(resid)), 0.01 * limit):
        return None, y
    longest = lags[-1]
    profile = season[-longest:]  # the last whole cycle, by phase
    t_end = float(t[-1])

    def cycle(when: Any) -> Any:
        phase = np.floor((np.asarray(when) - t_end) / step).astype(np.int64) % longest
        return profile[phase]

    return cycle, y - season


def _trend(
    base: Forecast,
    t: Array,
    y: Array,
    cycle: Any,
    limit: float,
    now: float,
    horizon: float,
    levels: tuple[float, ...],
) -> Forecast:
    """Theil-Sen line through the regime (without its cycle), the cycle added back."""
    slope, _, lo, hi = _theil_sen(t - t[0], y)
    xm, ym = float(np.median(t)), float(np.median(y))
    base.model = "seasonal" if cycle is not None else "linear"
    base.slope_per_day = slope * DAY
    base.slope_range = (lo * DAY, hi * DAY)

    def line(s: float) -> Any:
        if cycle is None:
            return lambda when: ym + s * (np.asarray(when) - xm)
        return lambda when: ym + s * (np.asarray(when) - xm) + cycle(when)

    _finish(base, line(slope), line(lo), line(hi), limit, now, horizon, levels, float(t[-1]))
    return base


def _sawtooth(
    base: Forecast,
    t: Array,
    y: Array,
    drops: list[int],
    limit: float,
    now: float,
    horizon: float,
    levels: tuple[float, ...],
) -> Forecast:
    """Rotation: each cycle climbs and is cut; the peaks' trend is what may reach the limit."""
    bounds = [0, *drops, y.size]
    peaks_t, peaks_y = [], []
    for a, b in itertools.pairwise(bounds):
        if b - a >= 2:
            i = a + int(np.argmax(y[a:b]))
            peaks_t.append(float(t[i]))
            peaks_y.append(float(y[i]))
    px, py = np.asarray(peaks_t), np.asarray(peaks_y)
    base.model = "sawtooth"
    base.fitted_from = float(t[0])
    if px.size >= 3:
        slope, _, lo, hi = _theil_sen(px - px[0], py)
    else:
        slope = lo = hi = 0.0
    xm, ym = float(np.median(px)), float(np.median(py))
    base.slope_per_day = slope * DAY
    base.slope_range = (lo * DAY, hi * DAY)

    def peaks(s: float) -> Any:
        return lambda when: np.maximum(ym + s * (np.asarray(when) - xm), float(y[-1]))

    _finish(base, peaks(slope), peaks(lo), peaks(hi), limit, now, horizon, levels, float(t[-1]))
    return base


def _finish(
    base: Forecast,
    mid: Any,
    low_slope: Any,
    high_slope: Any,
    limit: float,
    now: float,
    horizon: float,
    levels: tuple[float, ...],
    last: float,
) -> None:
    """ETAs of each level on a grid from now to the horizon, and the projection to draw."""
    start = max(now, last)
    step = max(60.0, horizon / 4000)
    future = start + np.arange(0.0, horizon + step, step)
    expected, fast, slow = mid(future), high_slope(future), low_slope(future)
    for level in levels:
        target = level * limit
        if base.current is not None and base.current >= target:
            base.etas.append(Eta(level, now, now, now))
            continue
        base.etas.append(
            Eta(level, _first(mid, future, expected, target),
                _first(high_slope, future, fast, target), _first(low_slope, future, slow, target))
        )  # fmt: skip
    shown = future
    reached = base.eta(1.0)
    if reached is not None and reached.latest is not None:
        shown = future[future <= reached.latest + 0.1 * (reached.latest - start) + step]
    elif reached is not None and reached.at is not None:
        shown = future[future <= reached.at + (reached.at - start) + step]
    shown = shown[:: max(1, shown.size // 200)]
    lows, highs = (
        np.minimum(low_slope(shown), high_slope(shown)),
        np.maximum(low_slope(shown), high_slope(shown)),
    )
    base.projection = [
        (float(a), float(b), float(c), float(d))
        for a, b, c, d in zip(shown, mid(shown), lows, highs, strict=True)
    ]


def _first(f: Any, times: Array, values: Array, target: float) -> float | None:
    """The first time ``f`` reaches ``target``: the coarse grid finds the step, bisection the
    second within it."""
    hit = np.nonzero(values >= target)[0]
    if not hit.size:
        return None
    i = int(hit[0])
    if i == 0:
        return float(times[0])
    lo, hi = float(times[i - 1]), float(times[i])
    while hi - lo > 1.0:
        mid = (lo + hi) / 2
        if float(f(np.asarray([mid]))[0]) >= target:
            hi = mid
        else:
            lo = mid
    return hi
