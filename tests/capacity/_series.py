"""Synthetic resource histories with a known truth, for the forecast tests and the bench."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass

from warden.results import Sample

DAY = 86400.0


@dataclass(frozen=True)
class Case:
    """``used(age)`` at ``age`` seconds before now; ``full_in`` is the true time to the limit
    from now (None: never within the horizon)."""

    name: str
    used: Callable[[float], float]
    limit: float
    full_in: float | None
    days: float = 3.0


def cases(seed: int = 5) -> list[Case]:
    rng = random.Random(seed)

    def noise(scale: float) -> Callable[[], float]:
        return lambda: rng.gauss(0.0, scale)

    n = noise(0.3)
    return [
        # 40 % used, +10 points a day: full in 6 days
        Case("linear", lambda age: 40 - 10 * age / DAY + n(), 100, 6 * DAY),
        # +5 a day around 50 with a daily cycle of +-10: reaches 100 at a daily peak
        Case(
            "seasonal",
            lambda age: 50 - 5 * age / DAY + 10 * math.sin(2 * math.pi * -age / DAY) + n(),
            100,
            _seasonal_truth(),
        ),
        # log rotation: climbs 30 a day from 20, cut every day; the peaks never grow
        Case("sawtooth", lambda age: 20 + 30 * (1 - (age % DAY) / DAY) + n(), 100, None),
        # grew 10 a day, a cleanup freed 30 points four hours ago
        Case(
            "cleanup",
            lambda age: 60 - 10 * age / DAY - (0 if age < 4 * 3600 else -30) - 30 + n(),
            100,
            7 * DAY,
        ),
        # 24 % used and flat, with noise and bursts
        Case(
            "noise",
            lambda age: 24 + rng.gauss(0, 2) + (15 if rng.random() < 0.01 else 0),
            100,
            None,
        ),
    ]


def _seasonal_truth() -> float:
    """First minute from now at which 50 + 5/day * t + 10 sin(2 pi t / day) reaches 100."""
    t = 0.0
    while 50 + 5 * t / DAY + 10 * math.sin(2 * math.pi * t / DAY) < 100:
        t += 60
    return t


def samples(
    case: Case, now: float, used: str, limit: str, labels: dict[str, str], every: float = 60.0
) -> list[Sample]:
    out = []
    steps = int(case.days * DAY / every)
    for i in range(steps, -1, -1):
        age = i * every
        out.append(Sample(used, labels, case.used(age), now - age))
        out.append(Sample(limit, labels, case.limit, now - age))
    return out
