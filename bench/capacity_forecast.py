"""Capacity forecast accuracy: Warden's model against Prometheus' ``predict_linear`` over 1 h
and 6 h windows, replayed on synthetic series whose truth is known.

Six series of ten days, one sample a minute, limit 100: linear growth, growth with a daily
cycle, a log-rotation sawtooth, growth with a cleanup on day 8, flat noise with bursts, and a
runaway (slow growth, then 2 points an hour from day 9.5). Every 3 hours of the last seven
days each method says when the series reaches the limit, from the history up to then:

- warden: ``warden.capacity.model.forecast`` (change points, cycles, Theil-Sen, 6 h minimum);
- predict_linear 1h / 6h: least squares over the last 1 h / 6 h of samples, extended to the
  limit (what ``predict_linear(v[1h], t) >= limit`` says, solved for t).

The truth is the first minute at which the noise-free series reaches the limit. Reported:
the median relative error of the time to full where the truth is within 30 days (linear and
seasonal series), false alarms (says "full within 24 h" when the truth is later or never) and
missed alarms (the truth is within 24 h and the method says later or never).

    .venv/bin/python bench/capacity_forecast.py
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from warden.capacity.model import forecast

DAY, HOUR = 86400.0, 3600.0
LIMIT = 100.0


@dataclass(frozen=True)
class Series:
    name: str
    clean: Callable[[float], float]  # t: seconds since the series began
    noise: Callable[[np.random.Generator, int], np.ndarray]


def _gauss(scale: float) -> Callable[[np.random.Generator, int], np.ndarray]:
    return lambda rng, n: rng.normal(0.0, scale, n)


def _bursts(rng: np.random.Generator, n: int) -> np.ndarray:
    out = rng.normal(0.0, 2.0, n)
    for start in rng.integers(0, n - 10, n // 1440):  # about one 10-minute burst a day
        out[start : start + 10] += 20.0
    return out


def _runaway(t: float) -> float:
    knee = 9.5 * DAY
    return 30 + 2 * t / DAY + (2 * (t - knee) / HOUR if t > knee else 0.0)


SERIES = [
    Series("linear", lambda t: 20 + 6 * t / DAY, _gauss(0.3)),
    Series(
        "seasonal", lambda t: 30 + 5 * t / DAY + 12 * math.sin(2 * math.pi * t / DAY), _gauss(0.5)
    ),
    Series("sawtooth", lambda t: 20 + 30 * ((t / DAY) % 1.0), _gauss(0.3)),
    Series("cleanup", lambda t: 30 + 8 * t / DAY - (35 if t >= 8 * DAY else 0), _gauss(0.3)),
    Series("bursts", lambda t: 50.0, _bursts),
    Series("runaway", _runaway, _gauss(0.3)),
]


def truth(s: Series, at: float, horizon: float = 60 * DAY) -> float | None:
    """Seconds from ``at`` until the noise-free series first reaches the limit."""
    step = 60.0
    t = at
    while t <= at + horizon:
        if s.clean(t) >= LIMIT:
            return t - at
        t += step
    return None


def predict_linear(ts: np.ndarray, ys: np.ndarray, at: float, window: float) -> float | None:
    """Prometheus' ``predict_linear``: least squares over the window, solved for the limit."""
    keep = ts > at - window
    x, y = ts[keep] - at, ys[keep]
    if x.size < 2:
        return None
    slope, intercept = np.polyfit(x, y, 1)
    if intercept >= LIMIT:
        return 0.0
    if slope <= 0:
        return None
    return float((LIMIT - intercept) / slope)


def warden(ts: np.ndarray, ys: np.ndarray, at: float) -> float | None:
    got = forecast(ts, ys, LIMIT, at).eta(1.0)
    return None if got is None or got.at is None else got.at - at


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=float, default=10.0)
    parser.add_argument("--every", type=float, default=3.0, help="Hours between evaluations.")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    methods: dict[str, Callable[[np.ndarray, np.ndarray, float], float | None]] = {
        "warden": warden,
        "predict_linear 1h": lambda ts, ys, at: predict_linear(ts, ys, at, HOUR),
        "predict_linear 6h": lambda ts, ys, at: predict_linear(ts, ys, at, 6 * HOUR),
    }
    errors: dict[str, list[float]] = {m: [] for m in methods}
    false_alarms = dict.fromkeys(methods, 0)
    missed = dict.fromkeys(methods, 0)
    per_series: dict[tuple[str, str], int] = {}
    cpu = dict.fromkeys(methods, 0.0)
    evaluations = 0
    for s in SERIES:
        t = np.arange(0.0, args.days * DAY, 60.0)
        y = np.array([s.clean(v) for v in t]) + s.noise(rng, t.size)
        for at in np.arange((args.days - 7) * DAY, args.days * DAY, args.every * HOUR):
            keep = t <= at
            real = truth(s, float(at))
            evaluations += 1
            for name, method in methods.items():
                started = time.process_time()
                said = method(t[keep], y[keep], float(at))
                cpu[name] += time.process_time() - started
                soon = said is not None and said <= DAY
                truly_soon = real is not None and real <= DAY
                if soon and not truly_soon:
                    false_alarms[name] += 1
                    per_series[(name, s.name)] = per_series.get((name, s.name), 0) + 1
                if truly_soon and not soon:
                    missed[name] += 1
                if s.name in ("linear", "seasonal") and real is not None and real <= 30 * DAY:
                    errors[name].append(abs((said if said is not None else 60 * DAY) - real) / real)
    print(f"{len(SERIES)} series x {args.days:g} days, {evaluations} evaluations each method")
    print(f"{'method':20s} {'TTF error (median)':>19s} {'false alarms':>13s} {'missed':>7s} "
          f"{'CPU s':>7s}  false alarms by series")  # fmt: skip
    for name in methods:
        med = statistics.median(errors[name]) * 100 if errors[name] else float("nan")
        by = ", ".join(f"{k[1]} {v}" for k, v in sorted(per_series.items()) if k[0] == name)
        print(f"{name:20s} {med:18.1f}% {false_alarms[name]:13d} {missed[name]:7d} "
              f"{cpu[name]:7.2f}  {by or '-'}")  # fmt: skip


if __name__ == "__main__":
    main()
